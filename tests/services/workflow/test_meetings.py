"""Meeting notes (I5): participants, a new contact, the appointment booked, same-hour warnings, bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.meetings import SameHourNote
from crmkit.ports.storage import Storage
from crmkit.services.companies import ContactInput
from crmkit.services.meetings import NextAppointment
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

IST = ZoneInfo("Europe/Istanbul")
TEN = datetime(2026, 3, 2, 10, 0, tzinfo=IST)


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    admin = built.people["admin"]
    built.people["rep"] = built.crm.parties.hire(actor=admin.id, name="Selin Aksoy", position="admin_manager")
    built.companies["lead"] = built.crm.parties.register_company(
        actor=admin.id, name="Ege Market", type="customer", contact=ContactInput(name="Ali Veli")
    )
    return built


def test_a_note_with_a_new_contact_and_an_appointment_is_one_unit_of_work(office: Office) -> None:
    crm, rep, mate = office.crm, office.people["rep"], office.people["colleague"]
    made = crm.meetings.record(
        actor=rep.id,
        company=office.companies["lead"].id,
        held_at=TEN,
        outcome="appointment",
        participants=[rep.id, mate.id, rep.id],
        new_contact=ContactInput(name="Ayla Ak", email="ayla@example.com.tr"),
        text="Ürün sunumu yapıldı",
        next_appointment=NextAppointment(starts_at=TEN + timedelta(days=7), minutes=60, description="Teklif"),
    )
    assert made.note.participants == (rep.id, mate.id)
    assert made.appointment is not None and made.note.appointment_id == made.appointment.id
    assert crm.meetings.get(actor=rep.id, id=made.note.id) == made.note
    assert crm.agenda.appointment(actor=rep.id, id=made.appointment.id) == made.appointment
    names = [c.name for c in crm.parties.contacts(actor=rep.id, company=office.companies["lead"].id)]
    assert names == ["Ali Veli", "Ayla Ak"]


def test_a_second_note_in_the_same_hour_is_stored_with_a_warning(office: Office) -> None:
    crm, rep = office.crm, office.people["rep"]
    contact = crm.parties.contacts(actor=rep.id, company=office.companies["lead"].id)[0]
    first = crm.meetings.record(
        actor=rep.id, company=office.companies["lead"].id, held_at=TEN, outcome="informed", contact=contact.id
    )
    assert first.warnings == ()
    second = crm.meetings.record(
        actor=rep.id,
        company=office.companies["lead"].id,
        held_at=TEN + timedelta(minutes=40),
        outcome="order",
        contact=contact.id,
    )
    assert [(w.other_id, w.employee_id) for w in second.warnings if isinstance(w, SameHourNote)] == [
        (first.note.id, rep.id)
    ]
    later = crm.meetings.record(
        actor=rep.id,
        company=office.companies["lead"].id,
        held_at=TEN + timedelta(hours=2),
        outcome="informed",
        contact=contact.id,
    )
    assert later.warnings == ()


def test_follow_ups_reach_the_daily_task_list(office: Office) -> None:
    crm, rep, mate = office.crm, office.people["rep"], office.people["colleague"]
    contact = crm.parties.contacts(actor=rep.id, company=office.companies["lead"].id)[0]
    made = crm.meetings.record(
        actor=rep.id,
        company=office.companies["lead"].id,
        held_at=TEN,
        outcome="follow_up",
        follow_up_at=datetime(2026, 3, 5, 9, 0, tzinfo=IST),
        participants=[rep.id, mate.id],
        contact=contact.id,
    )
    assert crm.tasks.daily(actor=rep.id, day=date(2026, 3, 4)).follow_ups == ()
    assert crm.tasks.daily(actor=rep.id, day=date(2026, 3, 5)).follow_ups == (made.note,)
    assert crm.tasks.daily(actor=rep.id, employee=mate.id, day=date(2026, 3, 6)).follow_ups == (made.note,)


def test_bad_notes_store_nothing(office: Office) -> None:
    crm, rep = office.crm, office.people["rep"]
    lead, other = office.companies["lead"].id, office.companies["m01"].id
    stranger = crm.parties.add_contact(actor=office.people["admin"].id, company=other, name="Başka Biri")
    cases = [
        ({"contact": stranger.id, "outcome": "informed"}, "contact"),
        ({"outcome": "informed"}, "contact"),
        ({"new_contact": ContactInput(name="X"), "outcome": "maybe"}, "outcome"),
        ({"new_contact": ContactInput(name="X"), "outcome": "follow_up"}, "follow_up_at"),
        ({"new_contact": ContactInput(name="X"), "outcome": "appointment"}, "next_appointment"),
        (
            {
                "new_contact": ContactInput(name="X"),
                "outcome": "informed",
                "participants": [office.people["departed"].id],
            },
            "participants[0]",
        ),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as caught:
            crm.meetings.record(actor=rep.id, company=lead, held_at=TEN, **kw)  # type: ignore[arg-type]
        assert caught.value.field == field, kw
    with pytest.raises(PermissionDenied):
        crm.meetings.record(
            actor=office.people["employee"].id, company=lead, held_at=TEN, outcome="informed",
            new_contact=ContactInput(name="Y"),
        )  # fmt: skip
    assert [c.name for c in crm.parties.contacts(actor=rep.id, company=lead)] == ["Ali Veli"]
    with crm.storage.unit_of_work() as uow:
        assert (
            uow.meeting_notes.with_participants([rep.id], TEN - timedelta(days=1), TEN + timedelta(days=1))
            == []
        )
