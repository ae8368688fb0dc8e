"""The demo's interaction section: one sales rep's day (SPEC §5 I2, I3, I6, I7, I9, I10; Q6).

Called by :func:`crmkit.cli.run_demo` on a CRM whose first admin exists. It
defines a complaint workflow, lets a rep record and move interactions, books
her agenda for today and tomorrow, runs the e-mail job twice (the second run
queues nothing), works her sales pipeline (a funnel, opportunities won, lost
and open, one converted from an interaction, a next step due tomorrow),
prints her daily task list, the weighted forecast per month, the activity
KPIs and the response-time KPIs, and writes her appointments to an
iCalendar file.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from crmkit.bootstrap import Crm
from crmkit.domain.errors import CrmError
from crmkit.domain.ids import EmployeeId

__all__ = ["ics_path_for", "interactions_demo"]

COMPLAINTS = {
    "key": "Şikayet",
    "initial": "yeni",
    "stages": [{"name": "yeni"}, {"name": "inceleniyor"}, {"name": "çözüldü", "kind": "closed"}],
    "transitions": {"yeni": ["inceleniyor"], "inceleniyor": ["çözüldü"]},
    "hooks": [{"stage": "çözüldü", "notify": ["owner"], "subject": "Şikâyet çözüldü"}],
}

FUNNEL = {
    "key": "opportunity",
    "initial": "aday",
    "stages": [
        {"name": "aday", "probability": "10", "next_step": "İhtiyaç analizi"},
        {"name": "teklif", "probability": "40", "next_step": "Teklifi takip et"},
        {"name": "pazarlık", "probability": "75", "next_step": "Sözleşme taslağı"},
        {"name": "kazanıldı", "kind": "won"},
        {"name": "kaybedildi", "kind": "lost"},
    ],
    "transitions": {
        "aday": ["teklif", "kaybedildi"],
        "teklif": ["pazarlık", "kaybedildi"],
        "pazarlık": ["kazanıldı", "kaybedildi"],
    },
}


def ics_path_for(url: str) -> Path:
    """Where the demo writes its ``.ics``: beside an SQLite file, else in the temporary folder."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).with_name("crmkit-demo-agenda.ics")
    return Path(tempfile.gettempdir()) / "crmkit-demo-agenda.ics"


