"""Interaction listings and agenda views on SQLite, each beside a hand-written SQL baseline (issue 4 item 3).

Builds (once per run, in a temporary SQLite file) 20,000 customers over 400
micro-region codes, 200,000 interactions at random customers over a year and
50,000 appointments of 100 assignees, then measures, alternating ours and the
baseline so a busy machine slows both:

(a) a rep's visible interactions — the newest 50 plus the total — for a rep in
    a team holding 2 codes (~1,000 interactions) with the A1 switch on:
    * ours (repository): ``interactions.visibility_predicate(visibility_predicate(actor, at), limit=50)`` +
      ``count_visible`` in one unit of work (domain objects);
    * ours (service): ``crm.interactions.visibility_predicate(actor=…, limit=50)`` — also loads
      the actor, his memberships and his teams' code links;
    * baseline: hand-written SQL through ``sqlite3``: the same join to ``companies``
      with ``micro_region IN (…)``, ``ORDER BY created_at DESC, id LIMIT 50`` and a ``COUNT``.
(b) one assignee's week ("my appointments", ~10 rows) and the shared agenda of
    one day (~140 rows): ``appointments.between`` vs hand-written SQL.
(c) for contrast: every interaction loaded and filtered in Python (rows).
(d) one rep's daily task list (I10) through ``crm.tasks.daily``; target p50 < 20 ms; beside it the
    same eight statements by hand through ``sqlite3`` (rows as tuples).
(e) response-time KPIs (I3) per team over one month — counts, sums and nearest-rank
    percentiles in the database — vs the same window-function SQL by hand; target ≤ 1.5×.

(f) the weighted pipeline forecast (I9) per rep and month in the database vs the same GROUP BY by hand.

    .venv/bin/python benchmarks/bench_interactions.py [--interactions 200000] [--appointments 50000]
        [--employees 100] [--opportunities 20000] [--repeat 100]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from _timing import alternate, p50_ms

import crmkit
from crmkit.adapters.sqlalchemy.bulk import bulk_insert
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables.interaction import appointments, interactions
from crmkit.adapters.sqlalchemy.tables.opportunities import opportunities
from crmkit.domain.access import Actor, visibility_predicate
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.employees import Employee, Position
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company, CompanyType, Segmentation
from crmkit.domain.periods import Period
from crmkit.domain.pipeline import ForecastGroup
from crmkit.domain.predicates import EVERYTHING
from crmkit.domain.response_times import KpiGroup, overdue_before
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
from crmkit.testing.clock import FixedClock

START = datetime(2025, 3, 1, tzinfo=UTC)
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
YEAR = 365 * 24 * 60  # minutes


class World:
    """The generated customers, interactions and appointments, and the ids the measurements use."""

    def __init__(
        self,
        storage: SqlStorage,
        n_interactions: int,
        n_appointments: int,
        n_employees: int = 100,
        n_opportunities: int = 0,
        seed: int = 7,
    ) -> None:
        rng = random.Random(seed)
        self.codes = [f"K-{i:03d}" for i in range(400)]
        customers = [
            Company(
                id=CompanyId(uuid.UUID(int=rng.getrandbits(128))),
                name=f"Müşteri {i:05d}",
                type=CompanyType.CUSTOMER,
                registered_at=START,
                segmentation=Segmentation(micro_region=self.codes[i % len(self.codes)]),
            )
            for i in range(20_000)
        ]
        self.rep = Employee(
            id=EmployeeId(uuid.uuid4()), name="Zeynep Arslan", position=Position.EMPLOYEE, hired_at=START
        )
        region = Region(id=RegionId(uuid.uuid4()), name="Marmara")
        team = SalesTeam(id=TeamId(uuid.uuid4()), name="İstanbul", region_id=region.id)
        self.rep_codes = self.codes[:2]
        membership = Membership(
            id=MembershipId(uuid.uuid4()), team_id=team.id, employee_id=self.rep.id, validity=Validity(START)
        )
        links = [
            CodeLink(id=CodeLinkId(uuid.uuid4()), team_id=team.id, code=code, validity=Validity(START))
            for code in self.rep_codes
        ]
        self.assignees = [EmployeeId(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n_employees)]
        with storage.unit_of_work() as uow:
            uow.companies.add_many(customers)
            uow.employees.add(self.rep)
            uow.regions.add(region)
            uow.teams.add(team)
            uow.memberships.add(membership)
            uow.code_links.add_many(links)
            uow.commit()
        ids = [c.id for c in customers]

        self.teams = [TeamId(uuid.UUID(int=rng.getrandbits(128))) for _ in range(10)]

        def interaction_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(n_interactions):
                owner = (
                    self.rep.id
                    if n % (10 * max(1, n_employees // 100)) == 0
                    else self.assignees[n % n_employees]
                )
                when = START + timedelta(minutes=rng.randrange(YEAR))
                answered = rng.random() < 0.9
                response = rng.randrange(8 * 3600) if answered else None
                resolution = (
                    None if response is None or rng.random() < 0.3 else response + rng.randrange(30 * 3600)
                )
                yield (
                    uuid.UUID(int=rng.getrandbits(128)), 1, rng.choice(ids), "phone", "Sipariş",
                    f"Görüşme {n}", "Fiyat teklifi istedi.", None, None, owner, owner,
                    self.teams[n % len(self.teams)], when,
                    when + timedelta(seconds=response) if response is not None else None,
                    when + timedelta(seconds=resolution) if resolution is not None else None,
                    None, None, response, resolution, None, None, None,
                )  # fmt: skip

        def appointment_rows() -> Iterator[tuple[Any, ...]]:
            for _ in range(n_appointments):
                start = START + timedelta(minutes=15 * rng.randrange(YEAR // 15))
                minutes = rng.choice((30, 45, 60, 90))
                who = self.rep.id if rng.random() < 0.01 else rng.choice(self.assignees)
                yield (
                    uuid.UUID(int=rng.getrandbits(128)), 1, rng.choice(ids), start,
                    start + timedelta(minutes=minutes), minutes, "Ziyaret", who, who, START, 0, 0,
                )  # fmt: skip

        stages = (
            ("aday", "open", 10),
            ("teklif", "open", 40),
            ("pazarlık", "open", 75),
            ("kazanıldı", "won", 100),
        )

        def opportunity_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(n_opportunities):
                owner = self.rep.id if n % 50 == 0 else rng.choice(self.assignees)
                created = START + timedelta(minutes=rng.randrange(YEAR))
                stage, kind, chance = rng.choice(stages)
                cents = rng.randrange(1, 10**8)
                due = START + timedelta(minutes=rng.randrange(YEAR)) if kind == "open" else None
                month = 2 + n % 12  # March 2025 to February 2026
                close = date(2025 + month // 12, month % 12 + 1, 1)
                yield (
                    uuid.UUID(int=rng.getrandbits(128)), 1, "opportunity", 1, rng.choice(ids), f"Fırsat {n}",
                    owner, self.teams[n % len(self.teams)], None, owner, created, stage, kind,
                    Decimal(chance), Decimal(cents) / 100, "TRY", close, "Ara", due, "Sabun", "web", None,
                    created if kind != "open" else None, None, None, cents, chance * 100,
                )  # fmt: skip

        with storage.connect() as connection:
            bulk_insert(connection, interactions, interaction_rows())
            bulk_insert(connection, appointments, appointment_rows())
            bulk_insert(connection, opportunities, opportunity_rows())
            connection.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--appointments", type=int, default=50_000)
    parser.add_argument("--employees", type=int, default=100)
    parser.add_argument("--opportunities", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        storage = SqlStorage(f"sqlite:///{path}", clock=FixedClock(AT))
        storage.migrate()
        began = time.perf_counter()
        world = World(storage, args.interactions, args.appointments, args.employees, args.opportunities)
        print(
            f"built 20,000 customers, {args.interactions:,} interactions, {args.appointments:,}"
            f" appointments of {args.employees:,} employees and {args.opportunities:,} opportunities"
            f" in {time.perf_counter() - began:.1f} s"
        )
        crm = crmkit.connect(storage, clock=FixedClock(AT), regional_access=True, load_entrypoints=False)
        raw = sqlite3.connect(path)

        with storage.unit_of_work() as uow:
            memberships = tuple(uow.memberships.for_employee(world.rep.id))
            links = tuple(uow.code_links.for_teams({m.team_id for m in memberships}))
        actor = Actor(employee=world.rep, memberships=memberships, links=links, regional_access=True)
        predicate = visibility_predicate(actor, AT)

        def ours_repository() -> int:
            with storage.unit_of_work() as uow:
                page = uow.interactions.visible(predicate, limit=50)
                return len(page) + uow.interactions.count_visible(predicate)

        def ours_service() -> int:
            page = crm.interactions.visible(actor=world.rep.id, limit=50)
            return len(page.items) + page.total

        marks = ",".join("?" * len(world.rep_codes))
        page_sql = (
            "SELECT i.* FROM interactions i JOIN companies c ON c.id = i.company_id"
            f" WHERE c.micro_region IN ({marks}) ORDER BY i.created_at DESC, i.id LIMIT 50"
        )
        count_sql = (
            "SELECT count(*) FROM interactions i JOIN companies c ON c.id = i.company_id"
            f" WHERE c.micro_region IN ({marks})"
        )

        def baseline() -> int:
            rows = raw.execute(page_sql, world.rep_codes).fetchall()
            counted: int = raw.execute(count_sql, world.rep_codes).fetchone()[0]
            return len(rows) + counted

        assert ours_repository() == baseline() == ours_service(), "ours and the baseline disagree"
        repo_t, service_t, base_t = alternate(args.repeat, ours_repository, ours_service, baseline)
        total = baseline() - 50
        print(f"\n(a) a rep's visible interactions ({total:,} of {args.interactions:,}): page of 50 + total")
        print(f"    baseline (hand-written SQL, rows)   p50 {p50_ms(base_t):7.3f} ms")
        for label, times in (
            ("ours (repository, domain objects)  ", repo_t),
            ("ours (service, loads the actor too)", service_t),
        ):
            print(f"    {label} p50 {p50_ms(times):7.3f} ms   ratio {p50_ms(times) / p50_ms(base_t):.2f}")

        assignee = world.assignees[0]
        week = Period(
            Period.day(date(2025, 9, 1)).start, Period.day(date(2025, 9, 8)).start
        )  # Monday to Monday, İstanbul
        day = Period.day(date(2025, 9, 3))

        def ours_week() -> int:
            with storage.unit_of_work() as uow:
                return len(uow.appointments.between(EVERYTHING, week.start, week.end, assignee=assignee))

        def ours_day() -> int:
            with storage.unit_of_work() as uow:
                return len(uow.appointments.between(EVERYTHING, day.start, day.end, limit=1_000))

        fmt = "%Y-%m-%d %H:%M:%S.%f"

        def sql_range(start: datetime, end: datetime, who: uuid.UUID | None) -> int:
            lo = (start.astimezone(UTC) - timedelta(days=1)).strftime(fmt)
            s, e = start.astimezone(UTC).strftime(fmt), end.astimezone(UTC).strftime(fmt)
            where = "starts_at > ? AND starts_at < ? AND ends_at > ?"
            params: list[Any] = [lo, e, s]
            if who is not None:
                where += " AND assignee_id = ?"
                params.append(who.hex)
            sql = f"SELECT * FROM appointments WHERE {where} ORDER BY starts_at, id LIMIT 1000"
            return len(raw.execute(sql, params).fetchall())

        def base_week() -> int:
            return sql_range(week.start, week.end, assignee)

        def base_day() -> int:
            return sql_range(day.start, day.end, None)

        assert ours_week() == base_week() and ours_day() == base_day(), (
            "agenda: ours and the baseline disagree"
        )
        ow, bw, od, bd = alternate(args.repeat, ours_week, base_week, ours_day, base_day)
        print(f"\n(b) agenda views ({args.appointments:,} appointments)")
        for label, ours_t, base_t2 in (
            (f"one assignee's week ({base_week()} rows)  ", ow, bw),
            (f"shared agenda of a day ({base_day()} rows)", od, bd),
        ):
            print(
                f"    {label} baseline p50 {p50_ms(base_t2):7.3f} ms   ours p50 {p50_ms(ours_t):7.3f} ms"
                f"   ratio {p50_ms(ours_t) / p50_ms(base_t2):.2f}"
            )

        codes = set(world.rep_codes)

        def load_all_and_filter() -> int:
            region = dict(raw.execute("SELECT id, micro_region FROM companies").fetchall())
            rows = raw.execute("SELECT * FROM interactions").fetchall()
            return sum(1 for row in rows if region[row[2]] in codes)

        (contrast,) = alternate(3, load_all_and_filter)
        print(
            f"\n(c) for contrast: every interaction loaded and filtered in Python (rows)"
            f" p50 {p50_ms(contrast):.1f} ms"
        )
        _tasks_and_kpis(args, storage, crm, raw, world)
        if args.opportunities:
            _forecast(args, storage, raw)
        raw.close()
        storage.close()
    return 0


def _tasks_and_kpis(
    args: argparse.Namespace, storage: SqlStorage, crm: crmkit.Crm, raw: sqlite3.Connection, world: World
) -> None:
    """(d) one rep's daily task list (I10); (e) response-time KPIs per team and month vs SQL (I3);
    (f) the weighted pipeline forecast per rep and month vs SQL (I9)."""
    crm.calendar = WorkingCalendar.weekly({d: [("09:00", "18:00")] for d in range(5)})
    day = date(2025, 9, 3)

    def daily() -> int:
        tasks = crm.tasks.daily(actor=world.rep.id, day=day)
        return len(tasks.appointments) + len(tasks.reminders) + len(tasks.overdue) + len(tasks.opportunities)

    baseline_daily = _daily_by_hand(raw, crm, world, day)
    found = daily()
    assert found == baseline_daily(), "daily list: ours and the baseline disagree"
    daily_t, base_t = alternate(args.repeat, daily, baseline_daily)
    print(
        f"\n(d) one rep's daily task list ({found} items)   baseline p50 {p50_ms(base_t):7.3f} ms"
        f"   ours (service call) p50 {p50_ms(daily_t):7.3f} ms   ratio {p50_ms(daily_t) / p50_ms(base_t):.2f}"
    )

    month = Period.month(2025, 9)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    bounds = [month.start.astimezone(UTC).strftime(fmt), month.end.astimezone(UTC).strftime(fmt)]

    def ours_kpis() -> int:
        with storage.unit_of_work() as uow:
            kpis = uow.interactions.response_kpis(
                EVERYTHING, group=KpiGroup.TEAM, since=month.start, until=month.end
            )
        return sum(k.responded + k.resolved for k in kpis)

    def measure(column: str) -> str:
        return (
            f"WITH r AS (SELECT owner_team_id AS g, {column} AS v,"
            f" ROW_NUMBER() OVER (PARTITION BY owner_team_id ORDER BY {column}) AS rn,"
            " COUNT(*) OVER (PARTITION BY owner_team_id) AS n FROM interactions"
            f" WHERE {column} IS NOT NULL AND created_at >= ? AND created_at < ?)"
            " SELECT g, count(*), sum(v), min(CASE WHEN rn * 100 >= 50 * n THEN v END),"
            " min(CASE WHEN rn * 100 >= 90 * n THEN v END) FROM r GROUP BY g"
        )

    totals_sql = (
        "SELECT owner_team_id, count(*) FROM interactions WHERE created_at >= ? AND created_at < ?"
        " GROUP BY owner_team_id"
    )
    response_sql, resolution_sql = measure("response_seconds"), measure("resolution_seconds")

    def baseline_kpis() -> int:
        raw.execute(totals_sql, bounds).fetchall()
        rows = raw.execute(response_sql, bounds).fetchall() + raw.execute(resolution_sql, bounds).fetchall()
        return sum(int(r[1]) for r in rows)

    assert ours_kpis() == baseline_kpis(), "KPIs: ours and the baseline disagree"
    ours_t, base_t = alternate(args.repeat, ours_kpis, baseline_kpis)
    print(
        f"\n(e) response-time KPIs per team, one month ({baseline_kpis():,} figures)"
        f"   baseline p50 {p50_ms(base_t):7.3f} ms   ours p50 {p50_ms(ours_t):7.3f} ms"
        f"   ratio {p50_ms(ours_t) / p50_ms(base_t):.2f}"
    )


def _daily_by_hand(raw: sqlite3.Connection, crm: crmkit.Crm, world: World, day: date) -> Callable[[], int]:
    """(d)'s baseline: the same eight statements as ``crm.tasks.daily``, by hand through ``sqlite3``.

    The acting employee, his memberships and his teams' code links (the policy's input), then
    his appointments of the day, reminders due, unanswered interactions past the response
    target and open opportunities due at companies of his codes (the dated T4 test, as ours),
    and follow-up notes; rows as tuples. The response-target cutoff is worked out once,
    outside the timing (ours works it out in each call).
    """
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    period = Period.day(day)
    now = AT
    horizon = min(period.end, max(now, period.start))
    assert crm.calendar is not None
    cutoff = overdue_before(crm.calendar, horizon, timedelta(hours=8)).astimezone(UTC).strftime(fmt)
    start, end = (x.astimezone(UTC) for x in (period.start, period.end))
    earliest = (start - timedelta(days=1)).strftime(fmt)
    start_s, end_s = start.strftime(fmt), end.strftime(fmt)
    last_s = (end - timedelta(microseconds=1)).strftime(fmt)
    now_s, rep = now.astimezone(UTC).strftime(fmt), world.rep.id.hex
    visible = (
        "(c.micro_region IN ({marks})"
        " AND NOT EXISTS (SELECT 1 FROM customer_codes m WHERE m.company_id = c.id)"
        " OR c.id IN (SELECT h.company_id FROM customer_codes h WHERE h.code IN ({marks})"
        " AND h.valid_from <= ? AND (h.valid_to IS NULL OR h.valid_to > ?)))"
    )

    def by_hand() -> int:
        raw.execute("SELECT * FROM employees WHERE id = ?", (rep,)).fetchall()
        teams = [
            r[2]
            for r in raw.execute(
                "SELECT * FROM team_memberships WHERE employee_id = ? ORDER BY valid_from, id", (rep,)
            )
        ]
        links = raw.execute(
            f"SELECT * FROM code_links WHERE team_id IN ({','.join('?' * len(teams))})", teams
        ).fetchall()
        codes = sorted({r[3] for r in links})
        where = visible.format(marks=",".join("?" * len(codes)))
        scope = [*codes, *codes, now_s, now_s]
        appointments = raw.execute(
            "SELECT * FROM appointments WHERE starts_at > ? AND starts_at < ? AND ends_at > ?"
            " AND assignee_id = ? ORDER BY starts_at, id LIMIT 200",
            (earliest, end_s, start_s, rep),
        ).fetchall()
        reminders = raw.execute(
            "SELECT * FROM reminders WHERE assignee_id = ? AND done = 0 AND due_at <= ?"
            " ORDER BY due_at, id LIMIT 200",
            (rep, last_s),
        ).fetchall()
        overdue = raw.execute(
            "SELECT i.* FROM interactions i JOIN companies c ON c.id = i.company_id WHERE i.owner_id = ?"
            f" AND i.first_response_at IS NULL AND i.created_at < ? AND {where}"
            " ORDER BY i.created_at, i.id LIMIT 200",
            (rep, cutoff, *scope),
        ).fetchall()
        notes = raw.execute(
            "SELECT * FROM meeting_notes WHERE id IN (SELECT note_id FROM meeting_note_participants"
            " WHERE employee_id = ? AND follow_up_at < ?) AND outcome = 'follow_up'"
            " ORDER BY follow_up_at, id",
            (rep, end_s),
        ).fetchall()
        if notes:
            marks = ",".join("?" * len(notes))
            raw.execute(
                "SELECT note_id, employee_id, position FROM meeting_note_participants"
                f" WHERE note_id IN ({marks})",
                [n[0] for n in notes],
            ).fetchall()
        opportunities = raw.execute(
            "SELECT o.* FROM opportunities o JOIN companies c ON c.id = o.company_id WHERE o.owner_id = ?"
            f" AND o.next_step_due IS NOT NULL AND o.next_step_due < ? AND o.stage_kind = 'open' AND {where}"
            " ORDER BY o.next_step_due, o.id LIMIT 200",
            (rep, end_s, *scope),
        ).fetchall()
        return len(appointments) + len(reminders) + len(overdue) + len(opportunities)

    return by_hand


def _forecast(args: argparse.Namespace, storage: SqlStorage, raw: sqlite3.Connection) -> None:
    """(f) the weighted forecast per rep and expected-close month (I9) vs the same GROUP BY by hand."""

    def ours() -> int:
        with storage.unit_of_work() as uow:
            rows = uow.opportunities.forecast(EVERYTHING, group=ForecastGroup.REP, currency="TRY")
        return sum(r.opportunities for r in rows)

    sql = (
        "SELECT owner_id, CAST(strftime('%Y', expected_close) AS INTEGER),"
        " CAST(strftime('%m', expected_close) AS INTEGER), count(*), sum(amount_minor),"
        " sum(amount_minor * probability_bp) FROM opportunities WHERE stage_kind = 'open'"
        " AND amount_currency = 'TRY' AND amount_minor IS NOT NULL GROUP BY 1, 2, 3"
    )

    def baseline() -> int:
        return sum(int(r[3]) for r in raw.execute(sql).fetchall())

    assert ours() == baseline(), "forecast: ours and the baseline disagree"
    ours_t, base_t = alternate(max(3, args.repeat // 10), ours, baseline)
    print(
        f"\n(f) weighted forecast per rep and month ({baseline():,} open of {args.opportunities:,})"
        f"   baseline p50 {p50_ms(base_t):7.3f} ms   ours p50 {p50_ms(ours_t):7.3f} ms"
        f"   ratio {p50_ms(ours_t) / p50_ms(base_t):.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
