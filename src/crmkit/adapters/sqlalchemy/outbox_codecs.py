"""Outbox rows ↔ domain values: the one way each direction (issue 12 item 2).

Reading goes through the shared
:class:`~crmkit.adapters.sqlalchemy._convert.RowMapper` like every other
adapter: :data:`messages` (the loader generated once for
:class:`~crmkit.domain.messaging.OutboxMessage`, behind :func:`message_from_row`)
and :data:`consents`.

Writing messages is the one exception, and the outbox's one write way:
:func:`driver_rows` builds driver-ready tuples itself. A campaign enqueues
thousands of copies sharing one time and one campaign id, so it applies each
column's bind processor once per distinct value instead of once per row, and
skips the per-row dict ``RowMapper.to_row`` builds; that per-row work is what
separated enqueue from a raw insert (issue 6 item 9).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Dialect

from crmkit.adapters.sqlalchemy._convert import RowMapper, offset_of, utc
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
    "messages",
]

consents = RowMapper(ConsentRecord, consent_records)
"""Consent records ↔ rows."""
_DELIVERY_COLUMNS = ("delivery_status", "delivery_at", "delivery_error", "delivery_at_offset")
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
                None if sent_at is None else offset_of(sent_at),
            )
        )
    return rows


messages = RowMapper(OutboxMessage, outbox_messages, unstored=("attachments",))
"""Outbox messages ← rows: the shared generated loader (enums by value, UUIDs, every time at its
stored offset — ``created_at``/``due_at`` since revision 0018, ``sent_at``/``delivery_at`` since
0023); attachments are another table's
(:func:`~crmkit.adapters.sqlalchemy.outbox_attachments.with_attachments`)."""
_load = messages.from_values


def message_from_row(row: Sequence[Any]) -> OutboxMessage:
    """Rebuild a message from a row whose first values are the table's columns in order.

    A ``select(outbox_messages)`` row, or the PostgreSQL claim's ``RETURNING`` (extra
    columns after the table's are ignored); values are read by position.
    """
    return _load(row)


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
