"""Plan-vs-actual (Q5): the monthly report by team from the actuals summary, beside a from-scratch GROUP BY.

Builds a year of invoices (default 1,000,000 lines, 20,000 customers, 300 teams;
codes moved between teams and customers moved to other codes during the year,
5 % returns, 5 % in EUR) and imports them through ``crm.invoices.import_records``
twice, batch by batch alternating: into one database with the monthly actuals
summary maintained in the import's transaction, and into another with the
summary maintenance switched off (the import's slowdown ratio, target ≤ 1.15).
With ``--ratio-batches N`` only the first N import calls (``--batch`` invoices
each) go into both databases, alternating, and the ratio is taken from them; the
rest of the year goes into the summary's database only (timed on its own), so the
report is still measured over all the lines.
Then measures, alternating so a busy machine slows all alike:

(a) ours: ``crm.targets.report`` for a team plan — read from the summary;
(b) baseline: the same credits from scratch, the SQL adapter's one ``GROUP BY``
    crediting every line through the territory valid at its invoice's instant;
(c) with ``--loop``: the same credits in a plain Python loop (the memory adapter).

It checks the summary equals the from-scratch credits before timing.

    .venv/bin/python benchmarks/bench_quotas.py [--lines 1000000] [--customers 20000] [--teams 300]
        [--repeat 9] [--batch 5000] [--ratio-batches N] [--dir DIR]
        [--url postgresql+psycopg://… --url2 postgresql+psycopg://…] [--loop] [--segments]

Each import and report is timed in wall seconds and in this process's CPU
seconds (SQLite runs in the process; a server's own work is not in the CPU
figure), since on a shared machine the wall time grows with the load; the UTC
time and load averages are printed at the import's and the reports' start and end.
``--dir`` keeps the SQLite files (to profile a copy afterwards).
``--segments`` then runs ``bench_segments.py``'s measurements on these data.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from _timing import alternate_cpu, p50_ms

import crmkit
from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.ids import CompanyId
from crmkit.domain.invoices import (
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
)
from crmkit.domain.parties import Company, Segmentation
from crmkit.domain.plan_actual import build_report, convert
from crmkit.domain.quotas import ScopeType
from crmkit.domain.territory import CodeLink, CodeLinkId, Region, RegionId, SalesTeam, TeamId, Validity
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.storage import Storage
from crmkit.services import invoice_import
from crmkit.services.actuals import record_sales

YEAR = 2026
START = datetime(YEAR, 1, 1, tzinfo=UTC)
EARLY = datetime(2024, 1, 1, tzinfo=UTC)
SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="1234567890")


def _id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def organise(storage: Storage, customers: int, teams: int, seed: int = 7) -> list[str]:
    """Store the benchmark's organisation; returns the customers' tax numbers."""
    rng = random.Random(seed)
    top = Region(id=RegionId(_id(rng)), name="Türkiye")
    leaves = [Region(id=RegionId(_id(rng)), name=f"Bölge {i}", parent_id=top.id) for i in range(10)]
    team_rows = [
        SalesTeam(id=TeamId(_id(rng)), name=f"Ekip {i}", region_id=leaves[i % 10].id) for i in range(teams)
    ]
    links = []
    for i, team in enumerate(team_rows):
        moved = START + timedelta(days=rng.randrange(365)) if i % 10 == 0 else None
        links.append(
            CodeLink(id=CodeLinkId(_id(rng)), team_id=team.id, code=f"K-{i}", validity=Validity(EARLY, moved))
        )
        if moved is not None:
            sibling = team_rows[(i + 10) % teams]
            links.append(
                CodeLink(id=CodeLinkId(_id(rng)), team_id=sibling.id, code=f"K-{i}", validity=Validity(moved))
            )
    firms, codes = [], []
    for n in range(customers):
        code = f"K-{rng.randrange(teams)}"
        firm = Company(
            id=CompanyId(_id(rng)),
            name=f"Müşteri {n}",
            type="customer",
            registered_at=EARLY,
            tax_no=f"{1000000000 + n}",
            segmentation=Segmentation(micro_region=code),
        )
        firms.append(firm)
        if n % 10 == 0:
            moved = START + timedelta(days=rng.randrange(365))
            codes.append(
                CustomerCode(
                    id=CustomerCodeId(_id(rng)),
                    company_id=firm.id,
                    code=code,
                    validity=Validity(EARLY, moved),
                )
            )
            codes.append(
                CustomerCode(
                    id=CustomerCodeId(_id(rng)),
                    company_id=firm.id,
                    code=f"K-{rng.randrange(teams)}",
                    validity=Validity(moved),
                )
            )
    with storage.unit_of_work() as uow:
        uow.companies.add_many(firms)
        uow.regions.add_many([top, *leaves])
        uow.teams.add_many(team_rows)
        uow.code_links.add_many(links)
        uow.customer_codes.add_many(codes)
        uow.commit()
    return [f.tax_no for f in firms if f.tax_no]


def year_of_invoices(
    lines: int, buyers: list[str], seed: int = 11, chronological: bool = False
) -> Iterator[Invoice]:
    """A year of five-line invoices to ``buyers``, 5 % returns and 5 % in EUR, generated lazily.

    Issue instants are random over the year, or with ``chronological`` evenly
    spaced in number order (the same invoices otherwise), as an import of each
    day's invoices would bring them.
    """
    rng = random.Random(seed)
    per_invoice = 5
    count = lines // per_invoice
    for number in range(1, count + 1):
        amount = Decimal(rng.randrange(100, 100_000)) / 100
        is_return, euro = rng.random() < 0.05, rng.random() < 0.05
        items = tuple(
            InvoiceLine(
                number=k + 1,
                product_name="Ürün",
                product_code=f"P-{rng.randrange(200)}",
                quantity=Decimal(1),
                unit_price=amount,
                line_extension=amount,
            )
            for k in range(per_invoice)
        )
        total = amount * per_invoice
        invoice_id = InvoiceId(_id(rng))
        offset = rng.randrange(365 * 86400)  # drawn in both orders (and in the old order): same invoices
        if chronological:
            offset = (number - 1) * 365 * 86400 // count
        yield (
            Invoice(
                id=invoice_id,
                number=f"BNC{number:013d}",
                issued_at=START + timedelta(seconds=offset),
                currency="EUR" if euro else "TRY",
                exchange_rate=Decimal("38.5") if euro else None,
                seller=SELLER,
                buyer=InvoiceParty("Alıcı", tax_no=rng.choice(buyers)),
                lines=items,
                totals=InvoiceTotals.of(total, payable=total),
                type_code="IADE" if is_return else "SATIS",
                references=(InvoiceReference("X"),) if is_return else (),
            )
        )


def _stamp(label: str) -> None:
    """Print the UTC time and the load averages (as ``uptime`` shows them) beside ``label``."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load average {load}] {label}", flush=True)


