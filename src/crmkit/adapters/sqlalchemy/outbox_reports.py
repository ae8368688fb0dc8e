"""Delivery reports in the SQL outbox: find sent messages, record final reports (§9, issue 6).

Reports are written like outcomes: one ``executemany`` whose ``WHERE`` keeps
only rows that are sent and have no final report yet, so a report never moves
a message back and a repeated one changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from crmkit.adapters.sqlalchemy._convert import offset_of, utc
from crmkit.adapters.sqlalchemy._errors import is_lock_conflict
from crmkit.adapters.sqlalchemy.bulk import chunks
from crmkit.adapters.sqlalchemy.outbox_attachments import with_attachments
from crmkit.adapters.sqlalchemy.outbox_codecs import message_from_row
from crmkit.adapters.sqlalchemy.tables.outbox import outbox_messages
from crmkit.domain.errors import ConcurrencyConflict
from crmkit.domain.messaging import Channel, OutboxMessage, OutboxState

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SKIP_LOCKED", "awaiting_delivery", "by_provider_ids", "record_deliveries"]

SKIP_LOCKED = ("postgresql", "mysql", "mariadb")
"""Dialects whose ``SELECT … FOR UPDATE`` locks rows (SQLite has no row locks)."""

_messages = outbox_messages

_DELIVER = (
    sa.update(_messages)
    .where(
        _messages.c.id == sa.bindparam("b_id"),
        _messages.c.state == OutboxState.SENT.value,
        _messages.c.delivery_status.is_(None),
    )
    .values(
        delivery_status=sa.bindparam("n_status"),
        delivery_at=sa.bindparam("n_at"),
        delivery_at_offset=sa.bindparam("n_at_offset"),  # the report's own offset (V1, revision 0023)
        delivery_error=sa.bindparam("n_error"),
    )
)


def by_provider_ids(
    uow: SqlUnitOfWork, channel: Channel, provider_ids: Iterable[str]
) -> dict[str, list[OutboxMessage]]:
    """Sent messages of ``channel`` by provider id (one indexed query per 1,000 ids)."""
    found: dict[str, list[OutboxMessage]] = {}
    for chunk in chunks(sorted(set(provider_ids))):
        query = (
            sa.select(_messages)
            .where(
                _messages.c.provider_id.in_(chunk),
                _messages.c.provider_id.is_not(None),
                _messages.c.channel == channel.value,
                _messages.c.state == OutboxState.SENT.value,
            )
            .order_by(_messages.c.created_at, _messages.c.id)
        )
        for row in uow.execute(query):
            found.setdefault(row.provider_id, []).append(message_from_row(row))
    return found


def record_deliveries(uow: SqlUnitOfWork, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
    """Store final delivery reports with one ``executemany``; return the ids refused.

    Raises:
        ConcurrencyConflict: a deadlock victim; record again in a new unit of work.
    """
    if not messages:
        return []
    try:
        held: set[uuid.UUID] = set()
        for chunk in chunks([m.id for m in messages]):
            query = sa.select(_messages.c.id).where(
                _messages.c.id.in_(chunk),
                _messages.c.state == OutboxState.SENT.value,
                _messages.c.delivery_status.is_(None),
            )
            if uow.connection.dialect.name in SKIP_LOCKED:
                query = query.with_for_update()
            held.update(
                i if isinstance(i, uuid.UUID) else uuid.UUID(str(i)) for i in uow.execute(query).scalars()
            )
        params = [
            {
                "b_id": m.id,
                "n_status": None if m.delivery_status is None else m.delivery_status.value,
                "n_at": None if m.delivery_at is None else utc(m.delivery_at),
                "n_at_offset": None if m.delivery_at is None else offset_of(m.delivery_at),
                "n_error": None if m.delivery_error is None else m.delivery_error[:1000],
            }
            for m in messages
            if m.id in held and m.delivery_status is not None
        ]
        if params:
            uow.connection.execute(_DELIVER, params)
    except DBAPIError as error:
        if is_lock_conflict(error):
            raise ConcurrencyConflict("outbox delivery", messages[0].id, 0) from None
        raise
    written = {p["b_id"] for p in params}
    return [m.id for m in messages if m.id not in written]


def awaiting_delivery(
    uow: SqlUnitOfWork, channel: Channel, *, after: tuple[datetime, uuid.UUID] | None = None, limit: int = 500
) -> list[OutboxMessage]:
    """Sent messages without a final report, by (sending time, id): a range scan of (state, due_at)."""
    query = (
        sa.select(_messages)
        .where(
            _messages.c.state == OutboxState.SENT.value,
            _messages.c.channel == channel.value,
            _messages.c.provider_id.is_not(None),
            _messages.c.delivery_status.is_(None),
        )
        .order_by(_messages.c.due_at, _messages.c.id)
        .limit(limit)
    )
    if after is not None:
        at, last = utc(after[0]), after[1]
        query = query.where(
            sa.or_(_messages.c.due_at > at, sa.and_(_messages.c.due_at == at, _messages.c.id > last))
        )
    return with_attachments(uow, [message_from_row(r) for r in uow.execute(query)])
