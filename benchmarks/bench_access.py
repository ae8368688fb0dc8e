"""Access policy and territory queries on SQLite, each beside a hand-written SQL baseline (issue 4, item 5).

Builds (once per run, in a temporary SQLite file) 200,000 customers, 2,000
micro-region codes, 300 teams, 1,000 reps and a 5,000-node region tree
(10 top regions > 10 > 7 > 6), then measures, alternating ours and the
baseline so a busy machine slows both:

(a) a rep's visible customers — first page of 50 by folded name plus the total —
    for a rep in 2 teams and a manager in 30 teams:
    * ours (repository): ``companies.visible(visibility_predicate(actor, at), limit=50)`` +
      ``count_visible`` in one unit of work (domain objects);
    * ours (service): ``crm.customers.visible(actor=…, at=…, limit=50)`` — also
      loads the actor, his memberships and his teams' code links;
    * baseline: hand-written SQL through ``sqlite3`` — the same page and count
      with an ``IN (SELECT code FROM code_links JOIN team_memberships …)`` subquery.
    * ours, column-only: the same predicate reading ``micro_region`` alone, as listings did
      before the customer's code was dated (T4): the cost of reading the dated history;
    Targets: ratio (repository / baseline) <= 1.3; p50 < 5 ms (2 teams), < 50 ms (30 teams).
(b) the subtree of a level-2 region (50 nodes) and of a top region (501 nodes),
    and the customers under a top region (page of 50 + count, ~20,000 customers):
    ours (closure table) beside a hand-written recursive CTE. Target p50 < 1 ms.
(c) one ``decide(actor, view, company, at)`` in pure Python. Target < 20 µs.
(d) for contrast: every customer loaded and filtered in Python (rows; domain objects).

    .venv/bin/python benchmarks/bench_access.py [--customers 200000] [--repeat 200] [--check]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from _timing import alternate, p50_ms

import crmkit
from crmkit.adapters.sqlalchemy.repositories import SqlCompanyRepository
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import companies
from crmkit.domain.access import Action, Actor, CompanyResource, decide, visibility_predicate
from crmkit.domain.employees import Employee, Position
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.predicates import And, CodeIn, CompanyFacts, FieldIn, Or, OwnedBy
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
)
from crmkit.domain.text import fold
from crmkit.testing.clock import FixedClock

START = datetime(2025, 1, 1, tzinfo=UTC)
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAMES = ("Kadıköy", "Çankaya", "Üsküdar", "Isparta", "İzmir", "Şişli", "Gölbaşı", "Ödemiş", "Bursa", "Ege")
SUFFIXES = ("Eczanesi", "Kimya A.Ş.", "Hijyen Ltd.", "Temizlik", "Ecza Deposu")


class World:
    """The generated organisation and the ids the measurements use."""

    def __init__(self, storage: SqlStorage, customers: int, seed: int = 4) -> None:
        rng = random.Random(seed)
        self.storage = storage
        # -- the region tree: 10 > 10 > 7 > 6 = 5,010 nodes --------------------------------
        regions: list[Region] = []
        self.tops: list[Region] = []
        self.level2: list[Region] = []
        leaves: list[Region] = []

        def region(name: str, parent: Region | None) -> Region:
            made = Region(
                id=RegionId(uuid.uuid4()), name=name, parent_id=None if parent is None else parent.id
            )
            regions.append(made)
            return made

        for a in range(10):
            top = region(f"Bölge {a}", None)
            self.tops.append(top)
            for b in range(10):
                second = region(f"Bölge {a}.{b}", top)
                self.level2.append(second)
                for c in range(7):
                    third = region(f"Bölge {a}.{b}.{c}", second)
                    leaves.extend(region(f"Bölge {a}.{b}.{c}.{d}", third) for d in range(6))
        # -- teams on leaves, 2,000 codes, 1,000 reps in 2 teams, a manager in 30 ---------
        teams = [
            SalesTeam(id=TeamId(uuid.uuid4()), name=f"Ekip {i}", region_id=rng.choice(leaves).id)
            for i in range(300)
        ]
        # teams sorted by top region, so a top region holds ~30 teams and ~20,000 customers
        self.codes = [f"K-{i:04d}" for i in range(2_000)]
        links = [
            CodeLink(
                id=CodeLinkId(uuid.uuid4()), team_id=teams[i % 300].id, code=code, validity=Validity(START)
            )
            for i, code in enumerate(self.codes)
        ]
        hired = START - timedelta(days=30)
        reps = [
            Employee(
                id=EmployeeId(uuid.uuid4()), name=f"Temsilci {i}", position=Position.EMPLOYEE, hired_at=hired
            )
            for i in range(1_000)
        ]
        manager = Employee(
            id=EmployeeId(uuid.uuid4()), name="Mehmet Kaya", position=Position.MANAGER, hired_at=hired
        )
        memberships = [
            Membership(
                id=MembershipId(uuid.uuid4()), team_id=team.id, employee_id=rep.id, validity=Validity(START)
            )
            for rep in reps
            for team in rng.sample(teams, 2)
        ]
        memberships += [
            Membership(
                id=MembershipId(uuid.uuid4()),
                team_id=team.id,
                employee_id=manager.id,
                validity=Validity(START),
            )
            for team in rng.sample(teams, 30)
        ]
        with storage.unit_of_work() as uow:
            uow.regions.add_many(regions)
            uow.employees.add_many([*reps, manager])
            uow.teams.add_many(teams)
            uow.code_links.add_many(links)
            uow.memberships.add_many(memberships)
            uow.commit()
        self.rep, self.manager = reps[0], manager
        self.top = max(self.tops, key=lambda r: 0)  # the first top region
        self.second = self.level2[0]
        # -- 200,000 customers straight into the table (the subject is reading them) --------
        rows = []
        for i in range(customers):
            name = f"{rng.choice(NAMES)} {rng.choice(SUFFIXES)} {i}"
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "version": 1,
                    "name": name,
                    "name_key": fold(name),
                    "type": "customer",
                    "kind": "corporate",
                    "registered_at": START,
                    "status": "pre_meeting",
                    "micro_region": rng.choice(self.codes),
                    "has_contract": False,
                    "has_invoice": False,
                }
            )
        with storage.engine.begin() as conn:
            for start in range(0, len(rows), 10_000):
                conn.execute(sa.insert(companies), rows[start : start + 10_000])
            conn.exec_driver_sql("ANALYZE")
        self.sample: dict[str, Any] = rows[123]

    def actor(self, employee: Employee) -> Actor:
        with self.storage.unit_of_work() as uow:
            memberships = tuple(uow.memberships.for_employee(employee.id))
            links = tuple(uow.code_links.for_teams({m.team_id for m in memberships}))
        return Actor(employee=employee, memberships=memberships, links=links, regional_access=True)


# -- hand-written baselines (sqlite3, the same file) --------------------------------------------


def sql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


BASE_CODES = """
    SELECT l.code FROM code_links l JOIN team_memberships m ON m.team_id = l.team_id
    WHERE m.employee_id = ? AND m.valid_from <= ? AND (m.valid_to IS NULL OR m.valid_to > ?)
      AND l.valid_from <= ? AND (l.valid_to IS NULL OR l.valid_to > ?)
