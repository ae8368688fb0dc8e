"""An e-mail sender over SMTP (stdlib :mod:`smtplib`): STARTTLS or implicit TLS, auth, attachments, UTF-8.

URLs (credentials never logged)::

    smtp://USER:PASSWORD@mail.example.com:587?from=CRM%20%3Ccrm%40example.com%3E
    smtps://USER:PASSWORD@mail.example.com:465?from=crm%40example.com

Options:

* ``from``: the sender address, with an optional display name (required).
* ``starttls``: ``required`` (default for ``smtp://``: refuse to send in the
  clear), ``opportunistic`` (upgrade when offered) or ``off``.
* ``cafile``: a CA bundle to trust (a private CA, or a test certificate);
  ``verify=false`` turns certificate checks off (never in production).
* ``timeout``: seconds (default 30); ``helo``: the name to greet with.

Subjects and display names are RFC 2047-encoded when not ASCII, attachment
names RFC 2231-encoded; the body is UTF-8. The message's ``Message-ID`` is
made from :attr:`EmailMessage.key` when given (so a redelivery carries the
same id and mail clients can fold duplicates), else a random one; it is
what :meth:`SmtpEmailSender.send` returns.

Failures: a 5xx reply to a recipient, the sender or the data is **permanent**;
4xx replies, authentication refusals (an operator can fix them), lost
connections and timeouts are **temporary** (``maybe_sent`` when the
connection dropped after the data was handed over).
"""

from __future__ import annotations

import base64
import email.policy
import email.utils
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from typing import Self
from urllib.parse import parse_qsl, unquote, urlsplit

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import DeliveryFailed
from crmkit.hookspecs import AdapterContext
from crmkit.ports.messaging import EmailMessage

__all__ = ["SmtpEmailSender", "build_mime"]

_STARTTLS = ("required", "opportunistic", "off")


def _address(text: str, field: str) -> Address:
    name, addr = email.utils.parseaddr(text)
    if "@" not in addr:
        raise ValidationError(field, f"{text!r} is not an e-mail address")
    local, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=local, domain=domain)


def build_mime(message: EmailMessage, sender: str, *, message_id: str | None = None) -> MimeMessage:
    """The MIME message for ``message`` from ``sender``: UTF-8 text, attachments, ``Message-ID``.

    >>> mime = build_mime(EmailMessage("Ayşe <ayse@example.com>", "Şubat", "Merhaba"), "crm@example.com")
    >>> mime["Subject"], str(mime["To"])
    ('Şubat', 'Ayşe <ayse@example.com>')
    >>> b"=?utf-8?" in mime.as_bytes()
    True
    """
    mime = MimeMessage(policy=email.policy.SMTP)
    mime["From"] = _address(sender, "from")
    mime["To"] = _address(message.to, "to")
    mime["Subject"] = message.subject
    mime["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    if message_id is None:
        message_id = f"<{message.key}@crmkit>" if message.key else email.utils.make_msgid(domain="crmkit")
    mime["Message-ID"] = message_id
    mime.set_content(message.body, charset="utf-8")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        mime.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return mime


class SmtpEmailSender:
    """Sends each e-mail over one SMTP connection (see the module docs for the URL).

    Args:
        host: the server.
        port: its port.
        sender: the ``From`` address.
        username: login, if the server wants one.
        password: its password; never shown in ``repr`` or errors.
        implicit_tls: TLS from the first byte (``smtps://``).
        starttls: ``required``, ``opportunistic`` or ``off``.
        ssl_context: the TLS settings (default: system CAs, hostname checked).
        timeout: seconds per network operation.
        helo: the name to greet the server with (default: this host's name).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str = "",
        password: str = "",
        implicit_tls: bool = False,
        starttls: str = "required",
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        helo: str | None = None,
    ) -> None:
        if starttls not in _STARTTLS:
            raise ValidationError("email", f"starttls must be one of {', '.join(_STARTTLS)}")
        _address(sender, "email")
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self._password = password
        self.implicit_tls = implicit_tls
        self.starttls = starttls
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self.helo = helo

    def __repr__(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"SmtpEmailSender('{scheme}://{self.username}@{self.host}:{self.port}')"

    @classmethod
    def from_url(cls, url: str, context: AdapterContext | None = None) -> Self:
        """Build from ``smtp://user:pass@host:port?from=…`` or ``smtps://…``.

        Raises:
            ValidationError: on ``email`` for a missing host or sender, or a bad option.
        """
        parts = urlsplit(url)
        implicit = parts.scheme.lower() == "smtps"
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        if not parts.hostname:
            raise ValidationError(
                "email", f"{parts.scheme}:// needs a host: '{parts.scheme}://mail.example.com'"
            )
        if not options.get("from"):
            raise ValidationError("email", f"{parts.scheme}:// needs ?from=address")
        context_ = ssl.create_default_context(cafile=options.get("cafile") or None)
        if options.get("verify", "true").lower() in ("false", "0", "no"):
            context_.check_hostname = False
            context_.verify_mode = ssl.CERT_NONE
        try:
            timeout = float(options.get("timeout", "30"))
            port = parts.port or (465 if implicit else 587)
        except ValueError:
            raise ValidationError("email", "port and timeout must be numbers") from None
        return cls(
            parts.hostname,
            port,
            sender=options["from"],
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            implicit_tls=implicit,
            starttls="off" if implicit else options.get("starttls", "required"),
            ssl_context=context_,
            timeout=timeout,
            helo=options.get("helo") or None,
        )

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, local_hostname=self.helo, timeout=self.timeout, context=self.ssl_context
            )
        client = smtplib.SMTP(self.host, self.port, local_hostname=self.helo, timeout=self.timeout)
        try:
            client.ehlo()
            if self.starttls != "off":
                if client.has_extn("starttls"):
                    client.starttls(context=self.ssl_context)
                    client.ehlo()
                elif self.starttls == "required":
                    raise DeliveryFailed(
                        "smtp", "no-starttls", "the server does not offer STARTTLS", permanent=False
                    )
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: EmailMessage) -> str:
        """Send ``message``; return its ``Message-ID``.

        Raises:
            DeliveryFailed: the server refused it or could not be reached.
        """
        mime = build_mime(message, self.sender)
        handed_over = False
        try:
            client = self._connect()
            try:
                if self.username:
                    self._login(client)
                handed_over = True
                client.send_message(mime)
            finally:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise self._failure(code, reply) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise self._failure(error.smtp_code, error.smtp_error) from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryFailed(
                "smtp", str(error.smtp_code), "authentication refused", permanent=False
            ) from None
        except smtplib.SMTPResponseException as error:
            raise self._failure(error.smtp_code, error.smtp_error) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(
                "smtp",
                "network",
                f"{type(error).__name__} talking to {self.host}:{self.port}",
                permanent=False,
                maybe_sent=handed_over,
            ) from None
        return str(mime["Message-ID"])

    def _login(self, client: smtplib.SMTP) -> None:
        """Log in; non-ASCII credentials go as UTF-8 AUTH PLAIN (RFC 4616), which smtplib cannot do."""
        if (self.username + self._password).isascii():
            client.login(self.username, self._password)
            return
        token = base64.b64encode(f"\0{self.username}\0{self._password}".encode()).decode("ascii")
        code, reply = client.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def _failure(self, code: int, reply: bytes | str) -> DeliveryFailed:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        return DeliveryFailed("smtp", str(code), text, permanent=500 <= code < 600)
