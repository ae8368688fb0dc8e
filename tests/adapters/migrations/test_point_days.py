"""Migration 0021 back-fills each party's daily point totals from a ledger that already holds entries
(issue 15, V4, V8), on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy.migrations import REVISIONS, upgrade
from tests.adapters.migrations.test_migrations import drift, engine, scratch_url  # noqa: F401 (fixtures)


def test_0021_back_fills_daily_totals_equal_to_the_ledgers_sums(engine: sa.Engine) -> None:  # noqa: F811
    """Entries stored before 0021 are summed per party and day into point_days; the schema has no drift."""
    upgrade(engine, revision=REVISIONS[REVISIONS.index("0021") - 1])
    entries = tables.metadata.tables["point_entries"]  # its columns are those of revision 0015
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    rows = [
        {"id": uuid.UUID(int=n + 1), "entry_key": f"k{n}", "program": "P", "role": "customer",
         "party": party, "kind": "earn" if points > 0 else "redeem", "points": points, "reason": "r",
         "source": "s", "on_date": on, "recorded_at": at}
        for n, (party, on, points) in enumerate([
            ("A", date(2026, 3, 1), 10), ("A", date(2026, 3, 1), -4), ("A", date(2026, 3, 2), 7),
            ("B", date(2026, 3, 1), 5),
        ])
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.insert(entries), rows)
    upgrade(engine)
    days = tables.metadata.tables["point_days"]
    with engine.connect() as conn:
        found = {(r.party, r.on_date, int(r.points)) for r in conn.execute(sa.select(days))}
    assert found == {("A", date(2026, 3, 1), 6), ("A", date(2026, 3, 2), 7), ("B", date(2026, 3, 1), 5)}
    assert drift(engine) == []
