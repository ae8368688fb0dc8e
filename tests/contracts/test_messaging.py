"""Every SMS gateway and e-mail sender against the messaging contracts (SPEC §9).

Netgsm, İleti Merkezi and Twilio talk to local emulations of their HTTP APIs
(``tests/services/messaging/emulators.py``), which are also the recording peers the SMS
contract watches; the console and file gateways are their own peers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

import pytest

from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway, FileEmailSender, FileSmsGateway
from crmkit.adapters.email.smtp import SmtpEmailSender
from crmkit.ports.messaging import Attachment, EmailMessage
from crmkit.testing.contracts import EmailSenderContract, SmsGatewayContract
from tests.contracts.bindings import (
    ILETIMERKEZI_INBOUND,
    NETGSM_INBOUND,
    TWILIO_INBOUND,
    SmtpEmailBinding,
    sms_binding,
    with_iletimerkezi,
    with_netgsm,
    with_twilio,
)
from tests.services.messaging.smtp_server import (
    PASSWORD,
    USER,
    Inbox,
    make_certificate,
    smtp_sender,
    smtp_server,
)

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


TestNetgsmContract = sms_binding(with_netgsm, NETGSM_INBOUND)
TestIletiMerkeziContract = sms_binding(with_iletimerkezi, ILETIMERKEZI_INBOUND)
TestTwilioContract = sms_binding(with_twilio, TWILIO_INBOUND)


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


FROM = quote("CRM Satış <crm@example.com.tr>")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


class TestSmtpPlainContract(SmtpEmailBinding):
    pass


class TestSmtpStarttlsContract(SmtpEmailBinding):
    """The plain binding's ``delivered`` and ``refuse``, on a STARTTLS server with AUTH."""

    @pytest.fixture
    def server(self, certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
        with smtp_server(certificate=certificate, auth=True) as running:
            yield running

    @pytest.fixture
    def sender(self, server: tuple[Inbox, int], certificate: tuple[Path, Path]) -> SmtpEmailSender:
        _, port = server
        cafile = quote(str(certificate[0]))
        return smtp_sender(f"smtp://{USER}:{quote(PASSWORD)}@127.0.0.1:{port}?from={FROM}&cafile={cafile}")


class TestSmtpsContract(TestSmtpStarttlsContract):
    @pytest.fixture
    def server(self, certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
        with smtp_server(certificate=certificate, implicit_tls=True) as running:
            yield running

    @pytest.fixture
    def sender(self, server: tuple[Inbox, int], certificate: tuple[Path, Path]) -> SmtpEmailSender:
        cafile = quote(str(certificate[0]))
        return smtp_sender(f"smtps://127.0.0.1:{server[1]}?from={FROM}&cafile={cafile}")


class TestConsoleEmailContract(EmailSenderContract):
    @pytest.fixture
    def sender(self) -> ConsoleEmailSender:
        import io

        return ConsoleEmailSender(io.StringIO())

    @pytest.fixture
    def delivered(self, sender: ConsoleEmailSender) -> Callable[[], list[EmailMessage]]:
        return lambda: [s.message for s in sender.sent]
