"""The demo's tour of the seed organisation: build it, import its invoice files, and show the result.

Runs after the module sections of :func:`crmkit.cli.demo.run_demo`, on the same CRM:

1. builds the seed organisation (:mod:`crmkit.demos.organisation`);
2. writes a few UBL-TR e-invoices and an ERP's CSV export of a few thousand lines
   (:mod:`crmkit.demos.documents`) and imports both through the ordinary sources,
   with a Rich progress bar on a terminal (V1); the import credits points (V4);
3. queues the agenda e-mails (I6, I7);
4. works the reps' sales pipeline (:mod:`crmkit.demos.pipeline`: opportunities
   open, won and lost, one priced visit);
5. prints the closing sections: what three employees see and why (A1, T4), one
   rep's day (I6), plan vs actual (Q5), the pipeline — weighted forecast per rep
   and month, won and lost per rep (I9, Q6), a visit's cost (I11) — point
   statements (V8) and the technician report (S5).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crmkit.bootstrap import Crm, connect
from crmkit.cli.invoices import CountedSource
from crmkit.cli.quota_html import render_html
from crmkit.demos.documents import write_csv, write_ubl
from crmkit.demos.organisation import Organisation, build_organisation
from crmkit.demos.pipeline import Pipeline, build_pipeline
from crmkit.domain.ids import EmployeeId
from crmkit.domain.periods import Period
from crmkit.domain.points import Role
from crmkit.domain.workflow_stages import StageKind
from crmkit.hookspecs import AdapterContext
from crmkit.services.invoices import ImportReport

__all__ = ["SECTIONS", "tour"]

SECTIONS = (
    "The seed organisation",
    "Invoices imported",
    "What three employees see, and why",
    "One rep's day",
    "Plan vs actual",
    "Pipeline",
    "Point statements",
    "Technician report",
)
"""The headings the tour prints, in order (the demo's test looks for each)."""

CSV_INVOICES = 1000
"""Invoices in the generated CSV (one to five lines each: about three thousand lines)."""


def _import(crm: Crm, admin: EmployeeId, url: str, total: int, label: str) -> ImportReport:
    """Import the source at ``url`` with a progress bar on standard error (a terminal only)."""
    context = AdapterContext(crm.clock, crm.ids, crm.settings, crm.storage)
    inner = crm.plugins.build("invoices", url, context)
    errors = Console(stderr=True)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, disable=not errors.is_terminal, transient=True) as progress:
        task = progress.add_task(label, total=total)
        advance: Callable[[], None] = lambda: progress.advance(task)  # noqa: E731
        return crm.invoices.import_from(CountedSource(inner, advance), actor=admin, resume=False)