"""
COLUMNS = ", ".join(c.name for c in companies.c)
BASE_PAGE = (
    f"SELECT {COLUMNS} FROM companies WHERE micro_region IN ({BASE_CODES}) ORDER BY name_key, id LIMIT 50"
)
BASE_COUNT = f"SELECT count(*) FROM companies WHERE micro_region IN ({BASE_CODES})"
CLOSURE_SUBTREE = "SELECT descendant_id FROM region_closure WHERE ancestor_id = ? ORDER BY descendant_id"
CTE_SUBTREE = """
    WITH RECURSIVE tree(id) AS (SELECT id FROM regions WHERE id = ?
        UNION ALL SELECT r.id FROM regions r JOIN tree ON r.parent_id = tree.id)
    SELECT id FROM tree ORDER BY id
"""
UNDER_CODES = """
    SELECT l.code FROM code_links l JOIN sales_teams t ON t.id = l.team_id
    WHERE t.region_id IN ({regions}) AND l.valid_from <= ? AND (l.valid_to IS NULL OR l.valid_to > ?)
"""
CTE_REGIONS = """WITH RECURSIVE tree(id) AS (SELECT id FROM regions WHERE id = ?
        UNION ALL SELECT r.id FROM regions r JOIN tree ON r.parent_id = tree.id) SELECT id FROM tree"""


def _undated(predicate: Any) -> Any:
    """``predicate`` with its dated leaves reading the columns instead (T4), for the comparison row."""
    if isinstance(predicate, CodeIn | OwnedBy | FieldIn):
        return attrs.evolve(predicate, at=None)
    if isinstance(predicate, And | Or):
        return type(predicate)(tuple(_undated(p) for p in predicate.parts))
    return predicate


def measure_visible(
    world: World,
    crm: crmkit.Crm,
    raw: sqlite3.Connection,
    who: Employee,
    teams: int,
    limit_ms: float,
    repeat: int,
    target: Callable[[bool, str], str],
) -> None:
    """(a) for one employee: ours (repository, service) beside the two hand-written baselines."""
    storage, at = world.storage, sql_time(AT)
    actor = world.actor(who)
    predicate = visibility_predicate(actor, AT)
    emp = who.id.hex

    def repository() -> tuple[int, int]:
        with storage.unit_of_work() as uow:
            page = uow.companies.visible(predicate, limit=50)
            return len(page), uow.companies.count_visible(predicate)

    columns_only = _undated(predicate)

    def undated() -> tuple[int, int]:
        """The same page read from the ``micro_region`` column alone (listings before T4 dating)."""
        with storage.unit_of_work() as uow:
            page = uow.companies.visible(columns_only, limit=50)
            return len(page), uow.companies.count_visible(columns_only)

    def service() -> tuple[int, int]:
        page = crm.customers.visible(actor=who.id, at=AT, limit=50)
        return len(page.items), page.total

    def baseline() -> tuple[int, int]:
        params = (emp, at, at, at, at)
        page = raw.execute(BASE_PAGE, params).fetchall()
        return len(page), raw.execute(BASE_COUNT, params).fetchone()[0]

    page_text, count_text = (
        sa.text(q.replace("?", ":e", 1).replace("?", ":a")) for q in (BASE_PAGE, BASE_COUNT)
    )

    def same_work() -> tuple[int, int]:
        """Hand-written SQL on the same engine, rows mapped to the same domain objects."""
        params = {"e": emp, "a": at}
        with storage.engine.connect() as conn:
            rows = conn.execute(page_text.bindparams(**params).columns(*companies.c)).mappings()
            page = [SqlCompanyRepository.mapper.from_row(row) for row in rows]
            return len(page), int(conn.execute(count_text.bindparams(**params)).scalar_one())

    assert repository() == service() == baseline() == same_work() == undated(), (repository(), baseline())
    ours_ids = [c.id.hex for c in crm.customers.visible(actor=who.id, at=AT, limit=50).items]
    assert ours_ids == [r[0] for r in raw.execute(BASE_PAGE, (emp, at, at, at, at))], "pages differ"
    rep_t, svc_t, base_t, same_t, col_t = alternate(repeat, repository, service, baseline, same_work, undated)
    total = baseline()[1]
    ratio = p50_ms(rep_t) / p50_ms(same_t)
    print(f"  {who.name}: {teams} teams, {len(actor.codes(AT))} codes, {total:,} visible customers")
    print(f"    baseline 1: hand-written SQL, raw sqlite3 tuples      p50 {p50_ms(base_t):7.2f} ms")
    print(f"    baseline 2: hand-written SQL, same engine and objects p50 {p50_ms(same_t):7.2f} ms")
    print(
        f"    ours: repository (compiled predicate)                 p50 {p50_ms(rep_t):7.2f} ms   "
        f"ratio to 2: {ratio:.2f}  "
        + target(ratio <= 1.3, "target <= 1.3")
        + f"   ratio to 1: {p50_ms(rep_t) / p50_ms(base_t):.2f}"
    )
    print(
        f"    ours, column-only predicate (before T4 dating)        p50 {p50_ms(col_t):7.2f} ms   "
        f"dated / column-only: {p50_ms(rep_t) / p50_ms(col_t):.2f}"
    )
    print(
        f"    ours: crm.customers.visible (loads the actor too)     p50 {p50_ms(svc_t):7.2f} ms   "
        f"ratio to 2: {p50_ms(svc_t) / p50_ms(same_t):.2f}  "
        + target(p50_ms(svc_t) < limit_ms, f"target < {limit_ms:g} ms")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crmkit-bench-access-"))
    url = f"sqlite:///{folder / 'access.db'}"
    storage = SqlStorage(url, clock=FixedClock(AT))
    storage.migrate()
    built = time.perf_counter()
    world = World(storage, args.customers)
    print(
        f"built {args.customers:,} customers, 2,000 codes, 300 teams, 1,001 employees, 5,010 regions "
        f"in {time.perf_counter() - built:.1f} s ({url})"
    )
    crm = crmkit.connect(storage, clock=FixedClock(AT), regional_access=True, load_entrypoints=False)
    raw = sqlite3.connect(folder / "access.db")
    # Steady state: the build's pages move from the write-ahead log into the database file,
    # as SQLite's automatic checkpoints do on a running system (both sides read the same file).
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    at = sql_time(AT)
    missed: list[str] = []

    def target(ok: bool, text: str) -> str:
        if not ok:
            missed.append(text)
        return f"{text} {'✔' if ok else '✘'}"

    # -- (a) ---------------------------------------------------------------------------------
    print("\n(a) visible customers: first page of 50 by folded name + total count")
    for who, teams, limit_ms in ((world.rep, 2, 5.0), (world.manager, 30, 50.0)):
        measure_visible(world, crm, raw, who, teams, limit_ms, args.repeat, target)

    # -- (b) ---------------------------------------------------------------------------------
    print("\n(b) tree queries: closure table (ours) beside a hand-written recursive CTE")
    for label, region in (
        ("subtree of a level-2 region", world.second),
        ("subtree of a top region", world.top),
    ):

        def ours_subtree(r: RegionId = region.id) -> int:
            with storage.unit_of_work() as uow:
                return len(uow.regions.subtree(r))

        def closure_sql(r: str = region.id.hex) -> int:
            return len(raw.execute(CLOSURE_SUBTREE, (r,)).fetchall())

        def cte_sql(r: str = region.id.hex) -> int:
            return len(raw.execute(CTE_SUBTREE, (r,)).fetchall())

        assert ours_subtree() == closure_sql() == cte_sql()
        o, c, r = alternate(args.repeat, ours_subtree, closure_sql, cte_sql)
        print(f"  {label} ({closure_sql()} nodes)")
        print(f"    hand-written closure SQL   p50 {p50_ms(c):6.3f} ms")
        print(f"    hand-written recursive CTE p50 {p50_ms(r):6.3f} ms")
        print(
            f"    ours (regions.subtree)     p50 {p50_ms(o):6.3f} ms   "
            f"ratio to closure SQL {p50_ms(o) / p50_ms(c):.2f}  " + target(p50_ms(o) < 1.0, "target < 1 ms")
        )

    top = world.top.id

    def ours_under() -> tuple[int, int]:
        with storage.unit_of_work() as uow:
            return len(uow.regions.customers_under(top, AT)), uow.regions.count_customers_under(top, AT)

    def ours_count() -> int:
        with storage.unit_of_work() as uow:
            return uow.regions.count_customers_under(top, AT)

    closure_regions = "SELECT descendant_id FROM region_closure WHERE ancestor_id = ?"
    under_closure = UNDER_CODES.format(regions=closure_regions)
    closure_count = f"SELECT count(*) FROM companies WHERE micro_region IN ({under_closure})"
    cte_count = (
        f"{CTE_REGIONS.replace(' SELECT id FROM tree', '')} SELECT count(*) FROM companies WHERE "
        f"micro_region IN ({UNDER_CODES.format(regions='SELECT id FROM tree')})"
    )

    def closure_sql_count() -> int:
        return int(raw.execute(closure_count, (top.hex, at, at)).fetchone()[0])

    def cte_sql_count() -> int:
        return int(raw.execute(cte_count, (top.hex, at, at)).fetchone()[0])

    in_engine = sa.text(closure_count.replace("?", ":r", 1).replace("?", ":a"))

    def closure_in_transaction() -> int:
        """The hand-written count through the same engine, in a transaction as a unit of work runs."""
        with storage.engine.begin() as conn:
            return int(conn.execute(in_engine, {"r": top.hex, "a": at}).scalar_one())

    assert (
        ours_count() == closure_sql_count() == cte_sql_count() == ours_under()[1] == closure_in_transaction()
    )
    oc, ou, cc, rc, ct = alternate(
        args.repeat, ours_count, ours_under, closure_sql_count, cte_sql_count, closure_in_transaction
    )
    print(f"  customers under a top region ({ours_count():,} customers)")
    print(f"    hand-written closure SQL count   p50 {p50_ms(cc):6.3f} ms")
    print(f"    the same through the engine, in a transaction p50 {p50_ms(ct):6.3f} ms")
    print(f"    hand-written recursive CTE count p50 {p50_ms(rc):6.3f} ms")
    print(
        f"    ours count_customers_under       p50 {p50_ms(oc):6.3f} ms   ratio to closure SQL "
        f"{p50_ms(oc) / p50_ms(cc):.2f}  " + target(p50_ms(oc) < 1.0, "target < 1 ms")
    )
    print(f"    ours page of 50 + count          p50 {p50_ms(ou):6.3f} ms")

    # -- (c) ---------------------------------------------------------------------------------
    actor = world.actor(world.rep)
    facts = CompanyFacts(id=CompanyId(world.sample["id"]), code=str(world.sample["micro_region"]))
    resource = CompanyResource(company=facts)
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        decide(actor, Action.VIEW, resource, AT)
    per_call = (time.perf_counter() - start) / n * 1e6
    print(
        f"\n(c) decide(view) in pure Python: {per_call:.1f} µs per call  "
        + target(per_call < 20, "target < 20 µs")
    )

    # -- (d) ---------------------------------------------------------------------------------
    codes = set(actor.codes(AT))
    start = time.perf_counter()
    rows = raw.execute("SELECT * FROM companies").fetchall()
    index = [c[0] for c in raw.execute("SELECT * FROM companies LIMIT 1").description].index("micro_region")
    seen = [r for r in rows if r[index] in codes]
    load_rows = time.perf_counter() - start
    start = time.perf_counter()
    with storage.engine.connect() as conn:
        objects = [
            SqlCompanyRepository.mapper.from_row(r) for r in conn.execute(sa.select(companies)).mappings()
        ]
    in_python = [c for c in objects if c.segmentation.micro_region in codes]
    load_objects = time.perf_counter() - start
    assert len(seen) == len(in_python) == baseline_total(raw, world.rep.id, at)
    print("\n(d) for contrast, loading every customer and filtering in Python (2-team rep):")
    print(f"    sqlite3 rows:         {load_rows * 1000:8.1f} ms")
    print(f"    domain objects:       {load_objects * 1000:8.1f} ms")
    raw.close()
    storage.close()
    if missed:
        print("\nmissed: " + "; ".join(missed))
    return 1 if args.check and missed else 0


def baseline_total(raw: sqlite3.Connection, employee: EmployeeId, at: str) -> int:
    return int(raw.execute(BASE_COUNT, (employee.hex, at, at, at, at)).fetchone()[0])


if __name__ == "__main__":
    sys.exit(main())
