"""Bulk insert and bulk read: crmkit's SQL adapter against the raw driver, in one run.

Prints, for invoice-line-shaped rows written in one transaction each:

* SQLite: ``crmkit.adapters.sqlalchemy.bulk.bulk_insert`` vs raw ``sqlite3``
  ``executemany`` into the same schema and indexes (checked identical after);
* PostgreSQL (``--postgres URL`` or ``CRMKIT_TEST_POSTGRES_URL``): the same
  helper (``COPY`` through psycopg) vs raw psycopg ``cursor.copy``;

and, for 10,000 companies with 3 contacts each, reading them all through the
repositories (``get_many``) vs a hand-written Core query of the same rows.

Rows are generated lazily and streamed in batches, so memory stays flat; the
peak RSS of the process is printed at the end. ``--check`` exits 1 when a
target (ratio <= 1.5, peak RSS < 300 MB) is missed.

    python benchmarks/bench_bulk_insert.py [--rows 1000000] [--postgres URL] [--check]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.bulk import DEFAULT_BATCH_SIZE, bulk_insert
from crmkit.adapters.sqlalchemy.engine import BUSY_TIMEOUT_MS, make_engine, parse_url
from crmkit.adapters.sqlalchemy.repositories import GET_MANY_CHUNK
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import companies as companies_table
from crmkit.adapters.sqlalchemy.tables import contacts as contacts_table
from crmkit.domain.ids import CompanyId, ContactId
from crmkit.testing.factories import make_company, make_contact

RATIO_TARGET = 1.5
RSS_TARGET_MB = 300

COLUMNS = [
    "id",
    "invoice_no",
    "line_no",
    "product_code",
    "product_name",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "issued_at",
]


def invoice_lines(metadata: sa.MetaData, name: str) -> sa.Table:
    """A table of invoice-line shape with the indexes an import needs."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("invoice_no", sa.String(16), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("product_code", sa.String(30), nullable=False),
        sa.Column("product_name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("invoice_no", "line_no"),
        sa.Index(None, "product_code"),
        sa.Index(None, "issued_at"),
    )


PRODUCTS = [
    "Çaykur Rize Turist Çayı 1 kg",
    "Şölen Ülker Çikolatalı Gofret",
    "İçim Yağlı Süt 1 L",
    "Pınar Beyaz Peynir 500 g",
    "Öncü Acı Biber Salçası",
    "Ağrı Dağı Balı 850 g",
    "Doğadan Ihlamur 20'li",
    "Eti Güllü Lokum Kutusu",
]
CURRENCIES = ["TRY", "TRY", "TRY", "EUR", "USD"]
T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def make_templates(count: int = 10_007) -> list[tuple[Any, ...]]:
    """Distinct (code, name, quantity, unit price, amount, currency) tuples to cycle through."""
    templates = []
    for i in range(count):
        quantity = Decimal(i % 50 + 1) + Decimal(i % 4) / 4
        price = (Decimal(i * 37 % 100_000) / 100).quantize(Decimal("0.0001"))
        amount = (quantity * price).quantize(Decimal("0.01"))
        name = f"{PRODUCTS[i % len(PRODUCTS)]} №{i}"
        templates.append((f"URN-{i:08d}", name, quantity, price, amount, CURRENCIES[i % 5]))
    return templates


