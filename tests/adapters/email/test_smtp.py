"""The SMTP sender against a real aiosmtpd server on 127.0.0.1 (issue 6 item 4).

Its contract bindings (STARTTLS + AUTH, implicit TLS) are in ``tests/contracts/test_messaging.py``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import DeliveryFailed
from crmkit.ports.messaging import Attachment, EmailMessage
from tests.services.messaging.smtp_server import (
    PASSWORD,
    USER,
    free_port,
    make_certificate,
    smtp_sender,
    smtp_server,
)

FROM = quote("CRM Satış <crm@example.com.tr>")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


# -- headers, envelope, encodings ---------------------------------------------------------
def test_headers_envelope_and_encoded_words(certificate: tuple[Path, Path]) -> None:
    """Item 4: RFC 2047 subject/name on the wire, envelope from/to, Message-ID from the key."""
    with smtp_server(certificate=certificate, auth=True) as (inbox, port):
        url = f"smtp://{USER}:{quote(PASSWORD)}@127.0.0.1:{port}?from={FROM}&cafile={quote(str(certificate[0]))}"
        sender = smtp_sender(url)
        pdf = Attachment("fiyat listesi — İzmir.pdf", "application/pdf", b"%PDF-1.7\n\xff\x00binary")
        message_id = sender.send(
            EmailMessage(
                "Ayşe Yılmaz <ayse@example.com.tr>", "Şubat teklifi", "Merhaba,\nğüşiöç", [pdf], key="k-42"
            )
        )
        (mail_from, rcpt, mime) = inbox.envelopes[0]
    assert message_id == "<k-42@crmkit>" == mime["Message-ID"]
    assert mail_from == "crm@example.com.tr" and rcpt == ["ayse@example.com.tr"]
    assert mime["Subject"] == "Şubat teklifi"
    assert mime["From"].addresses[0].display_name == "CRM Satış"
    assert mime["To"].addresses[0].display_name == "Ayşe Yılmaz"
    raw = mime.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0].lower() or b"=?UTF-8?" in raw
    (part,) = list(mime.iter_attachments())
    assert part.get_filename() == "fiyat listesi — İzmir.pdf"
    assert part.get_payload(decode=True) == pdf.content


def test_starttls_required_refuses_a_plain_server() -> None:
    """Item 4: with starttls=required (the default) nothing goes in the clear."""
    with smtp_server() as (inbox, port):
        sender = smtp_sender(f"smtp://127.0.0.1:{port}?from=crm%40example.com")
        with pytest.raises(DeliveryFailed) as raised:
            sender.send(EmailMessage("a@example.com", "x", "y"))
        assert raised.value.code == "no-starttls" and not raised.value.permanent
        assert inbox.envelopes == []
        smtp_sender(f"smtp://127.0.0.1:{port}?from=crm%40example.com&starttls=opportunistic").send(
            EmailMessage("a@example.com", "x", "y")
        )
        assert len(inbox.envelopes) == 1


def test_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    """Item 4: the server certificate is verified unless told otherwise."""
    with smtp_server(certificate=certificate) as (inbox, port):
        sender = smtp_sender(f"smtp://127.0.0.1:{port}?from=crm%40example.com")
        with pytest.raises(DeliveryFailed) as raised:
            sender.send(EmailMessage("a@example.com", "x", "y"))
        assert not raised.value.permanent
        smtp_sender(f"smtp://127.0.0.1:{port}?from=crm%40example.com&verify=false").send(
            EmailMessage("a@example.com", "x", "y")
        )
        assert len(inbox.envelopes) == 1


def test_wrong_password_is_temporary_and_never_shown(certificate: tuple[Path, Path]) -> None:
    secret = "wrong-Şifre-123"
    with smtp_server(certificate=certificate, auth=True) as (inbox, port):
        url = f"smtp://{USER}:{quote(secret)}@127.0.0.1:{port}?from=crm%40example.com&verify=false"
        sender = smtp_sender(url)
        with pytest.raises(DeliveryFailed) as raised:
            sender.send(EmailMessage("a@example.com", "x", "y"))
    assert raised.value.code == "535" and not raised.value.permanent
    assert secret not in str(raised.value) and secret not in repr(sender)
    assert inbox.envelopes == []


@pytest.mark.parametrize(
    ("reply", "permanent"), [("550 5.1.1 no such user", True), ("451 4.3.0 try later", False)]
)
def test_refused_recipient_classification(reply: str, permanent: bool) -> None:
    """Item 4: 5xx is permanent, 4xx temporary."""
    with smtp_server() as (inbox, port):
        inbox.reject_rcpt["nobody@example.com"] = reply
        sender = smtp_sender(f"smtp://127.0.0.1:{port}?from=crm%40example.com&starttls=off")
        with pytest.raises(DeliveryFailed) as raised:
            sender.send(EmailMessage("nobody@example.com", "x", "y"))
    assert raised.value.code == reply[:3] and raised.value.permanent is permanent


def test_no_server_is_a_temporary_failure() -> None:
    sender = smtp_sender(f"smtp://127.0.0.1:{free_port()}?from=crm%40example.com&timeout=2")
    with pytest.raises(DeliveryFailed) as raised:
        sender.send(EmailMessage("a@example.com", "x", "y"))
    assert raised.value.code == "network" and not raised.value.permanent


@pytest.mark.parametrize(
    "url", ["smtp://?from=a%40b.c", "smtp://mail.example.com", "smtp://h?from=a%40b.c&starttls=maybe"]
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValidationError) as raised:
        smtp_sender(url)
    assert raised.value.field == "email"
