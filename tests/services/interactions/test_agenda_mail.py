"""The agenda completed (I6, I7): e-mail notices exactly once, reminders for colleagues, iCalendar export."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.interactions import Appointment
from crmkit.domain.messaging import MessageKind, OutboxMessage
from crmkit.ports.storage import Storage
from crmkit.services.agenda_mail import Notices
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

IST = ZoneInfo("Europe/Istanbul")
MONDAY_1PM = datetime(2026, 3, 2, 13, 0, tzinfo=IST)  # the office clock starts at 12:00


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    admin = built.people["admin"]
    built.people["rep"] = built.crm.parties.hire(
        actor=admin.id, name="Selin Aksoy", position="admin_manager", email="selin@example.com.tr"
    )
    built.people["mate"] = built.crm.parties.hire(
        actor=admin.id, name="Oya Tan", position="employee", email="oya@example.com.tr"
    )
    clock.set(MONDAY_1PM)
    return built


def outbox(office: Office) -> list[OutboxMessage]:
    with office.crm.storage.unit_of_work() as uow:
        return uow.outbox.list(limit=10_000)


def book(office: Office, start: datetime, minutes: int = 60, description: str = "Sözleşme") -> Appointment:
    return office.crm.agenda.create_appointment(
        actor=office.people["rep"].id,
        company=office.companies["m01"].id,
        starts_at=start,
        minutes=minutes,
        description=description,
    ).appointment


def run(office: Office, at: datetime) -> Notices:
    return office.crm.agenda.due_notifications(actor=office.people["admin"].id, now=at)


def test_an_appointment_is_mailed_the_day_before_and_on_the_day_once_each(office: Office) -> None:
    visit = book(office, datetime(2026, 3, 3, 10, 0, tzinfo=IST))
    first = run(office, MONDAY_1PM)
    assert first.queued == (f"agenda:appointment:{visit.id}:day-before:2026-03-03",)
    assert run(office, MONDAY_1PM + timedelta(hours=3)) == Notices(already_queued=1)
    on_the_day = run(office, datetime(2026, 3, 3, 7, 0, tzinfo=IST))
    assert on_the_day.queued == (f"agenda:appointment:{visit.id}:on-the-day:2026-03-03",)
    assert run(office, datetime(2026, 3, 3, 10, 30, tzinfo=IST)) == Notices()  # it has started
    sent = outbox(office)
    assert [(m.recipient, m.kind) for m in sent] == [("selin@example.com.tr", MessageKind.INFORMATIONAL)] * 2
    assert sent[0].subject == "Yarın 10:00 randevu: Sözleşme"
    assert sent[1].subject == "Bugün 10:00 randevu: Sözleşme"


def test_nothing_is_mailed_two_days_ahead_and_a_rescheduled_visit_is_mailed_for_its_new_day(
    office: Office,
) -> None:
    visit = book(office, datetime(2026, 3, 4, 9, 0, tzinfo=IST))
    assert run(office, MONDAY_1PM) == Notices()
    office.crm.agenda.update_appointment(
        actor=office.people["rep"].id,
        id=visit.id,
        starts_at=datetime(2026, 3, 3, 9, 0, tzinfo=IST),
    )
    assert len(run(office, MONDAY_1PM).queued) == 1


def test_local_days_decide_across_midnight_utc(office: Office) -> None:
    # 00:30 Wednesday in Istanbul is 21:30 Tuesday UTC: on Tuesday it is "tomorrow", not "today"
    book(office, datetime(2026, 3, 4, 0, 30, tzinfo=IST))
    [key] = run(office, datetime(2026, 3, 3, 23, 0, tzinfo=IST)).queued
    assert key.endswith(":day-before:2026-03-04")


def test_reminders_are_mailed_the_day_before_to_each_colleague_and_done_ones_are_not(office: Office) -> None:
    rep, mate, zeynep = office.people["rep"], office.people["mate"], office.people["employee"]
    made = office.crm.agenda.add_reminders(
        actor=rep.id,
        due_at=datetime(2026, 3, 3, 15, 0, tzinfo=IST),
        text="Fiyat listesini gönder",
        assignees=[rep.id, mate.id, zeynep.id, mate.id],
    )
    assert [r.assignee_id for r in made] == [rep.id, mate.id, zeynep.id]
    office.crm.agenda.update_reminder(actor=rep.id, id=made[0].id, done=True)
    result = run(office, MONDAY_1PM)
    assert result.queued == (f"agenda:reminder:{made[1].id}:day-before:2026-03-03",)
    assert len(result.skipped) == 1 and str(made[2].id) in result.skipped[0]  # Zeynep has no e-mail
    assert [m.recipient for m in outbox(office)] == ["oya@example.com.tr"]


def test_reminders_for_a_departed_colleague_store_nothing(office: Office) -> None:
    rep = office.people["rep"]
    with pytest.raises(ValidationError) as caught:
        office.crm.agenda.add_reminders(
            actor=rep.id,
            due_at=MONDAY_1PM,
            text="x",
            assignees=[office.people["mate"].id, office.people["departed"].id],
        )
    assert caught.value.field == "assignees[1]"
    with pytest.raises(ValidationError) as caught:
        office.crm.agenda.add_reminder(
            actor=rep.id, due_at=MONDAY_1PM, text="x", assignee=office.people["departed"].id
        )
    assert caught.value.field == "assignee"
    assert (
        office.crm.agenda.due_reminders(actor=rep.id, employee=office.people["mate"].id, at=MONDAY_1PM) == []
    )


def test_an_appointment_ending_before_it_starts_is_refused(office: Office) -> None:
    with pytest.raises(ValidationError) as caught:
        book(office, MONDAY_1PM + timedelta(days=1), minutes=-30)
    assert caught.value.field == "minutes"


def test_only_admins_run_the_job(office: Office) -> None:
    with pytest.raises(PermissionDenied, match="only admins run the agenda e-mail job"):
        office.crm.agenda.due_notifications(actor=office.people["mate"].id, now=MONDAY_1PM)


def test_two_runs_at_once_queue_each_notice_once(office: Office) -> None:
    for hour in range(20):
        book(office, datetime(2026, 3, 3, 0, 0, tzinfo=IST) + timedelta(minutes=50 * hour), minutes=30)
    results: list[Notices] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def job() -> None:
        start.wait()
        try:
            results.append(run(office, MONDAY_1PM))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(len(r.queued) for r in results) == 20
    assert sum(r.already_queued for r in results) == 20
    keys = [m.key for m in outbox(office)]
    assert len(keys) == len(set(keys)) == 20


def test_the_ical_export_parses_back_with_stable_uids_and_the_time_zone(office: Office) -> None:
    rep, mate = office.people["rep"], office.people["mate"]
    visits = [
        book(office, datetime(2026, 3, 29, 2, 30, tzinfo=IST), description="DST günü ziyaret"),
        book(
            office, datetime(2026, 3, 3, 10, 0, tzinfo=IST), minutes=90, description='Teklif; sunum, "demo"'
        ),
    ]
    other = office.crm.agenda.create_appointment(
        actor=rep.id,
        company=office.companies["a01"].id,
        starts_at=datetime(2026, 3, 5, 14, 0, tzinfo=IST),
        minutes=45,
        description="Oya'nın ziyareti",
        assignee=mate.id,
    ).appointment
    span = {"start": datetime(2026, 3, 1, tzinfo=IST), "end": datetime(2026, 4, 1, tzinfo=IST)}
    data = office.crm.agenda.export_ical(actor=rep.id, **span)
    parsed = icalendar.Calendar.from_ical(data)
    events = parsed.walk("VEVENT")
    expected = sorted([*visits, other], key=lambda a: (a.starts_at, a.id))
    assert [str(e["UID"]) for e in events] == [f"{a.id}@crmkit" for a in expected]
    for event, appointment in zip(events, expected, strict=True):
        start = event.decoded("DTSTART")
        assert start == appointment.starts_at and start.tzinfo is not None
        assert str(start.tzinfo) == "Europe/Istanbul"
        assert event.decoded("DTEND") == appointment.ends_at
        assert str(event["SUMMARY"]) == appointment.description
    assert [str(e["LOCATION"]) for e in events] == ["Kadıköy Eczanesi", "Çankaya Kimya", "Kadıköy Eczanesi"]
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Istanbul"]
    again = office.crm.agenda.export_ical(actor=rep.id, **span)
    assert [str(e["UID"]) for e in icalendar.Calendar.from_ical(again).walk("VEVENT")] == [
        str(e["UID"]) for e in events
    ]
    mine = icalendar.Calendar.from_ical(office.crm.agenda.export_ical(actor=rep.id, assignee=mate.id, **span))
    assert [str(e["UID"]) for e in mine.walk("VEVENT")] == [f"{other.id}@crmkit"]
    with pytest.raises(ValidationError) as caught:
        office.crm.agenda.export_ical(actor=rep.id, start=span["end"], end=span["start"])
    assert caught.value.field == "end"
