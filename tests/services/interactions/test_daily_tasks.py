"""The daily task list (I10) equals a brute-force reference for random data across DST days."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.errors import ValidationError
from crmkit.domain.interactions import Appointment, Interaction, Reminder
from crmkit.domain.settings import Settings
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds

BERLIN = ZoneInfo("Europe/Berlin")  # Istanbul has kept summer time all year since 2016
CAL = WorkingCalendar.weekly({d: [("09:00", "17:00")] for d in range(5)}, timezone="Europe/Berlin")
DAYS = [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 10, 25), date(2026, 10, 26)]


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=BERLIN)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=BERLIN)
    return start, end


@pytest.mark.parametrize("seed", range(3))
def test_the_daily_list_equals_the_reference(
    storage: Storage, clock: FixedClock, ids: SequentialIds, seed: int
) -> None:
    rng = random.Random(seed)
    crm = crmkit.connect(
        storage,
        sms=ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids),
        email=ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids),
        clock=clock,
        ids=ids,
        settings=Settings(timezone="Europe/Berlin"),
        load_entrypoints=False,
    )
    crm.calendar = CAL
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    rep = crm.parties.hire(actor=admin.id, name="Selin Aksoy", position="admin_manager")
    other = crm.parties.hire(actor=admin.id, name="Oya Tan", position="admin_manager")
    company = crm.parties.register_company(actor=admin.id, name="Kadıköy Eczanesi", type="customer")
    clock.set(datetime(2026, 3, 20, 8, 0, tzinfo=BERLIN))
    base = datetime(2026, 3, 26, 0, 0, tzinfo=BERLIN)
    appointments: list[Appointment] = []
    reminders: list[Reminder] = []
    for _ in range(25):
        for offset in (timedelta(0), timedelta(days=211)):  # late March and late October
            start = base + offset + timedelta(minutes=15 * rng.randint(0, 6 * 96))
            appointments.append(
                crm.agenda.create_appointment(
                    actor=rep.id,
                    company=company.id,
                    starts_at=start,
                    minutes=rng.randint(1, 600),
                    description="Ziyaret",
                    assignee=rng.choice([rep.id, other.id]),
                ).appointment
            )
            made = crm.agenda.add_reminder(
                actor=rep.id, due_at=start, text="Ara", assignee=rng.choice([rep.id, other.id])
            )
            if rng.random() < 0.3:
                made = crm.agenda.update_reminder(actor=rep.id, id=made.id, done=True)
            reminders.append(made)
    interactions: list[Interaction] = []
    moment = datetime(2026, 3, 25, 8, 0, tzinfo=BERLIN)
    for _ in range(40):
        moment += timedelta(minutes=rng.randint(1, 60 * 12))
        clock.set(moment)
        made_i = crm.interactions.create(
            actor=admin.id,
            company=company.id,
            channel="phone",
            category="Genel",
            subject="Konu",
            owner=rng.choice([rep.id, other.id]),
        )
        if rng.random() < 0.3:
            made_i = crm.interactions.update(actor=admin.id, id=made_i.id, first_response_at=moment)
        interactions.append(made_i)
    target = timedelta(hours=rng.choice([1, 8, 20]))
    seen = [0, 0, 0]
    for day in DAYS:
        got = crm.tasks.daily(actor=admin.id, employee=rep.id, day=day, response_target=target)
        start, end = _day_bounds(day)
        want_appointments = sorted(
            (a for a in appointments if a.assignee_id == rep.id and a.starts_at < end and a.ends_at > start),
            key=lambda a: (a.starts_at, a.id),
        )
        assert got.appointments == tuple(want_appointments)
        want_reminders = sorted(
            (r for r in reminders if r.assignee_id == rep.id and not r.done and r.due_at < end),
            key=lambda r: (r.due_at, r.id),
        )
        assert got.reminders == tuple(want_reminders)
        horizon = min(end, max(clock.now(), start))
        want_overdue = [
            i
            for i in interactions
            if i.owner_id == rep.id
            and i.first_response_at is None
            and i.created_at < horizon
            and CAL.working_time(i.created_at, horizon) >= target
        ]
        assert got.overdue == tuple(sorted(want_overdue, key=lambda i: (i.created_at, i.id)))
        seen = [seen[0] + len(got.appointments), seen[1] + len(got.reminders), seen[2] + len(got.overdue)]
    assert all(seen), seen  # the random data really exercises every part
    with pytest.raises(ValidationError) as caught:
        crm.tasks.daily(actor=admin.id, day=datetime(2026, 3, 29, tzinfo=BERLIN))
    assert caught.value.field == "day"
