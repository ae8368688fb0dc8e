"""``crm.interactions`` and ``crm.agenda`` on every back end: bad input, double bookings, calendar views,
due reminders, campaigns, concurrency and the audit trail (I1, I3, I6, I7, M2, A3, C12)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crmkit.domain.errors import ConcurrencyConflict, PermissionDenied, ValidationError
from crmkit.domain.marketing import Campaign, CampaignId, Segment, SegmentFilter, SegmentId
from crmkit.domain.messaging import Channel
from tests.services.interactions.conftest import NOW, Office

SLOT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def stored(office: Office) -> tuple[int, int, int, int]:
    """How many interactions, appointments, reminders and audit rows the storage holds."""
    with office.crm.storage.unit_of_work() as uow:
        audit = len(uow.audit.by_actor(str(office.people["employee"].id), limit=10_000))
        return uow.interactions.count(), uow.appointments.count(), uow.reminders.count(), audit


def campaign_in(office: Office) -> CampaignId:
    segment = Segment(
        id=SegmentId(uuid.uuid4()),
        name="Hepsi",
        filter=SegmentFilter(),
        created_by=office.people["admin"].id,
        created_at=NOW,
    )
    campaign = Campaign(
        id=CampaignId(uuid.uuid4()),
        name="Bahar kampanyası",
        channel=Channel.SMS,
        body="Bahar indirimi",
        segment_id=segment.id,
        created_by=office.people["admin"].id,
        created_at=NOW,
    )
    with office.crm.storage.unit_of_work() as uow:
        uow.marketing.add_segment(segment)
        uow.marketing.add_campaign(campaign, [])
        uow.commit()
    return campaign.id


BAD_INTERACTIONS: list[tuple[str, dict[str, Any]]] = [
    ("company", {"company": uuid.UUID(int=404)}),
    ("company", {"company": "not-an-id"}),
    ("channel", {"channel": "fax"}),
    ("subject", {"subject": "   "}),
    ("category", {"category": ""}),
    ("category", {"category": "x" * 201}),
    ("subject", {"subject": "y" * 501}),
    ("campaign", {"campaign": uuid.UUID(int=405)}),
    ("owner", {"owner": uuid.UUID(int=406)}),
    ("owner_team", {"owner_team": uuid.UUID(int=407)}),
    ("first_response_at", {"first_response_at": NOW - timedelta(minutes=1)}),
    ("resolved_at", {"resolved_at": datetime(2026, 3, 3, 10, 0)}),
    ("resolved_at", {"first_response_at": NOW + timedelta(hours=2), "resolved_at": NOW + timedelta(hours=1)}),
]


@pytest.mark.parametrize(("field", "change"), BAD_INTERACTIONS, ids=[f for f, _ in BAD_INTERACTIONS])
def test_i1_i3_m2_bad_interaction_input_names_the_field_and_stores_nothing(
    office: Office, field: str, change: dict[str, Any]
) -> None:
    people, companies = office.people, office.companies
    before = stored(office)
    fields: dict[str, Any] = {
        "actor": people["employee"].id,
        "company": companies["m01"].id,
        "channel": "phone",
        "category": "Sipariş",
        "subject": "Fiyat sordu",
    }
    with pytest.raises(ValidationError) as raised:
        office.crm.interactions.create(**(fields | change))
    assert raised.value.field == field
    assert stored(office) == before


def test_i1_the_contact_must_belong_to_the_company_and_the_owner_must_be_active(office: Office) -> None:
    crm, people, companies = office.crm, office.people, office.companies
    other = crm.parties.add_contact(actor=people["admin"].id, company=companies["a01"].id, name="Hakan Koç")
    before = stored(office)
    with pytest.raises(ValidationError) as raised:
        crm.interactions.create(
            actor=people["employee"].id,
            company=companies["m01"].id,
            channel="phone",
            category="Sipariş",
            subject="Fiyat sordu",
            contact=other.id,
        )
    assert raised.value.field == "contact"
    with pytest.raises(ValidationError) as raised:
        crm.interactions.create(
            actor=people["admin"].id,
            company=companies["m01"].id,
            channel="phone",
            category="Sipariş",
            subject="Fiyat sordu",
            owner=people["departed"].id,
        )
    assert raised.value.field == "owner" and "(A5)" in str(raised.value)
    assert stored(office) == before


BAD_APPOINTMENTS: list[tuple[str, dict[str, Any]]] = [
    ("minutes", {"minutes": 0}),
    ("minutes", {"minutes": 24 * 60 + 1}),
    ("minutes", {"minutes": "60"}),
    ("starts_at", {"starts_at": datetime(2026, 3, 3, 10, 0)}),
    ("description", {"description": " "}),
    ("assignee", {"assignee": uuid.UUID(int=408)}),
    ("company", {"company": uuid.UUID(int=409)}),
]


@pytest.mark.parametrize(("field", "change"), BAD_APPOINTMENTS, ids=[f for f, _ in BAD_APPOINTMENTS])
def test_i6_bad_appointment_input_names_the_field_and_stores_nothing(
    office: Office, field: str, change: dict[str, Any]
) -> None:
    before = stored(office)
    fields: dict[str, Any] = {
        "actor": office.people["employee"].id,
        "company": office.companies["m01"].id,
        "starts_at": SLOT,
        "minutes": 60,
        "description": "Ziyaret",
    }
    with pytest.raises(ValidationError) as raised:
        office.crm.agenda.create_appointment(**(fields | change))
    assert raised.value.field == field
    assert stored(office) == before


def test_i7_bad_reminder_input_names_the_field_and_stores_nothing(office: Office) -> None:
    crm, people = office.crm, office.people
    before = stored(office)
    attempts: list[tuple[str, Callable[[], object]]] = [
        (
            "due_at",
            lambda: crm.agenda.add_reminder(
                actor=people["employee"].id, due_at=datetime(2026, 3, 3), text="Ara"
            ),
        ),
        ("text", lambda: crm.agenda.add_reminder(actor=people["employee"].id, due_at=SLOT, text="")),
        ("text", lambda: crm.agenda.add_reminder(actor=people["employee"].id, due_at=SLOT, text="z" * 1001)),
        (
            "assignee",
            lambda: crm.agenda.add_reminder(
                actor=people["employee"].id, due_at=SLOT, text="Ara", assignee=people["departed"].id
            ),
        ),
        ("view", lambda: crm.agenda.agenda(actor=people["employee"].id, day=date(2026, 3, 3), view="year")),
        ("day", lambda: crm.agenda.agenda(actor=people["employee"].id, day=SLOT)),
    ]
    for field, attempt in attempts:
        with pytest.raises(ValidationError) as raised:
            attempt()
        assert raised.value.field == field
    assert stored(office) == before


def test_i6_a_double_booking_is_a_warning_and_the_appointment_is_stored(office: Office) -> None:
    crm, people, companies = office.crm, office.people, office.companies
    zeynep, admin = people["employee"], people["admin"]
    first = crm.agenda.create_appointment(
        actor=zeynep.id, company=companies["m01"].id, starts_at=SLOT, minutes=60, description="Ziyaret"
    )
    assert first.warnings == ()
    back_to_back = crm.agenda.create_appointment(
        actor=zeynep.id,
        company=companies["m01"].id,
        starts_at=SLOT + timedelta(hours=1),
        minutes=30,
        description="Sonraki",
    )
    assert back_to_back.warnings == ()  # half-open: 11:00 is free again
    someone_else = crm.agenda.create_appointment(
        actor=admin.id, company=companies["a01"].id, starts_at=SLOT, minutes=60, description="Toplantı"
    )
    assert someone_else.warnings == ()  # another assignee
    clash = crm.agenda.create_appointment(
        actor=admin.id,
        company=companies["a01"].id,
        starts_at=SLOT + timedelta(minutes=30),
        minutes=60,
        description="Çankaya ziyareti",
        assignee=zeynep.id,
    )
    assert [w.other_id for w in clash.warnings] == [first.appointment.id, back_to_back.appointment.id]
    assert all("(I6)" in w.message for w in clash.warnings)
    assert crm.agenda.appointment(actor=zeynep.id, id=clash.appointment.id) == clash.appointment
    moved = crm.agenda.update_appointment(
        actor=admin.id, id=someone_else.appointment.id, assignee=zeynep.id, version=1
    )
    assert [w.other_id for w in moved.warnings] == [first.appointment.id, clash.appointment.id]
    assert moved.appointment.version == 2


def test_i6_day_week_and_month_views_are_calendar_periods_in_the_company_time_zone(office: Office) -> None:
    crm, people, companies = office.crm, office.people, office.companies
    zeynep = people["employee"]

    def book(start: datetime, who: Any = None) -> uuid.UUID:
        return crm.agenda.create_appointment(
            actor=zeynep.id,
            company=companies["m01"].id,
            starts_at=start,
            minutes=30,
            description="Ziyaret",
            assignee=who,
        ).appointment.id

    # 22:30 UTC on Monday 2 March is 01:30 on Tuesday 3 March in İstanbul (UTC+3)
    late = book(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    monday = book(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    sunday = book(datetime(2026, 3, 8, 20, 0, tzinfo=UTC))  # 23:00 Sunday in İstanbul
    next_week = book(datetime(2026, 3, 8, 21, 0, tzinfo=UTC))  # 00:00 Monday 9 March in İstanbul
    april = book(datetime(2026, 3, 31, 21, 30, tzinfo=UTC))  # 00:30 on 1 April in İstanbul
    colleague = book(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), people["colleague"].id)

    def ids(view: str, day: date, mine: bool = False) -> list[uuid.UUID]:
        if mine:
            page = crm.agenda.my_appointments(actor=zeynep.id, day=day, view=view)
        else:
            page = crm.agenda.agenda(actor=zeynep.id, day=day, view=view)
        assert page.total == len(page.items)
        return [a.id for a in page.items]

    assert ids("day", date(2026, 3, 2)) == [monday]
    assert ids("day", date(2026, 3, 3)) == [late, colleague]
    assert ids("day", date(2026, 3, 3), mine=True) == [late]
    assert ids("week", date(2026, 3, 5)) == [monday, late, colleague, sunday]
    assert ids("week", date(2026, 3, 9)) == [next_week]
    assert ids("month", date(2026, 3, 17), mine=True) == [monday, late, sunday, next_week]
    assert ids("month", date(2026, 4, 1)) == [april]
    page = crm.agenda.agenda(actor=zeynep.id, day=date(2026, 3, 5), view="week", limit=2, offset=1)
    assert [a.id for a in page.items] == [late, colleague] and page.total == 4


def test_i7_due_reminders_for_oneself_and_for_a_colleague(office: Office) -> None:
    crm, people = office.crm, office.people
    zeynep, can = people["employee"], people["colleague"]
    own = crm.agenda.add_reminder(actor=zeynep.id, due_at=NOW - timedelta(hours=1), text="Teklifi gönder")
    for_can = crm.agenda.add_reminder(actor=zeynep.id, due_at=NOW, text="Numuneyi kargola", assignee=can.id)
    later = crm.agenda.add_reminder(actor=zeynep.id, due_at=NOW + timedelta(days=1), text="Tahsilat")
    assert crm.agenda.due_reminders(actor=zeynep.id) == [own]
    assert crm.agenda.due_reminders(actor=zeynep.id, employee=can.id) == [for_can]
    assert crm.agenda.due_reminders(actor=can.id, at=NOW + timedelta(days=2)) == [for_can]
    assert crm.agenda.due_reminders(actor=zeynep.id, at=NOW + timedelta(days=1)) == [own, later]
    crm.agenda.update_reminder(actor=zeynep.id, id=own.id, done=True)
    assert crm.agenda.due_reminders(actor=zeynep.id, at=NOW + timedelta(days=1)) == [later]
    with pytest.raises(PermissionDenied, match=r"\(A4\)"):
        crm.agenda.update_reminder(actor=can.id, id=for_can.id, done=True)  # written for him, not by him


def test_m2_an_interaction_cites_a_campaign_and_the_campaign_lists_them_under_the_policy(
    office: Office,
) -> None:
    crm, people, companies = office.crm, office.people, office.companies
    campaign = campaign_in(office)
    cited = [
        crm.interactions.create(
            actor=people["admin"].id,
            company=companies[name].id,
            channel="web_form",
            category="Kampanya",
            subject="Bahar indirimine yanıt",
            campaign=campaign,
        )
        for name in ("m01", "a01")
    ]
    crm.interactions.create(
        actor=people["admin"].id,
        company=companies["m01"].id,
        channel="phone",
        category="Genel",
        subject="Yok",
    )
    assert cited[0].campaign_id == campaign
    admin_view = crm.interactions.for_campaign(actor=people["admin"].id, campaign=campaign)
    assert {i.id for i in admin_view.items} == {i.id for i in cited} and admin_view.total == 2
    zeynep_view = crm.interactions.for_campaign(actor=people["employee"].id, campaign=campaign)
    assert [i.id for i in zeynep_view.items] == [cited[0].id]  # Çankaya Kimya is out of her sight (A1)


def test_a3_an_employee_cannot_hand_his_interaction_to_someone_else(office: Office) -> None:
    crm, people, companies = office.crm, office.people, office.companies
    zeynep = people["employee"]
    mine = crm.interactions.create(
        actor=zeynep.id, company=companies["m01"].id, channel="phone", category="Genel", subject="Arama"
    )
    with pytest.raises(PermissionDenied, match=r"\(A3\)"):
        crm.interactions.update(actor=zeynep.id, id=mine.id, owner=people["colleague"].id)
    handed = crm.interactions.update(actor=people["manager"].id, id=mine.id, owner=people["colleague"].id)
    assert handed.owner_id == people["colleague"].id
    assert crm.interactions.mine(actor=zeynep.id).total == 0
    assert crm.interactions.for_company(actor=zeynep.id, company=companies["m01"].id).items == (handed,)
    with pytest.raises(PermissionDenied, match=r"\(A1\)"):
        crm.interactions.for_company(actor=zeynep.id, company=companies["a01"].id)


def test_c12_interaction_writes_are_audited_and_a_stale_version_writes_nothing(office: Office) -> None:
    crm, people, companies = office.crm, office.people, office.companies
    zeynep = people["employee"]
    made = crm.interactions.create(
        actor=zeynep.id, company=companies["m01"].id, channel="email", category="Destek", subject="Arıza"
    )
    answered = crm.interactions.update(
        actor=zeynep.id, id=made.id, version=1, first_response_at=NOW + timedelta(hours=1)
    )
    with pytest.raises(ConcurrencyConflict):
        crm.interactions.update(actor=zeynep.id, id=made.id, version=1, resolved_at=NOW + timedelta(hours=2))
    with pytest.raises(ValidationError) as raised:
        crm.interactions.update(actor=zeynep.id, id=made.id, resolved_at=NOW + timedelta(minutes=30))
    assert raised.value.field == "resolved_at"  # before the first response (I3)
    assert crm.interactions.get(actor=zeynep.id, id=made.id) == answered
    with pytest.raises(ConcurrencyConflict):
        crm.interactions.delete(actor=zeynep.id, id=made.id, version=1)
    crm.interactions.delete(actor=zeynep.id, id=made.id, version=2)
    with crm.storage.unit_of_work() as uow:
        trail = uow.audit.for_record("interaction", str(made.id))
        assert uow.interactions.count() == 0
    assert [(e.action, e.version, e.actor_id) for e in trail] == [
        ("create", 1, str(zeynep.id)),
        ("update", 2, str(zeynep.id)),
        ("delete", 2, str(zeynep.id)),
    ]
    assert [c.field for c in trail[1].changes] == ["first_response_at", "response_seconds"]  # I3 stamp
