"""Enqueue SMS and e-mail in the caller's unit of work, and record consent (SPEC §9, M2, M3).

Nothing is sent here: a message commits, or rolls back, with the change that
caused it, and the dispatcher (:mod:`crmkit.services.messaging.dispatch`) delivers it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime

from crmkit.domain.documents import Document
from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import (
    MAX_ATTACHMENT_BYTES,
    Channel,
    ConsentRecord,
    ConsentState,
    MessageKind,
    OutboxAttachment,
    OutboxMessage,
)
from crmkit.domain.sms import sms_parts
from crmkit.ports.outbox import OutboxCopy
from crmkit.ports.storage import UnitOfWork

__all__ = [
    "attachment_of",
    "email_message",
    "enqueue_email",
    "enqueue_email_copies",
    "enqueue_sms",
    "enqueue_sms_copies",
    "record_consent",
    "sms_message",
    "sms_parts_cached",
]

sms_parts_cached = functools.lru_cache(maxsize=4096)(sms_parts)
""":func:`~crmkit.domain.sms.sms_parts`, cached once for everyone who counts parts (the outbox,
the console gateway): a campaign sends one template to thousands."""


def _require_e164(to: str) -> None:
    if not isinstance(to, str):
        raise ValidationError("to", f"must be text, not {type(to).__name__}")
    digits = to[1:]  # ASCII only: str.isdigit also takes Arabic-Indic and other digits no provider dials
    if not (to.startswith("+") and digits.isascii() and digits.isdigit() and 8 <= len(to) <= 16):
        raise ValidationError("to", f"{to!r} is not an E.164 number like +905321234567")


def sms_message(
    *,
    id: uuid.UUID,
    key: str,
    to: str,
    text: str,
    kind: MessageKind,
    now: datetime,
    contact_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    recipient_type: str = "BIREYSEL",
) -> OutboxMessage:
    """A pending outbox SMS, validated, with its number of SMS parts (GSM-7 or UCS-2) recorded.

    Pure: add it with ``uow.outbox.add`` / ``add_many`` (campaigns add thousands at once).

    Raises:
        ValidationError: on ``to`` for a number that is not E.164, on ``recipient_type``.
    """
    _require_e164(to)
    if recipient_type not in ("BIREYSEL", "TACIR"):
        raise ValidationError("recipient_type", "is BIREYSEL or TACIR")
    return OutboxMessage(
        id=id,
        key=key,
        channel=Channel.SMS,
        kind=kind,
        recipient=to,
        body=text,
        created_at=now,
        due_at=now,
        parts=sms_parts_cached(text).parts,
        contact_id=contact_id,
        campaign_id=campaign_id,
        recipient_type=recipient_type,
    )


def enqueue_sms(
    uow: UnitOfWork,
    *,
    id: uuid.UUID,
    key: str,
    to: str,
    text: str,
    kind: MessageKind,
    now: datetime,
    contact_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    recipient_type: str = "BIREYSEL",
) -> OutboxMessage:
    """Write an SMS to the outbox of ``uow``; it is sent once ``uow`` commits (see :func:`sms_message`).

    Raises:
        ValidationError: on ``to`` for a number that is not E.164.
        Duplicate: on ``key`` when a message with this idempotency key exists.
    """
    message = sms_message(
        id=id,
        key=key,
        to=to,
        text=text,
        kind=kind,
        now=now,
        contact_id=contact_id,
        campaign_id=campaign_id,
        recipient_type=recipient_type,
    )
    uow.outbox.add(message)
    return message


def enqueue_sms_copies(
    uow: UnitOfWork,
    *,
    recipients: Sequence[OutboxCopy],
    text: str,
    kind: MessageKind,
    now: datetime,
    campaign_id: uuid.UUID | None = None,
    recipient_type: str = "BIREYSEL",
) -> None:
    """Write one SMS of ``text`` per recipient ``(id, key, to, contact_id)`` to the outbox of ``uow``.

    What a campaign does: each message is validated like :func:`sms_message` (every
    ``to`` E.164), the parts are counted once, and the outbox stores the copies in one
    batch without a message value per recipient (issue 6 item 9); all or nothing.

    Raises:
        ValidationError: on ``to`` for a number that is not E.164, on ``recipient_type``.
        Duplicate: on ``key`` or ``id`` when one is taken.
    """
    if not recipients:
        return
    id, key, to, contact = recipients[0]
    template = sms_message(
        id=id,
        key=key,
        to=to,
        text=text,
        kind=kind,
        now=now,
        contact_id=contact,
        campaign_id=campaign_id,
        recipient_type=recipient_type,
    )
    for recipient in recipients:
        _require_e164(recipient[2])
    uow.outbox.add_copies(template, recipients)


def enqueue_email_copies(
    uow: UnitOfWork,
    *,
    recipients: Sequence[OutboxCopy],
    subject: str,
    body: str,
    kind: MessageKind,
    now: datetime,
    campaign_id: uuid.UUID | None = None,
    attachments: Sequence[OutboxAttachment] = (),
) -> None:
    """Write one e-mail per recipient ``(id, key, to, contact_id)`` to the outbox of ``uow``, in one batch.

    ``attachments`` go with every copy, checked once like :func:`enqueue_email`'s (each an
    :class:`~crmkit.domain.messaging.OutboxAttachment`, together at most
    :data:`~crmkit.domain.messaging.MAX_ATTACHMENT_BYTES`). The outbox stores each
    distinct content once (keyed by its SHA-256) and one small row per copy and file, so a
    100 KB brochure sent to 100,000 recipients stores 100 KB, not 10 GB (M2, I8).

    Raises:
        ValidationError: on ``to`` for an address without ``@``; on ``attachments`` as
            :func:`enqueue_email`. Nothing is stored then.
        Duplicate: on ``key`` or ``id`` when one is taken.
    """
    files = _checked_attachments(attachments)
    if not recipients:
        return
    for recipient in recipients:
        _require_address(recipient[2])
    id, key, to, contact = recipients[0]
    template = email_message(
        id=id,
        key=key,
        to=to,
        subject=subject,
        body=body,
        kind=kind,
        now=now,
        contact_id=contact,
        campaign_id=campaign_id,
        attachments=files,
    )
    uow.outbox.add_copies(template, recipients)


def _checked_attachments(attachments: Sequence[OutboxAttachment]) -> tuple[OutboxAttachment, ...]:
    """The attachments as a tuple, each an :class:`OutboxAttachment`, not over the size limit together.

    Raises:
        ValidationError: on ``attachments`` otherwise.
    """
    files = tuple(attachments)
    if any(not isinstance(f, OutboxAttachment) for f in files):
        raise ValidationError("attachments", "each is an OutboxAttachment (filename, media type, bytes)")
    size = sum(len(f.content) for f in files)
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError("attachments", f"{size} bytes, more than the {MAX_ATTACHMENT_BYTES} allowed")
    return files


def _require_address(to: str) -> None:
    if "@" not in to:
        raise ValidationError("to", f"{to!r} is not an e-mail address")


def email_message(
    *,
    id: uuid.UUID,
    key: str,
    to: str,
    subject: str,
    body: str,
    kind: MessageKind,
    now: datetime,
    contact_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    attachments: Sequence[OutboxAttachment] = (),
) -> OutboxMessage:
    """A pending outbox e-mail, validated, with its attachments checked (M2).

    Pure, like :func:`sms_message`: :func:`enqueue_email` adds it, :func:`enqueue_email_copies`
    uses it as the template of a campaign's copies.

    Raises:
        ValidationError: on ``to`` for an address without ``@``; on ``attachments``
            when one is no :class:`~crmkit.domain.messaging.OutboxAttachment` or they hold more
            than :data:`~crmkit.domain.messaging.MAX_ATTACHMENT_BYTES` together.
    """
    _require_address(to)
    return OutboxMessage(
        id=id,
        key=key,
        channel=Channel.EMAIL,
        kind=kind,
        recipient=to,
        subject=subject,
        body=body,
        created_at=now,
        due_at=now,
        contact_id=contact_id,
        campaign_id=campaign_id,
        attachments=_checked_attachments(attachments),
    )


def enqueue_email(
    uow: UnitOfWork,
    *,
    id: uuid.UUID,
    key: str,
    to: str,
    subject: str,
    body: str,
    kind: MessageKind,
    now: datetime,
    contact_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    attachments: Sequence[OutboxAttachment] = (),
) -> OutboxMessage:
    """Write an e-mail to the outbox of ``uow``; it is sent, with its attachments, once ``uow`` commits.

    The attachments' bytes are stored with the message in ``uow`` (see the module docs).

    Raises:
        ValidationError: on ``to`` for an address without ``@``; on ``attachments``
            when they hold more than :data:`~crmkit.domain.messaging.MAX_ATTACHMENT_BYTES` together.
        Duplicate: on ``key`` when a message with this idempotency key exists.
    """
    message = email_message(
        id=id,
        key=key,
        to=to,
        subject=subject,
        body=body,
        kind=kind,
        now=now,
        contact_id=contact_id,
        campaign_id=campaign_id,
        attachments=attachments,
    )
    uow.outbox.add(message)
    return message


def attachment_of(document: Document) -> OutboxAttachment:
    """An attachment carrying a copy of a stored document's bytes, name and media type (C10).

    Raises:
        ValidationError: the document's name or media type cannot name an attachment.
    """
    return OutboxAttachment(document.name, document.media_type, document.content)


def record_consent(
    uow: UnitOfWork,
    *,
    id: uuid.UUID,
    channel: Channel,
    address: str,
    state: ConsentState,
    at: datetime,
    source: str,
    contact_id: uuid.UUID | None = None,
) -> ConsentRecord:
    """Add a consent decision to the history (M3); the latest one at send time counts.

    Raises:
        ValidationError: on ``source`` when it is empty.
    """
    if not source.strip():
        raise ValidationError("source", "say where the decision came from")
    record = ConsentRecord(
        id=id, channel=channel, address=address, state=state, at=at, source=source, contact_id=contact_id
    )
    uow.consents.add(record)
    return record
