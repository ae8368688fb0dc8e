"""Plan-vs-actual (Q5): the year's monthly report by team, from a from-scratch GROUP BY, beside a Python loop.

Builds a year of invoices (default 1,000,000 lines, 20,000 customers, 300 teams;
codes moved between teams and customers moved to other codes during the year,
5 % returns, 5 % in EUR), then measures, alternating so a busy machine slows both:

(a) ours: ``crm.targets.report`` for a team plan — the SQL adapter's one
    ``GROUP BY`` crediting every line through the territory valid at its
    invoice's instant, then conversion and the report in Python;
(b) baseline: the same credits computed by the memory adapter, a plain Python
    loop over the same invoices (the "no faster than a Python loop" comparison).

No monthly summary table is kept yet (issue 13 item 8 is not done): the report
is the from-scratch GROUP BY, and this benchmark shows what it costs.

    .venv/bin/python benchmarks/bench_quotas.py [--lines 1000000] [--customers 20000] [--teams 300]
        [--repeat 5] [--url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from _timing import alternate, p50_ms

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
from crmkit.domain.quotas import ScopeType
from crmkit.domain.territory import CodeLink, CodeLinkId, Region, RegionId, SalesTeam, TeamId, Validity
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId
from crmkit.ports.storage import Storage

YEAR = 2026
START = datetime(YEAR, 1, 1, tzinfo=UTC)
EARLY = datetime(2024, 1, 1, tzinfo=UTC)
SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="1234567890")


def _id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build(storage: Storage, lines: int, customers: int, teams: int, seed: int = 7) -> None:
    """Store the benchmark's organisation and its year of invoices."""
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
    per_invoice, batch = 5, []
    for number in range(1, lines // per_invoice + 1):
        amount = Decimal(rng.randrange(100, 100_000)) / 100
        is_return, euro = rng.random() < 0.05, rng.random() < 0.05
        items = tuple(
            InvoiceLine(
                number=k + 1,
                product_name="Ürün",
                quantity=Decimal(1),
                unit_price=amount,
                line_extension=amount,
            )
            for k in range(per_invoice)
        )
        total = amount * per_invoice
        batch.append(
            Invoice(
                id=InvoiceId(_id(rng)),
                number=f"BNC{number:013d}",
                issued_at=START + timedelta(seconds=rng.randrange(365 * 86400)),
                currency="EUR" if euro else "TRY",
                exchange_rate=Decimal("38.5") if euro else None,
                seller=SELLER,
                buyer=InvoiceParty("Alıcı", tax_no=rng.choice(firms).tax_no),
                lines=items,
                totals=InvoiceTotals.of(total, payable=total),
                type_code="IADE" if is_return else "SATIS",
                references=(InvoiceReference("X"),) if is_return else (),
            )
        )
        if len(batch) == 2000:
            _flush(storage, batch)
    _flush(storage, batch)


def _flush(storage: Storage, batch: list[Invoice]) -> None:
    if batch:
        with storage.unit_of_work() as uow:
            uow.invoices.add_many(batch)
            uow.commit()
        batch.clear()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=None, help="a server URL instead of a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'quotas.db'}"
        crm = crmkit.connect(url, load_entrypoints=False)
        crm.migrate()
        assert isinstance(crm.storage, SqlStorage)
        if args.url:
            reset_database(crm.storage)
        started = time.perf_counter()
        build(crm.storage, args.lines, args.customers, args.teams)
        print(
            f"built {args.lines:,} lines, {args.customers:,} customers, {args.teams} teams "
            f"in {time.perf_counter() - started:.1f} s ({crm.storage.url.split(':')[0]})"
        )
        memory = MemoryStorage()
        build(memory, args.lines, args.customers, args.teams)
        admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
        with crm.storage.unit_of_work() as uow:
            team_ids = [
                str(t.id)
                for r in uow.regions.children(None)
                for c in uow.regions.children(r.id)
                for t in uow.teams.for_region(c.id)
            ]
        plan = crm.targets.add_plan(
            actor=admin.id,
            name="Ekipler",
            year=YEAR,
            currency="TRY",
            scope_type="team",
            amounts={t: Decimal("1200000.00") for t in team_ids},
        )
        bounds = crm.targets._bounds(YEAR)

        def ours() -> None:
            crm.targets.report(actor=admin.id, plan=plan.id)

        def loop() -> None:
            with memory.unit_of_work() as uow:
                uow.targets.credits(ScopeType.TEAM, bounds)

        with crm.storage.unit_of_work() as uow, memory.unit_of_work() as mem:
            assert uow.targets.credits(ScopeType.TEAM, bounds) == mem.targets.credits(ScopeType.TEAM, bounds)
        sql_times, loop_times = alternate(args.repeat, ours, loop)
        a, b = p50_ms(sql_times), p50_ms(loop_times)
        print(f"(a) year's monthly report by team, from-scratch GROUP BY: p50 {a:,.1f} ms (target < 100 ms)")
        print(f"(b) baseline, the same credits in a Python loop:          p50 {b:,.1f} ms")
        print(f"    ratio GROUP BY / Python loop: {a / b:.2f}")
        print("    summary table and import slowdown: not measured (no summary table yet)")


if __name__ == "__main__":
    main()
