"""The daily task list: ``crm.tasks`` (SPEC §5 I10; §3 A4, A7).

For an employee and a day (a local date in the CRM's time zone), one call
assembles:

* the appointments where he is the assignee that share an instant with the day, by start (I6);
* his open reminders due by the end of that day, by due time (I7);
* his interactions still without a first response whose response target
  (working time of the CRM's calendar, by default 8 working hours) has passed
  by the end of the day or by now, whichever is earlier, oldest first (I3);
* the meeting notes he took part in whose follow-up date falls by the end of
  the day (I5);
* his open opportunities whose next step is due by the end of the day, by due time (I9).

The agenda is shared (A4), so anyone may look at a colleague's day; the
interactions are those at companies the *actor* may see (A7). Every part is
a query in the storage.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs

from crmkit.domain.access import reachable, visibility_predicate
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.interactions import Appointment, Interaction, Reminder
from crmkit.domain.meetings import MeetingNote
from crmkit.domain.opportunities import Opportunity
from crmkit.domain.periods import Period
from crmkit.domain.response_times import overdue_before
from crmkit.services.base import ActorRef
from crmkit.services.policy import PolicyUseCases
from crmkit.services.response_times import working_calendar

__all__ = ["DEFAULT_RESPONSE_TARGET", "DailyTasks", "TaskListUseCases"]

DEFAULT_RESPONSE_TARGET = timedelta(hours=8)
"""How much working time an interaction may wait for its first response (one office day)."""

_LIMIT = 200


@attrs.frozen(kw_only=True)
class DailyTasks:
    """One employee's day (I10).

    Attributes:
        employee: whose day it is.
        day: the local date.
        appointments: his appointments sharing an instant with the day, by start then id.
        reminders: his open reminders due by the end of the day, by due time then id.
        overdue: his unanswered interactions past their response target, oldest first.
        follow_ups: meeting notes he took part in whose follow-up falls by the day's end (I5).
        opportunities: his open opportunities whose next step is due by the day's end (I9), by due time.
    """

    employee: EmployeeId
    day: date
    appointments: tuple[Appointment, ...] = ()
    reminders: tuple[Reminder, ...] = ()
    overdue: tuple[Interaction, ...] = ()
    follow_ups: tuple[MeetingNote, ...] = ()
    opportunities: tuple[Opportunity, ...] = ()


class TaskListUseCases(PolicyUseCases):
    """The daily task list (I10)."""

    def daily(
        self,
        *,
        actor: ActorRef,
        day: date,
        employee: object | None = None,
        response_target: timedelta = DEFAULT_RESPONSE_TARGET,
    ) -> DailyTasks:
        """The day of ``employee`` (default: the actor), in one call (I10).

        Raises:
            ValidationError: naming ``day``, ``employee`` or ``response_target``.
            PermissionDenied: the actor may not act (A5).
        """
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValidationError("day", f"{day!r} is not a calendar date")
        if not isinstance(response_target, timedelta) or response_target < timedelta(0):
            raise ValidationError("response_target", "is a duration of working time, not negative")
        period = Period.day(day, self._ctx.settings.timezone)
        now = self._now()
        horizon = min(period.end, max(now, period.start))
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            person = who.employee.id if employee is None else EmployeeId(parse_id("employee", employee))
            appointments = uow.appointments.between(
                reachable(who, now), period.start, period.end, assignee=person, limit=_LIMIT
            )
            reminders = uow.reminders.due(person, period.end - timedelta(microseconds=1), limit=_LIMIT)
            cutoff = overdue_before(working_calendar(self._ctx), horizon, response_target)
            overdue = uow.interactions.unanswered(
                visibility_predicate(who, now), person, cutoff, limit=_LIMIT
            )
            follow_ups = uow.meeting_notes.follow_ups(person, period.end)
            opportunities = uow.opportunities.due(
                visibility_predicate(who, now), person, period.end, limit=_LIMIT
            )
        return DailyTasks(
            employee=person,
            day=day,
            appointments=tuple(appointments),
            reminders=tuple(reminders),
            overdue=tuple(overdue),
            follow_ups=tuple(follow_ups),
            opportunities=tuple(opportunities),
        )