def rows(count: int, templates: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """``count`` invoice lines, 8 per invoice, one invoice a minute; made lazily."""
    size = len(templates)
    for i in range(count):
        invoice = i >> 3
        code, name, quantity, price, amount, currency = templates[i % size]
        yield (
            i + 1,
            f"GIB2026{invoice:09d}",
            (i & 7) + 1,
            code,
            name,
            quantity,
            price,
            amount,
            currency,
            T0 + timedelta(minutes=invoice),
        )


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


class Report:
    """Collects the figures; remembers whether every target was met."""

    def __init__(self) -> None:
        self.missed: list[str] = []

    def rate(self, label: str, count: int, seconds: float) -> None:
        print(f"  {label:<44} {count / seconds:>12,.0f} rows/s  ({seconds:.2f} s)")

    def ratio(self, label: str, ours: float, baseline: float) -> None:
        ratio = ours / baseline
        verdict = "ok" if ratio <= RATIO_TARGET else "MISSED"
        print(f"  {label:<44} {ratio:>12.2f}   (target <= {RATIO_TARGET}: {verdict})")
        if ratio > RATIO_TARGET:
            self.missed.append(f"{label} {ratio:.2f}")


# --- SQLite -------------------------------------------------------------------------------


def raw_sqlite_connection(path: Path) -> sqlite3.Connection:
    """A sqlite3 connection set up as the adapter's engine sets up its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def fresh_sqlite_file(path: Path, metadata: sa.MetaData) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()


def for_sqlite3(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The conversions SQLAlchemy applies on SQLite for these column types, written by hand."""
    return (
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        float(row[5]),
        float(row[6]),
        float(row[7]),
        row[8],
        row[9].isoformat(" ", "microseconds")[:26],
    )


def sqlite_bulk(count: int, batch_size: int, repeat: int, workdir: Path, report: Report) -> None:
    templates = make_templates()
    metadata = sa.MetaData()
    table = invoice_lines(metadata, "invoice_lines")
    raw_path, ours_path = workdir / "raw.db", workdir / "ours.db"
    placeholders = ", ".join("?" for _ in COLUMNS)
    insert_sql = f"INSERT INTO invoice_lines ({', '.join(COLUMNS)}) VALUES ({placeholders})"

    def raw() -> None:
        conn = raw_sqlite_connection(raw_path)
        conn.execute("BEGIN")
        conn.executemany(insert_sql, map(for_sqlite3, rows(count, templates)))
        conn.execute("COMMIT")
        conn.close()

    def ours() -> None:
        engine = make_engine(parse_url(f"sqlite:///{ours_path}"))
        with engine.begin() as conn:
            bulk_insert(conn, table, rows(count, templates), batch_size=batch_size)
        engine.dispose()

    source = timed(lambda: sum(1 for _ in rows(count, templates)))
    raw_times, ours_times = [], []
    for _ in range(repeat):  # alternate, best of each: the machine is shared and noisy
        fresh_sqlite_file(raw_path, metadata)
        raw_times.append(timed(raw))
        fresh_sqlite_file(ours_path, metadata)
        ours_times.append(timed(ours))

    check = sqlite3.connect(ours_path)
    check.execute(f"ATTACH DATABASE '{raw_path}' AS raw")
    differing = check.execute(
        "SELECT count(*) FROM (SELECT * FROM invoice_lines EXCEPT SELECT * FROM raw.invoice_lines)"
    ).fetchone()[0]
    stored = check.execute("SELECT count(*) FROM invoice_lines").fetchone()[0]
    check.close()

    print(f"SQLite {sqlite3.sqlite_version}: {count:,} invoice lines, one transaction each, best of {repeat}")
    report.rate("row source alone (generator, no database)", count, source)
    report.rate("raw sqlite3 executemany", count, min(raw_times))
    report.rate(f"crmkit bulk_insert (batches of {batch_size:,})", count, min(ours_times))
    report.ratio("ratio crmkit / raw", min(ours_times), min(raw_times))
    same = "yes" if differing == 0 and stored == count else f"NO ({differing} rows differ)"
    print(f"  identical tables after both runs: {same}")
    if differing or stored != count:
        report.missed.append("SQLite tables differ")


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres_bulk(url: str, count: int, batch_size: int, repeat: int, report: Report) -> None:
    import psycopg

    templates = make_templates()
    suffix = uuid.uuid4().hex[:8]
    metadata = sa.MetaData()
    raw_table = invoice_lines(metadata, f"bench_lines_raw_{suffix}")
    ours_table = invoice_lines(metadata, f"bench_lines_ours_{suffix}")
    engine = make_engine(parse_url(url))
    metadata.create_all(engine)
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    copy_sql = f"COPY {raw_table.name} ({', '.join(COLUMNS)}) FROM STDIN"
    try:

        def raw() -> None:
            with psycopg.connect(conninfo) as conn:
                with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
                    for row in rows(count, templates):
                        copy.write_row(row)
                conn.commit()

        def ours() -> None:
            with engine.begin() as conn:
                bulk_insert(conn, ours_table, rows(count, templates), batch_size=batch_size)

        raw_times, ours_times = [], []
        for _ in range(repeat):  # alternate, best of each
            with engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {raw_table.name}, {ours_table.name}"))
            raw_times.append(timed(raw))
            ours_times.append(timed(ours))
        raw_seconds, ours_seconds = min(raw_times), min(ours_times)
        with engine.connect() as conn:
            differing = conn.execute(
                sa.select(sa.func.count()).select_from(
                    sa.except_(sa.select(ours_table), sa.select(raw_table)).subquery()
                )
            ).scalar_one()
            stored = conn.execute(sa.select(sa.func.count()).select_from(ours_table)).scalar_one()
            version = conn.exec_driver_sql("SHOW server_version").scalar_one()
    finally:
        metadata.drop_all(engine)
        engine.dispose()

    print(f"PostgreSQL {version}: {count:,} invoice lines, one transaction each, best of {repeat}")
    report.rate("raw psycopg cursor.copy", count, raw_seconds)
    report.rate("crmkit bulk_insert (COPY)", count, ours_seconds)
    report.ratio("ratio crmkit / raw", ours_seconds, raw_seconds)
    same = "yes" if differing == 0 and stored == count else f"NO ({differing} rows differ)"
    print(f"  identical tables after both runs: {same}")
    if differing or stored != count:
        report.missed.append("PostgreSQL tables differ")


# --- reading aggregates -------------------------------------------------------------------


def aggregate_read(url: str, label: str, companies: int, report: Report) -> None:
    """``companies`` companies with 3 contacts each: repositories vs hand-written Core."""
    storage = SqlStorage(url)
    storage.migrate()
    company_ids: list[CompanyId] = []
    contact_ids: list[ContactId] = []
    made_companies, made_contacts = [], []
    for i in range(companies):
        company = make_company(name=f"{PRODUCTS[i % len(PRODUCTS)].split()[0]} Ticaret {i} A.Ş.")
        company_ids.append(company.id)
        made_companies.append(company)
        for j in range(3):
            contact = make_contact(company_id=company.id, name=f"Ayşe Yılmaz {i}-{j}")
            contact_ids.append(contact.id)
            made_contacts.append(contact)
    start = time.perf_counter()
    with storage.unit_of_work() as uow:
        uow.companies.add_many(made_companies)
        uow.contacts.add_many(made_contacts)
        uow.commit()
    write_seconds = time.perf_counter() - start
    del made_companies, made_contacts

    def through_repositories() -> None:
        with storage.unit_of_work() as uow:
            found = uow.companies.get_many(company_ids)
            people = uow.contacts.get_many(contact_ids)
        assert len(found) == companies and len(people) == 3 * companies

    def hand_written_core() -> None:
        got = 0
        with storage.engine.connect() as conn:
            for table, ids in ((companies_table, company_ids), (contacts_table, contact_ids)):
                for start in range(0, len(ids), GET_MANY_CHUNK):
                    chunk = ids[start : start + GET_MANY_CHUNK]
                    got += len(conn.execute(sa.select(table).where(table.c.id.in_(chunk))).all())
        assert got == 4 * companies

    def one_by_one() -> None:
        with storage.unit_of_work() as uow:
            for company_id in company_ids:
                uow.companies.get(company_id)
                uow.contacts.for_company(company_id)

    hand_written_core()  # warm both paths once (statement caches, pages)
    through_repositories()
    core_seconds = min(timed(hand_written_core) for _ in range(3))
    repo_seconds = min(timed(through_repositories) for _ in range(3))
    n_plus_1 = timed(one_by_one)
    storage.close()

    total = 4 * companies
    print(f"{label}: {companies:,} companies with 3 contacts each ({total:,} aggregates)")
    report.rate("write through repositories (add_many)", total, write_seconds)
    report.rate("read: hand-written Core query", total, core_seconds)
    report.rate("read: repositories get_many", total, repo_seconds)
    report.ratio("ratio repositories / Core", repo_seconds, core_seconds)
    report.rate("read: get + for_company per company (N+1)", total, n_plus_1)


@contextmanager
def scratch_postgres_database(url: str) -> Iterator[str]:
    """A new database on the server of ``url`` for the run, dropped afterwards."""
    server = parse_url(url)
    name = f"crmkit_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="invoice lines to write")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--aggregates", type=int, default=10_000, help="companies to read back")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CRMKIT_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (default: $CRMKIT_TEST_POSTGRES_URL; skipped when unset)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs; best is kept")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, SQLite {sqlite3.sqlite_version}"
    )
    report = Report()
    with tempfile.TemporaryDirectory(prefix="crmkit-bench-") as tmp:
        workdir = Path(tmp)
        sqlite_bulk(args.rows, args.batch_size, args.repeat, workdir, report)
        if args.postgres:
            postgres_bulk(args.postgres, args.rows, args.batch_size, args.repeat, report)
        else:
            print("PostgreSQL: skipped (give --postgres URL or set CRMKIT_TEST_POSTGRES_URL)")
        aggregate_read(f"sqlite:///{workdir / 'crm.db'}", "SQLite", args.aggregates, report)
    if args.postgres:
        with scratch_postgres_database(args.postgres) as url:
            aggregate_read(url, "PostgreSQL", args.aggregates, report)

    peak = peak_rss_mb()
    verdict = "ok" if peak < RSS_TARGET_MB else "MISSED"
    print(f"peak RSS: {peak:.0f} MB (target < {RSS_TARGET_MB} MB: {verdict})")
    if peak >= RSS_TARGET_MB:
        report.missed.append(f"peak RSS {peak:.0f} MB")
    if report.missed:
        print("targets missed: " + "; ".join(report.missed))
    return 1 if args.check and report.missed else 0


if __name__ == "__main__":
    sys.exit(main())
