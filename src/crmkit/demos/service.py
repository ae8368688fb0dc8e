"""The demo's service section (§6 S1–S8): a service day with contracts, cases, visits and service levels."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from crmkit.bootstrap import Crm
from crmkit.domain.errors import CrmError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.money import Money
from crmkit.domain.periods import Period

__all__ = ["service_demo"]


def _say(out: TextIO, text: str) -> None:
    print(text, file=out)


def service_demo(crm: Crm, admin: EmployeeId, out: TextIO) -> None:
    """A service day at Kadıköy Eczanesi (registered by the territory section).

    A contract in hours cited by an interaction, two cases, a visit over the allowance, an SLA breach,
    costs and reports, and a customer served without a contract against what it was invoiced.
    """
    s, p = crm.service, crm.parties
    now = crm.clock.now()
    today = now.astimezone(s.calendar.zone).date()
    tech = p.hire(actor=admin, name="Murat Teknik", position="employee")
    plant = next(iter(p.search_companies(actor=admin, text="Kadıköy Eczanesi")))  # from the territory section
    contract = s.create_contract(
        actor=admin,
        company=plant.id,
        title="Soğutma bakım sözleşmesi",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=335),
        price=Money("30000", "TRY"),
        allowance_hours=4,
        allowance_visits=2,
        carry_over=True,
    )
    _say(out, f"contract {contract.title}: 4 h and 2 visits for {plant.name}")
    crm.interactions.create(  # the contract is the customer's subscription: interactions cite it (S1, S8)
        actor=admin, company=plant.id, channel="phone", category="Servis",
        subject="Bakım takvimi konuşuldu", contract=contract.id,
    )  # fmt: skip
    cited = s.contract_interactions(actor=admin, contract=contract.id)
    _say(out, f"interactions citing the contract: {cited.total}")
    s.set_rate(
        actor=admin, technician=tech.id, valid_from=now - timedelta(days=30), amount=Money("750", "TRY")
    )
    s.set_rate(
        actor=admin,
        vehicle="41 SRV 07",
        valid_from=now - timedelta(days=30),
        amount=Money("6.50", "TRY"),
        fuel_per_km=Money("4.25", "TRY"),
    )
    urgent = s.open_case(
        actor=admin, company=plant.id, channel="call", reason="Soğuk oda alarmı", priority="urgent"
    )
    routine = s.open_case(
        actor=admin, company=plant.id, channel="portal", reason="Periyodik bakım", priority="low"
    )
    _say(out, f"unattended: {', '.join(c.reason for c in s.unattended(actor=admin))}")
    s.assign_case(actor=admin, case=urgent.id, technician=tech.id)
    start = now + timedelta(hours=1)
    s.book(
        actor=admin,
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        technician=tech.id,
        vehicle="41 SRV 07",
    )
    try:
        s.book(
            actor=admin,
            starts_at=start + timedelta(hours=2),
            ends_at=start + timedelta(hours=3),
            vehicle="41 SRV 07",
        )
    except CrmError as exc:
        _say(out, f"refused: {exc}")
    s.move_case(actor=tech.id, case=urgent.id, stage="in_progress")
    s.log_work(actor=tech.id, company=plant.id, kind="call", at=now, minutes=15, case=urgent.id)
    visit = s.log_work(
        actor=tech.id,
        company=plant.id,
        kind="visit",
        at=now,
        hours=4,
        km="64.2",
        vehicle="41 SRV 07",
        case=urgent.id,
    )
    _say(out, f"visit logged: 4 h, 64.2 km; over the allowance (billable): {visit.overage_minutes} min")
    balance = s.balance(actor=admin, contract=contract.id)
    _say(out, f"remaining: {balance.remaining_hours} h, {balance.remaining_visits} visits")
    s.close_case(actor=tech.id, case=urgent.id, resolution="Kompresör rölesi değişti")
    later = now + timedelta(days=7)
    sla = s.case_sla(actor=admin, case=routine.id, at=later)
    due = sla.resolution.due.astimezone(s.calendar.zone)
    breached = sla.resolution.breached
    _say(out, f"'{routine.reason}' resolution due {due:%Y-%m-%d %H:%M}; breached a week on: {breached}")
    cost = s.case_cost(actor=admin, case=urgent.id)
    _say(out, f"cost of '{urgent.reason}': labour {cost.labour}, travel {cost.travel}")
    for row in s.technician_report(
        actor=admin, period=Period(now - timedelta(days=1), now + timedelta(days=1))
    ):
        _say(
            out,
            f"technician report: {row.closed} closed, {row.success_rate}% success, {row.average_minutes} min",
        )
    walk_in = next(iter(p.search_companies(actor=admin, text="Bursa Hijyen")))  # no contract
    s.log_work(actor=tech.id, company=walk_in.id, kind="call", at=now, minutes=30)
    for other in s.non_contract_report(
        actor=admin, period=Period(now - timedelta(days=1), now + timedelta(days=1))
    ):
        _say(
            out,
            f"no contract: cost {other.cost.total}, invoiced {other.invoiced}, margin {other.margin} (S4)",
        )
    s.write_article(
        actor=tech.id, title="Soğuk oda ısı alarmı", body="Röleyi kontrol edin.", keywords=["ISI", "alarm"]
    )
    hits = s.search_articles(actor=admin, query="ısı alarmı")
    _say(out, f"knowledge base 'ısı alarmı': {', '.join(a.title for a, _ in hits)}")
