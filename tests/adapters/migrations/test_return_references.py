"""Migration 0024 back-fills the return references of a database that already holds returns
(issue 15, V1, V8), on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy.bulk import bulk_insert
from crmkit.adapters.sqlalchemy.invoice_codecs import (
    HEADER_COLUMNS,
    LINE_COLUMNS,
    header_row,
    line_plan,
    line_rows,
)
from crmkit.adapters.sqlalchemy.migrations import REVISIONS, upgrade
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.invoices import InvoiceReference
from tests.adapters.migrations.test_migrations import drift, engine, scratch_url  # noqa: F401 (fixtures)
from tests.services.points.conftest import SELLER, _invoice


def test_0024_back_fills_every_stored_returns_references(engine: sa.Engine) -> None:  # noqa: F811
    """A return of a stored sale waits for nothing; one whose original is missing waits in full, once
    per original it cites; the schema has no drift; the original, imported later, finds it."""
    upgrade(engine, revision=REVISIONS[REVISIONS.index("0024") - 1])
    sale = _invoice("A1", 3, on=date(2026, 3, 2))
    matched = _invoice("R1", 1, on=date(2026, 3, 3), ret="A1")
    early = _invoice("R2", 2, on=date(2026, 3, 4), ret="A2")
    both = attrs.evolve(
        _invoice("R3", 1, on=date(2026, 3, 5), ret="A2"),
        references=(InvoiceReference("A2"), InvoiceReference("A3")),
    )
    made = [sale, matched, early, both]
    with engine.begin() as conn:
        plan = line_plan(conn.dialect)
        bulk_insert(conn, tables.invoices, [header_row(i) for i in made], columns=HEADER_COLUMNS)
        lines = [row for i in made for row in line_rows(i, plan)]
        bulk_insert(conn, tables.invoice_lines, lines, columns=LINE_COLUMNS, prepared=plan is not None)
    upgrade(engine)
    assert drift(engine) == []
    with engine.connect() as conn:
        found = {
            (r.number, r.seller_key, r.return_id, r.line_number, Decimal(r.waiting))
            for r in conn.execute(sa.select(tables.return_references))
        }
    assert found == {
        ("A1", SELLER, matched.id, 1, Decimal(0)),
        ("A2", SELLER, early.id, 1, Decimal(2)),
        ("A2", SELLER, both.id, 1, Decimal(1)),
        ("A3", SELLER, both.id, 1, Decimal(1)),
    }
    storage = SqlStorage(engine.url.render_as_string(hide_password=False))
    try:
        with storage.unit_of_work() as uow:
            waiting = uow.invoices.waiting_returns([(SELLER, "A2")])
        assert [(r.return_id, r.waiting) for r in waiting] == sorted(
            [(early.id, Decimal(2)), (both.id, Decimal(1))]
        )
    finally:
        storage.close()
