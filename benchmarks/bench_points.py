"""Loyalty points: earning from imported invoice lines, and a big party's balance and statement.

Issue 15, item 9. For SQLite (a file) and, with ``--postgres URL``, PostgreSQL:

* **earn**: ``--lines`` invoice lines (10 per invoice) are stored as imported
  invoices (not timed), then ``crm.points.earning.earn()`` credits them as the
  import's hook does (the invoices in hand, 500 per unit of work) —
  three parties per line, one ledger entry each, the processed markers too.
  Printed as lines/s beside a **raw-driver insert of the same ledger rows**
  (read back from the ledger) into a twin table through the DB-API cursor's
  ``executemany`` in batches of the same size, committed per batch, in the same run.
  Target: ratio <= 2.0.
* **balance / statement**: one party with ``--entries`` ledger entries over two
  years; ``crm.points.balance`` and a one-year ``crm.points.statement``, p50 of
  ``--repeat`` interleaved calls. Targets: p50 < 5 ms and < 50 ms. The statement is
  ``crm.points.statement_page`` (opening, a page of 100 entries, closing, the cursor),
  timed for the first page and for a page from the middle of the year; the whole
  year in one ``crm.points.statement`` call is printed beside it.

    .venv/bin/python benchmarks/bench_points.py [--lines 1000000] [--entries 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from _timing import alternate, p50_ms

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables.points import point_entries
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.domain.point_ledger import EntryKind, LedgerEntry
from crmkit.domain.points import PointRule, Product, Program, Role, Target

LINES_PER_INVOICE = 10
BATCH = 500
PAGE = 100


def invoices(lines: int) -> list[Invoice]:
    """Sales of 10 lines each by 20 stores and 50 sales persons to 1,000 customers."""
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    seller = InvoiceParty("Marmara Dağıtım A.Ş.", tax_no="4730180002")
    made = []
    for n in range(lines // LINES_PER_INVOICE):
        rows = tuple(
            InvoiceLine(number=k + 1, product_name=f"Ürün {k}", product_code=f"P-{k}", quantity=Decimal(2),
                        unit_price=Decimal("10.00"), line_extension=Decimal("20.00"))
            for k in range(LINES_PER_INVOICE)
        )  # fmt: skip
        made.append(
            Invoice(
                id=invoice_id_for(seller.key, f"SF{n:08d}"),
                number=f"SF{n:08d}",
                issued_at=start + timedelta(minutes=n),
                currency="TRY",
                seller=seller,
                buyer=InvoiceParty(f"Müşteri {n % 1000}", tax_no=f"{1000000000 + n % 1000}"),
                lines=rows,
                totals=InvoiceTotals.of(Decimal(200), payable=Decimal(200)),
                store=f"S-{n % 20}",
                sales_person=f"R-{n % 50}",
            )
        )
    return made


def connect(storage: SqlStorage) -> tuple[crmkit.Crm, uuid.UUID]:
    crm = crmkit.connect(storage, sms=ConsoleSmsGateway(io.StringIO()), load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    crm.points.define_program(actor=admin.id, program=Program(code="P", name="P"))
    crm.points.add_products(
        actor=admin.id, products=[Product(code=f"P-{k}", category="C") for k in range(LINES_PER_INVOICE)]
    )
    crm.points.add_rules(
        actor=admin.id,
        rules=[
            PointRule(program="P", role=role, target=Target.CATEGORY, key="C", points=Decimal(n),
                      valid_from=date(2025, 1, 1))
            for role, n in ((Role.CUSTOMER, 5), (Role.DEALER, 2), (Role.SALES_PERSON, 1))
        ],
    )  # fmt: skip
    return crm, admin.id


def _sqlite(value: object) -> object:
    """A value as SQLAlchemy binds it on SQLite: UUIDs as 32 hex digits, times and dates as text."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (datetime, date)):
        return value.isoformat(" ") if isinstance(value, datetime) else value.isoformat()
    return value


def raw_insert(storage: SqlStorage, rows: list[tuple[object, ...]], *, indexed: bool = False) -> float:
    """The same ledger rows through the DB-API cursor into a twin table, a commit per batch.

    ``indexed``: the twin also has the ledger's unique key and indexes (what storing a
    ledger costs the database whoever writes it); otherwise only its primary key.
    """
    twin = sa.Table(
        "point_entries_raw",
        sa.MetaData(),
        *(
            sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in point_entries.columns
        ),
    )
    if indexed:
        sa.Index("raw_uq_key", twin.c.entry_key, unique=True)
        for n, index in enumerate(point_entries.indexes):
            sa.Index(f"raw_ix_{n}", *(twin.c[c.name] for c in index.columns))
    twin.drop(storage.engine, checkfirst=True)
    twin.create(storage.engine)
    names = [c.name for c in point_entries.columns]
    mark = "?" if storage.engine.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO point_entries_raw ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    raw = storage.engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        step = BATCH * LINES_PER_INVOICE * 3
        for i in range(0, len(rows), step):
            cursor.executemany(sql, rows[i : i + step])
            raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()
        twin.drop(storage.engine, checkfirst=True)


