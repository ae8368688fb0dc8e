"""The agenda, completed: e-mail reminders, reminders for colleagues, iCalendar export (SPEC §5 I6, I7).

:class:`Agenda` is ``crm.agenda``: everything of
:class:`~crmkit.services.agenda.AgendaUseCases` plus

* :meth:`Agenda.due_notifications` — the periodic job: for each appointment
  an e-mail to its assignee **the day before** and **on the day** (before it
  starts), for each open reminder an e-mail **the day before** it is due;
  days are local dates in the CRM's time zone. Every message carries an
  idempotency key naming the record, the notice and the local date it is
  for, so running the job twice — or in two processes at once — queues
  nothing twice: the outbox's unique key refuses the second copy (also
  across connections on PostgreSQL and MariaDB), and the job skips it. A
  rescheduled appointment gets notices for its new date. Reminders are
  informational messages: they need no consent (M3);
* :meth:`Agenda.add_reminders` — one reminder for each of several colleagues (I7);
* :meth:`Agenda.export_ical` — the shared agenda or one employee's
  appointments as an RFC 5545 calendar (``icalendar`` package), with stable
  UIDs (``<appointment id>@crmkit``) and the CRM's time zone as a
  ``VTIMEZONE``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import icalendar

from crmkit.domain.access import Action, AgendaResource, Decision, decide, reachable
from crmkit.domain.employees import Employee
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, ValidationError
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.interactions import Appointment, Reminder, ReminderId
from crmkit.domain.messaging import MessageKind
from crmkit.domain.periods import Period, require_aware
from crmkit.domain.predicates import Predicate
from crmkit.ports.storage import UnitOfWork
from crmkit.services.agenda import AgendaUseCases
from crmkit.services.base import ActorRef
from crmkit.services.interactions import known_employee
from crmkit.services.messaging import enqueue_email

__all__ = ["Agenda", "Notices", "may_run_notifications"]

_PAGE = 500
_TRIES = 8


def may_run_notifications(actor: Employee) -> Decision:
    """Only admins run the agenda's e-mail job (it reads every employee's agenda, A4)."""
    if actor.position.is_admin:
        return Decision.allow(f"{actor.name} is {actor.position.value}: admins run the agenda job")
    return Decision.deny(f"only admins run the agenda e-mail job; {actor.name} is {actor.position.value}")


@attrs.frozen(kw_only=True)
class Notices:
    """What one run of :meth:`Agenda.due_notifications` did.

    Attributes:
        queued: idempotency keys of the e-mails queued by this run.
        already_queued: notices due now that an earlier (or a parallel) run had queued.
        skipped: notices not sent, each with its reason (no e-mail address, departed employee).
    """

    queued: tuple[str, ...] = ()
    already_queued: int = 0
    skipped: tuple[str, ...] = ()


def _day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


class Agenda(AgendaUseCases):
    """The shared agenda (I6, I7, A4) with e-mail notices, reminders for colleagues and iCalendar export."""

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self._ctx.settings.timezone)

    def add_reminders(
        self, *, actor: ActorRef, due_at: datetime, text: str, assignees: Sequence[object]
    ) -> list[Reminder]:
        """One reminder for each colleague in ``assignees`` (I7), all or none, in their order.

        Raises:
            ValidationError: bad input naming the field (``assignees[i]`` for an unknown or
                departed employee, ``due_at``, ``text``); nothing is stored.
            PermissionDenied: an unknown or departed actor (A5).
        """
        if isinstance(assignees, str | bytes) or not assignees:
            raise ValidationError("assignees", "name at least one colleague")
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            decide(who, Action.CREATE, AgendaResource(created_by=by, kind="reminder"), now).enforce()
            people = [known_employee(uow, f"assignees[{i}]", a, now) for i, a in enumerate(assignees)]
            made = [
                Reminder(
                    id=ReminderId(self._new_id()),
                    due_at=due_at,
                    text=text,
                    created_by=by,
                    assignee_id=person,
                    created_at=now,
                )
                for person in dict.fromkeys(people)
            ]
            uow.reminders.add_many(made)
            return made

    # -- e-mail notices ------------------------------------------------------------------------
    def due_notifications(self, *, actor: ActorRef, now: datetime | None = None) -> Notices:
        """Queue the agenda e-mails due at ``now`` (default: the clock), each exactly once (I6, I7).

        Idempotent: a second run, or a run in another process at the same time, finds
        the keys taken and queues nothing again.

        Raises:
            PermissionDenied: the actor is not an admin, or may not act (A5).
            ValidationError: naming ``now`` when it is naive.
        """
        when = self._now() if now is None else require_aware("now", now)
        for attempt in range(_TRIES):
            try:
                return self._notify(actor, when)
            except ConcurrencyConflict:  # a lock victim: its whole run rolled back; run it again
                if attempt == _TRIES - 1:
                    raise
                time.sleep(min(0.5, 0.01 * 2**attempt))  # let the other run commit first
        raise AssertionError("unreachable")  # pragma: no cover

    def _notify(self, actor: ActorRef, when: datetime) -> Notices:
        zone = self._zone()
        today = _day(when, zone)
        window = Period.day(today, zone.key).start, Period.day(today + timedelta(days=2), zone.key).start
        queued: list[str] = []
        skipped: list[str] = []
        repeated = 0
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            who = self._actor(uow, actor)
            may_run_notifications(who.employee).enforce()
            notices = list(self._appointment_notices(uow, reachable(who, when), when, window, today, zone))
            notices += self._reminder_notices(uow, today, zone)
            people = uow.employees.get_many({n[1] for n in notices})
            for key, person_id, subject, body in notices:
                person = people.get(person_id)
                if person is None or not person.can_act(when) or person.email is None:
                    skipped.append(f"{key}: no active employee with an e-mail address")
                    continue
                if uow.outbox.by_key(key) is not None:
                    repeated += 1
                    continue
                try:
                    enqueue_email(
                        uow,
                        id=self._new_id(),
                        key=key,
                        to=person.email,
                        subject=subject,
                        body=body,
                        kind=MessageKind.INFORMATIONAL,
                        now=when,
                    )
                except Duplicate:  # a parallel run queued it first: its savepoint is gone, we go on
                    repeated += 1
                    continue
                queued.append(key)
        return Notices(queued=tuple(queued), already_queued=repeated, skipped=tuple(skipped))

    def _appointments(
        self,
        uow: UnitOfWork,
        predicate: Predicate,
        start: datetime,
        end: datetime,
        assignee: EmployeeId | None,
    ) -> Iterator[Appointment]:
        offset = 0
        while True:
            page = uow.appointments.between(
                predicate, start, end, assignee=assignee, limit=_PAGE, offset=offset
            )
            yield from page
            if len(page) < _PAGE:
                return
            offset += _PAGE

    def _appointment_notices(
        self,
        uow: UnitOfWork,
        predicate: Predicate,
        when: datetime,
        window: tuple[datetime, datetime],
        today: date,
        zone: ZoneInfo,
    ) -> Iterator[tuple[str, EmployeeId, str, str]]:
        for item in self._appointments(uow, predicate, window[0], window[1], None):
            day = _day(item.starts_at, zone)
            if item.starts_at < window[0] or item.starts_at <= when:
                continue
            notice = "day-before" if day == today + timedelta(days=1) else "on-the-day"
            local = item.starts_at.astimezone(zone)
            label = "Yarın" if notice == "day-before" else "Bugün"
            yield (
                f"agenda:appointment:{item.id}:{notice}:{day.isoformat()}",
                item.assignee_id,
                f"{label} {local:%H:%M} randevu: {item.description}",
                f"{local:%Y-%m-%d %H:%M} ({item.minutes} dk)\n{item.description}\n",
            )

    def _reminder_notices(
        self, uow: UnitOfWork, today: date, zone: ZoneInfo
    ) -> list[tuple[str, EmployeeId, str, str]]:
        tomorrow = Period.day(today + timedelta(days=1), zone.key)
        out: list[tuple[str, EmployeeId, str, str]] = []
        for item in uow.reminders.open_between(tomorrow.start, tomorrow.end):
            local = item.due_at.astimezone(zone)
            out.append(
                (
                    f"agenda:reminder:{item.id}:day-before:{local.date().isoformat()}",
                    item.assignee_id,
                    f"Yarın {local:%H:%M} hatırlatma: {item.text[:80]}",
                    f"{local:%Y-%m-%d %H:%M}\n{item.text}\n",
                )
            )
        return out

    # -- iCalendar -----------------------------------------------------------------------------
    def export_ical(
        self, *, actor: ActorRef, start: datetime, end: datetime, assignee: object | None = None
    ) -> bytes:
        """The appointments in ``[start, end)`` as an RFC 5545 calendar (I6), by start then id.

        The shared agenda, or ``assignee``'s appointments, as the actor may reach them (A4, A6).
        Each event's UID is ``<appointment id>@crmkit`` (stable across exports), its times are
        in the CRM's time zone, described by a ``VTIMEZONE``.

        Raises:
            ValidationError: naming ``start``/``end`` (naive, or end before start) or ``assignee``.
            PermissionDenied: the actor may not act (A5).
        """
        if require_aware("end", end) < require_aware("start", start):
            raise ValidationError("end", "must not be before start")
        zone = self._zone()
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//crmkit//agenda//TR")
        calendar.add("version", "2.0")
        calendar.add("x-wr-timezone", zone.key)
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            person = None if assignee is None else EmployeeId(parse_id("assignee", assignee))
            items = list(self._appointments(uow, reachable(who, self._now()), start, end, person))
            companies = uow.companies.get_many({i.company_id for i in items})
            for item in items:
                event = icalendar.Event()
                event.add("uid", f"{item.id}@crmkit")
                event.add("dtstamp", item.created_at)
                event.add("dtstart", item.starts_at.astimezone(zone))
                event.add("dtend", item.ends_at.astimezone(zone))
                company = companies.get(item.company_id)
                event.add("summary", item.description)
                if company is not None:
                    event.add("location", company.name)
                event.add("x-crmkit-assignee", str(item.assignee_id))
                event.add("sequence", item.version - 1)
                calendar.add_component(event)
        calendar.add_missing_timezones()
        data: bytes = calendar.to_ical()
        return data
