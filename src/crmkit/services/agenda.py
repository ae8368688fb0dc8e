"""The shared agenda: appointments and reminders, ``crm.agenda`` (SPEC §5 I6, I7; §3 A4, A5, A6).

Every employee sees the agenda and may add to it, also for colleagues (A4);
only the creator of an appointment or a reminder changes or deletes it, also
one written for someone else (A4). A departed employee does nothing (A5);
dealer staff reach only appointments at companies under their firm (A6).
Each decision is :func:`crmkit.domain.access.decide` on an
:class:`~crmkit.domain.access.AgendaResource`; a refusal raises
:class:`~crmkit.domain.errors.PermissionDenied` with the reason, storing nothing.

Booking an appointment that overlaps another one of the same assignee is
allowed: the result carries a :class:`~crmkit.domain.interactions.DoubleBooking`
warning per clash (I6). Day, week and month views are calendar periods in
the CRM's time zone (:mod:`crmkit.domain.periods`), queried in the storage
with the actor's :func:`~crmkit.domain.access.reachable` predicate.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from crmkit.domain.access import Action, AgendaResource, decide, reachable
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.interactions import (
    APPOINTMENT_AGGREGATE,
    REMINDER_AGGREGATE,
    Appointment,
    AppointmentId,
    DoubleBooking,
    Reminder,
    ReminderId,
    double_bookings,
)
from crmkit.domain.periods import Period, require_aware
from crmkit.domain.predicates import describe
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, parse_enum
from crmkit.services.customers import Page, facts_of
from crmkit.services.guard import require_active_company
from crmkit.services.interactions import check_version, known_company, known_employee
from crmkit.services.policy import PolicyUseCases

__all__ = ["AgendaUseCases", "AgendaView", "Booking"]


class AgendaView(enum.StrEnum):
    """The calendar views of the agenda (I6)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    def period(self, day: date, timezone: str) -> Period:
        """The day, the Monday-to-Sunday week or the month containing ``day``, in ``timezone``."""
        if self is AgendaView.DAY:
            return Period.day(day, timezone)
        if self is AgendaView.WEEK:
            monday = day - timedelta(days=day.weekday())
            return Period(
                Period.day(monday, timezone).start, Period.day(monday + timedelta(7), timezone).start
            )
        return Period.month(day.year, day.month, timezone)


@attrs.frozen(kw_only=True)
class Booking:
    """A stored appointment and the double bookings it makes (I6: warnings, not errors).

    Attributes:
        appointment: the appointment as stored.
        warnings: one per overlapping appointment of the same assignee, by start.
    """

    appointment: Appointment
    warnings: tuple[DoubleBooking, ...] = ()


