"""A real SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS, implicit TLS and AUTH, for tests."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage as MimeMessage
from pathlib import Path
from typing import Any

import attrs
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from crmkit.adapters.email.smtp import SmtpEmailSender
from crmkit.ports.messaging import Attachment, EmailMessage

USER, PASSWORD = "crm", "pa§§-wörd"


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 (aiosmtpd cannot take port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), returned as (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@attrs.define
class Inbox:
    """What the server received: envelope and parsed message, oldest first."""

    envelopes: list[tuple[str, list[str], MimeMessage]] = attrs.Factory(list)
    reject_rcpt: dict[str, str] = attrs.Factory(dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.reject_rcpt:
            return self.reject_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, MimeMessage)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        """Received mail as port values: To, Subject, text body, attachments."""
        out = []
        for _, _, mime in self.envelopes:
            body_part = mime.get_body(preferencelist=("plain",))
            body = body_part.get_content().replace("\r\n", "\n") if body_part is not None else ""
            attachments = []
            for part in mime.iter_attachments():
                content = part.get_payload(decode=True)
                assert isinstance(content, bytes)
                attachments.append(Attachment(part.get_filename() or "", part.get_content_type(), content))
            out.append(EmailMessage(str(mime["To"]), str(mime["Subject"]), body, attachments))
        return out


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(
    *, certificate: tuple[Path, Path] | None = None, implicit_tls: bool = False, auth: bool = False
) -> Iterator[tuple[Inbox, int]]:
    """Run an aiosmtpd server on 127.0.0.1 and a free port; STARTTLS when given a certificate."""
    inbox = Inbox()
    port = free_port()
    kwargs: dict[str, Any] = {}
    tls: ssl.SSLContext | None = None
    if certificate is not None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(*map(str, certificate))
    if tls is not None and not implicit_tls:
        kwargs.update(tls_context=tls, require_starttls=True)
    if auth:
        kwargs.update(authenticator=_authenticator, auth_required=True, auth_require_tls=tls is not None)
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=tls if implicit_tls else None,
        server_hostname="127.0.0.1",
        **kwargs,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def smtp_sender(url: str) -> SmtpEmailSender:
    """The SMTP sender the plugins build for ``url``."""
    from crmkit.domain.settings import Settings
    from crmkit.hookspecs import AdapterContext
    from crmkit.plugins import Plugins, make_plugin_manager
    from crmkit.testing import FixedClock, SequentialIds

    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    sender = plugins.build("email", url, AdapterContext(FixedClock(), SequentialIds(), Settings()))
    assert isinstance(sender, SmtpEmailSender)
    return sender
