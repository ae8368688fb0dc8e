"""Every SMS gateway and the file e-mail sender against the messaging contracts (SPEC §9).

Netgsm, İleti Merkezi and Twilio talk to local emulations of their HTTP APIs
(``tests/messaging/emulators.py``), which are also the recording peers the SMS
contract watches; the console and file gateways are their own peers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer

from crmkit.adapters.console import ConsoleSmsGateway, FileEmailSender, FileSmsGateway
from crmkit.adapters.sms.iletimerkezi import IletiMerkeziGateway
from crmkit.adapters.sms.netgsm import NetgsmGateway
from crmkit.adapters.sms.twilio import TwilioGateway
from crmkit.ports.messaging import Attachment, EmailMessage
from crmkit.testing.contracts import EmailSenderContract, SmsGatewayContract
from tests.messaging.emulators import EmulatorPeer, iletimerkezi_peer, netgsm_peer, twilio_peer
from tests.messaging.test_sms_gateways import TO, ileti, netgsm, twilio

INBOUND = json.dumps({"type": "inbound", "from": "+905321234567", "text": "PUAN"}).encode()


class DevelopmentPeer:
    """The console and file gateways' "provider": what they wrote; it never refuses a message."""

    refuses = False

    def __init__(self, written: Callable[[], list[tuple[str, str]]]) -> None:
        self.received = written

    def refuse_next(self, *, permanent: bool) -> None:
        raise AssertionError("a development gateway's provider never refuses")

    def report(self, provider_id: str) -> tuple[bytes, Mapping[str, str]]:
        return json.dumps({"type": "report", "id": provider_id, "status": "delivered"}).encode(), {}


class TestConsoleSmsContract(SmsGatewayContract):
    @pytest.fixture
    def gateway(self) -> ConsoleSmsGateway:
        return ConsoleSmsGateway(io.StringIO())

    @pytest.fixture
    def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
        return INBOUND, {}

    @pytest.fixture
    def provider(self, gateway: ConsoleSmsGateway) -> DevelopmentPeer:
        return DevelopmentPeer(lambda: [(s.message.to, s.message.text) for s in gateway.sent])


class TestFileSmsContract(SmsGatewayContract):
    @pytest.fixture
    def gateway(self, tmp_path: Path) -> FileSmsGateway:
        return FileSmsGateway(tmp_path / "sms.jsonl")

    @pytest.fixture
    def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
        return INBOUND, {}

    @pytest.fixture
    def provider(self, gateway: FileSmsGateway) -> DevelopmentPeer:
        def written() -> list[tuple[str, str]]:
            if not gateway.path.exists():
                return []
            lines = gateway.path.read_text(encoding="utf-8").splitlines()
            return [(r["to"], r["text"]) for r in map(json.loads, lines)]

        return DevelopmentPeer(written)


class TestNetgsmContract(SmsGatewayContract):
    @pytest.fixture
    def peer(self, httpserver: HTTPServer) -> tuple[NetgsmGateway, EmulatorPeer]:
        gateway, emulator = netgsm(httpserver)
        return gateway, netgsm_peer(emulator)

    @pytest.fixture
    def gateway(self, peer: tuple[NetgsmGateway, EmulatorPeer]) -> NetgsmGateway:
        return peer[0]

    @pytest.fixture
    def provider(self, peer: tuple[NetgsmGateway, EmulatorPeer]) -> EmulatorPeer:
        return peer[1]

    @pytest.fixture
    def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
        body = urlencode({"gsmno": "905321234567", "msg": "PUAN", "msgheader": "CRMKIT"}).encode()
        return body, {"Content-Type": "application/x-www-form-urlencoded"}


class TestIletiMerkeziContract(SmsGatewayContract):
    @pytest.fixture
    def peer(self, httpserver: HTTPServer) -> tuple[IletiMerkeziGateway, EmulatorPeer]:
        gateway, emulator = ileti(httpserver)
        return gateway, iletimerkezi_peer(emulator)

    @pytest.fixture
    def gateway(self, peer: tuple[IletiMerkeziGateway, EmulatorPeer]) -> IletiMerkeziGateway:
        return peer[0]

    @pytest.fixture
    def provider(self, peer: tuple[IletiMerkeziGateway, EmulatorPeer]) -> EmulatorPeer:
        return peer[1]

    @pytest.fixture
    def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
        body = json.dumps({"inbound": {"from": "5321234567", "message": "PUAN"}}).encode()
        return body, {"Content-Type": "application/json"}


class TestTwilioContract(SmsGatewayContract):
    @pytest.fixture
    def peer(self, httpserver: HTTPServer) -> tuple[TwilioGateway, EmulatorPeer]:
        gateway, emulator = twilio(httpserver)
        return gateway, twilio_peer(emulator)

    @pytest.fixture
    def gateway(self, peer: tuple[TwilioGateway, EmulatorPeer]) -> TwilioGateway:
        return peer[0]

    @pytest.fixture
    def provider(self, peer: tuple[TwilioGateway, EmulatorPeer]) -> EmulatorPeer:
        return peer[1]

    @pytest.fixture
    def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
        form = {
            "MessageSid": "SM1",
            "From": TO,
            "To": "+15005550006",
            "Body": "PUAN",
            "SmsStatus": "received",
        }
        return urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}


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
