"""Contract: aware times read back with the offset they were written with (V1; issue 11 item 3).

Invoices keep their document's offset (:mod:`crmkit.testing.contracts.invoice_storage`); the
same holds for every other time a caller or the clock gives: appointments (start, booking
time), reminders (due, creation), consent decisions, outbox messages (created, due) and the
audit trail here, and every other record in
:mod:`~crmkit.testing.contracts.local_times_records`. Comparing instants is not enough —
a SQL back end that returns UTC keeps the instant and loses the local day — so each test
compares the instant, the UTC offset, the local date and the wall time, for times near
local midnight and across month ends
(:data:`~crmkit.testing.contracts.invoice_storage.LOCAL_TIMES`).

Needs a ``storage`` fixture (a migrated, empty storage); the audit test also needs the
``clock`` the storage was built with (a :class:`~crmkit.testing.clock.FixedClock`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from crmkit.domain.messaging import Channel, ConsentRecord, ConsentState
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.testing.clock import FixedClock
from crmkit.testing.contracts.interactions import appointment, reminder
from crmkit.testing.contracts.invoice_storage import LOCAL_TIMES
from crmkit.testing.contracts.local_times_records import RecordTimesContract
from crmkit.testing.contracts.messaging import outbox_sms
from crmkit.testing.contracts.support import read
from crmkit.testing.factories import make_company

__all__ = ["LocalTimesContract"]


def kept(value: datetime | None) -> tuple[datetime, timedelta | None, date, datetime] | None:
    """What must survive storage: the instant, the UTC offset, the local date and the wall time."""
    if value is None:
        return None
    return value.astimezone(UTC), value.utcoffset(), value.date(), value.replace(tzinfo=None)


def write(storage: Storage, change: Callable[[UnitOfWork], object]) -> None:
    """Run ``change`` in one unit of work and commit it."""
    with storage.unit_of_work() as uow:
        change(uow)
        uow.commit()


def evolve(value: Any, **changes: Any) -> Any:
    """``attrs.evolve`` (the contract edits records of several classes)."""
    return attrs.evolve(value, **changes)


class LocalTimesContract(RecordTimesContract):
    """Every aware time comes back at its own offset, on its own local day (V1).

    The tests of :class:`~crmkit.testing.contracts.local_times_records.RecordTimesContract`
    (every other record, revision 0023) are part of it.
    """

    def test_v1_i6_i7_appointments_and_reminders_keep_their_offsets(self, storage: Storage) -> None:
        """Appointment start and booking time, reminder due and creation time (I6, I7)."""
        company = make_company(name="Gece Eczanesi", type="customer")
        write(storage, lambda u: u.companies.add(company))
        booked = [appointment(company, t, created_at=t) for t in LOCAL_TIMES]
        due = [reminder(t, created_at=t) for t in LOCAL_TIMES]
        with storage.unit_of_work() as uow:
            for a in booked:
                uow.appointments.add(a)
            for r in due:
                uow.reminders.add(r)
            uow.commit()
        with storage.unit_of_work() as uow:
            for a in booked:
                back = uow.appointments.get(a.id)
                assert kept(back.starts_at) == kept(a.starts_at), (a.starts_at, back.starts_at)
                assert kept(back.created_at) == kept(a.created_at)
            for r in due:
                back_r = uow.reminders.get(r.id)
                assert kept(back_r.due_at) == kept(r.due_at), (r.due_at, back_r.due_at)
                assert kept(back_r.created_at) == kept(r.created_at)

    def test_v1_i6_a_changed_appointment_keeps_its_new_offset(self, storage: Storage) -> None:
        """A saved change writes the new time's offset, not the old one's (I6)."""
        company = make_company(name="Gece Eczanesi", type="customer")
        first, later = LOCAL_TIMES[1], LOCAL_TIMES[6]
        booked = appointment(company, first)
        with storage.unit_of_work() as uow:
            uow.companies.add(company)
            uow.appointments.add(booked)
            uow.commit()
        with storage.unit_of_work() as uow:
            current = uow.appointments.get(booked.id)
            uow.appointments.save(evolve(current, starts_at=later))
            uow.commit()
        back = read(storage, lambda u: u.appointments.get(booked.id))
        assert kept(back.starts_at) == kept(later)

    def test_v1_m3_consent_decisions_keep_their_offsets(self, storage: Storage) -> None:
        """A consent decision's time (M3): the proof keeps the local time it was given."""
        records = [
            ConsentRecord(
                id=uuid.uuid4(),
                channel=Channel.SMS,
                address=f"+90532000{n:04d}",
                state=ConsentState.GRANTED,
                at=t,
                source="web-form",
            )
            for n, t in enumerate(LOCAL_TIMES)
        ]
        with storage.unit_of_work() as uow:
            for r in records:
                uow.consents.add(r)
            uow.commit()
        with storage.unit_of_work() as uow:
            for r in records:
                [back] = uow.consents.history(r.channel, r.address)
                assert kept(back.at) == kept(r.at), (r.at, back.at)

    def test_v1_outbox_messages_keep_the_offsets_they_were_queued_with(self, storage: Storage) -> None:
        """An outbox message's creation and due time (§9)."""
        messages = [
            evolve(outbox_sms(n), created_at=t, due_at=t + timedelta(hours=1))
            for n, t in enumerate(LOCAL_TIMES)
        ]
        write(storage, lambda u: u.outbox.add_many(messages))
        with storage.unit_of_work() as uow:
            for m in messages:
                back = uow.outbox.get(m.id)
                assert kept(back.created_at) == kept(m.created_at), (m.created_at, back.created_at)
                assert kept(back.due_at) == kept(m.due_at)

    def test_v1_c12_the_audit_trail_keeps_the_offset_of_the_clock(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """Audit entries carry the clock's time at the clock's offset (C12)."""
        company = make_company(name="Gece Eczanesi", type="customer")
        write(storage, lambda u: u.companies.add(company))
        moments = sorted((t for t in LOCAL_TIMES if t > clock.now()), key=lambda t: t.astimezone(UTC))
        assert moments, "the contract needs local times after the clock's start"
        for n, moment in enumerate(moments, start=1):
            clock.set(moment)
            with storage.unit_of_work() as uow:
                current = uow.companies.get(company.id)
                uow.companies.save(evolve(current, name=f"Gece Eczanesi {n}"))
                uow.commit()
        trail = read(storage, lambda u: u.audit.for_record("company", str(company.id)))
        assert [kept(e.at) for e in trail[1:]] == [kept(t) for t in moments]
