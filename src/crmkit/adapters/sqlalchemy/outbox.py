"""SQL outbox repository (issue 6): batched writes, lock-free claims.

Rows ↔ values live in :mod:`~crmkit.adapters.sqlalchemy.outbox_codecs`; the PostgreSQL
one-round-trip claim and finish in :mod:`~crmkit.adapters.sqlalchemy.outbox_postgresql`.

Claims work on every back end the same way: read due rows (with ``FOR UPDATE
SKIP LOCKED`` on PostgreSQL and MariaDB/MySQL, so concurrent dispatchers
pass each other's rows by), then claim them with one set-based *conditional*
update — ``WHERE id IN (…) AND state = ? AND due_at <= now`` — so a row
another dispatcher claimed in between is simply not ours (SQLite, which
drops ``FOR UPDATE``, relies on that alone). Outcomes are written with one
``executemany`` per call, only for rows still held by the claim token.

On PostgreSQL each step is one round trip with a fixed statement text (which
psycopg prepares after a few runs): a claim is ``UPDATE … FROM (SELECT …
FOR UPDATE SKIP LOCKED) RETURNING`` per state, the outcomes one ``UPDATE …
FROM unnest(arrays) WHERE claim = token RETURNING id`` — the same rows, the
same token condition, a third of the time (issue 6 item 9).

Delivery reports live in :mod:`~crmkit.adapters.sqlalchemy.outbox_reports`; e-mail
attachments, stored once per distinct content, in
:mod:`~crmkit.adapters.sqlalchemy.outbox_attachments`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from crmkit.adapters.audit import OUTBOX_AGGREGATE
from crmkit.adapters.sqlalchemy import outbox_reports
from crmkit.adapters.sqlalchemy._convert import utc
from crmkit.adapters.sqlalchemy._errors import is_lock_conflict
from crmkit.adapters.sqlalchemy.bulk import bulk_insert, chunks
from crmkit.adapters.sqlalchemy.outbox_attachments import insert_blobs, stored_files, with_attachments
from crmkit.adapters.sqlalchemy.outbox_codecs import (
    ATTACHMENT_COLUMNS,
    MESSAGE_COLUMNS,
    bind_processor,
    digest_of,
    driver_rows,
    message_from_row,
)
from crmkit.adapters.sqlalchemy.outbox_hand_over import (
    FINISH,
    MARK,
    finish_params,
    hand_over_alone,
    mark_params,
    outcome_and_mark,
)
from crmkit.adapters.sqlalchemy.outbox_postgresql import (
    claim_postgresql,
    finish_postgresql,
    hand_over_postgresql,
)
from crmkit.adapters.sqlalchemy.outbox_reports import SKIP_LOCKED
from crmkit.adapters.sqlalchemy.sql_repository import change_row
from crmkit.adapters.sqlalchemy.tables import EMAIL, NOTE, audit_entries
from crmkit.adapters.sqlalchemy.tables.outbox import (
    KEY_LENGTH,
    outbox_attachments,
    outbox_messages,
)
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, ValidationError
from crmkit.domain.messaging import (
    Channel,
    OutboxMessage,
    OutboxState,
)
from crmkit.ports.outbox import OutboxCopy

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlOutboxRepository"]


_messages = outbox_messages


class SqlOutboxRepository:
    """The outbox of a SQL unit of work (see :class:`crmkit.ports.outbox.OutboxRepository`)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, message: OutboxMessage) -> None:
        """Enqueue one message.

        Raises:
            Duplicate: the id or key is taken.
        """
        self.add_many([message])

    def add_many(self, messages: Iterable[OutboxMessage]) -> None:
        """Enqueue many messages with one batched insert (COPY on psycopg).

        Raises:
            Duplicate: an id or key is taken (nothing of the batch is written).
            ConcurrencyConflict: the database chose this transaction as a deadlock victim
                (MariaDB, against dispatchers' claims); run the whole use case again.
        """
        batch = messages if isinstance(messages, list) else list(messages)
        if not batch:
            return
        rows = driver_rows(batch, self._uow.connection.dialect)
        blobs: dict[str, bytes] = {}
        digests: dict[bytes, str] = {}
        files = [  # driver-ready: the message id as converted for its own row
            (row[0], position, f.filename, f.media_type, digest_of(f.content, digests, blobs))
            for m, row in zip(batch, rows, strict=True)
            if m.attachments
            for position, f in enumerate(m.attachments)
        ]
        self._insert(rows, files, blobs, batch[0].id)

    def add_copies(self, template: OutboxMessage, copies: Sequence[OutboxCopy]) -> None:
        """Enqueue one copy of ``template`` per ``(id, key, recipient, contact_id)`` in one batched insert.

        The template's row is converted once; each copy's row is that row with its
        four values put in (no message value, no conversion per recipient).

        Raises:
            Duplicate: an id or key is taken (nothing of the batch is written).
            ValidationError: a key or recipient too long, naming the field.
            ConcurrencyConflict: a deadlock victim (MariaDB); run the use case again.
        """
        if not copies:
            return
        dialect = self._uow.connection.dialect
        to_uuid = bind_processor("id", dialect)
        base = driver_rows([template], dialect)[0]
        (_, _, channel, kind, _, body, subject, created, due, state, attempts, uncertain, claim,
         provider_id, last_error, sent_at, parts, _, campaign, recipient_type, created_offset,
         due_offset, sent_offset) = base  # fmt: skip
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for id, key, recipient, contact in copies:
            if len(key) > KEY_LENGTH:
                raise ValidationError("key", f"is longer than {KEY_LENGTH} characters")
            if len(recipient) > EMAIL:
                raise ValidationError("recipient", f"is longer than {EMAIL} characters")
            append(
                (to_uuid(id), key, channel, kind, recipient, body, subject, created, due, state, attempts,
                 uncertain, claim, provider_id, last_error, sent_at, parts,
                 None if contact is None else to_uuid(contact), campaign, recipient_type, created_offset,
                 due_offset, sent_offset)
            )  # fmt: skip
        blobs: dict[str, bytes] = {}
        digests: dict[bytes, str] = {}
        named = [
            (position, f.filename, f.media_type, digest_of(f.content, digests, blobs))
            for position, f in enumerate(template.attachments)
        ]
        files = [(row[0], *file) for row in (rows if named else ()) for file in named]
        self._insert(rows, files, blobs, copies[0][0])

    def _insert(
        self,
        rows: list[tuple[Any, ...]],
        files: list[tuple[Any, ...]],
        blobs: dict[str, bytes],
        first: uuid.UUID,
    ) -> None:
        connection = self._uow.connection
        point = connection.begin_nested()
        try:
            if blobs:
                insert_blobs(connection, blobs)
            bulk_insert(connection, outbox_messages, rows, columns=MESSAGE_COLUMNS, prepared=True)
            if files:
                bulk_insert(connection, outbox_attachments, files, columns=ATTACHMENT_COLUMNS, prepared=True)
        except IntegrityError as error:
            point.rollback()
            text = str(error.orig).lower()
            field = "key" if "uq_outbox_messages_key" in text or "outbox_messages.key" in text else "id"
            raise Duplicate(field, "this value is already taken in outbox_messages") from None
        except DBAPIError as error:
            # A deadlock victim's whole transaction is gone, its savepoint with it.
            if point.is_active and not is_lock_conflict(error):
                point.rollback()
            if is_lock_conflict(error):
                raise ConcurrencyConflict("outbox message", first, 0) from None
            raise
        except BaseException:
            if point.is_active:
                point.rollback()
            raise
        else:
            point.commit()

    def stored_files(self) -> tuple[int, int]:
        """``(distinct attachment contents, their bytes together)`` held by the outbox."""
        return stored_files(self._uow)

    def get(self, id: uuid.UUID) -> OutboxMessage:
        """The message with this id.

        Raises:
            NotFound: there is none.
        """
        row = self._uow.execute(sa.select(_messages).where(_messages.c.id == id)).first()
        if row is None:
            raise NotFound("outbox message", id)
        return with_attachments(self._uow, [message_from_row(row)])[0]

    def cancel(self, id: uuid.UUID, now: datetime, reason: str) -> bool:
        """Skip a pending, not yet due message with ``reason``: one conditional ``UPDATE`` (issue 14, I13)."""
        at = utc(now)
        statement = (
            sa.update(_messages)
            .where(
                _messages.c.id == id, _messages.c.state == OutboxState.PENDING.value, _messages.c.due_at > at
            )
            .values(state=OutboxState.SKIPPED.value, last_error=reason[:NOTE], claim=None, due_at=at)
        )
        return bool(self._uow.execute(statement).rowcount == 1)

    def by_key(self, key: str) -> OutboxMessage | None:
        """The message with this idempotency key, or ``None``."""
        row = self._uow.execute(sa.select(_messages).where(_messages.c.key == key)).first()
        return None if row is None else with_attachments(self._uow, [message_from_row(row)])[0]

    def claim(self, token: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Claim up to ``limit`` due messages, oldest due first (see the module docs).

        Raises:
            ConcurrencyConflict: the database chose this transaction as a deadlock victim
                (MariaDB's gap locks against concurrent inserts); claim again in a new unit of work.
        """
        try:
            return self._claim(token, utc(now), lease, limit)
        except DBAPIError as error:
            if is_lock_conflict(error):
                raise ConcurrencyConflict("outbox claim", token, 0) from None
            raise

    def _claim(self, token: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        if self._uow.connection.dialect.name == "postgresql":
            return with_attachments(self._uow, claim_postgresql(self._uow, token, now, lease, limit))
        # One indexed range scan per state, in (state, due_at) index order: no sort, however many
        # rows are due (ordering by id as well would sort every tied row of a campaign).
        # Lapsed claims (rare) come first, then pending messages.
        claimed: list[OutboxMessage] = []
        for state in (OutboxState.CLAIMED, OutboxState.PENDING):
            if len(claimed) >= limit:
                break
            query = (
                sa.select(_messages)
                .where(_messages.c.state == state.value, _messages.c.due_at <= now)
                .order_by(_messages.c.due_at)
                .limit(limit - len(claimed))
            )
            if self._uow.connection.dialect.name in SKIP_LOCKED:
                query = query.with_for_update(skip_locked=True)
            candidates = [message_from_row(r) for r in self._uow.execute(query)]
            if candidates:
                claimed += self._take(state, candidates, token, now, lease)
        return with_attachments(self._uow, claimed)

    def _take(
        self, state: OutboxState, candidates: list[OutboxMessage], token: str, now: datetime, lease: timedelta
    ) -> list[OutboxMessage]:
        """Claim rows read in ``state`` with one set-based conditional UPDATE per chunk.

        The condition (same state, still due) fails for a row another dispatcher claimed in
        between — its claim pushed ``due_at`` into the future — so such a row is not taken.
        """
        mine = [m.claim_for(token, now, lease) for m in candidates]
        values: dict[str, Any] = {
            "state": OutboxState.CLAIMED.value,
            "claim": token,
            "due_at": now + lease,
            "attempts": _messages.c.attempts + 1,
        }
        if state is OutboxState.CLAIMED:  # a lapsed claim: a handed-over attempt's outcome is unknown
            values["uncertain_attempts"] = _messages.c.uncertain_attempts + sa.case(
                (_messages.c.sent_at.is_not(None), 1), else_=0
            )
            values["sent_at"] = None
            values["sent_at_offset"] = None
        # With FOR UPDATE SKIP LOCKED the rows are already locked by this transaction: update
        # them by primary key only (a range condition would make InnoDB lock gaps and deadlock
        # against the other dispatchers). Without row locks (SQLite), the condition decides.
        locked = self._uow.connection.dialect.name in SKIP_LOCKED
        taken = 0
        for chunk in chunks([m.id for m in candidates]):
            condition: list[sa.ColumnElement[bool]] = [_messages.c.id.in_(chunk)]
            if not locked:
                condition += [_messages.c.state == state.value, _messages.c.due_at <= now]
            taken += self._uow.connection.execute(
                sa.update(_messages).where(*condition).values(values)
            ).rowcount
        if taken == len(mine):
            return mine
        # Some rows went to another dispatcher in between: keep those that are ours.
        held: set[uuid.UUID] = set()
        for chunk in chunks([m.id for m in mine]):
            query = sa.select(_messages.c.id).where(_messages.c.claim == token, _messages.c.id.in_(chunk))
            held.update(self._uow.execute(query).scalars())
        return [m for m in mine if m.id in held]

    def hand_over(
        self, token: str, id: uuid.UUID, now: datetime, outcomes: Sequence[OutboxMessage] = ()
    ) -> tuple[list[uuid.UUID], bool]:
        """Store ``outcomes`` (as :meth:`finish`), set ``sent_at`` of ``id`` and commit (§9).

        One write, committed with whatever the unit of work did before it
        (:meth:`crmkit.ports.outbox.OutboxRepository.hand_over`), as cheap as
        :mod:`~crmkit.adapters.sqlalchemy.outbox_hand_over` can make it: with at most one
        outcome and nothing open, one statement in autocommit on SQLite and PostgreSQL.

        Raises:
            ConcurrencyConflict: a deadlock victim, a busy database, or the commit refused;
                hand over again.
        """
        try:
            if len(outcomes) <= 1:
                alone = hand_over_alone(self._uow, token, id, now, outcomes[0] if outcomes else None)
                if alone is not None:
                    return alone
            if self._uow.connection.dialect.name == "postgresql":
                return hand_over_postgresql(self._uow, token, id, now, outcomes)
            mark = mark_params(token, id, now)
            if len(outcomes) == 1:
                lost, held = outcome_and_mark(self._uow, token, outcomes[0], mark)
            else:
                lost = self._finish(token, outcomes)
                held = self._uow.connection.execute(MARK, mark).rowcount == 1
            self._uow.commit()
            return lost, held
        except DBAPIError as error:
            if is_lock_conflict(error):
                raise ConcurrencyConflict("outbox hand-over", token, 0) from None
            raise

    def finish(self, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Store outcomes of messages still held by ``token``, one ``executemany``; return lost ids.

        Raises:
            ConcurrencyConflict: a deadlock victim; finish again in a new unit of work.
        """
        try:
            return self._finish(token, messages)
        except DBAPIError as error:
            if is_lock_conflict(error):
                raise ConcurrencyConflict("outbox finish", token, 0) from None
            raise

    def _finish(self, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        if not messages:
            return []
        if self._uow.connection.dialect.name == "postgresql":
            return finish_postgresql(self._uow, token, messages)
        if len(messages) == 1:  # the dispatcher's outcome of one message with the next hand-over
            return self._finish_one(token, messages[0])
        held: set[uuid.UUID] = set()
        for chunk in chunks([m.id for m in messages]):
            query = sa.select(_messages.c.id).where(_messages.c.id.in_(chunk), _messages.c.claim == token)
            if self._uow.connection.dialect.name in SKIP_LOCKED:
                query = query.with_for_update()
            held.update(self._uow.execute(query).scalars())
        params = [finish_params(token, m) for m in messages if m.id in held]
        if params:
            self._uow.connection.execute(FINISH, params)
        return [m.id for m in messages if m.id not in held]

    def _finish_one(self, token: str, m: OutboxMessage) -> list[uuid.UUID]:
        """One outcome by a conditional ``UPDATE``: its row count says whether ``token`` still held it."""
        params = finish_params(token, m)
        return [] if self._uow.connection.execute(FINISH, params).rowcount == 1 else [m.id]

    def by_provider_ids(
        self, channel: Channel, provider_ids: Iterable[str]
    ) -> dict[str, list[OutboxMessage]]:
        """Sent messages of ``channel`` by provider id (see :mod:`.outbox_reports`)."""
        return outbox_reports.by_provider_ids(self._uow, channel, provider_ids)

    def record_deliveries(self, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Store final delivery reports; return the ids refused (see :mod:`.outbox_reports`)."""
        return outbox_reports.record_deliveries(self._uow, messages)

    def awaiting_delivery(
        self, channel: Channel, *, after: tuple[datetime, uuid.UUID] | None = None, limit: int = 500
    ) -> list[OutboxMessage]:
        """Sent messages without a final report, by (sending time, id) (see :mod:`.outbox_reports`)."""
        return outbox_reports.awaiting_delivery(self._uow, channel, after=after, limit=limit)

    def count(self, state: OutboxState | None = None) -> int:
        """How many messages (in ``state``)."""
        query = sa.select(sa.func.count()).select_from(_messages)
        if state is not None:
            query = query.where(_messages.c.state == state.value)
        return int(self._uow.execute(query).scalar_one())

    def requeue(self, ids: Sequence[uuid.UUID], now: datetime) -> list[OutboxMessage]:
        """Move dead messages among ``ids`` back to pending with one audit row each (§9, C12)."""
        done: list[OutboxMessage] = []
        dead = OutboxState.DEAD.value
        for chunk in chunks(list(ids)):
            query = sa.select(_messages).where(_messages.c.id.in_(chunk), _messages.c.state == dead)
            if self._uow.connection.dialect.name in SKIP_LOCKED:
                query = query.with_for_update()
            for old in [message_from_row(r) for r in self._uow.execute(query)]:
                new = old.requeued(now)
                assert new is not None  # selected as dead
                self._uow.execute(
                    sa.update(_messages)
                    .where(_messages.c.id == old.id, _messages.c.state == dead)
                    .values(state=new.state.value, due_at=utc(now), attempts=0, claim=None)
                )
                row = change_row(self._uow, OUTBOX_AGGREGATE, old.id, 1, old, new)
                self._uow.execute(sa.insert(audit_entries), row)
                done.append(new)
        return done

    def list(
        self, state: OutboxState | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[OutboxMessage]:
        """Messages (in ``state``), by creation time then id."""
        query = (
            sa.select(_messages).order_by(_messages.c.created_at, _messages.c.id).limit(limit).offset(offset)
        )
        if state is not None:
            query = query.where(_messages.c.state == state.value)
        return with_attachments(self._uow, [message_from_row(r) for r in self._uow.execute(query)])
