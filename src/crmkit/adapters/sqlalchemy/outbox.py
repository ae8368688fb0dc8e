"""SQL outbox and consent repositories (issue 6): batched writes, lock-free claims.

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

Delivery reports are written the same way: one ``executemany`` whose
``WHERE`` keeps only rows that are sent and have no final report yet, so a
report never moves a message back and a repeated one changes nothing.
E-mail attachments are rows of ``outbox_attachments`` (name, type, SHA-256
digest) inserted with their message; the bytes are rows of ``outbox_blobs``,
one per distinct content, inserted *if absent* in the same savepoint —
``ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite, ``ON DUPLICATE KEY
UPDATE digest = digest`` on MariaDB/MySQL (not ``INSERT IGNORE``, which would
also swallow other errors). Two units of work enqueueing the same new bytes
at once therefore both succeed: the second waits on the first's key lock and
then finds the row (issue 6 items 2, 7; M2). Several blobs are inserted in
digest order, so two such transactions never wait on each other crosswise.
Attachments are read back one query per page for the rows and one for the
distinct contents they name: a page of a campaign's copies loads its
brochure once, and every copy shares that one ``bytes`` object.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError

from crmkit.adapters.sqlalchemy._convert import RowMapper, utc
from crmkit.adapters.sqlalchemy._errors import is_lock_conflict, savepoint
from crmkit.adapters.sqlalchemy.bulk import bulk_insert, upsert
from crmkit.adapters.sqlalchemy.outbox_tables import (
    KEY_LENGTH,
    SUBJECT,
    consent_records,
    outbox_attachments,
    outbox_blobs,
    outbox_messages,
)
from crmkit.adapters.sqlalchemy.tables import EMAIL, NOTE
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, ValidationError
from crmkit.domain.messaging import (
    Channel,
    ConsentRecord,
    ConsentState,
    DeliveryState,
    MessageKind,
    OutboxAttachment,
    OutboxMessage,
    OutboxState,
    consent_at,
)
from crmkit.ports.outbox import OutboxCopy

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlConsentRepository", "SqlOutboxRepository"]

_SKIP_LOCKED = ("postgresql", "mysql", "mariadb")
_CHUNK = 1000

_consents = RowMapper(ConsentRecord, consent_records)
_DELIVERY_COLUMNS = ("delivery_status", "delivery_at", "delivery_error")
_COLUMNS = [c.name for c in outbox_messages.columns if c.name not in _DELIVERY_COLUMNS]
"""The columns an enqueued message fills (a new message has no delivery report: those stay NULL)."""
_ATTACHMENT_COLUMNS = [c.name for c in outbox_attachments.columns]
_LIMITS = (("key", KEY_LENGTH), ("recipient", EMAIL), ("subject", SUBJECT))

_t = outbox_messages
_FINISH = (
    sa.update(_t)
    .where(_t.c.id == sa.bindparam("b_id"), _t.c.claim == sa.bindparam("b_claim"))
    .values(
        state=sa.bindparam("n_state"),
        claim=None,
        due_at=sa.bindparam("n_due_at"),
        provider_id=sa.bindparam("n_provider_id"),
        last_error=sa.bindparam("n_last_error"),
        sent_at=sa.bindparam("n_sent_at"),
    )
)


_DELIVER = (
    sa.update(_t)
    .where(
        _t.c.id == sa.bindparam("b_id"),
        _t.c.state == OutboxState.SENT.value,
        _t.c.delivery_status.is_(None),
    )
    .values(
        delivery_status=sa.bindparam("n_status"),
        delivery_at=sa.bindparam("n_at"),
        delivery_error=sa.bindparam("n_error"),
    )
)

_COLUMN_LIST = ", ".join(f"t.{c.name}" for c in outbox_messages.columns)
_PG_CLAIM = {
    lapsed: sa.text(
        "WITH picked AS (SELECT id, due_at FROM outbox_messages"
        " WHERE state = :state AND due_at <= :now ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED)"
        " UPDATE outbox_messages AS t SET state = 'claimed', claim = :token, due_at = :until,"
        " attempts = t.attempts + 1"
        + (", uncertain_attempts = t.uncertain_attempts + 1" if lapsed else "")
        + f" FROM picked WHERE t.id = picked.id RETURNING {_COLUMN_LIST}, picked.due_at AS picked_due_at"
    )
    for lapsed in (False, True)
}
"""PostgreSQL claim in one round trip (issue 6 item 9): lock due rows skipping others' locks, claim them,
return the claimed rows with the due time they were picked by (for the order)."""

_PG_FINISH = sa.text(
    "UPDATE outbox_messages AS t SET state = v.state, claim = NULL, due_at = v.due_at,"
    " provider_id = v.provider_id, last_error = v.last_error, sent_at = v.sent_at"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:states AS varchar[]), CAST(:dues AS timestamptz[]),"
    " CAST(:providers AS varchar[]), CAST(:errors AS varchar[]), CAST(:sents AS timestamptz[]))"
    " AS v(id, state, due_at, provider_id, last_error, sent_at)"
    " WHERE t.id = v.id AND t.claim = :token RETURNING t.id"
)
"""PostgreSQL outcomes in one statement with six array parameters (a fixed text the driver prepares):
only rows still held by the token are written, and ``RETURNING`` says which."""

_VALUES: dict[object, str] = {
    member: member.value for enum in (Channel, MessageKind, OutboxState) for member in enum
}
"""Enum member → stored value (a dict lookup is several times cheaper than ``.value``)."""


def _check_lengths(m: OutboxMessage) -> None:
    """Refuse a text longer than its column, naming the field (before anything is written)."""
    for field, length in _LIMITS:
        if len(getattr(m, field)) > length:
            raise ValidationError(field, f"is longer than {length} characters")


def _row(m: OutboxMessage) -> tuple[Any, ...]:
    """The row of ``m`` in :data:`_COLUMNS` order, built directly (cattrs would cost more than the insert)."""
    if len(m.key) > KEY_LENGTH or len(m.recipient) > EMAIL or len(m.subject) > SUBJECT:
        _check_lengths(m)
    created = utc(m.created_at)
    return (
        m.id,
        m.key,
        _VALUES[m.channel],
        _VALUES[m.kind],
        m.recipient,
        m.body,
        m.subject,
        created,
        created if m.due_at is m.created_at else utc(m.due_at),
        _VALUES[m.state],
        m.attempts,
        m.uncertain_attempts,
        m.claim,
        m.provider_id,
        m.last_error,
        None if m.sent_at is None else utc(m.sent_at),
        m.parts,
        m.contact_id,
        m.campaign_id,
        m.recipient_type,
    )


def _processor(name: str, dialect: Dialect) -> Callable[[Any], Any]:
    """The bind processor of column ``name`` on ``dialect`` (identity when it has none)."""
    found = _t.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    return found if found is not None else _same


def _same(value: Any) -> Any:
    return value


def _driver_rows(messages: Sequence[OutboxMessage], dialect: Dialect) -> list[tuple[Any, ...]]:
    """Driver-ready rows in :data:`_COLUMNS` order, built in one pass.

    The same values as :func:`_row` passed through the columns' bind processors, but
    the values a campaign repeats (its time, its id) are converted once (issue 6
    item 9: per-row work is what separates enqueue from a raw insert).
    """
    to_uuid = _processor("id", dialect)
    to_time = _processor("created_at", dialect)
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
            )
        )
    return rows


_CHANNELS = {c.value: c for c in Channel}
_KINDS = {k.value: k for k in MessageKind}
_STATES = {s.value: s for s in OutboxState}
_DELIVERIES = {d.value: d for d in DeliveryState}


def _from_row(row: Any) -> OutboxMessage:
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
        created_at=utc(row.created_at),
        due_at=utc(row.due_at),
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


def _digest_of(content: bytes, digests: dict[bytes, str], blobs: dict[str, bytes]) -> str:
    """The SHA-256 hex digest of ``content``, noting the content under it in ``blobs``.

    ``digests`` remembers contents already hashed in this batch (a ``bytes`` object
    caches its own hash, so looking the same file up again costs nothing).
    """
    digest = digests.get(content)
    if digest is None:
        digest = digests[content] = hashlib.sha256(content).hexdigest()
        blobs[digest] = content
    return digest


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
        rows = _driver_rows(batch, self._uow.connection.dialect)
        blobs: dict[str, bytes] = {}
        digests: dict[bytes, str] = {}
        files = [  # driver-ready: the message id as converted for its own row
            (row[0], position, f.filename, f.media_type, _digest_of(f.content, digests, blobs))
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
        to_uuid = _processor("id", dialect)
        base = _driver_rows([template], dialect)[0]
        (_, _, channel, kind, _, body, subject, created, due, state, attempts, uncertain, claim,
         provider_id, last_error, sent_at, parts, _, campaign, recipient_type) = base  # fmt: skip
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
                 None if contact is None else to_uuid(contact), campaign, recipient_type)
            )  # fmt: skip
        blobs: dict[str, bytes] = {}
        digests: dict[bytes, str] = {}
        named = [
            (position, f.filename, f.media_type, _digest_of(f.content, digests, blobs))
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
                self._insert_blobs(blobs)
            bulk_insert(connection, outbox_messages, rows, columns=_COLUMNS, prepared=True)
            if files:
                bulk_insert(connection, outbox_attachments, files, columns=_ATTACHMENT_COLUMNS, prepared=True)
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

    def _insert_blobs(self, blobs: dict[str, bytes]) -> None:
        """Insert each content under its digest unless a row has it already (race-safe, see the module)."""
        connection = self._uow.connection
        rows = [{"digest": d, "size": len(blobs[d]), "content": blobs[d]} for d in sorted(blobs)]
        connection.execute(upsert(outbox_blobs, connection.dialect, ["digest"]), rows)

    def stored_files(self) -> tuple[int, int]:
        """``(distinct attachment contents, their bytes together)`` held by the outbox."""
        query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(outbox_blobs.c.size), 0))
        row: Any = self._uow.read(query).one()
        return int(row[0]), int(row[1])

    def get(self, id: uuid.UUID) -> OutboxMessage:
        """The message with this id.

        Raises:
            NotFound: there is none.
        """
        row = self._uow.read(sa.select(_t).where(_t.c.id == id)).first()
        if row is None:
            raise NotFound("outbox message", id)
        return self._attach([_from_row(row)])[0]

    def cancel(self, id: uuid.UUID, now: datetime, reason: str) -> bool:
        """Skip a pending, not yet due message with ``reason``: one conditional ``UPDATE`` (issue 14, I13)."""
        at = utc(now)
        statement = (
            sa.update(_t)
            .where(_t.c.id == id, _t.c.state == OutboxState.PENDING.value, _t.c.due_at > at)
            .values(state=OutboxState.SKIPPED.value, last_error=reason[:NOTE], claim=None, due_at=at)
        )
        return bool(self._uow.read(statement).rowcount == 1)

    def by_key(self, key: str) -> OutboxMessage | None:
        """The message with this idempotency key, or ``None``."""
        row = self._uow.read(sa.select(_t).where(_t.c.key == key)).first()
        return None if row is None else self._attach([_from_row(row)])[0]

    def _attach(self, messages: list[OutboxMessage]) -> list[OutboxMessage]:
        """``messages`` with their e-mails' attachments loaded (one query per 1,000 e-mails)."""
        emails = [m.id for m in messages if m.channel is Channel.EMAIL]
        if not emails:
            return messages
        a = outbox_attachments
        b = outbox_blobs
        named: dict[uuid.UUID, list[tuple[str, str, str]]] = {}
        for chunk in _chunks(emails):
            query = (
                sa.select(a.c.message_id, a.c.filename, a.c.media_type, a.c.digest)
                .where(a.c.message_id.in_(chunk))
                .order_by(a.c.message_id, a.c.position)
            )
            for row in self._uow.read(query):
                owner = (
                    row.message_id
                    if isinstance(row.message_id, uuid.UUID)
                    else uuid.UUID(str(row.message_id))
                )
                named.setdefault(owner, []).append((row.filename, row.media_type, row.digest))
        if not named:
            return messages
        contents: dict[str, bytes] = {}
        wanted = sorted({digest for files in named.values() for _, _, digest in files})
        for part in _chunks(wanted, 100):
            query = sa.select(b.c.digest, b.c.content).where(b.c.digest.in_(part))
            contents.update((row.digest, bytes(row.content)) for row in self._uow.read(query))
        # One value per distinct (name, type, content): the copies of a campaign share it.
        made: dict[tuple[str, str, str], OutboxAttachment] = {}
        files: dict[uuid.UUID, list[OutboxAttachment]] = {}
        for owner, entries in named.items():
            for entry in entries:
                found = made.get(entry)
                if found is None:
                    found = made[entry] = OutboxAttachment(entry[0], entry[1], contents[entry[2]])
                files.setdefault(owner, []).append(found)
        return [attrs.evolve(m, attachments=tuple(files[m.id])) if m.id in files else m for m in messages]

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
            return self._attach(self._claim_postgresql(token, now, lease, limit))
        # One indexed range scan per state, in (state, due_at) index order: no sort, however many
        # rows are due (ordering by id as well would sort every tied row of a campaign).
        # Lapsed claims (rare) come first, then pending messages.
        claimed: list[OutboxMessage] = []
        for state in (OutboxState.CLAIMED, OutboxState.PENDING):
            if len(claimed) >= limit:
                break
            query = (
                sa.select(_t)
                .where(_t.c.state == state.value, _t.c.due_at <= now)
                .order_by(_t.c.due_at)
                .limit(limit - len(claimed))
            )
            if self._uow.connection.dialect.name in _SKIP_LOCKED:
                query = query.with_for_update(skip_locked=True)
            candidates = [_from_row(r) for r in self._uow.read(query)]
            if candidates:
                claimed += self._take(state, candidates, token, now, lease)
        return self._attach(claimed)

    def _claim_postgresql(
        self, token: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxMessage]:
        """Claim lapsed claims, then pending messages, in one statement each (PostgreSQL).

        ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``: the rows locked and
        claimed by this transaction, exactly as :meth:`OutboxMessage.claim_for` makes them,
        in the order they were due.
        """
        claimed: list[OutboxMessage] = []
        for state in (OutboxState.CLAIMED, OutboxState.PENDING):
            if len(claimed) >= limit:
                break
            params = {
                "state": state.value,
                "now": now,
                "limit": limit - len(claimed),
                "token": token,
                "until": now + lease,
            }
            rows = list(self._uow.read(_PG_CLAIM[state is OutboxState.CLAIMED], params))
            rows.sort(key=lambda r: r.picked_due_at)
            claimed += [_from_row(r) for r in rows]
        return claimed

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
            "attempts": _t.c.attempts + 1,
        }
        if state is OutboxState.CLAIMED:  # a lapsed claim: its attempt's outcome is unknown
            values["uncertain_attempts"] = _t.c.uncertain_attempts + 1
        # With FOR UPDATE SKIP LOCKED the rows are already locked by this transaction: update
        # them by primary key only (a range condition would make InnoDB lock gaps and deadlock
        # against the other dispatchers). Without row locks (SQLite), the condition decides.
        locked = self._uow.connection.dialect.name in _SKIP_LOCKED
        taken = 0
        for chunk in _chunks([m.id for m in candidates]):
            condition: list[sa.ColumnElement[bool]] = [_t.c.id.in_(chunk)]
            if not locked:
                condition += [_t.c.state == state.value, _t.c.due_at <= now]
            taken += self._uow.connection.execute(sa.update(_t).where(*condition).values(values)).rowcount
        if taken == len(mine):
            return mine
        # Some rows went to another dispatcher in between: keep those that are ours.
        held: set[uuid.UUID] = set()
        for chunk in _chunks([m.id for m in mine]):
            query = sa.select(_t.c.id).where(_t.c.claim == token, _t.c.id.in_(chunk))
            held.update(self._uow.read(query).scalars())
        return [m for m in mine if m.id in held]

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
            return self._finish_postgresql(token, messages)
        held: set[uuid.UUID] = set()
        for chunk in _chunks([m.id for m in messages]):
            query = sa.select(_t.c.id).where(_t.c.id.in_(chunk), _t.c.claim == token)
            if self._uow.connection.dialect.name in _SKIP_LOCKED:
                query = query.with_for_update()
            held.update(self._uow.read(query).scalars())
        params = [
            {
                "b_id": m.id,
                "b_claim": token,
                "n_state": m.state.value,
                "n_due_at": utc(m.due_at),
                "n_provider_id": m.provider_id,
                "n_last_error": None if m.last_error is None else m.last_error[:1000],
                "n_sent_at": None if m.sent_at is None else utc(m.sent_at),
            }
            for m in messages
            if m.id in held
        ]
        if params:
            self._uow.connection.execute(_FINISH, params)
        return [m.id for m in messages if m.id not in held]

    def _finish_postgresql(self, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """One ``UPDATE … FROM unnest(arrays) … WHERE claim = token RETURNING id`` per call.

        The update takes each row's lock; a row re-claimed by another dispatcher after a
        lapsed lease no longer carries ``token`` and is left alone (lost), as before.
        """
        params = {
            "token": token,
            "ids": [m.id for m in messages],
            "states": [m.state._value_ for m in messages],
            "dues": [utc(m.due_at) for m in messages],
            "providers": [m.provider_id for m in messages],
            "errors": [None if m.last_error is None else m.last_error[:1000] for m in messages],
            "sents": [None if m.sent_at is None else utc(m.sent_at) for m in messages],
        }
        held = set(self._uow.read(_PG_FINISH, params).scalars())
        return [m.id for m in messages if m.id not in held]

    def by_provider_ids(
        self, channel: Channel, provider_ids: Iterable[str]
    ) -> dict[str, list[OutboxMessage]]:
        """Sent messages of ``channel`` by provider id (one indexed query per 1,000 ids)."""
        found: dict[str, list[OutboxMessage]] = {}
        for chunk in _chunks(sorted(set(provider_ids))):
            query = (
                sa.select(_t)
                .where(
                    _t.c.provider_id.in_(chunk),
                    _t.c.provider_id.is_not(None),
                    _t.c.channel == channel.value,
                    _t.c.state == OutboxState.SENT.value,
                )
                .order_by(_t.c.created_at, _t.c.id)
            )
            for row in self._uow.read(query):
                found.setdefault(row.provider_id, []).append(_from_row(row))
        return found

    def record_deliveries(self, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Store final delivery reports with one ``executemany``; return the ids refused.

        Raises:
            ConcurrencyConflict: a deadlock victim; record again in a new unit of work.
        """
        if not messages:
            return []
        try:
            held: set[uuid.UUID] = set()
            for chunk in _chunks([m.id for m in messages]):
                query = sa.select(_t.c.id).where(
                    _t.c.id.in_(chunk), _t.c.state == OutboxState.SENT.value, _t.c.delivery_status.is_(None)
                )
                if self._uow.connection.dialect.name in _SKIP_LOCKED:
                    query = query.with_for_update()
                held.update(
                    i if isinstance(i, uuid.UUID) else uuid.UUID(str(i))
                    for i in self._uow.read(query).scalars()
                )
            params = [
                {
                    "b_id": m.id,
                    "n_status": None if m.delivery_status is None else m.delivery_status.value,
                    "n_at": None if m.delivery_at is None else utc(m.delivery_at),
                    "n_error": None if m.delivery_error is None else m.delivery_error[:1000],
                }
                for m in messages
                if m.id in held and m.delivery_status is not None
            ]
            if params:
                self._uow.connection.execute(_DELIVER, params)
        except DBAPIError as error:
            if is_lock_conflict(error):
                raise ConcurrencyConflict("outbox delivery", messages[0].id, 0) from None
            raise
        written = {p["b_id"] for p in params}
        return [m.id for m in messages if m.id not in written]

    def awaiting_delivery(
        self, channel: Channel, *, after: tuple[datetime, uuid.UUID] | None = None, limit: int = 500
    ) -> list[OutboxMessage]:
        """Sent messages without a final report, by (sending time, id): a range scan of (state, due_at)."""
        query = (
            sa.select(_t)
            .where(
                _t.c.state == OutboxState.SENT.value,
                _t.c.channel == channel.value,
                _t.c.provider_id.is_not(None),
                _t.c.delivery_status.is_(None),
            )
            .order_by(_t.c.due_at, _t.c.id)
            .limit(limit)
        )
        if after is not None:
            at, last = utc(after[0]), after[1]
            query = query.where(sa.or_(_t.c.due_at > at, sa.and_(_t.c.due_at == at, _t.c.id > last)))
        return self._attach([_from_row(r) for r in self._uow.read(query)])

    def count(self, state: OutboxState | None = None) -> int:
        """How many messages (in ``state``)."""
        query = sa.select(sa.func.count()).select_from(_t)
        if state is not None:
            query = query.where(_t.c.state == state.value)
        return int(self._uow.read(query).scalar_one())

    def list(
        self, state: OutboxState | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[OutboxMessage]:
        """Messages (in ``state``), by creation time then id."""
        query = sa.select(_t).order_by(_t.c.created_at, _t.c.id).limit(limit).offset(offset)
        if state is not None:
            query = query.where(_t.c.state == state.value)
        return self._attach([_from_row(r) for r in self._uow.read(query)])


class SqlConsentRepository:
    """Consent history of a SQL unit of work (see :class:`crmkit.ports.outbox.ConsentRepository`)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, record: ConsentRecord) -> None:
        """Record a decision.

        Raises:
            Duplicate: the id is taken.
        """
        try:
            with savepoint(self._uow.connection) as connection:
                connection.execute(sa.insert(consent_records), [_consents.to_row(record)])
        except IntegrityError:
            raise Duplicate("id", "this value is already taken in consent_records") from None

    def history(self, channel: Channel, address: str) -> list[ConsentRecord]:
        """Decisions for one address, oldest first."""
        c = consent_records
        query = (
            sa.select(c).where(c.c.channel == channel.value, c.c.address == address).order_by(c.c.at, c.c.id)
        )
        return [_consents.from_row(r._mapping) for r in self._uow.read(query)]

    def current(self, channel: Channel, addresses: Iterable[str], at: datetime) -> dict[str, ConsentState]:
        """The decision in force at ``at`` per address (one query per 1,000 addresses)."""
        c = consent_records
        wanted = sorted(set(addresses))
        by_address: dict[str, list[ConsentRecord]] = {}
        for chunk in _chunks(wanted):
            query = (
                sa.select(c)
                .where(c.c.channel == channel.value, c.c.address.in_(chunk), c.c.at <= utc(at))
                .order_by(c.c.address, c.c.at, c.c.id)
            )
            for row in self._uow.read(query):
                record = _consents.from_row(row._mapping)
                by_address.setdefault(record.address, []).append(record)
        out: dict[str, ConsentState] = {}
        for address, records in by_address.items():
            state = consent_at(records, at)
            if state is not None:
                out[address] = state
        return out
