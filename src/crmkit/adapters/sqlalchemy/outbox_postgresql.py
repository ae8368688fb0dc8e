"""The outbox's PostgreSQL fast path: a claim and a finish in one round trip each (issue 6 item 9).

Why a path of its own: on PostgreSQL, ``UPDATE … FROM (SELECT … FOR UPDATE
SKIP LOCKED) RETURNING`` claims a batch in one statement, and ``UPDATE … FROM
unnest(arrays) … RETURNING id`` writes a batch's outcomes in one, both with a
fixed statement text that psycopg prepares after a few runs — the same rows
and the same claim-token condition as the portable path of
:mod:`crmkit.adapters.sqlalchemy.outbox`, in a third of the time. The other
back ends lack ``UPDATE … FROM`` with ``RETURNING`` over locked rows (MariaDB)
or row locks altogether (SQLite), so they keep the portable path.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy._convert import offset_of, utc
from crmkit.adapters.sqlalchemy.outbox_codecs import message_from_row
from crmkit.adapters.sqlalchemy.tables.outbox import (
    outbox_messages,
)
from crmkit.domain.messaging import (
    OutboxMessage,
    OutboxState,
)

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = [
    "PG_CLAIM",
    "PG_FINISH",
    "PG_HAND_OVER",
    "claim_postgresql",
    "finish_postgresql",
    "hand_over_postgresql",
]

_COLUMN_LIST = ", ".join(f"t.{c.name}" for c in outbox_messages.columns)
PG_CLAIM = {
    lapsed: sa.text(
        "WITH picked AS (SELECT id, due_at FROM outbox_messages"
        " WHERE state = :state AND due_at <= :now ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED)"
        " UPDATE outbox_messages AS t SET state = 'claimed', claim = :token, due_at = :until,"
        " attempts = t.attempts + 1"
        + (
            ", uncertain_attempts = t.uncertain_attempts + CASE WHEN t.sent_at IS NULL THEN 0 ELSE 1 END,"
            " sent_at = NULL, sent_at_offset = NULL"
            if lapsed
            else ""
        )
        + f" FROM picked WHERE t.id = picked.id RETURNING {_COLUMN_LIST}, picked.due_at AS picked_due_at"
    )
    for lapsed in (False, True)
}
"""PostgreSQL claim in one round trip (issue 6 item 9): lock due rows skipping others' locks, claim them,
return the claimed rows with the due time they were picked by (for the order)."""

_OUTCOMES = (
    "UPDATE outbox_messages AS t SET state = v.state, claim = NULL, due_at = v.due_at,"
    " provider_id = v.provider_id, last_error = v.last_error, sent_at = v.sent_at,"
    " sent_at_offset = v.sent_at_offset"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:states AS varchar[]), CAST(:dues AS timestamptz[]),"
    " CAST(:providers AS varchar[]), CAST(:errors AS varchar[]), CAST(:sents AS timestamptz[]),"
    " CAST(:sent_offsets AS integer[]))"
    " AS v(id, state, due_at, provider_id, last_error, sent_at, sent_at_offset)"
    " WHERE t.id = v.id AND t.claim = :token RETURNING t.id"
)
PG_FINISH = sa.text(_OUTCOMES)
"""PostgreSQL outcomes in one statement with seven array parameters (a fixed text the driver prepares):
only rows still held by the token are written, and ``RETURNING`` says which."""


def claim_postgresql(
    uow: SqlUnitOfWork, token: str, now: datetime, lease: timedelta, limit: int
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
        rows = list(uow.execute(PG_CLAIM[state is OutboxState.CLAIMED], params))
        rows.sort(key=lambda r: r.picked_due_at)
        claimed += [message_from_row(r) for r in rows]
    return claimed


def _outcome_arrays(messages: Sequence[OutboxMessage]) -> dict[str, list[Any]]:
    """The outcomes of ``messages`` as the parallel arrays ``PG_FINISH`` and ``PG_HAND_OVER`` unnest."""
    return {
        "ids": [m.id for m in messages],
        "states": [m.state._value_ for m in messages],
        "dues": [utc(m.due_at) for m in messages],
        "providers": [m.provider_id for m in messages],
        "errors": [None if m.last_error is None else m.last_error[:1000] for m in messages],
        "sents": [None if m.sent_at is None else utc(m.sent_at) for m in messages],
        "sent_offsets": [None if m.sent_at is None else offset_of(m.sent_at) for m in messages],
    }


def finish_postgresql(uow: SqlUnitOfWork, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
    """One ``UPDATE … FROM unnest(arrays) … WHERE claim = token RETURNING id`` per call.

    The update takes each row's lock; a row re-claimed by another dispatcher after a
    lapsed lease no longer carries ``token`` and is left alone (lost), as before.
    """
    params = {"token": token, **_outcome_arrays(messages)}
    held = set(uow.execute(PG_FINISH, params).scalars())
    return [m.id for m in messages if m.id not in held]


PG_HAND_OVER = sa.text(
    f"WITH done AS ({_OUTCOMES}),"
    " mark AS (UPDATE outbox_messages SET sent_at = :now, sent_at_offset = :now_offset"
    " WHERE id = :id AND claim = :token AND state = 'claimed'"
    " AND set_config('synchronous_commit', 'off', true) IS NOT NULL RETURNING id)"
    " SELECT (SELECT count(*) FROM mark) AS held, ARRAY(SELECT id FROM done) AS done"
)
"""PostgreSQL hand-over (§9) in one statement: the outcomes so far, and the mark of the next
message, whose transaction then commits without waiting for the WAL flush (``synchronous_commit``
off for this transaction only: the mark guards against a crash of the dispatcher, which the server
outlives, and a flush per message would cap dispatch at the disk's flush rate)."""


def hand_over_postgresql(
    uow: SqlUnitOfWork, token: str, id: uuid.UUID, now: datetime, outcomes: Sequence[OutboxMessage]
) -> tuple[list[uuid.UUID], bool]:
    """Store ``outcomes``, mark ``id`` handed over and commit; ``(lost ids, still held)``.

    One round trip when the unit of work has nothing open: the statement is its own
    transaction (:meth:`~crmkit.adapters.sqlalchemy.storage.SqlUnitOfWork.commit_with`).
    """
    params = {
        "token": token,
        "id": id,
        "now": utc(now),
        "now_offset": offset_of(now),
        **_outcome_arrays(outcomes),
    }
    (row,) = uow.commit_with(PG_HAND_OVER, params)
    done = {d if isinstance(d, uuid.UUID) else uuid.UUID(str(d)) for d in row.done}
    return [m.id for m in outcomes if m.id not in done], row.held == 1
