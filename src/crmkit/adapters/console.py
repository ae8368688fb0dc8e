"""Development gateways: SMS and e-mail printed to the console or written to a JSON-lines file.

``console://`` (the default for both ports) prints one line per message to
standard output — ``console://stderr`` to standard error — and keeps what it
sent in a ``sent`` list, so tests and examples can look at it::

    sms="console://"                 # print to stdout
    email="file:///var/tmp/mail.jsonl"   # append one JSON object per message

The console adapters are fakes that record: they never deduplicate by
idempotency key, so a message sent twice shows up twice. Both register
through the same hooks as a third-party plugin's adapters.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Generic, Self, TextIO, TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

import attrs

from crmkit.adapters.clock import RandomIds, SystemClock
from crmkit.adapters.sms.callbacks import json_objects
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.sms import SmsParts, sms_parts
from crmkit.hookspecs import (
    AdapterContext,
    EmailSenderFactory,
    Register,
    SmsGatewayFactory,
    hookimpl,
)
from crmkit.ports.clock import Clock, IdGenerator
from crmkit.ports.messaging import (
    DeliveryReport,
    DeliveryStatus,
    EmailMessage,
    InboundSms,
    SmsMessage,
)
from crmkit.services.messaging.enqueue import sms_parts_cached

__all__ = [
    "ConsoleEmailSender",
    "ConsoleSmsGateway",
    "FileEmailSender",
    "FileSmsGateway",
    "SentEmail",
    "SentSms",
    "crmkit_register_email_senders",
    "crmkit_register_sms_gateways",
    "parse_development_callback",
]

_STREAMS = ("", "stdout", "stderr")

"""Part counts, cached: campaigns send one text to thousands of recipients."""


@attrs.frozen
class SentSms:
    """An SMS a development gateway sent.

    Attributes:
        id: the message id :meth:`ConsoleSmsGateway.send` returned.
        message: the message as given.
        parts: its encoding and number of SMS parts.
        at: when it was sent, by the gateway's clock.
    """

    id: str
    message: SmsMessage
    parts: SmsParts
    at: datetime


@attrs.frozen
class SentEmail:
    """An e-mail a development sender sent.

    Attributes:
        id: the message id the sender returned.
        message: the message as given.
        at: when it was sent, by the sender's clock.
    """

    id: str
    message: EmailMessage
    at: datetime


def _one_line(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def parse_development_callback(body: bytes) -> list[DeliveryReport | InboundSms]:
    """Read the callback format of the development gateways: JSON, one object or a list.

    ``{"type": "inbound", "from": "+90…", "text": "PUAN"}`` is an inbound SMS;
    ``{"type": "report", "id": "…", "status": "delivered"}`` a delivery report.

    Raises:
        ValidationError: on ``callback`` when the body is not that.
    """
    out: list[DeliveryReport | InboundSms] = []
    for item in json_objects(body):
        kind = item.get("type")
        if kind == "inbound" and isinstance(item.get("from"), str) and isinstance(item.get("text"), str):
            out.append(InboundSms(sender=item["from"], text=item["text"], to=item.get("to")))
        elif kind == "report" and isinstance(item.get("id"), str):
            raw = str(item.get("status", "delivered"))
            statuses = {s.value: s for s in DeliveryStatus}
            status = statuses.get(raw, DeliveryStatus.UNKNOWN)
            out.append(DeliveryReport(provider_id=item["id"], status=status, raw_status=raw))
        else:
            raise ValidationError("callback", f"not an inbound message or a report: {item!r}")
    return out


def _stream_name(url: str, port: str) -> str:
    parts = urlsplit(url)
    name = parts.netloc.lower()
    if name not in _STREAMS or parts.path not in ("", "/") or parts.query:
        hint = "use 'console://', 'console://stdout' or 'console://stderr'"
        raise ValidationError(port, f"{url!r}: {hint}")
    return name or "stdout"


def _file_path(url: str, port: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path or parts.path.endswith("/"):
        raise ValidationError(
            port, f"{url!r}: give an absolute file path, like 'file:///var/tmp/{port}.jsonl'"
        )
    return Path(url2pathname(parts.path))


_Sent = TypeVar("_Sent", SentSms, SentEmail)


class _Console(Generic[_Sent]):
    """What both console adapters share: where to print, a clock, ids, what was sent, the URL form."""

    _port: ClassVar[str]  # the port named by a bad URL's ValidationError: "sms" or "email"

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        stream_name: str = "stdout",
    ) -> None:
        self._stream = stream
        self._stream_name = stream_name
        self._clock: Clock = clock or SystemClock()
        self._ids: IdGenerator = ids or RandomIds()
        self.sent: list[_Sent] = []
        """Every message sent, oldest first."""

    @classmethod
    def from_url(cls, url: str, context: AdapterContext) -> Self:
        """Build from ``console://``, ``console://stdout`` or ``console://stderr``.

        Raises:
            ValidationError: on ``sms`` (``email`` for the e-mail sender) for any other form.
        """
        name = _stream_name(url, cls._port)
        return cls(clock=context.clock, ids=context.ids, stream_name=name)

    def _print(self, line: str) -> None:
        # Look sys.stdout up at each call, so redirections (and pytest's capsys) apply.
        stream = self._stream or getattr(sys, self._stream_name)
        stream.write(line + "\n")


class ConsoleSmsGateway(_Console[SentSms]):
    """Prints each SMS on one line and records it in :attr:`sent`.

    Args:
        stream: where to print; standard output (looked up at each send) by default.
        clock: stamps :attr:`SentSms.at`; the system clock by default.
        ids: makes message ids; random UUIDs by default.

    >>> import io
    >>> from crmkit.testing import FixedClock, SequentialIds
    >>> out = io.StringIO()
    >>> sms = ConsoleSmsGateway(out, clock=FixedClock(), ids=SequentialIds())
    >>> sms.send(SmsMessage(to="+905321234567", text="Puanınız: 120"))
    '00000000-0000-4000-8000-000000000001'
    >>> print(out.getvalue(), end="")
    SMS 00000000-0000-4000-8000-000000000001 to +905321234567 [1 part, UCS-2, 13 units]: Puanınız: 120
    >>> sms.sent[0].parts.parts
    1
    """

    _port = "sms"

    idempotent = False
    """A development gateway never deduplicates: a message sent twice is recorded twice."""

    def send(self, message: SmsMessage) -> str:
        """Print ``message`` with its part count, record it, and return a new message id."""
        parts = sms_parts_cached(message.text)
        sent = SentSms(str(self._ids.new()), message, parts, self._clock.now())
        key = f" key={message.key}" if message.key is not None else ""
        self._print(
            f"SMS {sent.id} to {message.to}"
            f" [{_plural(parts.parts, 'part')}, {parts.encoding}, {parts.units} units]{key}:"
            f" {_one_line(message.text)}"
        )
        self.sent.append(sent)
        return sent.id

    def status(self, provider_id: str) -> DeliveryReport:
        """``delivered`` for a message this gateway sent.

        Raises:
            NotFound: it sent no message with this id.
        """
        for sent in self.sent:
            if sent.id == provider_id:
                return DeliveryReport(
                    provider_id=provider_id,
                    status=DeliveryStatus.DELIVERED,
                    raw_status="delivered",
                    recipient=sent.message.to,
                    at=sent.at,
                )
        raise NotFound("sms", provider_id)

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Read a JSON callback (see :func:`parse_development_callback`)."""
        return parse_development_callback(body)


