"""Invoice import (issue 5, item 6): stream 1,000,000 CSV invoice lines and a folder of UBL files into SQLite.

Prints, in one run:

* the raw baseline: ``sqlite3`` ``executemany`` of the same number of
  invoice-line-shaped rows into an indexed table (the storage issue's
  baseline, from ``bench_bulk_insert.py``);
* ``crm.invoices.import_from("csv://…")`` of a generated CSV (10 lines per
  invoice): parsing, validation (totals, tax-number checksums), duplicate
  look-up, writing headers and lines through the bulk path, in transactions of
  about 25,000 lines; lines/s and the ratio to the raw baseline;
* the storage floor: the very rows that import wrote (headers, lines, audit
  entries), replayed through raw ``sqlite3`` with a commit per batch, timed
  alone — the most any CSV import writing them could reach here (``--no-floor``
  skips it);
* the same file imported again from its start (``resume=False``: every invoice a duplicate);
* ``crm.invoices.import_from("ubl-tr:///folder")`` of generated UBL-TR files
  (10 lines each; ``--ubl-invoices``), invoices/s, and again as duplicates;
* optionally the CSV import into PostgreSQL (``--postgres URL``: the bulk path is ``COPY``);
* the peak RSS of the process.

``--check`` exits 1 when a target is missed: CSV >= 75,000 lines/s,
UBL >= 1,000 invoices/s, duplicates at least as fast, peak RSS < 300 MB.

    python benchmarks/bench_invoice_import.py [--lines 1000000] [--ubl-invoices 20000]
        [--postgres URL] [--check]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.services.invoices import ImportReport

sys.path.insert(0, str(Path(__file__).parent))
from bench_bulk_insert import (
    COLUMNS,
    for_sqlite3,
    fresh_sqlite_file,
    invoice_lines,
    make_templates,
    peak_rss_mb,
    raw_sqlite_connection,
    rows,
)

CSV_TARGET = 75_000
UBL_TARGET = 1_000
RSS_TARGET_MB = 300
LINES_PER_INVOICE = 10

HEADER = (
    "invoice_number;invoice_uuid;issue_date;issue_time;type;currency;seller_tax_no;seller_name;buyer_tax_no;"
    "buyer_name;store;sales_person;order_number;product_code;product_name;quantity;unit;unit_price;discount;"
    "line_total;vat_percent;vat_amount\n"
)
SELLERS = ["9205121120", "7620006073", "1870200192", "1234567890"]
PRODUCTS = [
    "Çaykur Rize Turist Çayı 1 kg",
    "İçim Yağlı Süt 1 L",
    "Pınar Beyaz Peynir 500 g",
    "Ağrı Dağı Balı 850 g",
]


def write_csv(path: Path, lines: int) -> None:
    """``lines`` invoice lines, ``LINES_PER_INVOICE`` per invoice, written in a stream (Turkish decimals)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        chunk: list[str] = []
        for i in range(lines):
            invoice = i // LINES_PER_INVOICE
            seller = SELLERS[invoice % len(SELLERS)]
            day = 1 + invoice % 28
            quantity = i % 7 + 1
            cents = 100 + i % 9_900
            net = quantity * cents
            vat = net * 20 // 100
            chunk.append(
                f"B{invoice:09d};;{day:02d}.03.2026;10:{invoice % 60:02d};SATIS;TRY;{seller};Satıcı {seller};"
                f"1{invoice % 1000:09d};Müşteri {invoice % 1000};S-{invoice % 50};R-{invoice % 20};;"
                f"P{i % 5000:05d};{PRODUCTS[i % 4]};{quantity};NIU;{cents // 100},{cents % 100:02d};0;"
                f"{net // 100},{net % 100:02d};20;{vat // 100},{vat % 100:02d}\n"
            )
            if len(chunk) == 10_000:
                out.writelines(chunk)
                chunk.clear()
        out.writelines(chunk)