def earn(name: str, storage: SqlStorage, lines: int) -> None:
    """Time the earning job over ``lines`` imported lines and the raw insert of its rows."""
    reset_database(storage)
    crm, _ = connect(storage)
    made = invoices(lines)
    for i in range(0, len(made), BATCH):
        with storage.unit_of_work() as uow:
            uow.invoices.add_many(made[i : i + BATCH])
            uow.commit()
    start = time.perf_counter()
    report = crm.points.earning.earn(made, batch=BATCH)  # what the import's hook hands over
    ours = time.perf_counter() - start
    with storage.engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(sa.select(point_entries))]
    if storage.engine.dialect.name == "sqlite":  # the DB-API takes what SQLAlchemy's types bind
        rows = [tuple(_sqlite(v) for v in r) for r in rows]
    raw = raw_insert(storage, rows)
    indexed = raw_insert(storage, rows, indexed=True)
    n = report.processed * LINES_PER_INVOICE
    print(
        f"{name}: earn {n:,} lines ({len(rows):,} entries) in {ours:.2f} s = {n / ours:,.0f} lines/s;"
        f" raw insert of the same rows {raw:.2f} s = {n / raw:,.0f} lines/s;"
        f" ratio {ours / raw:.2f} (target <= 2.0);"
        f" raw insert into a twin with the ledger's indexes {indexed:.2f} s, ratio {ours / indexed:.2f}"
    )


def big_party(name: str, storage: SqlStorage, entries: int, repeat: int) -> None:
    """Balance and a year's statement of one party with ``entries`` entries."""
    reset_database(storage)
    crm, admin = connect(storage)
    party = ("P", Role.CUSTOMER, "1234567890")
    first = date(2025, 1, 1)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    made = [
        LedgerEntry(id=uuid.UUID(int=n + 1), key=f"b{n}", program="P", role=Role.CUSTOMER, party=party[2],
                    kind=EntryKind.EARN, points=1 + n % 7, reason="invoice", source=f"invoice:{n}:1",
                    on=first + timedelta(days=n * 730 // entries), recorded_at=at, spendable_from=first)
        for n in range(entries)
    ]  # fmt: skip
    for i in range(0, entries, 10_000):
        with storage.unit_of_work() as uow:
            uow.points.append(made[i : i + 10_000])
            uow.commit()

    def balance() -> int:
        return crm.points.balance(actor=admin, program="P", role="customer", party=party[2])

    year = {"actor": admin, "program": "P", "role": "customer", "party": party[2],
            "start": date(2026, 1, 1), "end": date(2026, 12, 31)}  # fmt: skip
    middle = None
    for _ in range(entries // 4000):  # half way through the year: ~entries/4 entries in
        middle = crm.points.statement_page(**year, after=middle, limit=1000).next  # type: ignore[arg-type]

    def first_page() -> object:
        return crm.points.statement_page(**year, limit=PAGE)  # type: ignore[arg-type]

    def later_page() -> object:  # a page from the middle of the year (the cursor's keyset read)
        return crm.points.statement_page(**year, after=middle, limit=PAGE)  # type: ignore[arg-type]

    b, s, m = alternate(repeat, balance, first_page, later_page)
    start = time.perf_counter()
    whole = crm.points.statement(**year)  # type: ignore[arg-type]
    loaded = time.perf_counter() - start
    print(
        f"{name}: party with {entries:,} entries: balance p50 {p50_ms(b):.2f} ms (target < 5);"
        f" one-year statement (opening, {PAGE} entries, closing, cursor) p50 {p50_ms(s):.1f} ms,"
        f" a page from mid-year p50 {p50_ms(m):.1f} ms (target < 50);"
        f" the whole year's {len(whole.entries):,} entries in one call {loaded * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    targets = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'points.db'}")]
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres))
    for name, url in targets:
        storage = SqlStorage(url)
        storage.migrate()
        try:
            earn(name, storage, args.lines)
            big_party(name, storage, args.entries, args.repeat)
        finally:
            storage.close()


if __name__ == "__main__":
    main()
