"""Loyalty points: earning from imported invoice lines, and a big party's balance and statement.

Issue 15, item 9. For SQLite (a file) and, with ``--postgres URL``, PostgreSQL:

* **earn**: ``--lines`` invoice lines (10 per invoice) are made and stored as imported
  invoices 10,000 at a time through the bulk path the import writes with
  (``uow.invoices.add_many``; not timed: the import is ``bench_invoice_import.py``'s),
  and each chunk is credited by ``crm.points.earning.earn()`` as the import's hook
  does (the invoices in hand, 500 per unit of work, each followed by its re-read of the
  originals' returned quantities under the sellers' return locks) — three parties per
  line, one ledger entry each, the processed markers, running balances and per-day totals too.
  Only the ``earn`` calls are timed, and summed. Printed as lines/s beside a
  **raw-driver insert of the same ledger rows** (read back from the ledger in the
  order they were written, not timed) through the DB-API cursor's ``executemany`` in
  batches of the same size, each batch its own transaction (SQLite: an explicit
  ``BEGIN``, as the storage's connections run in the driver's autocommit mode), into a
  twin with only the primary key and into a twin with the ledger's unique key and
  indexes, in the same run. Target: ratio <= 2.0. The setup times (making and storing
  the invoices, reading the rows back) and the cost of the import's per-batch
  return-reference look-up (migration 0024) for these invoices are printed too.
* **balance / statement**: one party with ``--entries`` ledger entries over two
  years; ``crm.points.balance`` and a one-year ``crm.points.statement``, p50 of
  ``--repeat`` interleaved calls. Targets: p50 < 5 ms and < 50 ms. The statement is
  ``crm.points.statement_page`` (opening, a page of 100 entries, closing, the cursor),
  timed for the first page and for a page from the middle of the year; the whole
  year in one ``crm.points.statement`` call is printed beside it.

Memory stays bounded at a million lines (chunks of invoices, the ledger streamed back).

    .venv/bin/python benchmarks/bench_points.py [--lines 1000000] [--entries 100000]
        [--postgres URL [--skip-sqlite]]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _timing import alternate_cpu, p50_ms

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.adapters.invoices.collector import fewer_collections
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables.points import point_entries
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.domain.point_ledger import EntryKind, LedgerEntry
from crmkit.domain.points import PointRule, Product, Program, Role, Target

LINES_PER_INVOICE = 10
BATCH = 500
CHUNK = 10_000
"""Invoices made, stored and earned at a time (100,000 lines)."""
PAGE = 100


def invoices(first: int, count: int) -> list[Invoice]:
    """Sales ``first`` .. ``first + count - 1`` of 10 lines each, by 20 stores and 50 sales persons
    to 1,000 customers (the same invoices whatever the chunking)."""
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    seller = InvoiceParty("Marmara Dağıtım A.Ş.", tax_no="4730180002")
    made = []
    for n in range(first, first + count):
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


def ledger_rows(storage: SqlStorage, step: int) -> Iterator[list[tuple[object, ...]]]:
    """The ledger's rows as the driver stores them, in the order they were written, ``step`` at a time.

    SQLite: keyset pages by ``rowid`` (short read transactions, so the WAL is checkpointed
    while the twin is written); PostgreSQL: one server-side cursor. Memory stays bounded
    whatever the size of the ledger.
    """
    raw = storage.engine.raw_connection()
    try:
        if storage.engine.dialect.name == "sqlite":
            last = 0
            while True:
                cursor = raw.cursor()
                cursor.execute(
                    "SELECT rowid, * FROM point_entries WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, step)
                )
                got = cursor.fetchall()
                raw.commit()
                if not got:
                    return
                last = got[-1][0]
                yield [tuple(r[1:]) for r in got]
        else:
            driver: Any = raw.driver_connection
            with driver.cursor(name="ledger") as cursor:
                cursor.execute("SELECT * FROM point_entries")
                while part := cursor.fetchmany(step):
                    yield [tuple(r) for r in part]
            raw.commit()
    finally:
        raw.close()


def _twin(name: str, *, indexed: bool) -> sa.Table:
    """A twin of the ledger: its columns and primary key, and with ``indexed`` its unique key and indexes."""
    twin = sa.Table(
        name,
        sa.MetaData(),
        *(
            sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in point_entries.columns
        ),
    )
    if indexed:
        sa.Index(f"{name}_uq_key", twin.c.entry_key, unique=True)
        for n, index in enumerate(point_entries.indexes):  # partial ones stay partial (revision 0027)
            sa.Index(f"{name}_ix_{n}", *(twin.c[c.name] for c in index.columns), **index.dialect_kwargs)
    return twin


def raw_insert(storage: SqlStorage) -> tuple[tuple[float, float], tuple[float, float]]:
    """The ledger's rows through the DB-API cursor into two twin tables, a commit per batch; seconds.

    One pass over the ledger's rows: each batch goes into the twin with only the primary
    key, then into the twin with the ledger's unique key and indexes (what storing this
    ledger costs the database whoever writes it), each in its own transaction. Only the
    inserts and commits are timed, not reading the rows back: wall seconds of the two
    twins, then this process's CPU seconds of the two (all of SQLite's work; not a server's).
    """
    twins = (_twin("point_entries_raw", indexed=False), _twin("point_entries_raw_ix", indexed=True))
    for twin in twins:
        twin.drop(storage.engine, checkfirst=True)
        twin.create(storage.engine)
    names = [c.name for c in point_entries.columns]
    mark = "?" if storage.engine.dialect.paramstyle == "qmark" else "%s"
    sqls = [
        f"INSERT INTO {twin.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        for twin in twins
    ]
    raw = storage.engine.raw_connection()
    # the adapter's SQLite connections run in the driver's autocommit mode and begin their
    # own transactions; without a BEGIN every row would be a transaction of its own
    begin = storage.engine.dialect.name == "sqlite"
    spent = [0.0, 0.0]
    cpu = [0.0, 0.0]
    try:
        cursor = raw.cursor()
        for rows in ledger_rows(storage, BATCH * LINES_PER_INVOICE * 3):
            for n, sql in enumerate(sqls):
                start, used = time.perf_counter(), time.process_time()
                if begin:
                    cursor.execute("BEGIN")
                cursor.executemany(sql, rows)
                raw.commit()
                spent[n] += time.perf_counter() - start
                cpu[n] += time.process_time() - used
        return (spent[0], spent[1]), (cpu[0], cpu[1])
    finally:
        raw.close()
        for twin in twins:
            twin.drop(storage.engine, checkfirst=True)


def earn(name: str, storage: SqlStorage, lines: int, *, collections: bool = False) -> None:
    """Time the earning job over ``lines`` imported lines and the raw insert of its rows.

    The invoices are made and stored ``CHUNK`` at a time (untimed: through the bulk path
    the import writes with, ``uow.invoices.add_many``), and each chunk is then earned by
    ``crm.points.earning.earn()`` in units of work of 500, as the import's hook does; only
    those calls are timed, and summed. Memory stays bounded at a million lines.
    ``collections``: earn under :func:`fewer_collections` (what an import read with
    ``?gc=fewer`` runs its hook under; a host's process-wide choice).
    """
    reset_database(storage)
    crm, _ = connect(storage)
    total = lines // LINES_PER_INVOICE
    made_s = stored_s = ours = ours_cpu = lookup = 0.0
    processed = 0
    for first in range(0, total, CHUNK):
        start = time.perf_counter()
        made = invoices(first, min(CHUNK, total - first))
        made_s += time.perf_counter() - start
        start = time.perf_counter()
        for i in range(0, len(made), BATCH):
            with storage.unit_of_work() as uow:
                uow.invoices.add_many(made[i : i + BATCH])
                uow.commit()
        stored_s += time.perf_counter() - start
        start = time.perf_counter()
        with storage.unit_of_work() as uow:  # what the import now asks per batch (return references)
            for i in range(0, len(made), BATCH):
                uow.invoices.waiting_returns((m.seller_key, m.number) for m in made[i : i + BATCH])
        lookup += time.perf_counter() - start
        start, used = time.perf_counter(), time.process_time()
        with fewer_collections() if collections else contextlib.nullcontext():
            # what the import's hook does (``batch_done``): earn, then after each commit re-read
            # the earned originals' returned quantities under their sellers' return locks
            report = crm.points.earning.earn(made, batch=BATCH)
        ours += time.perf_counter() - start
        ours_cpu += time.process_time() - used
        processed += report.processed
    start = time.perf_counter()
    (raw, indexed), (raw_cpu, indexed_cpu) = raw_insert(storage)
    baselines_s = time.perf_counter() - start
    with storage.engine.connect() as connection:
        entries = connection.execute(sa.select(sa.func.count()).select_from(point_entries)).scalar_one()
    n = processed * LINES_PER_INVOICE
    print(
        f"{name}: earn{' (gc=fewer)' if collections else ''} {n:,} lines ({entries:,} entries)"
        f" in {ours:.2f} s = {n / ours:,.0f} lines/s;"
        f" raw insert of the same rows {raw:.2f} s = {n / raw:,.0f} lines/s;"
        f" ratio {ours / raw:.2f} (target <= 2.0);"
        f" raw insert into a twin with the ledger's indexes {indexed:.2f} s, ratio {ours / indexed:.2f}"
    )
    if storage.engine.dialect.name == "sqlite":  # all of SQLite's work is this process's CPU time
        print(
            f"{name}: CPU seconds of this process (less sensitive to the machine's load): earn"
            f" {ours_cpu:.2f}, raw key-only {raw_cpu:.2f}, raw indexed {indexed_cpu:.2f};"
            f" ratio {ours_cpu / raw_cpu:.2f} key-only, {ours_cpu / indexed_cpu:.2f} indexed"
        )
    print(
        f"{name}: setup (not in the ratio): making the invoices {made_s:.1f} s, storing them"
        f" (bulk add_many) {stored_s:.1f} s, both baselines with reading the rows back {baselines_s:.1f} s;"
        f" the import's return-reference look-up for these invoices {lookup:.2f} s"
        f" ({lookup / max(stored_s, 1e-9):.1%} of storing them, {lookup / ours:.1%} of earning)"
    )


def balance_floor(
    storage: SqlStorage, actor: uuid.UUID, party: tuple[str, Role, str]
) -> tuple[Callable[[], int], Callable[[], None]]:
    """What ``crm.points.balance`` reads, as hand-written SQL through the raw driver: the floor.

    In one transaction (SQLite: an explicit ``BEGIN``, as the storage's): the acting
    employee's row (the policy's read, A8) and the party's stored balance, plus the
    program's configuration row, which the service reads only when the balance is 0.
    No row is turned into domain objects. Returns the read and what closes its connection.
    """
    sqlite = storage.engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    who = actor.hex if sqlite else actor
    program, role, key = party
    raw = storage.engine.raw_connection()

    def read() -> int:
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("BEGIN")
        cursor.execute(f"SELECT * FROM employees WHERE id = {mark}", (who,))
        cursor.fetchall()
        cursor.execute(
            f"SELECT balance FROM point_balances WHERE program = {mark} AND role = {mark} AND party = {mark}",
            (program, role.value, key),
        )
        found = cursor.fetchone()
        if found is None or found[0] == 0:
            cursor.execute(
                f"SELECT data FROM point_config WHERE kind = 'program' AND {_KEY} = {mark}", (program,)
            )
            cursor.fetchall()
        raw.commit()
        return 0 if found is None else int(found[0])

    return read, raw.close


_KEY = '"key"'
"""The configuration's key column, quoted as SQLAlchemy quotes it on SQLite and PostgreSQL."""


def _timed(repeat: int, *work: Callable[[], Any]) -> tuple[list[list[float]], list[list[float]]]:
    """Per-call wall seconds of each callable, interleaved; and this process's CPU seconds of the
    first and the last (the balance and its floor)."""
    wall, cpu = alternate_cpu(repeat, *work)
    return wall, [cpu[0], cpu[-1]]


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

    floor, done = balance_floor(storage, admin, party)
    try:
        assert floor() == balance()
        (b, s, m, f), (b_cpu, f_cpu) = _timed(repeat, balance, first_page, later_page, floor)
    finally:
        done()
    start = time.perf_counter()
    whole = crm.points.statement(**year)  # type: ignore[arg-type]
    loaded = time.perf_counter() - start
    print(
        f"{name}: balance p50 {p50_ms(b):.2f} ms, CPU {p50_ms(b_cpu):.2f} ms; the floor (the same reads"
        f" as hand-written SQL through the raw driver, in one transaction) p50 {p50_ms(f):.2f} ms,"
        f" CPU {p50_ms(f_cpu):.2f} ms; best balance call {min(b) * 1000:.2f} ms"
    )
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
    parser.add_argument("--skip-sqlite", action="store_true", help="only PostgreSQL (with --postgres)")
    parser.add_argument(
        "--fewer-collections",
        action="store_true",
        help="earn under crmkit.adapters.invoices.collector.fewer_collections (the import's ?gc=fewer)",
    )
    args = parser.parse_args()
    targets = [] if args.skip_sqlite else [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'points.db'}")]
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres))
    for name, url in targets:
        storage = SqlStorage(url)
        storage.migrate()
        try:
            earn(name, storage, args.lines, collections=args.fewer_collections)
            big_party(name, storage, args.entries, args.repeat)
        finally:
            storage.close()


if __name__ == "__main__":
    main()
