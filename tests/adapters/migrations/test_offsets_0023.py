"""Migration 0023: the offset columns of the remaining aware times (issue 11 item 3, V1, M4, §9).

Rows stored before it were read back in UTC: their times get offset 0 (exactly what they
read as), a time that is ``NULL`` gets no offset; the downgrade drops the columns and keeps
the rows. On SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy.migrations import REVISIONS, SCRIPT_LOCATION, current, upgrade
from tests.adapters.migrations.test_migrations import drift, engine, scratch_url  # noqa: F401 (fixtures)

BEFORE = REVISIONS[REVISIONS.index("0023") - 1]
AT = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)  # 1 April 00:30 in Istanbul, stored as UTC


def _message(n: int, *, sent: bool) -> dict[str, object]:
    """An outbox row with the columns revision 0022 has."""
    return {
        "id": uuid.UUID(int=n + 1), "key": f"k{n}", "channel": "sms", "kind": "informational",
        "recipient": "+905321110000", "body": "Merhaba", "subject": "", "created_at": AT, "due_at": AT,
        "state": "sent" if sent else "pending", "attempts": 1 if sent else 0, "uncertain_attempts": 0,
        "claim": None, "provider_id": f"P{n}" if sent else None, "last_error": None,
        "sent_at": AT if sent else None, "parts": 1, "contact_id": None, "campaign_id": None,
        "recipient_type": "individual", "delivery_status": "delivered" if sent else None,
        "delivery_at": AT if sent else None, "delivery_error": None, "created_at_offset": 0,
        "due_at_offset": 0,
    }  # fmt: skip


def test_0023_gives_stored_times_offset_0_and_empty_times_none(engine: sa.Engine) -> None:  # noqa: F811
    """Upgrading keeps every row and reads it as before (UTC); the schema then has no drift."""
    upgrade(engine, revision=BEFORE)
    with engine.begin() as conn:  # only the columns revision 0022 has
        rows = [_message(0, sent=True), _message(1, sent=False)]
        conn.execute(sa.insert(tables.metadata.tables["outbox_messages"]), rows)
        conn.execute(
            sa.insert(tables.metadata.tables["erasures"]),
            [{"id": uuid.UUID(int=9), "contact_id": uuid.UUID(int=10), "company_id": uuid.UUID(int=11),
              "actor_id": uuid.UUID(int=12), "at": AT, "reason": "KVKK", "report": [["contact", 1]]}],
        )  # fmt: skip
    upgrade(engine)
    assert current(engine) == REVISIONS[-1]
    t = tables.metadata.tables["outbox_messages"]
    with engine.connect() as conn:
        found = {
            r.key: (r.sent_at_offset, r.delivery_at_offset)
            for r in conn.execute(sa.select(t.c.key, t.c.sent_at_offset, t.c.delivery_at_offset))
        }
        (at_offset,) = conn.execute(sa.select(tables.metadata.tables["erasures"].c.at_offset)).scalars()
    assert found == {"k0": (0, 0), "k1": (None, None)}
    assert at_offset == 0
    assert drift(engine) == []


def test_0023_downgrades_to_0022_keeping_the_rows(engine: sa.Engine) -> None:  # noqa: F811
    """The downgrade drops exactly the new columns; the rows and their UTC times stay."""
    upgrade(engine)
    t = tables.metadata.tables["outbox_messages"]
    with engine.begin() as conn:
        conn.execute(sa.insert(t), [{**_message(0, sent=True), "sent_at_offset": 10800}])
    with engine.connect() as conn:
        config = Config()
        config.set_main_option("script_location", SCRIPT_LOCATION)
        config.attributes["connection"] = conn
        command.downgrade(config, BEFORE)
        conn.commit()
    assert current(engine) == BEFORE
    columns = {c["name"] for c in sa.inspect(engine).get_columns("outbox_messages")}
    assert "sent_at_offset" not in columns and "delivery_at_offset" not in columns
    assert "created_at_offset" in columns  # revision 0018's stay
    for table, times in (("companies", ("registered_at",)), ("erasures", ("at",))):
        names = {c["name"] for c in sa.inspect(engine).get_columns(table)}
        assert not {f"{time}_offset" for time in times} & names
    kept = sa.table("outbox_messages", sa.column("key", t.c.key.type), sa.column("sent_at", t.c.sent_at.type))
    with engine.connect() as conn:
        row = conn.execute(sa.select(kept.c.key, kept.c.sent_at)).one()
    assert row.key == "k0" and row.sent_at is not None
    upgrade(engine)
    assert drift(engine) == []
