"""Console and file SMS gateways and the file e-mail sender hold to the messaging contracts (issue 6, 8)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from crmkit.adapters.console import ConsoleSmsGateway, FileEmailSender, FileSmsGateway
from crmkit.ports.messaging import Attachment, EmailMessage
from crmkit.testing.contracts import EmailSenderContract, SmsGatewayContract

INBOUND = json.dumps({"type": "inbound", "from": "+905321234567", "text": "PUAN"}).encode()


class TestConsoleSmsContract(SmsGatewayContract):
    @pytest.fixture
    def gateway(self) -> ConsoleSmsGateway:
        return ConsoleSmsGateway(io.StringIO())

    @pytest.fixture
    def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
        return INBOUND, {}


class TestFileSmsContract(SmsGatewayContract):
    @pytest.fixture
    def gateway(self, tmp_path: Path) -> FileSmsGateway:
        return FileSmsGateway(tmp_path / "sms.jsonl")

    @pytest.fixture
    def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
        return INBOUND, {}


class TestFileEmailContract(EmailSenderContract):
    @pytest.fixture
    def sender(self, tmp_path: Path) -> FileEmailSender:
        return FileEmailSender(tmp_path / "mail.jsonl")

    @pytest.fixture
    def delivered(self, sender: FileEmailSender) -> Callable[[], list[EmailMessage]]:
        import base64

        def read() -> list[EmailMessage]:
            lines = sender.path.read_text(encoding="utf-8").splitlines() if sender.path.exists() else []
            out = []
            for line in lines:
                r = json.loads(line)
                files = [
                    Attachment(a["filename"], a["media_type"], base64.b64decode(a["content_base64"]))
                    for a in r["attachments"]
                ]
                out.append(EmailMessage(r["to"], r["subject"], r["body"], files, r["key"]))
            return out

        return read
