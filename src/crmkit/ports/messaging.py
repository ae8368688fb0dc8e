"""Messaging ports: SMS gateway and e-mail sender (SPEC §9, issue 6).

Phone numbers are E.164 strings; e-mail addresses are already validated.
Gateways raise :class:`~crmkit.domain.messaging.DeliveryFailed` telling a
temporary failure (retry later) from a permanent one (never retry); the
outbox dispatcher acts on that. Every built-in adapter passes the contract
suites in :mod:`crmkit.testing.contracts` (``SmsGatewayContract``,
``EmailSenderContract``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from crmkit.domain.messaging import MessageKind

__all__ = [
    "Attachment",
    "DeliveryReport",
    "DeliveryStatus",
    "EmailMessage",
    "EmailSender",
    "InboundSms",
    "SmsGateway",
    "SmsMessage",
]


@attrs.frozen
class SmsMessage:
    """An SMS to send.

    Attributes:
        to: the E.164 recipient (``+905321234567``).
        text: the text; Turkish letters make it UCS-2 (:func:`crmkit.domain.sms.sms_parts`).
        key: the idempotency key, passed to gateways that can use one.
        kind: commercial messages carry the provider's İYS fields (M3).
        recipient_type: İYS recipient type of a commercial message:
            ``"BIREYSEL"`` (individuals) or ``"TACIR"`` (merchants).
    """

    to: str
    text: str
    key: str | None = None
    kind: MessageKind = MessageKind.INFORMATIONAL
    recipient_type: str = "BIREYSEL"


@attrs.frozen
class Attachment:
    """A file attached to an e-mail."""

    filename: str
    media_type: str
    content: bytes = attrs.field(repr=False)


@attrs.frozen
class EmailMessage:
    """An e-mail to send (UTF-8 subject and names are fine).

    Attributes:
        to: the recipient address; ``"Ayşe Yılmaz <ayse@example.com.tr>"`` keeps the name.
        subject: the subject.
        body: the plain-text body.
        attachments: files to attach.
        key: the idempotency key (sent as the ``Message-ID`` by SMTP).
    """

    to: str
    subject: str
    body: str
    attachments: Sequence[Attachment] = ()
    key: str | None = None


class DeliveryStatus(enum.Enum):
    """A message's fate at the provider, across providers' own codes."""

    PENDING = "pending"
    """Accepted, not delivered yet (queued, sending, sent to the operator)."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Not delivered and will not be (rejected, undeliverable)."""
    EXPIRED = "expired"
    """Not delivered before its validity period ran out (Netgsm status ``2``)."""
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class DeliveryReport:
    """What a provider says about one sent message.

    Attributes:
        provider_id: the id :meth:`SmsGateway.send` returned.
        status: the status in crmkit's terms.
        raw_status: the provider's own status code, kept as given.
        recipient: the E.164 number, when the provider tells it.
        error_code: the provider's error code, if any.
        at: when the provider reported it, if given.
    """

    provider_id: str
    status: DeliveryStatus
    raw_status: str
    recipient: str | None = None
    error_code: str | None = None
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class InboundSms:
    """An SMS a customer sent to the CRM's number (V6/V7, M3).

    Attributes:
        sender: the customer's number, E.164.
        text: what they wrote.
        to: the number or short code they wrote to, if known.
        provider_id: the provider's id of the message, if any.
        received_at: when the provider received it, if given.
    """

    sender: str
    text: str
    to: str | None = None
    provider_id: str | None = None
    received_at: datetime | None = None


@runtime_checkable
class SmsGateway(Protocol):
    """Sends SMS through a provider, reports delivery, and reads its webhooks.

    Attributes:
        idempotent: whether the provider deduplicates by :attr:`SmsMessage.key`
            (a retried send is then never delivered twice). None of Netgsm,
            İleti Merkezi and Twilio does; the dispatcher records possible
            duplicates for such gateways.
    """

    idempotent: bool

    def send(self, message: SmsMessage) -> str:
        """Send ``message`` and return the provider's message id.

        Not idempotent unless :attr:`idempotent` is true.

        Raises:
            DeliveryFailed: the provider refused the message or could not be reached;
                ``permanent`` says whether a retry can help.
        """
        ...

    def status(self, provider_id: str) -> DeliveryReport:
        """Ask the provider what became of a sent message (idempotent, read-only).

        Raises:
            NotFound: the provider knows no such message.
            DeliveryFailed: the provider could not be asked (temporary).
        """
        ...

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Read a webhook request the provider sent: delivery reports and inbound messages.

        Pure (no I/O); returns the items in the order they appear in ``body``.

        Raises:
            ValidationError: the body is not a callback of this provider.
        """
        ...


@runtime_checkable
class EmailSender(Protocol):
    """Sends e-mail."""

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` and return its message id (not idempotent).

        Raises:
            DeliveryFailed: the server refused the message or could not be reached;
                ``permanent`` says whether a retry can help.
        """
        ...
