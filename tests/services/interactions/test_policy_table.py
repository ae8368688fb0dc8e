"""The access policy through ``crm.interactions`` and ``crm.agenda``, as allow/deny tables, on every back end.

Each row: the acting position, how the record relates to him, the expected
answers for view / create / update / delete (``Y`` allowed, ``N`` denied) and
the rule a denial must cite in its reason. Interactions follow A1–A3, A5, A6
(the switch is on); the agenda follows A4 (shared; only the creator changes),
A5 and A6. A denied write stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from crmkit.domain.errors import PermissionDenied
from crmkit.domain.interactions import Interaction
from tests.services.interactions.conftest import Office

ACTIONS = ("view", "create", "update", "delete")

# actor, company, owner (self / other), view-create-update-delete, rule of the denials
INTERACTIONS = """
admin          m01 other YYYY -
admin          a01 other YYYY -
admin          sub self  YYYY -
admin_manager  a01 other YYYY -
admin_manager  m01 self  YYYY -
manager        m01 other YYYY -
manager        m01 self  YYYY -
manager        a01 self  NNNN A1
manager        a01 other NNNN A1
employee       m01 self  YYYY -
employee       m01 other YNNN A3
employee       sub other YNNN A3
employee       a01 self  NNNN A1
employee       a01 other NNNN A1
dealer_staff   sub self  YYYY -
dealer_staff   sub other YNNN A3
dealer_staff   dealer other YNNN A3
dealer_staff   m01 self  NNNN A6
dealer_staff   a01 other NNNN A6
departed       m01 other NNNN A5
departed       sub other NNNN A5
"""
INTERACTION_ROWS = [tuple(line.split()) for line in INTERACTIONS.strip().splitlines()]


def outcome(call: Callable[[], object]) -> tuple[str, str]:
    """``("Y", "")`` when ``call`` succeeds, ``("N", reason)`` when the policy refuses it."""
    try:
        call()
    except PermissionDenied as denied:
        return "N", denied.reason
    return "Y", ""


def test_a1_a2_a3_a5_a6_interaction_decision_table(office: Office) -> None:
    wrong: list[str] = []
    for row in INTERACTION_ROWS:
        wrong += interaction_row(office, *row)
    assert not wrong, "\n".join(wrong)


def interaction_row(
    office: Office, who: str, company: str, relation: str, expected: str, rule: str
) -> list[str]:
    """Run one row of :data:`INTERACTIONS`; the mismatches in words."""
    crm, people, companies = office.crm, office.people, office.companies
    admin = people["admin"]
    wrong: list[str] = []
    actor = people[who]
    owner = actor if relation == "self" else people["colleague"]
    if who == "departed":
        owner = people["colleague"]

    def make() -> Interaction:
        return crm.interactions.create(
            actor=admin.id,
            company=companies[company].id,
            channel="phone",
            category="Sipariş",
            subject="Fiyat sordu",
            owner=owner.id if owner.can_act(office.clock.now()) else None,
        )

    target = make()
    before = crm.interactions.visible(actor=admin.id).total
    steps: dict[str, Callable[[], object]] = {
        "view": lambda: crm.interactions.get(actor=actor.id, id=target.id),
        "create": lambda: crm.interactions.create(
            actor=actor.id,
            company=companies[company].id,
            channel="face_to_face",
            category="Ziyaret",
            subject="Tanışma",
            owner=owner.id,
        ),
        "update": lambda: crm.interactions.update(actor=actor.id, id=target.id, subject="Teklif verildi"),
        "delete": lambda: crm.interactions.delete(actor=actor.id, id=target.id),
    }
    got = ""
    for action in ACTIONS:
        answer, reason = outcome(steps[action])
        got += answer
        if answer == "N" and f"({rule})" not in reason:
            wrong.append(f"{who} {company} {relation} {action}: reason {reason!r} does not cite {rule}")
    if got != expected:
        wrong.append(f"{who} {company} {relation}: got {got}, expected {expected}")
    after = crm.interactions.visible(actor=admin.id).total
    # allowed creates add one, an allowed delete removes the target; a refusal stores nothing
    assert after == before + (expected[1] == "Y") - (expected[3] == "Y"), (who, company, relation)
    if expected[2] == "N" and expected[3] == "N":
        assert crm.interactions.get(actor=admin.id, id=target.id) == target  # untouched
    return wrong


# actor, company of the appointment, creator (self / other), view-create-update-delete, rule of the denials
AGENDA = """
admin          a01 other YYNN A4
admin          m01 self  YYYY -
admin_manager  a01 other YYNN A4
manager        a01 other YYNN A4
manager        a01 self  YYYY -
employee       a01 other YYNN A4
employee       a01 self  YYYY -
employee       m01 other YYNN A4
dealer_staff   sub self  YYYY -
dealer_staff   sub other YYNN A4
dealer_staff   m01 other NNNN A6
dealer_staff   a01 other NNNN A6
departed       m01 other NNNN A5
"""
AGENDA_ROWS = [tuple(line.split()) for line in AGENDA.strip().splitlines()]
SLOT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_a4_a5_a6_appointment_decision_table(office: Office) -> None:
    wrong: list[str] = []
    for row in AGENDA_ROWS:
        wrong += appointment_row(office, *row)
    assert not wrong, "\n".join(wrong)


def appointment_row(
    office: Office, who: str, company: str, relation: str, expected: str, rule: str
) -> list[str]:
    """Run one row of :data:`AGENDA`; the mismatches in words."""
    crm, people, companies = office.crm, office.people, office.companies
    wrong: list[str] = []
    actor = people[who]
    creator = actor if relation == "self" else people["colleague"]
    booked = crm.agenda.create_appointment(
        actor=creator.id,
        company=companies[company].id,
        starts_at=SLOT,
        minutes=45,
        description="Yıllık görüşme",
        assignee=people["colleague"].id,
    ).appointment
    steps: dict[str, Callable[[], object]] = {
        "view": lambda: crm.agenda.appointment(actor=actor.id, id=booked.id),
        "create": lambda: crm.agenda.create_appointment(
            actor=actor.id,
            company=companies[company].id,
            starts_at=SLOT,
            minutes=30,
            description="Ek görüşme",
        ),
        "update": lambda: crm.agenda.update_appointment(actor=actor.id, id=booked.id, minutes=60),
        "delete": lambda: crm.agenda.delete_appointment(actor=actor.id, id=booked.id),
    }
    got = ""
    for action in ACTIONS:
        answer, reason = outcome(steps[action])
        got += answer
        if answer == "N" and f"({rule})" not in reason:
            wrong.append(f"{who} {company} {relation} {action}: reason {reason!r} does not cite {rule}")
    if got != expected:
        wrong.append(f"{who} {company} {relation}: got {got}, expected {expected}")
    if expected[2:] == "NN" and got == expected:
        assert crm.agenda.appointment(actor=people["admin"].id, id=booked.id) == booked  # untouched
    return wrong


# actor, creator (self / other), view-create-update-delete, rule of the denials
REMINDERS = """
admin          other YYNN A4
admin          self  YYYY -
manager        other YYNN A4
employee       other YYNN A4
employee       self  YYYY -
dealer_staff   self  YYYY -
departed       other NNNN A5
"""
REMINDER_ROWS = [tuple(line.split()) for line in REMINDERS.strip().splitlines()]


def test_a4_a5_reminder_decision_table(office: Office) -> None:
    wrong: list[str] = []
    for row in REMINDER_ROWS:
        wrong += reminder_row(office, *row)
    assert not wrong, "\n".join(wrong)


def reminder_row(office: Office, who: str, relation: str, expected: str, rule: str) -> list[str]:
    """Run one row of :data:`REMINDERS`; the mismatches in words."""
    crm, people = office.crm, office.people
    wrong: list[str] = []
    actor = people[who]
    creator = actor if relation == "self" else people["colleague"]
    written = crm.agenda.add_reminder(
        actor=creator.id, due_at=SLOT, text="Teklifi gönder", assignee=people["colleague"].id
    )
    steps: dict[str, Callable[[], object]] = {
        "view": lambda: crm.agenda.reminder(actor=actor.id, id=written.id),
        "create": lambda: crm.agenda.add_reminder(actor=actor.id, due_at=SLOT, text="Ara"),
        "update": lambda: crm.agenda.update_reminder(actor=actor.id, id=written.id, done=True),
        "delete": lambda: crm.agenda.delete_reminder(actor=actor.id, id=written.id),
    }
    got = ""
    for action in ACTIONS:
        answer, reason = outcome(steps[action])
        got += answer
        if answer == "N" and f"({rule})" not in reason:
            wrong.append(f"{who} {relation} {action}: reason {reason!r} does not cite {rule}")
    if got != expected:
        wrong.append(f"{who} {relation}: got {got}, expected {expected}")
    if expected[2:] == "NN" and got == expected:
        assert crm.agenda.reminder(actor=people["admin"].id, id=written.id) == written
    return wrong


def test_a4_the_agenda_is_shared_but_dealer_staff_see_only_their_firms_appointments(office: Office) -> None:
    crm, people, companies = office.crm, office.people, office.companies
    admin = people["admin"]
    at_a01 = crm.agenda.create_appointment(
        actor=admin.id, company=companies["a01"].id, starts_at=SLOT, minutes=60, description="Çankaya"
    ).appointment
    at_sub = crm.agenda.create_appointment(
        actor=admin.id,
        company=companies["sub"].id,
        starts_at=SLOT,
        minutes=60,
        description="Üsküdar",
        assignee=people["dealer_staff"].id,
    ).appointment
    day = date(2026, 3, 3)
    # A1 does not hide the agenda: Zeynep cannot see Çankaya Kimya, but sees its appointment (A4)
    assert [a.id for a in crm.agenda.agenda(actor=people["employee"].id, day=day).items] == sorted(
        [at_a01.id, at_sub.id]
    )
    # dealer staff reach only appointments at companies under their firm (A6)
    assert crm.agenda.agenda(actor=people["dealer_staff"].id, day=day).items == (at_sub,)
    assert crm.agenda.my_appointments(actor=people["dealer_staff"].id, day=day).items == (at_sub,)
    with pytest.raises(PermissionDenied, match=r"\(A5\)"):
        crm.agenda.agenda(actor=people["departed"].id, day=day)