class AgendaUseCases(PolicyUseCases):
    """Appointments and reminders of the shared agenda (I6, I7, A4)."""

    def _appointment_resource(self, uow: UnitOfWork, item: Appointment, at: datetime) -> AgendaResource:
        company = facts_of(uow, uow.companies.get(item.company_id), at)
        return AgendaResource(created_by=item.created_by, kind="appointment", company=company)

    @staticmethod
    def _reminder_resource(item: Reminder) -> AgendaResource:
        return AgendaResource(created_by=item.created_by, kind="reminder")

    def _booked(self, uow: UnitOfWork, appointment: Appointment) -> Booking:
        clashes = uow.appointments.overlapping(
            appointment.assignee_id, appointment.starts_at, appointment.ends_at
        )
        return Booking(appointment=appointment, warnings=double_bookings(appointment, clashes))

    # -- appointments --------------------------------------------------------------------------
    def create_appointment(
        self,
        *,
        actor: ActorRef,
        company: object,
        starts_at: datetime,
        minutes: int,
        description: str,
        assignee: object | None = None,
    ) -> Booking:
        """Book ``assignee`` (default: the actor) at ``company`` (I6); double bookings come back as warnings.

        Raises:
            ValidationError: bad input, naming the field (``company``, ``assignee``,
                ``starts_at``, ``minutes``, ``description``); nothing is stored.
            PermissionDenied: with the policy's reason (A5, A6); nothing is stored.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            by = who.employee.id
            found = known_company(uow, "company", company)
            resource = AgendaResource(created_by=by, company=facts_of(uow, found, now))
            decide(who, Action.CREATE, resource, now).enforce()
            require_active_company(found)  # C13
            appointment = Appointment(
                id=AppointmentId(self._new_id()),
                company_id=found.id,
                starts_at=starts_at,
                minutes=minutes,
                description=description,
                created_by=by,
                assignee_id=by if assignee is None else known_employee(uow, "assignee", assignee, now),
                created_at=now,
            )
            booking = self._booked(uow, appointment)
            uow.appointments.add(appointment)
            return booking

    def appointment(self, *, actor: ActorRef, id: object) -> Appointment:
        """One appointment of the shared agenda (A4; dealer staff: under their firm, A6).

        Raises:
            NotFound: no such appointment.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            found = uow.appointments.get(AppointmentId(parse_id("id", id)))
            decide(who, Action.VIEW, self._appointment_resource(uow, found, now), now).enforce()
            return found

    def update_appointment(
        self,
        *,
        actor: ActorRef,
        id: object,
        version: int | None = None,
        company: object | None = None,
        starts_at: datetime | None = None,
        minutes: int | None = None,
        description: str | None = None,
        assignee: object | None = None,
    ) -> Booking:
        """Change an appointment; only its creator may (A4). ``None`` keeps a field.

        Raises:
            NotFound: no such appointment.
            PermissionDenied: with the policy's reason; nothing is written.
            ValidationError: bad input, naming the field; nothing is written.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.appointments.get(AppointmentId(parse_id("id", id)))
            decide(who, Action.UPDATE, self._appointment_resource(uow, current, now), now).enforce()
            check_version(APPOINTMENT_AGGREGATE, current.id, current.version, version)
            changes: dict[str, Any] = {
                k: v
                for k, v in {"starts_at": starts_at, "minutes": minutes, "description": description}.items()
                if v is not None
            }
            if company is not None:
                moved = known_company(uow, "company", company)
                target = AgendaResource(created_by=current.created_by, company=facts_of(uow, moved, now))
                decide(who, Action.UPDATE, target, now).enforce()
                changes["company_id"] = require_active_company(moved).id  # C13
            if assignee is not None:
                changes["assignee_id"] = known_employee(uow, "assignee", assignee, now)
            if not changes:
                return self._booked(uow, current)
            saved = uow.appointments.save(attrs.evolve(current, **changes))
            return self._booked(uow, saved)

    def delete_appointment(self, *, actor: ActorRef, id: object, version: int | None = None) -> None:
        """Delete an appointment; only its creator may (A4). The deletion is audited (C12).

        Raises:
            NotFound: no such appointment.
            PermissionDenied: with the policy's reason; nothing is removed.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.appointments.get(AppointmentId(parse_id("id", id)))
            decide(who, Action.DELETE, self._appointment_resource(uow, current, now), now).enforce()
            check_version(APPOINTMENT_AGGREGATE, current.id, current.version, version)
            uow.appointments.delete(current)

    def agenda(
        self,
        *,
        actor: ActorRef,
        day: date,
        view: str | AgendaView = AgendaView.DAY,
        assignee: object | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> Page[Appointment]:
        """The shared agenda (A4) for the day, week or month containing ``day``, by start then id.

        The period is computed in the CRM's time zone; an appointment is listed
        when it shares an instant with the period. ``assignee`` narrows it to one
        employee's appointments. Queried and counted in the storage.
        """
        chosen = parse_enum(AgendaView, "view", view)
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValidationError("day", f"{day!r} is not a calendar date")
        period = chosen.period(day, self._ctx.settings.timezone)
        with self._as_policy_actor(actor) as (uow, who):
            person = None if assignee is None else EmployeeId(parse_id("assignee", assignee))
            predicate = reachable(who, self._now())
            items = uow.appointments.between(
                predicate, period.start, period.end, assignee=person, limit=limit, offset=offset
            )
            total = uow.appointments.count_between(predicate, period.start, period.end, assignee=person)
            return Page(items=tuple(items), total=total, limit=limit, offset=offset, rule=describe(predicate))

    def my_appointments(
        self,
        *,
        actor: ActorRef,
        day: date,
        view: str | AgendaView = AgendaView.DAY,
        limit: int = 200,
        offset: int = 0,
    ) -> Page[Appointment]:
        """The "my appointments" view (I6): the actor's own, as :meth:`agenda` with him as the assignee."""
        return self.agenda(actor=actor, day=day, view=view, assignee=actor, limit=limit, offset=offset)

    # -- reminders -----------------------------------------------------------------------------
    def add_reminder(
        self, *, actor: ActorRef, due_at: datetime, text: str, assignee: object | None = None
    ) -> Reminder:
        """Write a reminder for oneself or for a colleague (I7, A4).

        Raises:
            ValidationError: bad input, naming the field (``due_at``, ``text``, ``assignee``).
            PermissionDenied: an unknown or departed actor (A5).
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            by = who.employee.id
            decide(who, Action.CREATE, AgendaResource(created_by=by, kind="reminder"), now).enforce()
            reminder = Reminder(
                id=ReminderId(self._new_id()),
                due_at=due_at,
                text=text,
                created_by=by,
                assignee_id=by if assignee is None else known_employee(uow, "assignee", assignee, now),
                created_at=now,
            )
            uow.reminders.add(reminder)
            return reminder

    def reminder(self, *, actor: ActorRef, id: object) -> Reminder:
        """One reminder of the shared agenda (A4).

        Raises:
            NotFound: no such reminder.
            PermissionDenied: an unknown or departed actor (A5).
        """
        with self._as_policy_actor(actor) as (uow, who):
            found = uow.reminders.get(ReminderId(parse_id("id", id)))
            decide(who, Action.VIEW, self._reminder_resource(found), self._now()).enforce()
            return found

    def update_reminder(
        self,
        *,
        actor: ActorRef,
        id: object,
        version: int | None = None,
        due_at: datetime | None = None,
        text: str | None = None,
        done: bool | None = None,
        assignee: object | None = None,
    ) -> Reminder:
        """Change a reminder; only its creator may (A4). ``None`` keeps a field.

        Raises:
            NotFound: no such reminder.
            PermissionDenied: with the policy's reason; nothing is written.
            ValidationError: bad input, naming the field.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.reminders.get(ReminderId(parse_id("id", id)))
            decide(who, Action.UPDATE, self._reminder_resource(current), now).enforce()
            check_version(REMINDER_AGGREGATE, current.id, current.version, version)
            changes: dict[str, Any] = {
                k: v for k, v in {"due_at": due_at, "text": text, "done": done}.items() if v is not None
            }
            if assignee is not None:
                changes["assignee_id"] = known_employee(uow, "assignee", assignee, now)
            if not changes:
                return current
            return uow.reminders.save(attrs.evolve(current, **changes))

    def delete_reminder(self, *, actor: ActorRef, id: object, version: int | None = None) -> None:
        """Delete a reminder; only its creator may (A4). The deletion is audited (C12).

        Raises:
            NotFound: no such reminder.
            PermissionDenied: with the policy's reason; nothing is removed.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.reminders.get(ReminderId(parse_id("id", id)))
            decide(who, Action.DELETE, self._reminder_resource(current), now).enforce()
            check_version(REMINDER_AGGREGATE, current.id, current.version, version)
            uow.reminders.delete(current)

    def due_reminders(
        self,
        *,
        actor: ActorRef,
        employee: object | None = None,
        at: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Reminder]:
        """The open reminders of ``employee`` (default: the actor) due at or before ``at`` (I7).

        By due time, then id; the agenda is shared, so anyone may look (A4).
        """
        when = self._now() if at is None else require_aware("at", at)
        with self._as_policy_actor(actor) as (uow, who):
            person = who.employee.id if employee is None else EmployeeId(parse_id("employee", employee))
            return uow.reminders.due(person, when, limit=limit, offset=offset)