class ConsoleEmailSender(_Console[SentEmail]):
    """Prints a one-line summary of each e-mail and records it in :attr:`sent`.

    Args:
        stream: where to print; standard output (looked up at each send) by default.
        clock: stamps :attr:`SentEmail.at`; the system clock by default.
        ids: makes message ids; random UUIDs by default.

    >>> import io
    >>> from crmkit.ports.messaging import Attachment
    >>> from crmkit.testing import FixedClock, SequentialIds
    >>> out = io.StringIO()
    >>> mail = ConsoleEmailSender(out, clock=FixedClock(), ids=SequentialIds())
    >>> pdf = Attachment("teklif.pdf", "application/pdf", b"%PDF-1.7")
    >>> mail_id = mail.send(EmailMessage("ayse@example.com.tr", "Teklif", "Ekte.", [pdf]))
    >>> print(out.getvalue(), end="")
    E-mail 00000000-0000-4000-8000-000000000001 to ayse@example.com.tr [5 chars, 1 attachment]: Teklif
    """

    _port = "email"

    def send(self, message: EmailMessage) -> str:
        """Print a summary of ``message``, record it, and return a new message id."""
        sent = SentEmail(str(self._ids.new()), message, self._clock.now())
        key = f" key={message.key}" if message.key is not None else ""
        self._print(
            f"E-mail {sent.id} to {message.to}"
            f" [{_plural(len(message.body), 'char')},"
            f" {_plural(len(message.attachments), 'attachment')}]{key}:"
            f" {_one_line(message.subject)}"
        )
        self.sent.append(sent)
        return sent.id


