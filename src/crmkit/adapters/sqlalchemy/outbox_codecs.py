"""Outbox rows ↔ domain values: the one way each direction (issue 12 item 2).

Messages are written as driver-ready tuples (:func:`driver_rows`: bind
processors applied once per distinct value, because a campaign's thousands of
copies share their time and campaign id) and read back by
:func:`message_from_row`, field by field; both are hand-written rather than
cattrs-generated because claims and campaign enqueues are the outbox's hot
paths (issue 6 item 9). Consent records, a cold path, use the shared
:class:`~crmkit.adapters.sqlalchemy._convert.RowMapper` (:data:`consents`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Dialect

from crmkit.adapters.sqlalchemy._convert import RowMapper, local, offset_of, utc
from crmkit.adapters.sqlalchemy.tables import EMAIL
from crmkit.adapters.sqlalchemy.tables.outbox import (
    KEY_LENGTH,
    SUBJECT,
    consent_records,
    outbox_attachments,
    outbox_messages,
)
from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import (
    Channel,
    ConsentRecord,
    DeliveryState,
    MessageKind,
    OutboxMessage,
    OutboxState,
)

__all__ = [
    "ATTACHMENT_COLUMNS",
    "MESSAGE_COLUMNS",
    "consents",
    "digest_of",
    "driver_rows",
    "message_from_row",
]

consents = RowMapper(ConsentRecord, consent_records)
"""Consent records ↔ rows."""
_DELIVERY_COLUMNS = ("delivery_status", "delivery_at", "delivery_error")
MESSAGE_COLUMNS = [c.name for c in outbox_messages.columns if c.name not in _DELIVERY_COLUMNS]
"""The columns an enqueued message fills, in the order of :func:`driver_rows` (a new message has
no delivery report: those stay NULL)."""
ATTACHMENT_COLUMNS = [c.name for c in outbox_attachments.columns]
"""The columns of an attachment row, in table order."""
_LIMITS = (("key", KEY_LENGTH), ("recipient", EMAIL), ("subject", SUBJECT))
_messages = outbox_messages


_VALUES: dict[object, str] = {
    member: member.value for enum in (Channel, MessageKind, OutboxState) for member in enum
}
"""Enum member → stored value (a dict lookup is several times cheaper than ``.value``)."""


def _check_lengths(m: OutboxMessage) -> None:
    """Refuse a text longer than its column, naming the field (before anything is written)."""
    for field, length in _LIMITS:
        if len(getattr(m, field)) > length:
            raise ValidationError(field, f"is longer than {length} characters")


def bind_processor(name: str, dialect: Dialect) -> Callable[[Any], Any]:
    """The bind processor of column ``name`` on ``dialect`` (identity when it has none)."""
    found = _messages.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    return found if found is not None else _same


def _same(value: Any) -> Any:
    return value


def driver_rows(messages: Sequence[OutboxMessage], dialect: Dialect) -> list[tuple[Any, ...]]:
    """Driver-ready rows in :data:`MESSAGE_COLUMNS` order, built in one pass.

    The message's values passed through the columns' bind processors, but
    the values a campaign repeats (its time, its id) are converted once (issue 6
    item 9: per-row work is what separates enqueue from a raw insert).
    """
    to_uuid = bind_processor("id", dialect)
    to_time = bind_processor("created_at", dialect)
    times: dict[datetime, Any] = {}
    uuids: dict[uuid.UUID, Any] = {}

    def time_of(value: datetime) -> Any:
        found = times.get(value)
        if found is None:
            found = times[value] = to_time(utc(value))
        return found

    def uuid_of(value: uuid.UUID) -> Any:
        found = uuids.get(value)
        if found is None:
            found = uuids[value] = to_uuid(value)
        return found

    rows: list[tuple[Any, ...]] = []
    append = rows.append
    last_time: datetime | None = None
    last_converted: Any = None
    last_campaign: uuid.UUID | None = None
    campaign_converted: Any = None
    for m in messages:
        if len(m.key) > KEY_LENGTH or len(m.recipient) > EMAIL or len(m.subject) > SUBJECT:
            _check_lengths(m)
        created_at = m.created_at
        if created_at is not last_time:  # a campaign's messages share one time object
            last_time, last_converted = created_at, time_of(created_at)
        created = last_converted
        due_at = m.due_at
        contact = m.contact_id
        campaign = m.campaign_id
        if campaign is not last_campaign:  # ... and one campaign id
            last_campaign = campaign
            campaign_converted = None if campaign is None else uuid_of(campaign)
        sent_at = m.sent_at
        append(
            (
                to_uuid(m.id),
                m.key,
                m.channel._value_,  # the plain attribute: ``.value`` is a slow descriptor
                m.kind._value_,
                m.recipient,
                m.body,
                m.subject,
                created,
                created if due_at is created_at else time_of(due_at),
                m.state._value_,
                m.attempts,
                m.uncertain_attempts,
                m.claim,
                m.provider_id,
                m.last_error,
                None if sent_at is None else time_of(sent_at),
                m.parts,
                None if contact is None else to_uuid(contact),
                campaign_converted,
                m.recipient_type,
                offset_of(created_at),
                offset_of(due_at),
            )
        )
    return rows


_CHANNELS = {c.value: c for c in Channel}
_KINDS = {k.value: k for k in MessageKind}
_STATES = {s.value: s for s in OutboxState}
_DELIVERIES = {d.value: d for d in DeliveryState}


def message_from_row(row: Any) -> OutboxMessage:
    """Rebuild a message from a result row, directly (claims read thousands per second)."""
    sent_at = row.sent_at
    return OutboxMessage(
        id=row.id if isinstance(row.id, uuid.UUID) else uuid.UUID(str(row.id)),
        key=row.key,
        channel=_CHANNELS[row.channel],
        kind=_KINDS[row.kind],
        recipient=row.recipient,
        body=row.body,
        subject=row.subject,
        created_at=local(row.created_at, row.created_at_offset),
        due_at=local(row.due_at, row.due_at_offset),
        state=_STATES[row.state],
        attempts=row.attempts,
        uncertain_attempts=row.uncertain_attempts,
        claim=row.claim,
        provider_id=row.provider_id,
        last_error=row.last_error,
        sent_at=None if sent_at is None else utc(sent_at),
        parts=row.parts,
        contact_id=row.contact_id,
        campaign_id=row.campaign_id,
        recipient_type=row.recipient_type,
        delivery_status=None if row.delivery_status is None else _DELIVERIES[row.delivery_status],
        delivery_at=None if row.delivery_at is None else utc(row.delivery_at),
        delivery_error=row.delivery_error,
    )


def digest_of(content: bytes, digests: dict[bytes, str], blobs: dict[str, bytes]) -> str:
    """The SHA-256 hex digest of ``content``, noting the content under it in ``blobs``.

    ``digests`` remembers contents already hashed in this batch (a ``bytes`` object
    caches its own hash, so looking the same file up again costs nothing).
    """
    digest = digests.get(content)
    if digest is None:
        digest = digests[content] = hashlib.sha256(content).hexdigest()
        blobs[digest] = content
    return digest