def _flush(storage: Storage, batch: list[Invoice]) -> None:
    if batch:
        with storage.unit_of_work() as uow:
            uow.invoices.add_many(batch)
            uow.commit()
        batch.clear()


def _off(uow: object, invoices: object, zone: str, companies: object = None) -> None:
    """The summary maintenance switched off (the import without it)."""


def import_both(
    pairs: list[tuple[crmkit.Crm, bool]], invoices: list[Invoice], actors: list[object], batch: int
) -> tuple[list[float], list[float]]:
    """Import ``invoices`` into each CRM batch by batch, alternating; wall and CPU seconds per CRM."""
    wall, cpu = [0.0 for _ in pairs], [0.0 for _ in pairs]
    for start in range(0, len(invoices), batch):
        records = [
            SourceRecord(cursor=str(start + n), location=f"bench:{start + n}", invoice=inv)
            for n, inv in enumerate(invoices[start : start + batch])
        ]
        for i, (crm, summary) in enumerate(pairs):
            invoice_import.record_sales = record_sales if summary else _off  # type: ignore[attr-defined]
            began, used = time.perf_counter(), time.process_time()
            done = crm.invoices.import_records(records, actor=actors[i])
            cpu[i] += time.process_time() - used
            wall[i] += time.perf_counter() - began
            assert done.imported == len(records), done.rejected[:3]
    invoice_import.record_sales = record_sales  # type: ignore[attr-defined]
    return wall, cpu