UBL_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" \
xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" \
xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:UBLVersionID>2.1</cbc:UBLVersionID><cbc:CustomizationID>TR1.2</cbc:CustomizationID>
<cbc:ProfileID>TICARIFATURA</cbc:ProfileID><cbc:ID>{number}</cbc:ID><cbc:UUID>{uuid}</cbc:UUID>
<cbc:IssueDate>2026-03-{day:02d}</cbc:IssueDate><cbc:IssueTime>10:42:00</cbc:IssueTime>
<cbc:InvoiceTypeCode>SATIS</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>TRY</cbc:DocumentCurrencyCode>
<cbc:LineCountNumeric>{count}</cbc:LineCountNumeric>
<cac:AccountingSupplierParty><cac:Party><cac:PartyIdentification><cbc:ID schemeID="VKN">{seller}</cbc:ID>\
</cac:PartyIdentification><cac:PartyName><cbc:Name>Satıcı {seller} A.Ş.</cbc:Name></cac:PartyName>\
<cac:PostalAddress><cbc:CityName>İstanbul</cbc:CityName><cac:Country><cbc:Name>Türkiye</cbc:Name></cac:Country>\
</cac:PostalAddress></cac:Party></cac:AccountingSupplierParty>
<cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID schemeID="VKN">9205121120</cbc:ID>\
</cac:PartyIdentification><cac:PartyName><cbc:Name>Alıcı Ltd. Şti.</cbc:Name></cac:PartyName>\
</cac:Party></cac:AccountingCustomerParty>
<cac:TaxTotal><cbc:TaxAmount currencyID="TRY">{tax}</cbc:TaxAmount><cac:TaxSubtotal>\
<cbc:TaxableAmount currencyID="TRY">{net}</cbc:TaxableAmount><cbc:TaxAmount currencyID="TRY">{tax}\
</cbc:TaxAmount>\
<cbc:Percent>20</cbc:Percent><cac:TaxCategory><cac:TaxScheme><cbc:Name>KDV</cbc:Name>\
<cbc:TaxTypeCode>0015</cbc:TaxTypeCode></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="TRY">{net}</cbc:LineExtensionAmount>\
<cbc:TaxExclusiveAmount currencyID="TRY">{net}</cbc:TaxExclusiveAmount>\
<cbc:TaxInclusiveAmount currencyID="TRY">{gross}</cbc:TaxInclusiveAmount>\
<cbc:PayableAmount currencyID="TRY">{gross}</cbc:PayableAmount></cac:LegalMonetaryTotal>
"""
UBL_LINE = """<cac:InvoiceLine><cbc:ID>{n}</cbc:ID><cbc:InvoicedQuantity unitCode="NIU">{q}\
</cbc:InvoicedQuantity>\
<cbc:LineExtensionAmount currencyID="TRY">{net}</cbc:LineExtensionAmount><cac:TaxTotal>\
<cbc:TaxAmount currencyID="TRY">{tax}</cbc:TaxAmount><cac:TaxSubtotal>\
<cbc:TaxableAmount currencyID="TRY">{net}\
</cbc:TaxableAmount><cbc:TaxAmount currencyID="TRY">{tax}</cbc:TaxAmount><cbc:Percent>20</cbc:Percent>\
<cac:TaxCategory><cac:TaxScheme><cbc:Name>KDV</cbc:Name><cbc:TaxTypeCode>0015</cbc:TaxTypeCode></cac:TaxScheme>\
</cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal><cac:Item><cbc:Name>{name}</cbc:Name>\
<cac:SellersItemIdentification><cbc:ID>P{code:05d}</cbc:ID></cac:SellersItemIdentification></cac:Item>\
<cac:Price><cbc:PriceAmount currencyID="TRY">{price}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
"""


def write_ubl_folder(folder: Path, invoices: int) -> None:
    """``invoices`` UBL-TR files of ``LINES_PER_INVOICE`` lines each."""
    import uuid

    folder.mkdir(parents=True, exist_ok=True)
    for k in range(invoices):
        lines, total_net, total_tax = [], 0, 0
        for n in range(1, LINES_PER_INVOICE + 1):
            quantity = (k + n) % 7 + 1
            cents = 100 + (k * 31 + n) % 9_900
            net = quantity * cents
            tax = net * 20 // 100
            total_net, total_tax = total_net + net, total_tax + tax
            lines.append(
                UBL_LINE.format(
                    n=n, q=quantity, net=_money(net), tax=_money(tax), price=_money(cents),
                    name=PRODUCTS[n % 4], code=(k + n) % 5000,
                )
            )  # fmt: skip
        head = UBL_HEAD.format(
            number=f"GIB2026{k:09d}", uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{k}"), day=1 + k % 28,
            count=LINES_PER_INVOICE, seller=SELLERS[k % len(SELLERS)], tax=_money(total_tax),
            net=_money(total_net), gross=_money(total_net + total_tax),
        )  # fmt: skip
        (folder / f"{k:08d}.xml").write_text(head + "".join(lines) + "</Invoice>\n", encoding="utf-8")


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def show(label: str, figures: str) -> None:
    print(f"{label:<50} {figures}", flush=True)


CPU: list[float] = [0.0]
"""CPU seconds of this process in the last timed step (SQLite runs in-process, so it is included)."""


def timed(action: Callable[[], ImportReport]) -> tuple[float, ImportReport]:
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    CPU[0] = time.process_time() - cpu
    return time.perf_counter() - start, result


def per_cpu(count: int, unit: str) -> str:
    """Throughput per CPU-second of this process: steadier than wall time on a shared machine."""
    return f"[{count / CPU[0]:,.0f} {unit}/CPU-s]"


def raw_baseline(count: int, workdir: Path) -> float:
    """Seconds for raw sqlite3 ``executemany`` of ``count`` invoice-line rows into an indexed table."""
    templates = make_templates()
    metadata = sa.MetaData()
    invoice_lines(metadata, "invoice_lines")
    path = workdir / "raw.db"
    fresh_sqlite_file(path, metadata)
    sql = f"INSERT INTO invoice_lines ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
    start, cpu = time.perf_counter(), time.process_time()
    conn = raw_sqlite_connection(path)
    conn.execute("BEGIN")
    conn.executemany(sql, map(for_sqlite3, rows(count, templates)))
    conn.execute("COMMIT")
    conn.close()
    CPU[0] = time.process_time() - cpu
    return time.perf_counter() - start


def storage_floor(csv_path: Path, workdir: Path) -> tuple[float, int]:
    """Seconds raw ``sqlite3`` takes to write exactly the rows an import of ``csv_path`` writes.

    The CSV is imported once, untimed, into a scratch database, with the adapter's
    ``bulk_insert`` also spooling each call's driver-ready rows to a file, one group per
    transaction (``add_many`` of one batch). The spool is then replayed into a fresh,
    migrated database through ``sqlite3`` alone (the adapter's pragmas, one
    ``executemany`` per table and a ``COMMIT`` per group), and only that is timed: the
    import's own storage work with no parsing, checking, row building or SQLAlchemy at
    all — the fastest any CSV import writing these rows could be on this machine.
    Returns the seconds and the number of lines replayed.
    """
    import pickle

    from crmkit.adapters.sqlalchemy import invoices as sql_invoices
    from crmkit.adapters.sqlalchemy.bulk import bulk_insert as real_bulk

    spool_path = workdir / "floor.spool"
    real_add_many = sql_invoices.SqlInvoiceRepository.add_many

    with spool_path.open("wb") as spool:

        def spooling_bulk(connection: Any, table: Any, rows: Any, **options: Any) -> int:
            rows = list(rows)
            if not options.get("prepared"):
                dialect = connection.dialect
                kinds = [table.c[c].type.dialect_impl(dialect) for c in options["columns"]]
                procs = [kind.bind_processor(dialect) for kind in kinds]
                rows = [
                    tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True))
                    for r in rows
                ]
                options["prepared"] = True
            pickle.dump((table.name, list(options["columns"]), rows), spool)
            return real_bulk(connection, table, rows, **options)

        def spooling_add_many(self: Any, invoices_: Any) -> None:
            pickle.dump("commit", spool)
            real_add_many(self, invoices_)

        vars(sql_invoices)["bulk_insert"] = spooling_bulk  # what add_many calls
        sql_invoices.SqlInvoiceRepository.add_many = spooling_add_many  # type: ignore[method-assign]
        try:
            crm, admin = connect(f"sqlite:///{workdir / 'floor_source.db'}")
            crm.invoices.import_from(f"csv://{csv_path}?gc=fewer", actor=admin)
            crm.close()
        finally:
            vars(sql_invoices)["bulk_insert"] = real_bulk
            sql_invoices.SqlInvoiceRepository.add_many = real_add_many  # type: ignore[method-assign]
        pickle.dump("commit", spool)
    target = workdir / "floor.db"
    storage = SqlStorage(f"sqlite:///{target}")
    storage.migrate()
    storage.close()
    lines = 0
    elapsed = 0.0
    conn = raw_sqlite_connection(target)
    with spool_path.open("rb") as replay:
        group: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
        while True:
            try:
                item = pickle.load(replay)
            except EOFError:
                break
            if item != "commit":
                group.append(item)
                continue
            if not group:
                continue
            start = time.perf_counter()
            conn.execute("BEGIN")
            for name, columns, rows in group:
                marks = ", ".join("?" for _ in columns)
                conn.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)
                lines += len(rows) if name == "invoice_lines" else 0
            conn.execute("COMMIT")
            elapsed += time.perf_counter() - start
            group = []
    conn.close()
    spool_path.unlink()
    return elapsed, lines


def connect(url: str) -> tuple[crmkit.Crm, object]:
    storage = SqlStorage(url)
    storage.migrate()
    if not url.startswith("sqlite"):
        from crmkit.adapters.sqlalchemy.testing import reset_database

        reset_database(storage)  # a shared server database: start empty
    quiet = io.StringIO()
    crm = crmkit.connect(
        storage, sms=ConsoleSmsGateway(quiet), email=ConsoleEmailSender(quiet), load_entrypoints=False
    )
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    return crm, admin.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--ubl-invoices", type=int, default=20_000)
    parser.add_argument("--postgres", default=os.environ.get("CRMKIT_BENCH_POSTGRES_URL"))
    parser.add_argument(
        "--postgres-lines", type=int, default=None, help="lines for PostgreSQL (default: --lines)"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the storage floor (the import's rows replayed through raw sqlite3)",
    )
    args = parser.parse_args()
    missed: list[str] = []
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.machine()},"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start"
    )
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        csv_path = work / "sales.csv"
        write_csv(csv_path, args.lines)
        size_mb = csv_path.stat().st_size / 1e6
        raw = raw_baseline(args.lines, work)
        raw_rate = args.lines / raw
        show(
            f"raw sqlite3 executemany, {args.lines:,} indexed rows",
            f"{raw_rate:>10,.0f} rows/s ({raw:.1f} s) {per_cpu(args.lines, 'rows')}",
        )

        crm, admin = connect(f"sqlite:///{work / 'crm.db'}")
        seconds, report = timed(lambda: crm.invoices.import_from(f"csv://{csv_path}?gc=fewer", actor=admin))
        assert report.lines == args.lines and not report.rejected, report.rejected[:3]
        rate = args.lines / seconds
        show(
            f"CSV import ({size_mb:.0f} MB, {report.imported:,} invoices)",
            f"{rate:>10,.0f} lines/s ({seconds:.1f} s) {per_cpu(args.lines, 'lines')};"
            f" raw/ours {raw_rate / rate:.2f}, ours {rate / raw_rate:.0%} of raw",
        )
        if rate < CSV_TARGET:
            missed.append(f"CSV {rate:,.0f} lines/s < {CSV_TARGET:,}")
        if args.floor:
            floor_seconds, floor_lines = storage_floor(csv_path, work)
            floor_rate = floor_lines / floor_seconds
            show(
                "  storage floor: the import's own rows, raw sqlite3",
                f"{floor_rate:>10,.0f} lines/s ({floor_seconds:.1f} s); ours {rate / floor_rate:.0%} of it,"
                f" raw baseline {raw_rate / floor_rate:.0%} of it",
            )
        again, dup = timed(
            lambda: crm.invoices.import_from(f"csv://{csv_path}?gc=fewer", actor=admin, resume=False)
        )
        assert dup.duplicates == report.imported and dup.imported == 0
        dup_rate = args.lines / again
        show(
            f"CSV re-import, all {dup.duplicates:,} duplicates",
            f"{dup_rate:>10,.0f} lines/s ({again:.1f} s) {per_cpu(args.lines, 'lines')}",
        )
        if dup_rate < rate:
            missed.append(f"CSV duplicates {dup_rate:,.0f} lines/s slower than first import")
        print(f"  peak RSS so far: {peak_rss_mb():.0f} MB")
        crm.close()
        csv_path.unlink()

        folder = work / "ubl"
        write_ubl_folder(folder, args.ubl_invoices)
        crm, admin = connect(f"sqlite:///{work / 'crm_ubl.db'}")
        seconds, report = timed(lambda: crm.invoices.import_from(f"ubl-tr://{folder}?gc=fewer", actor=admin))
        assert report.imported == args.ubl_invoices and not report.rejected, report.rejected[:3]
        ubl_rate = args.ubl_invoices / seconds
        show(
            f"UBL import ({args.ubl_invoices:,} files × {LINES_PER_INVOICE} lines)",
            f"{ubl_rate:>10,.0f} invoices/s ({report.lines / seconds:,.0f} lines/s, {seconds:.1f} s)"
            f" {per_cpu(args.ubl_invoices, 'invoices')}",
        )
        if ubl_rate < UBL_TARGET:
            missed.append(f"UBL {ubl_rate:,.0f} invoices/s < {UBL_TARGET:,}")
        again, dup = timed(
            lambda: crm.invoices.import_from(f"ubl-tr://{folder}?gc=fewer", actor=admin, resume=False)
        )
        assert dup.duplicates == args.ubl_invoices
        dup_ubl = args.ubl_invoices / again
        show(
            "UBL re-import, all duplicates",
            f"{dup_ubl:>10,.0f} invoices/s ({again:.1f} s) {per_cpu(args.ubl_invoices, 'invoices')}",
        )
        if dup_ubl < ubl_rate:
            missed.append(f"UBL duplicates {dup_ubl:,.0f} invoices/s slower than first import")
        crm.close()

        if args.postgres:
            from crmkit.adapters.sqlalchemy.testing import reset_database

            csv_path = work / "sales_pg.csv"
            pg_lines = args.postgres_lines or args.lines
            write_csv(csv_path, pg_lines)
            crm, admin = connect(args.postgres)
            seconds, report = timed(
                lambda: crm.invoices.import_from(f"csv://{csv_path}?gc=fewer", actor=admin)
            )
            show(
                f"PostgreSQL CSV import (COPY), {pg_lines:,} lines",
                f"{pg_lines / seconds:>10,.0f} lines/s ({seconds:.1f} s)",
            )
            seconds, dup = timed(
                lambda: crm.invoices.import_from(f"csv://{csv_path}?gc=fewer", actor=admin, resume=False)
            )
            show(
                "PostgreSQL CSV re-import, all duplicates",
                f"{pg_lines / seconds:>10,.0f} lines/s ({seconds:.1f} s)",
            )
            reset_database(crm.storage)
            crm.close()

    print(f"load average {os.getloadavg()[0]:.1f} at the end (other processes share the CPUs)")
    rss = peak_rss_mb()
    print(f"peak RSS: {rss:.0f} MB (target < {RSS_TARGET_MB} MB)")
    if rss >= RSS_TARGET_MB:
        missed.append(f"peak RSS {rss:.0f} MB")
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
