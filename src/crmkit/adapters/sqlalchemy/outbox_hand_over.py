"""The dispatcher's write before each send, as cheap as a durable write gets (§9, issue 11 item 8).

A dispatcher sending through a gateway without idempotency records, before each send,
the outcome of the message it sent last and that the next one is in flight
(:meth:`crmkit.ports.outbox.OutboxRepository.hand_over`). After a crash exactly the
message in flight is repeated and flagged. That takes one durable write per message —
nothing less tells which message was in flight — so the write is made as cheap as one
write can be:

* **one statement** for the usual case (one outcome, or none for the first message of a
  batch): one ``UPDATE`` of both rows, every ``CASE`` deciding on ``id`` alone
  (:data:`OUTCOME_AND_MARK`, :data:`SQLITE_ALONE`, :data:`POSTGRESQL_ALONE`);
* **its own transaction**: when the unit of work has nothing open, the statement runs
  through the driver in autocommit — no ``BEGIN``/``COMMIT`` of their own, on PostgreSQL one
  round trip instead of three, on SQLite no SQLAlchemy transaction bookkeeping — and on
  PostgreSQL it commits without waiting for the WAL flush (``synchronous_commit`` off for
  that transaction: the record guards against a crash of the dispatcher, which the server
  outlives);
* otherwise — MariaDB (switching PyMySQL to autocommit is a round trip each way), a unit
  of work with writes of its own, several outcomes — the same rows are written in the unit
  of work's transaction, which is then committed.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from crmkit.adapters.sqlalchemy._convert import offset_of, utc, uuid_of
from crmkit.adapters.sqlalchemy.outbox_codecs import bind_processor
from crmkit.adapters.sqlalchemy.tables.outbox import outbox_messages
from crmkit.domain.messaging import OutboxMessage, OutboxState

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = [
    "FINISH",
    "MARK",
    "OUTCOME_AND_MARK",
    "POSTGRESQL_ALONE",
    "SQLITE_ALONE",
    "finish_params",
    "hand_over_alone",
    "mark_params",
    "outcome_and_mark",
]

_messages = outbox_messages

FINISH = (
    sa.update(_messages)
    .where(_messages.c.id == sa.bindparam("b_id"), _messages.c.claim == sa.bindparam("b_claim"))
    .values(
        state=sa.bindparam("n_state"),
        claim=None,
        due_at=sa.bindparam("n_due_at"),
        provider_id=sa.bindparam("n_provider_id"),
        last_error=sa.bindparam("n_last_error"),
        sent_at=sa.bindparam("n_sent_at"),
        sent_at_offset=sa.bindparam("n_sent_at_offset"),
    )
)
"""One outcome, written only while the claim token still holds the row (built once)."""


def finish_params(token: str, m: OutboxMessage) -> dict[str, Any]:
    """The parameters of :data:`FINISH` storing the outcome of ``m`` while ``token`` holds it."""
    sent_at = m.sent_at
    return {
        "b_id": m.id,
        "b_claim": token,
        "n_state": m.state.value,
        "n_due_at": utc(m.due_at),
        "n_provider_id": m.provider_id,
        "n_last_error": None if m.last_error is None else m.last_error[:1000],
        "n_sent_at": None if sent_at is None else utc(sent_at),
        "n_sent_at_offset": None if sent_at is None else offset_of(sent_at),
    }


MARK = (
    sa.update(_messages)
    .where(
        _messages.c.id == sa.bindparam("b_id"),
        _messages.c.claim == sa.bindparam("b_claim"),
        _messages.c.state == OutboxState.CLAIMED.value,
    )
    .values(sent_at=sa.bindparam("m_sent_at"), sent_at_offset=sa.bindparam("m_sent_at_offset"))
)
"""The hand-over mark alone: ``sent_at`` (at the dispatcher clock's offset) on a message still claimed."""


def mark_params(token: str, id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """The parameters of :data:`MARK` handing ``id`` over at ``now``."""
    return {"b_id": id, "b_claim": token, "m_sent_at": utc(now), "m_sent_at_offset": offset_of(now)}


def _typed(name: str, column: str) -> sa.BindParameter[Any]:
    """A parameter with its column's type (a bare one inside ``CASE``/``IN`` would go to the driver raw)."""
    return sa.bindparam(name, type_=_messages.c[column].type)


_DONE = _messages.c.id == _typed("k_id", "id")


def _outcome_or(column: str) -> sa.Case[Any]:
    """``column`` gets the outcome's value on the finished row, and keeps its own elsewhere."""
    return sa.case((_DONE, _typed(f"n_{column}", column)), else_=_messages.c[column])


OUTCOME_AND_MARK = (
    sa.update(_messages)
    .where(
        _messages.c.id.in_([_typed("k_id", "id"), _typed("b_id", "id")]),
        _messages.c.claim == sa.bindparam("b_claim"),
        sa.or_(_DONE, _messages.c.state == "claimed"),
    )
    .values(
        state=_outcome_or("state"),
        claim=sa.case((_DONE, sa.null()), else_=_messages.c.claim),
        due_at=_outcome_or("due_at"),
        provider_id=_outcome_or("provider_id"),
        last_error=_outcome_or("last_error"),
        sent_at=sa.case((_DONE, _typed("n_sent_at", "sent_at")), else_=_typed("m_sent_at", "sent_at")),
        sent_at_offset=sa.case(
            (_DONE, _typed("n_sent_at_offset", "sent_at_offset")),
            else_=_typed("m_sent_at_offset", "sent_at_offset"),
        ),
    )
)
"""One message's outcome and the next one's hand-over in one ``UPDATE`` (through SQLAlchemy, in the
unit of work's transaction), found by primary key (``id IN (…)``: a condition on ``state`` alone
would make a planner scan every claimed row). Every ``CASE`` decides on ``id``, which no
assignment changes, so MariaDB's left-to-right ``SET`` reads the same values as the others."""


def outcome_and_mark(uow: SqlUnitOfWork, token: str, done: OutboxMessage, mark: dict[str, Any]) -> tuple[
    list[uuid.UUID], bool
]:  # fmt: skip
    """:data:`OUTCOME_AND_MARK` in the unit of work's transaction; ``(lost ids, next still held)``.

    The row count (rows matched: PyMySQL connects with ``FOUND_ROWS``) says which rows were
    held: two, both; none, neither. One (a lapsed lease, rare): the next message is held —
    and so was the one matched — exactly when it still carries ``token`` unfinished (its row
    is locked by this transaction, or SQLite's one writer is this one).
    """
    params = {**finish_params(token, done), **mark, "k_id": done.id}
    connection = uow.connection
    matched = connection.execute(OUTCOME_AND_MARK, params).rowcount
    if matched != 1:
        return ([], True) if matched == 2 else ([done.id], False)
    query = sa.select(_messages.c.id).where(
        _messages.c.id == mark["b_id"], _messages.c.claim == token, _messages.c.state == "claimed"
    )
    held = connection.execute(query).first() is not None
    return ([done.id], True) if held else ([], False)


_TYPES = {"k": "uuid", "id": "uuid", "due": "timestamptz", "sent": "timestamptz", "now": "timestamptz",
          "sent_offset": "integer", "now_offset": "integer", "state": "varchar", "provider": "varchar",
          "error": "varchar", "token": "varchar"}  # fmt: skip
"""PostgreSQL types of the parameters, cast explicitly: a ``NULL`` has no type of its own."""


def _alone(mark: str, *, postgresql: bool) -> str:
    """The one-statement hand-over in the driver's own parameter style, ``RETURNING`` the ids written."""

    def p(name: str) -> str:
        return f"CAST(%({name})s AS {_TYPES[name]})" if postgresql else f":{name}"

    k = p("k")
    return (
        "UPDATE outbox_messages SET"
        f" state = CASE WHEN id = {k} THEN {p('state')} ELSE state END,"
        f" claim = CASE WHEN id = {k} THEN NULL ELSE claim END,"
        f" due_at = CASE WHEN id = {k} THEN {p('due')} ELSE due_at END,"
        f" provider_id = CASE WHEN id = {k} THEN {p('provider')} ELSE provider_id END,"
        f" last_error = CASE WHEN id = {k} THEN {p('error')} ELSE last_error END,"
        f" sent_at = CASE WHEN id = {k} THEN {p('sent')} ELSE {p('now')} END,"
        f" sent_at_offset = CASE WHEN id = {k} THEN {p('sent_offset')} ELSE {p('now_offset')} END"
        f" WHERE id IN ({k}, {p('id')}) AND claim = {p('token')} AND (id = {k} OR state = 'claimed'){mark}"
        " RETURNING id"
    )


SQLITE_ALONE = _alone("", postgresql=False)
"""The hand-over as one autocommitted statement on SQLite (named parameters, ``RETURNING``: 3.35+)."""

POSTGRESQL_ALONE = _alone(" AND set_config('synchronous_commit', 'off', true) IS NOT NULL", postgresql=True)
"""The hand-over as one autocommitted statement on PostgreSQL (psycopg prepares it), committed
without waiting for the WAL flush."""

_SQLITE_RETURNING = sqlite3.sqlite_version_info >= (3, 35)


def hand_over_alone(
    uow: SqlUnitOfWork, token: str, id: uuid.UUID, now: datetime, done: OutboxMessage | None
) -> tuple[list[uuid.UUID], bool] | None:
    """The hand-over as one statement committed on its own, or ``None`` when it cannot be.

    It can on SQLite (3.35+) and PostgreSQL when the unit of work has no transaction open
    (its connection is between transactions: nothing of the unit of work is left uncommitted).

    Raises:
        sqlalchemy.exc.DBAPIError: the driver's error, wrapped as SQLAlchemy wraps it.
    """
    connection = uow.connection
    if connection.in_transaction():
        return None
    dialect = connection.dialect
    raw: Any = connection.connection.driver_connection
    params: dict[str, Any] = {
        "k": None if done is None else done.id,
        "token": token,
        "id": id,
        "now": utc(now),
        "now_offset": offset_of(now),
        "state": None if done is None else done.state._value_,
        "due": None if done is None else utc(done.due_at),
        "provider": None if done is None else done.provider_id,
        "error": None if done is None or done.last_error is None else done.last_error[:1000],
        "sent": None if done is None or done.sent_at is None else utc(done.sent_at),
        "sent_offset": None if done is None or done.sent_at is None else offset_of(done.sent_at),
    }
    try:
        if dialect.name == "sqlite":
            if raw.in_transaction or not _SQLITE_RETURNING:
                return None
            to_id, to_time = _sqlite_processors(dialect)
            for name in ("k", "id"):
                params[name] = None if params[name] is None else to_id(params[name])
            for name in ("now", "due", "sent"):
                params[name] = None if params[name] is None else to_time(params[name])
            rows = raw.execute(SQLITE_ALONE, params).fetchall()
        elif dialect.name == "postgresql":
            from psycopg.pq import TransactionStatus

            if raw.info.transaction_status != TransactionStatus.IDLE:
                return None
            raw.autocommit = True
            try:
                with raw.cursor() as cursor:
                    cursor.execute(POSTGRESQL_ALONE, params, prepare=True)
                    rows = cursor.fetchall()
            finally:
                raw.autocommit = False
        else:
            return None
    except dialect.loaded_dbapi.Error as error:
        statement = SQLITE_ALONE if dialect.name == "sqlite" else POSTGRESQL_ALONE
        raise DBAPIError.instance(
            statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from None
    written = {uuid_of(row[0]) for row in rows}
    lost = [] if done is None or done.id in written else [done.id]
    return lost, id in written


_PROCESSORS: dict[int, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {}


def _sqlite_processors(dialect: Dialect) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The id and time bind processors of the SQLite dialect, as SQLAlchemy would apply them (made once)."""
    found = _PROCESSORS.get(id(dialect))
    if found is None:
        found = _PROCESSORS[id(dialect)] = (bind_processor("id", dialect), bind_processor("sent_at", dialect))
    return found
