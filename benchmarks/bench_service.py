"""Service storage on SQLite: remaining hours of one contract, a year's technician report (issue 16 item 11).

Builds (once per run, in a temporary SQLite file) ``--contracts`` contracts
(one per customer), ``--cases`` cases of 200 technicians over a year (80 %
closed, some reopened) and ``--entries`` ledger entries on those cases, then
measures, alternating ours and the baseline so a busy machine slows both:

(a) remaining hours of one contract:
    * ours (repository): ``contracts.get`` + ``ledger.balance`` in one unit of work;
    * ours (service): ``crm.service.balance(actor=…, contract=…)`` — also loads the
      actor and decides the access policy;
    * baseline: hand-written ``SELECT SUM(minutes), SUM(visits) … WHERE contract_id = ?``
      through ``sqlite3``. Target: p50 < 5 ms.
(b) a year's technician report: ``reports.technicians(start, end)`` vs the same
    aggregate written by hand. Target: ≤ 1.5 × the baseline.

    .venv/bin/python benchmarks/bench_service.py [--contracts 10000] [--cases 200000] [--entries 1000000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from _timing import alternate, p50_ms

import crmkit
from crmkit.adapters.sqlalchemy.bulk import bulk_insert
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import service as st
from crmkit.domain.employees import Employee, Position
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company, CompanyType
from crmkit.domain.service import ContractId
from crmkit.testing.clock import FixedClock

START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = 365 * 24 * 60  # minutes

HAND_REPORT = """
SELECT c.technician_id, COUNT(*),
       SUM(CASE WHEN c.reopen_count = 0 THEN 1 ELSE 0 END),
       SUM(COALESCE(m.minutes, 0)),
       SUM(CASE WHEN c.resolution_met IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.resolution_met = 1 THEN 1 ELSE 0 END)
FROM service_cases c
LEFT JOIN (SELECT case_id, SUM(minutes) AS minutes FROM service_work_entries
           WHERE case_id IS NOT NULL GROUP BY case_id) m ON m.case_id = c.id
