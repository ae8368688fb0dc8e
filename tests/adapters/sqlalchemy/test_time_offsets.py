"""Every time column keeps its UTC offset beside it, or says why not (V1, issue 11 item 3; revision 0023).

A new aware time added to a table without an offset column would read back in UTC on
SQLite, PostgreSQL and MariaDB while memory keeps the caller's offset: this test fails
until it gets one (``offset_column``) or a documented place in ``UTC_TIMES``.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.adapters.sqlalchemy.tables.schema import UTC_TIMES

RENAMED = {"invoices.issued_at": "issued_offset", "invoices.delivered_at": "delivered_offset",
           "sales_orders.ordered_at": "ordered_offset"}  # fmt: skip
"""Offset columns named before the ``<time>_offset`` convention (revision 0011)."""


def _times() -> list[sa.Column[object]]:
    return [c for t in metadata.sorted_tables for c in t.columns if isinstance(c.type, sa.DateTime)]


def test_v1_every_time_column_has_an_offset_column_or_a_reason() -> None:
    missing = []
    for column in _times():
        name = f"{column.table.name}.{column.name}"
        offset = RENAMED.get(name, f"{column.name}_offset")
        if name in UTC_TIMES:
            assert offset not in column.table.c, f"{name} has an offset column: drop it from UTC_TIMES"
            continue
        if offset not in column.table.c:
            missing.append(name)
        else:
            assert isinstance(column.table.c[offset].type, sa.Integer) and column.table.c[offset].nullable
    assert missing == [], f"times that would read back in UTC: {missing}"


def test_v1_utc_times_names_only_existing_time_columns() -> None:
    known = {f"{c.table.name}.{c.name}" for c in _times()}
    assert set(UTC_TIMES) <= known, set(UTC_TIMES) - known