def _connect(url: str, reset: bool) -> crmkit.Crm:
    crm = crmkit.connect(url, load_entrypoints=False)
    crm.migrate()
    assert isinstance(crm.storage, SqlStorage)
    if reset:
        reset_database(crm.storage)
    return crm


def _import(
    args: argparse.Namespace, ours: crmkit.Crm, bare: crmkit.Crm, actors: list[object], buyers: list[str]
) -> None:
    """Import the year, ``args.batch`` invoices per call, and print the summary's cost.

    The first ``args.ratio_batches`` calls (all of them when it is ``None``) go into
    both databases alternately, timed: the ratio with / without the summary is taken
    from those. The rest go into the summary's database only, timed on their own.
    """
    started = time.perf_counter()
    twin = [0.0, 0.0, 0.0, 0.0]  # wall with, wall without, CPU with, CPU without (the twin batches)
    rest = [0.0, 0.0]  # wall, CPU of the summary database's other batches
    twin_lines = rest_lines = 0
    mark = list(twin)  # the twin sums when the last per-ten-calls ratio was printed
    chunk: list[Invoice] = []
    calls = 0
    generated = year_of_invoices(args.lines, buyers, chronological=args.chronological)
    for invoice in itertools.chain(generated, [None]):  # lazily: None ends it
        if invoice is not None:
            chunk.append(invoice)
        if chunk and (invoice is None or len(chunk) == args.batch):
            lines = sum(len(i.lines) for i in chunk)
            if args.ratio_batches is None or calls < args.ratio_batches:
                wall, cpu = import_both([(ours, True), (bare, False)], chunk, actors, args.batch)
                twin = [a + b for a, b in zip(twin, [*wall, *cpu], strict=True)]
                twin_lines += lines
            else:
                wall, cpu = import_both([(ours, True)], chunk, actors[:1], args.batch)
                rest = [rest[0] + wall[0], rest[1] + cpu[0]]
                rest_lines += lines
            calls += 1
            chunk = []
            if calls % 4 == 0:
                print(
                    f"    {twin_lines + rest_lines:,} lines after {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
            if twin_lines and calls % 10 == 0 and (args.ratio_batches is None or calls <= args.ratio_batches):
                span = [a - b for a, b in zip(twin, mark, strict=True)]
                print(
                    f"    calls {calls - 9}-{calls}: ratio with / without {span[0] / span[1]:.3f} wall,"
                    f" {span[2] / span[3]:.3f} CPU",
                    flush=True,
                )
                mark = list(twin)
    kind = str(ours.storage.url).split(":")[0]
    twin_calls = calls if args.ratio_batches is None else min(calls, args.ratio_batches)
    total_wall, total_cpu = twin[0] + rest[0], twin[2] + rest[1]
    print(
        f"imported {args.lines:,} lines, {args.customers:,} customers, {args.teams} teams"
        f" in {time.perf_counter() - started:.0f} s ({kind}); {twin_lines:,} of them also without the summary"
    )
    print(
        f"    import with the summary, all {twin_lines + rest_lines:,} lines: {total_wall:8.1f} s"
        f" ({(twin_lines + rest_lines) / total_wall:,.0f} lines/s), CPU {total_cpu:.1f} s"
    )
    print(
        f"    the ratio's batches: the first {twin_calls}"
        f" import calls of {args.batch:,} invoices, {twin_lines:,} lines, alternating:"
    )
    for label, w, c in (
        ("with the summary:   ", twin[0], twin[2]),
        ("without the summary:", twin[1], twin[3]),
    ):
        print(f"    import {label} {w:8.1f} s ({twin_lines / w:,.0f} lines/s), CPU {c:.1f} s")
    ratio = f"{twin[0] / twin[1]:.3f} wall, {twin[2] / twin[3]:.3f} CPU"
    print(f"    ratio with / without: {ratio} (target <= 1.15)", flush=True)


def _memory(args: argparse.Namespace, buyers: list[str]) -> MemoryStorage:
    memory = MemoryStorage()
    organise(memory, args.customers, args.teams)
    batch: list[Invoice] = []
    for invoice in year_of_invoices(args.lines, buyers, chronological=args.chronological):
        batch.append(invoice)
        if len(batch) == 2000:
            _flush(memory, batch)
    _flush(memory, batch)
    return memory


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--batch", type=int, default=5_000, help="invoices per import call (25,000 lines)")
    parser.add_argument("--url", default=None, help="a server URL instead of temporary SQLite files")
    parser.add_argument("--url2", default=None, help="a second server database (import without summary)")
    parser.add_argument("--loop", action="store_true", help="also time a plain Python loop (memory)")
    parser.add_argument("--segments", action="store_true", help="also time M1 purchase-history segments")
    parser.add_argument(
        "--ratio-batches",
        type=int,
        default=None,
        help="import only the first N calls also without the summary (the ratio's baseline); default all",
    )
    parser.add_argument(
        "--dir", default=None, help="keep the SQLite files in this directory (default temporary)"
    )
    parser.add_argument(
        "--chronological", action="store_true", help="invoices in date order (default: random dates)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_dir:
        tmp = args.dir or scratch_dir
        started = time.perf_counter()
        ours = _connect(args.url or f"sqlite:///{Path(tmp) / 'quotas.db'}", bool(args.url))
        bare = _connect(args.url2 or f"sqlite:///{Path(tmp) / 'bare.db'}", bool(args.url2))
        admins = [c.parties.create_first_admin(name="Ayşe Yılmaz") for c in (ours, bare)]
        buyers = organise(ours.storage, args.customers, args.teams)
        organise(bare.storage, args.customers, args.teams)
        print(
            f"setup: two databases with the organisation in {time.perf_counter() - started:.0f} s", flush=True
        )
        _stamp("import starts")
        _import(args, ours, bare, [a.id for a in admins], buyers)
        _stamp("import done")
        admin = admins[0]
        with ours.storage.unit_of_work() as uow:
            team_ids = [
                str(t.id)
                for r in uow.regions.children(None)
                for c in uow.regions.children(r.id)
                for t in uow.teams.for_region(c.id)
            ]
        plan = ours.targets.add_plan(
            actor=admin.id,
            name="Ekipler",
            year=YEAR,
            currency="TRY",
            scope_type="team",
            amounts={t: Decimal("1200000.00") for t in team_ids},
        )
        bounds = ours.targets._bounds(YEAR)
        began = time.perf_counter()
        with ours.storage.unit_of_work() as uow:
            scratch = [c for c in uow.targets.credits(ScopeType.TEAM, bounds) if c.amount != 0]
            assert uow.targets.actuals("team", YEAR) == scratch, "the summary differs from the GROUP BY"
        print(f"checked: the summary equals the from-scratch GROUP BY ({time.perf_counter() - began:.0f} s)")

        def summary() -> None:
            ours.targets.report(actor=admin.id, plan=plan.id)

        def group_by() -> None:
            with ours.storage.unit_of_work() as uow:
                credits = uow.targets.credits(ScopeType.TEAM, bounds)
            build_report(plan, *convert(credits, "TRY"))

        work = [summary, group_by]
        if args.loop:
            memory = _memory(args, buyers)

            def loop() -> None:
                with memory.unit_of_work() as uow:
                    uow.targets.credits(ScopeType.TEAM, bounds)

            work.append(loop)
        _stamp("reports start")
        wall, cpu = alternate_cpu(args.repeat, *work)
        _stamp("reports done")
        (a, b, *c), (a_cpu, b_cpu, *_) = [p50_ms(t) for t in wall], [p50_ms(t) for t in cpu]
        print(f"p50 of {args.repeat}, alternating (wall; CPU of this process):")
        print(f"(a) year's monthly report by team, from the summary: {a:8,.1f} ms; CPU {a_cpu:,.1f} ms")
        print("    (target < 100 ms)")
        print(f"(b) the same report from a from-scratch GROUP BY:    {b:8,.1f} ms; CPU {b_cpu:,.1f} ms")
        print(f"    ratio GROUP BY / summary: {b / a:.1f}x")
        if c:
            print(f"(c) the same credits in a Python loop (memory):      {c[0]:8,.1f} ms")
        if args.segments:
            from bench_segments import measure, prepare

            prepare(ours, admin.id)
            measure(ours, admin.id, args.repeat)


if __name__ == "__main__":
    main()
