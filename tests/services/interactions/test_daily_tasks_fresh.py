"""The daily list (I10) answers each call from that call's data: kept statements hold no values.

The SQL adapter keeps the daily list's statements once built, one per *shape* (which query,
how the actor's access predicate is built), and runs them with each call's values
(``crmkit.adapters.sqlalchemy.prepared``). Between two calls of the same shape the
actor's codes change (a second team, then its end: A1), a customer moves to another
code (dated, T4), another actor of another shape asks (A2), and the working calendar is
replaced (I3): every call must show its own answer, on every back end. A statement kept
with the first call's codes, owner or cut-off would fail here.
"""

from __future__ import annotations

from datetime import timedelta

import crmkit
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.employees import Employee
from tests.services.interactions.conftest import NOW, Office
from tests.services.workflow.test_opportunities import FUNNEL

LATER = NOW + timedelta(days=2)
"""A Wednesday: Monday noon's interactions are past an 8-hour response target (I3)."""


def _day(crm: crmkit.Crm, actor: Employee, rep: Employee) -> tuple[set[str], set[str]]:
    """The titles of ``rep``'s overdue interactions and due opportunities, as ``actor`` sees them."""
    tasks = crm.tasks.daily(actor=actor.id, employee=rep.id, day=LATER.date())
    return {i.subject for i in tasks.overdue}, {o.title for o in tasks.opportunities}


def test_each_call_sees_the_codes_customers_and_calendar_of_its_moment(office: Office) -> None:
    crm, clock = office.crm, office.clock
    admin, rep = office.people["admin"], office.people["employee"]
    m01, a01 = office.companies["m01"].id, office.companies["a01"].id
    crm.opportunities.define_funnel(actor=admin.id, definition=FUNNEL)
    for company, name in ((m01, "M-01"), (a01, "A-01")):
        crm.interactions.create(
            actor=admin.id, company=company, channel="phone", category="Genel", subject=name, owner=rep.id
        )
        crm.opportunities.open(
            actor=admin.id, company=company, title=name, owner=rep.id, next_step_due=NOW + timedelta(days=1)
        )
    clock.set(LATER)
    both = ({"M-01", "A-01"}, {"M-01", "A-01"})
    assert _day(crm, rep, rep) == ({"M-01"}, {"M-01"})  # A1: his team holds M-01 only
    assert _day(crm, admin, rep) == both  # the admin sees every company (A2), another shape
    assert _day(crm, rep, rep) == ({"M-01"}, {"M-01"})

    region = crm.territory.add_region(actor=admin.id, name="İç Anadolu")
    team = crm.territory.add_team(actor=admin.id, name="Ankara Ekibi", region=region.id)
    crm.territory.link_code(actor=admin.id, team=team.id, code="A-01")
    second = crm.territory.add_member(actor=admin.id, team=team.id, employee=rep.id)
    assert _day(crm, rep, rep) == both  # same shape, more codes

    clock.set(LATER + timedelta(minutes=1))
    crm.territory.end_membership(actor=admin.id, membership=second.id)
    assert _day(crm, rep, rep) == ({"M-01"}, {"M-01"})

    clock.set(LATER + timedelta(minutes=2))
    crm.territory.move_customer(actor=admin.id, company=a01, code="M-01")
    assert _day(crm, rep, rep) == both  # A-01's customer now counts as M-01 (T4, the dated history)

    crm.calendar = WorkingCalendar.weekly({6: [("00:00", "01:00")]}, timezone="Europe/Istanbul")
    assert _day(crm, rep, rep) == (set(), {"M-01", "A-01"})  # no working hour since Monday: not late
    crm.calendar = None
    assert _day(crm, rep, rep) == both