WHERE c.technician_id IS NOT NULL AND c.closed_at >= ? AND c.closed_at < ?
GROUP BY c.technician_id ORDER BY c.technician_id
"""


def _ordered(table: Any, row: dict[str, Any]) -> tuple[Any, ...]:
    # an offset column (V1, migration 0023) left out is NULL: the time reads back in UTC, as given
    return tuple(row.get(c.name) if c.name.endswith("_offset") else row[c.name] for c in table.columns)


class World:
    """The generated customers, contracts, cases and ledger, and the ids the measurements use."""

    def __init__(
        self, storage: SqlStorage, n_contracts: int, n_cases: int, n_entries: int, seed: int = 16
    ) -> None:
        rng = random.Random(seed)
        customers = [
            Company(id=CompanyId(uuid.UUID(int=rng.getrandbits(128))), name=f"Müşteri {i:05d}",
                    type=CompanyType.CUSTOMER, registered_at=START)
            for i in range(n_contracts)
        ]  # fmt: skip
        self.admin = Employee(
            id=EmployeeId(uuid.uuid4()), name="Ayşe Yılmaz", position=Position.ADMIN, hired_at=START
        )
        with storage.unit_of_work() as uow:
            uow.companies.add_many(customers)
            uow.employees.add(self.admin)
            uow.commit()
        techs = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(200)]
        contracts = [ContractId(uuid.UUID(int=rng.getrandbits(128))) for _ in customers]
        self.contract = contracts[0]
        cases: list[tuple[uuid.UUID, int]] = []

        def contract_rows() -> Iterator[tuple[Any, ...]]:
            for customer, key in zip(customers, contracts, strict=True):
                yield _ordered(st.contracts, {
                    "id": key, "version": 1, "company_id": customer.id, "title": "Bakım", "product": "",
                    "starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31), "allowance_minutes": 6000,
                    "allowance_visits": 12, "carried_minutes": 0, "carry_over": False,
                    "price_amount": Decimal("30000"), "price_currency": "TRY", "renewed_from": None,
                    "first_response_minutes": None, "resolution_minutes": None, "created_at": START,
                })  # fmt: skip

        def case_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(n_cases):
                which = 0 if n < 50 else rng.randrange(len(customers))
                opened = START + timedelta(minutes=rng.randrange(YEAR - 10_000))
                closed = opened + timedelta(minutes=rng.randrange(60, 10_000)) if rng.random() < 0.8 else None
                key = uuid.UUID(int=rng.getrandbits(128))
                cases.append((key, which))
                yield _ordered(st.cases, {
                    "id": key, "version": 1, "company_id": customers[which].id,
                    "contract_id": contracts[which], "channel": "call", "priority": "normal",
                    "reason": "Arıza", "product": "",
                    "technician_id": rng.choice(techs), "workflow_key": "service_case",
                    "workflow_version": 1,
                    "stage": "resolved" if closed else "in_progress", "resolution": "ok" if closed else "",
                    "opened_by": self.admin.id, "opened_at": opened, "first_response_at": opened,
                    "closed_at": closed, "reopen_count": 1 if rng.random() < 0.1 else 0,
                    "last_activity_at": closed or opened, "invoice_ref": "",
                    "resolution_met": (rng.random() < 0.9) if closed else None,
                })  # fmt: skip

        def entry_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(n_entries):
                key, which = cases[n % 50] if n < 500 else rng.choice(cases)
                yield _ordered(st.work_entries, {
                    "id": uuid.UUID(int=rng.getrandbits(128)), "version": 1,
                    "company_id": customers[which].id, "contract_id": contracts[which], "case_id": key,
                    "kind": "call",
                    "at": START + timedelta(minutes=rng.randrange(YEAR)), "technician_id": techs[n % 200],
                    "minutes": rng.randrange(5, 120), "visits": 0, "km": Decimal(0), "metres": 0,
                    "vehicle": "", "product": "", "overage_minutes": 0, "overage_visits": 0,
                    "corrects": None, "note": "",
                })  # fmt: skip

        with storage.connect() as connection:
            bulk_insert(connection, st.contracts, contract_rows())
            bulk_insert(connection, st.cases, case_rows())
            bulk_insert(connection, st.work_entries, entry_rows())
            connection.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "service.db"
        clock = FixedClock(datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
        storage = SqlStorage(f"sqlite:///{path}", clock=clock)
        storage.migrate()
        built = time.perf_counter()
        world = World(storage, args.contracts, args.cases, args.entries)
        print(
            f"built {args.contracts:,} contracts, {args.cases:,} cases, {args.entries:,} entries "
            f"in {time.perf_counter() - built:.1f} s (SQLite, {sys.platform})"
        )
        crm = crmkit.connect(storage, clock=clock, load_entrypoints=False)
        raw = sqlite3.connect(path)
        contract_hex = world.contract.hex

        def ours_repository() -> Any:
            with storage.unit_of_work() as uow:
                return uow.service.ledger.balance(uow.service.contracts.get(world.contract))

        def ours_service() -> Any:
            return crm.service.balance(actor=world.admin.id, contract=world.contract)

        def baseline() -> Any:
            return raw.execute(
                "SELECT SUM(minutes), SUM(visits) FROM service_work_entries WHERE contract_id = ?",
                (contract_hex,),
            ).fetchone()

        assert ours_repository().used_minutes == baseline()[0]
        base_t, repo_t, svc_t = alternate(args.repeat, baseline, ours_repository, ours_service)
        print("\n(a) remaining hours of one contract (~500 entries)")
        print(f"    baseline (hand-written SQL)   p50 {p50_ms(base_t):7.3f} ms")
        for label, times in (("ours (repository)          ", repo_t), ("ours (service, with policy)", svc_t)):
            print(f"    {label}   p50 {p50_ms(times):7.3f} ms   ratio {p50_ms(times) / p50_ms(base_t):.2f}")

        def report_ours() -> Any:
            with storage.unit_of_work() as uow:
                return uow.service.reports.technicians(START, END)

        bounds = (START.strftime("%Y-%m-%d %H:%M:%S.000000"), END.strftime("%Y-%m-%d %H:%M:%S.000000"))

        def report_base() -> Any:
            return raw.execute(HAND_REPORT, bounds).fetchall()

        ours_rows, base_rows = report_ours(), report_base()
        assert [(r.closed, r.minutes) for r in ours_rows] == [(int(r[1]), int(r[3])) for r in base_rows]
        base_r, ours_r = alternate(max(args.repeat // 10, 3), report_base, report_ours)
        ratio = p50_ms(ours_r) / p50_ms(base_r)
        print(f"\n(b) a year's technician report ({len(ours_rows)} technicians)")
        print(f"    baseline (hand-written SQL)   p50 {p50_ms(base_r):9.1f} ms")
        print(f"    ours (reports.technicians)    p50 {p50_ms(ours_r):9.1f} ms   ratio {ratio:.2f} (≤ 1.5)")
        raw.close()
        storage.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