def _table(console: Console, title: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    console.print(table)


def tour(crm: Crm, admin: EmployeeId, out: TextIO, chart: Path | None = None) -> None:
    """Build the seed organisation on ``crm``, import its files and print the closing sections.

    ``chart``: where to write the plan-vs-actual page (:mod:`crmkit.cli.quota_html`), if anywhere.
    """
    console = Console(file=out, soft_wrap=True, highlight=False, width=110)
    zone = ZoneInfo(crm.settings.timezone)
    now = crm.clock.now().astimezone(zone)
    org = build_organisation(crm, admin)
    console.rule(SECTIONS[0])
    positions: dict[str, int] = {}
    for person in [org.regional_manager, *org.leaders.values(), *org.reps, *org.technicians]:
        positions[person.position.value] = positions.get(person.position.value, 0) + 1
    console.print(
        f"{len(org.leaders)} teams under the regions, {len(org.rep_of_code)} micro-region codes, "
        f"employees by position: {positions}; {len(org.distributors)} distributors, "
        f"{len(org.dealers)} dealers, {len(org.customers)} customers with a contact each; "
        f"{len(org.reps) * 3} appointments, {len(org.contracts)} service contracts with a case each"
    )
    console.rule(SECTIONS[1])
    with tempfile.TemporaryDirectory(prefix="crmkit-demo-") as folder:
        ubl = write_ubl(Path(folder) / "ubl", org, now.year)
        lines = write_csv(Path(folder) / "erp.csv", org, now, invoices=CSV_INVOICES)
        for url, total, what in (
            (f"ubl-tr://{Path(folder) / 'ubl'}", ubl, f"{ubl} UBL-TR e-invoices"),
            (f"csv://{Path(folder) / 'erp.csv'}?tz={zone.key}", CSV_INVOICES, f"ERP CSV, {lines} lines"),
        ):
            report = _import(crm, admin, url, total, what)
            console.print(
                f"{what}: {report.imported} imported ({report.lines} lines), "
                f"{report.duplicates} already there, {len(report.rejected)} rejected"
            )
    notices = crm.agenda.due_notifications(actor=admin)
    console.print(f"agenda e-mails queued for the reps' appointments: {len(notices.queued)}")
    pipeline = build_pipeline(crm, admin, org, now)
    _closing(crm, admin, org, console, now, chart)
    _pipeline(crm, admin, org, pipeline, console, now)
    _end(crm, admin, org, console, now)


def _pipeline(
    crm: Crm, admin: EmployeeId, org: Organisation, pipeline: Pipeline, console: Console, now: datetime
) -> None:
    """The pipeline: weighted forecast per rep and month (I9), won and lost per rep (Q6), a visit (I11)."""
    console.rule(SECTIONS[5])
    reps = {str(rep.id): rep.name for rep in org.reps}
    forecast = [r for r in crm.opportunities.forecast(actor=admin, by="rep") if r.key in reps]
    rows: list[tuple[object, ...]] = [
        (reps[r.key], r.month, r.opportunities, f"{r.amount.amount:,.2f}", f"{r.weighted.amount:,.2f}")
        for r in sorted(forecast, key=lambda r: (reps[r.key or ""], r.month or ""))
        if r.key is not None
    ]
    columns = ("rep", "expected close", "open", "amount", "weighted")
    _table(console, f"weighted forecast of the open pipeline ({crm.settings.currency})", columns, rows)
    kpis = crm.opportunities.activity(actor=admin)
    won: dict[str, Decimal] = {}
    for deal in pipeline.opened:
        if deal.amount is not None and deal.stage_kind is StageKind.WON:
            won[str(deal.owner_id)] = won.get(str(deal.owner_id), Decimal(0)) + deal.amount.amount
    rows = [
        (reps[r.key], r.routed, r.won, f"{won.get(r.key, Decimal(0)):,.2f}", r.lost,
         "–" if r.win_rate is None else f"{r.win_rate * 100:.0f} %")
        for r in sorted(kpis.routed, key=lambda r: reps.get(r.key, ""))
        if r.kind == "rep" and r.key in reps
    ]  # fmt: skip
    _table(console, "won and lost per rep", ("rep", "opened", "won", "won amount", "lost", "win rate"), rows)
    lost: dict[str, int] = {}
    for loss in crm.opportunities.losses(actor=admin):
        lost[loss.competitor or "–"] = lost.get(loss.competitor or "–", 0) + loss.lost
    losses = ", ".join(f"{competitor} {n}" for competitor, n in sorted(lost.items()))
    console.print(f"losses per competitor: {losses}; stage with most losses: {kpis.most_losses}")
    visit = pipeline.visit
    cost = next(
        r
        for r in crm.visits.costs(actor=admin, since=org.year_start, until=now + timedelta(days=1))
        if r.company_id == visit.company_id
    )
    ratio = "–" if cost.cost_ratio is None else f"{cost.cost_ratio * 100:.2f} %"
    console.print(
        f"visit by {org.reps[0].name}: {visit.metres / 1000} km, {visit.minutes} min → "
        f"{visit.cost.total.amount:,.2f} {visit.currency} (labour {visit.cost.labour.amount:,.2f}, travel "
        f"{visit.cost.travel.amount:,.2f}); the customer's revenue this year {cost.revenue.amount:,.2f}, "
        f"the visit {ratio} of it"
    )


def _closing(
    crm: Crm, admin: EmployeeId, org: Organisation, console: Console, now: datetime, chart: Path | None
) -> None:
    rep, leader = org.reps[0], next(iter(org.leaders.values()))
    far = next(c for c in org.customers if (c.segmentation.micro_region or "").startswith("A"))
    console.rule(SECTIONS[2])
    switched = connect(crm.storage, email=crm.email, sms=crm.sms, clock=crm.clock, regional_access=True)
    rows: list[tuple[object, ...]] = []
    for who in (rep, leader, org.regional_manager):
        page = switched.customers.visible(actor=who.id, limit=5)
        why = switched.customers.decide(actor=who.id, company=far.id).reason
        rows.append((f"{who.name} ({who.position.value})", page.total, why))
    _table(console, f"customers each sees (A1 on); why for {far.name}", ("employee", "sees", "why"), rows)
    console.rule(SECTIONS[3])
    tomorrow = now.date() + timedelta(days=1)
    day = crm.tasks.daily(actor=rep.id, day=tomorrow)
    console.print(f"{rep.name}'s list for {tomorrow}:")
    for appointment in day.appointments:
        console.print(f"  {appointment.starts_at.astimezone(now.tzinfo):%H:%M}  {appointment.description}")
    for reminder in day.reminders:
        console.print(f"  reminder: {reminder.text}")
    console.rule(SECTIONS[4])
    assert org.plan is not None
    plan = org.plan
    report = crm.targets.report(actor=admin, plan=plan.id)
    rows = []
    for row in sorted(report.rows, key=lambda r: r.scope):
        ytd = row.ytd(now.month)
        ratio = "–" if ytd.attainment is None else f"{ytd.attainment * 100:.0f} %"
        caller = org.rep_of_code[row.scope].name if row.scope in org.rep_of_code else "–"
        rows.append(
            (row.scope, caller, f"{row.year().target:,.2f}", f"{ytd.target:,.2f}", f"{ytd.actual:,.2f}",
             ratio, f"{row.projection(now.month):,.2f}")
        )  # fmt: skip
    columns = ("code", "rep", "year target", "target to date", "actual to date", "attained", "projection")
    _table(console, f"{plan.name} ({plan.currency}), January–{now:%B}", columns, rows)
    if chart is not None:
        chart.write_text(render_html(report, {}), encoding="utf-8")
        console.print(f"chart written to {chart} (crmkit report quota --html)")


def _end(crm: Crm, admin: EmployeeId, org: Organisation, console: Console, now: datetime) -> None:
    """The last sections: point statements (V8) and the technician report (S5)."""
    rep = org.reps[0]
    console.rule(SECTIONS[6])
    start = org.year_start.date()
    for role, party in (
        (Role.DEALER, next(iter(org.dealers.values()))),
        (Role.SALES_PERSON, rep.login or ""),
    ):
        found = crm.points.statement(
            actor=admin, program="TEMIZ", role=role, party=party, start=start, end=now.date()
        )
        earned = sum(e.points for e in found.entries if e.points > 0)
        console.print(
            f"{role.value} {party}: opening {found.opening}, {len(found.entries)} entries "
            f"(+{earned}), closing {found.closing}"
        )
    console.rule(SECTIONS[7])
    period = Period(org.year_start, now + timedelta(days=1))
    rows: list[tuple[object, ...]] = [
        (crm.parties.get_employee(actor=admin, employee=r.technician_id).name, r.closed, r.first_time,
         r.minutes, r.sla_met)
        for r in crm.service.technician_report(actor=admin, period=period)
    ]  # fmt: skip
    _table(
        console, "technicians this year", ("technician", "closed", "first time", "minutes", "SLA met"), rows
    )