class _JsonLines:
    """Appends one JSON object per line to a file, creating it (and its folder) on first use."""

    _port: ClassVar[str]  # the port named by a bad URL's ValidationError: "sms" or "email"

    def __init__(
        self, path: Path | str, *, clock: Clock | None = None, ids: IdGenerator | None = None
    ) -> None:
        self.path = Path(path)
        """The file written to."""
        self._clock: Clock = clock or SystemClock()
        self._ids: IdGenerator = ids or RandomIds()
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, context: AdapterContext) -> Self:
        """Build from ``file:///absolute/path.jsonl``.

        Raises:
            ValidationError: on ``sms`` (``email`` for the e-mail sender) when the URL has no absolute path.
        """
        return cls(_file_path(url, cls._port), clock=context.clock, ids=context.ids)

    def _append(self, record: Mapping[str, object]) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")


class FileSmsGateway(_JsonLines):
    """Appends each SMS to a JSON-lines file (UTF-8).

    Each line holds ``id``, ``at`` (ISO 8601), ``to``, ``text``, ``key``,
    ``encoding``, ``units`` and ``parts``.

    Args:
        path: the file; its folder is created when the first message is written.
        clock: stamps ``at``; the system clock by default.
        ids: makes message ids; random UUIDs by default.
    """

    _port = "sms"

    idempotent = False
    """Never deduplicates: a message sent twice is written twice."""

    def status(self, provider_id: str) -> DeliveryReport:
        """``delivered`` for a message written to the file.

        Raises:
            NotFound: the file holds no message with this id.
        """
        if self.path.exists():
            with self._lock, self.path.open(encoding="utf-8") as f:
                for line in f:
                    record = json.loads(line)
                    if record.get("id") == provider_id:
                        return DeliveryReport(
                            provider_id=provider_id,
                            status=DeliveryStatus.DELIVERED,
                            raw_status="delivered",
                            recipient=record.get("to"),
                            at=datetime.fromisoformat(record["at"]),
                        )
        raise NotFound("sms", provider_id)

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Read a JSON callback (see :func:`parse_development_callback`)."""
        return parse_development_callback(body)

    def send(self, message: SmsMessage) -> str:
        """Append ``message`` with its part count to the file; return a new message id."""
        parts = sms_parts(message.text)
        message_id = str(self._ids.new())
        self._append(
            {
                "id": message_id,
                "at": self._clock.now().isoformat(),
                "to": message.to,
                "text": message.text,
                "key": message.key,
                "encoding": parts.encoding,
                "units": parts.units,
                "parts": parts.parts,
            }
        )
        return message_id


class FileEmailSender(_JsonLines):
    """Appends each e-mail to a JSON-lines file (UTF-8).

    Each line holds ``id``, ``at``, ``to``, ``subject``, ``body``, ``key`` and
    ``attachments`` (``filename``, ``media_type``, ``size`` and the bytes in
    ``content_base64``).

    Args:
        path: the file; its folder is created when the first message is written.
        clock: stamps ``at``; the system clock by default.
        ids: makes message ids; random UUIDs by default.
    """

    _port = "email"

    def send(self, message: EmailMessage) -> str:
        """Append ``message`` to the file; return a new message id."""
        message_id = str(self._ids.new())
        self._append(
            {
                "id": message_id,
                "at": self._clock.now().isoformat(),
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
                "key": message.key,
                "attachments": [
                    {
                        "filename": a.filename,
                        "media_type": a.media_type,
                        "size": len(a.content),
                        "content_base64": base64.b64encode(a.content).decode("ascii"),
                    }
                    for a in message.attachments
                ],
            }
        )
        return message_id


@hookimpl
def crmkit_register_sms_gateways(register: Register[SmsGatewayFactory]) -> None:
    """Offer ``console://`` and ``file:///path.jsonl`` SMS gateways."""
    register("console", ConsoleSmsGateway.from_url)
    register("file", FileSmsGateway.from_url)


@hookimpl
def crmkit_register_email_senders(register: Register[EmailSenderFactory]) -> None:
    """Offer ``console://`` and ``file:///path.jsonl`` e-mail senders."""
    register("console", ConsoleEmailSender.from_url)
    register("file", FileEmailSender.from_url)
