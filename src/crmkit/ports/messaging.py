"""Messaging ports: SMS gateway and e-mail sender.

Phone numbers are E.164 strings; e-mail addresses are already validated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import attrs

__all__ = ["Attachment", "EmailMessage", "EmailSender", "SmsGateway", "SmsMessage"]


@attrs.frozen
class SmsMessage:
    """An SMS to send: E.164 recipient, text, and an idempotency key."""

    to: str
    text: str
    key: str | None = None


@attrs.frozen
class Attachment:
    """A file attached to an e-mail."""

    filename: str
    media_type: str
    content: bytes = attrs.field(repr=False)


@attrs.frozen
class EmailMessage:
    """An e-mail to send (UTF-8 subject and names are fine)."""

    to: str
    subject: str
    body: str
    attachments: Sequence[Attachment] = ()
    key: str | None = None


@runtime_checkable
class SmsGateway(Protocol):
    """Sends SMS through a provider."""

    def send(self, message: SmsMessage) -> str:
        """Send ``message`` and return the provider's message id.

        Raises:
            CrmError: when the provider refuses the message.
        """
        ...


@runtime_checkable
class EmailSender(Protocol):
    """Sends e-mail."""

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` and return a message id."""
        ...