def interactions_demo(crm: Crm, admin: EmployeeId, out: TextIO, ics: Path | None = None) -> Path:
    """Show one rep's day on ``crm`` and write her agenda as iCalendar; returns the file written."""
    zone = ZoneInfo(crm.settings.timezone)
    now = crm.clock.now().astimezone(zone)
    today, tomorrow = now.date(), now.date() + timedelta(days=1)
    rep = crm.parties.hire(
        actor=admin, name="Selin Aksoy", position="admin_manager", email="selin@example.com.tr"
    )
    company = crm.parties.register_company(actor=admin, name="Kadıköy Eczanesi", type="customer")
    flow = crm.workflow.define(actor=admin, definition=COMPLAINTS)
    print(f"workflow {flow.key} v{flow.version}: " + ", ".join(flow.stage_names), file=out)
    complaint = crm.interactions.create(
        actor=rep.id, company=company.id, channel="phone", category="Şikayet", subject="Eksik teslimat"
    )
    try:
        crm.workflow.move(actor=rep.id, interaction=complaint.id, to_stage="çözüldü")
    except CrmError as error:  # the demo shows the refusal
        print(f"refused: {error}", file=out)
    crm.workflow.move(actor=rep.id, interaction=complaint.id, to_stage="inceleniyor")
    done = crm.workflow.move(actor=rep.id, interaction=complaint.id, to_stage="çözüldü").interaction
    print(f"complaint now {done.stage}; response {done.response_seconds} working seconds", file=out)
    crm.interactions.create(
        actor=rep.id, company=company.id, channel="email", category="Sipariş", subject="Fiyat listesi istedi"
    )
    for day, hour, what in ((today, 23, "Akşam teslimat kontrolü"), (tomorrow, 10, "Yıllık sözleşme")):
        crm.agenda.create_appointment(
            actor=rep.id,
            company=company.id,
            starts_at=datetime.combine(day, time(hour, 0), tzinfo=zone),
            minutes=45,
            description=what,
        )
    crm.agenda.add_reminders(
        actor=rep.id,
        due_at=datetime.combine(tomorrow, time(9, 0), tzinfo=zone),
        text="Numuneyi kargola",
        assignees=[rep.id, admin],
    )
    first = crm.agenda.due_notifications(actor=admin)
    second = crm.agenda.due_notifications(actor=admin)
    print(f"e-mail job: {len(first.queued)} queued, then {len(second.queued)} on the second run", file=out)
    _pipeline(crm, admin, rep.id, company.id, tomorrow, zone, out)
    tasks = crm.tasks.daily(actor=rep.id, day=tomorrow)
    print(f"{rep.name}'s list for {tomorrow}:", file=out)
    for appointment in tasks.appointments:
        print(f"  {appointment.starts_at.astimezone(zone):%H:%M} {appointment.description}", file=out)
    for reminder in tasks.reminders:
        print(f"  reminder: {reminder.text}", file=out)
    for waiting in tasks.overdue:
        print(f"  unanswered: {waiting.subject}", file=out)
    for deal in tasks.opportunities:
        print(f"  next step: {deal.next_step} — {deal.title} ({deal.stage}, %{deal.probability})", file=out)
    for row in crm.opportunities.forecast(actor=rep.id, by="month"):
        print(
            f"forecast {row.month}: {row.opportunities} open, {row.amount} → weighted {row.weighted}",
            file=out,
        )
    kpis = crm.opportunities.activity(actor=admin)
    for routed in kpis.routed:
        if routed.key == str(rep.id):
            print(f"{rep.name}: {routed.routed} routed, {routed.won} won, {routed.lost} lost", file=out)
    print(f"most losses at: {kpis.most_losses}", file=out)
    for kpi in crm.response_times.kpis(actor=admin, by="channel"):
        print(f"KPI {kpi.group}: {kpi.interactions} interactions, {kpi.responded} answered", file=out)
    target = ics or ics_path_for(crm.storage.url)
    target.write_bytes(
        crm.agenda.export_ical(
            actor=rep.id,
            start=datetime.combine(today, time(), tzinfo=zone),
            end=datetime.combine(tomorrow + timedelta(days=1), time(), tzinfo=zone),
            assignee=rep.id,
        )
    )
    print(f"agenda written to {target}", file=out)
    return target


def _pipeline(
    crm: Crm, admin: EmployeeId, rep: EmployeeId, company: object, tomorrow: date, zone: ZoneInfo, out: TextIO
) -> None:
    """The rep's sales funnel (I9, I4): opportunities won, lost, open; one converted from an interaction."""
    funnel = crm.opportunities.define_funnel(actor=admin, definition=FUNNEL)
    print(f"funnel v{funnel.version}: " + " → ".join(funnel.stage_names), file=out)
    close = tomorrow + timedelta(days=30)
    won = crm.opportunities.open(
        actor=rep, company=company, title="Yıllık sabun anlaşması", amount="250000", product="Sıvı Sabun",
        lead_source="fuar", expected_close=close,
    )  # fmt: skip
    for stage in ("teklif", "pazarlık"):
        crm.opportunities.move(actor=rep, opportunity=won.id, to_stage=stage)
    try:
        crm.opportunities.win(actor=rep, opportunity=won.id, amount="0")
    except CrmError as error:  # the demo shows the refusal: a win needs its amount
        print(f"refused: {error}", file=out)
    crm.opportunities.win(actor=rep, opportunity=won.id, amount="240000")
    lost = crm.opportunities.open(actor=rep, company=company, title="Kolonya kampanyası", product="Kolonya")
    crm.opportunities.lose(actor=rep, opportunity=lost.id, reason="Fiyat", competitor="Rakip Kimya A.Ş.")
    call = crm.interactions.create(
        actor=rep, company=company, channel="phone", category="Talep", subject="Dezenfektan teklifi istedi"
    )
    open_deal = crm.opportunities.convert(
        actor=rep, interaction=call.id, amount="80000", expected_close=close, product="Dezenfektan"
    )
    crm.opportunities.move(
        actor=rep, opportunity=open_deal.id, to_stage="teklif",
        next_step_due=datetime.combine(tomorrow, time(11, 0), tzinfo=zone),
    )  # fmt: skip
