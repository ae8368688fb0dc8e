"""Service levels in working time, with pauses (SPEC §6 S8): values only.

A :class:`ServiceLevel` sets first-response and resolution targets in
*working* time; a contract may set its own, else the case's priority picks one
of :data:`DEFAULT_LEVELS`. :func:`measure` counts a target against a
:class:`~crmkit.domain.calendar.WorkingCalendar`: the due instant, the working
time used and left, and whether it was breached — exact to the microsecond,
so to the minute. Pauses (a case waiting on the customer) remove only the
working time they cover.

>>> from datetime import UTC, datetime
>>> from crmkit.domain.calendar import WorkingCalendar
>>> cal = WorkingCalendar.weekly({d: [("09:00", "18:00")] for d in range(5)}, timezone="UTC")
>>> opened = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # a Friday
>>> status = measure(cal, opened, timedelta(hours=2), now=datetime(2026, 3, 9, 9, 30, tzinfo=UTC))
>>> status.due.isoformat(), status.time_left, status.breached
('2026-03-09T10:00:00+00:00', datetime.timedelta(seconds=1800), False)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.cases import Priority
from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import Period, require_aware

__all__ = ["DEFAULT_LEVELS", "ServiceLevel", "SlaStatus", "measure"]


def _positive(_: object, attribute: attrs.Attribute[timedelta], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta():
        raise ValidationError(attribute.name, "a target is a positive working time")


@attrs.frozen
class ServiceLevel:
    """First-response and resolution targets, in working time (S8).

    Raises:
        ValidationError: naming ``first_response`` or ``resolution`` when not positive.
    """

    first_response: timedelta = attrs.field(validator=_positive)
    resolution: timedelta = attrs.field(validator=_positive)


DEFAULT_LEVELS: dict[Priority, ServiceLevel] = {
    Priority.URGENT: ServiceLevel(timedelta(hours=1), timedelta(hours=4)),
    Priority.HIGH: ServiceLevel(timedelta(hours=2), timedelta(hours=8)),
    Priority.NORMAL: ServiceLevel(timedelta(hours=4), timedelta(hours=16)),
    Priority.LOW: ServiceLevel(timedelta(hours=8), timedelta(hours=40)),
}
"""Targets by priority when the contract sets none (working hours)."""


@attrs.frozen
class SlaStatus:
    """Where a case stands against one target (S8).

    Attributes:
        target: the working time allowed.
        due: when the target runs out (UTC), counting pauses up to the measuring
            instant; while a pause runs it moves with it.
        used: working time used so far (until done, or until now), pauses excluded.
        time_left: ``target - used``: zero or negative once breached.
        breached: done (or still open at ``now``) after ``due`` — also when the working time ran
            out exactly at ``due`` and only non-working time has passed since.
        done_at: when the target was met (first response, resolution), or ``None``.
        paused: a pause is running at the measuring instant.
    """

    target: timedelta
    due: datetime
    used: timedelta
    time_left: timedelta
    breached: bool
    done_at: datetime | None
    paused: bool


def measure(
    calendar: WorkingCalendar,
    start: datetime,
    target: timedelta,
    *,
    now: datetime,
    done_at: datetime | None = None,
    pauses: Sequence[Period] = (),
    paused: bool = False,
) -> SlaStatus:
    """Measure ``target`` from ``start`` on ``calendar`` at ``now`` (S8).

    Args:
        calendar: the working calendar.
        start: when the clock started (the case was opened).
        target: working time allowed.
        now: the measuring instant.
        done_at: when the target was met; the clock stops there.
        pauses: periods the clock stood still (see :func:`crmkit.domain.cases.pauses`).
        paused: whether a pause is running at ``now``.

    Raises:
        ValidationError: naming ``now`` or ``done_at`` when before ``start``.
    """
    require_aware("start", start)
    if require_aware("now", now) < start:
        raise ValidationError("now", "must not be before the clock started")
    end = now
    if done_at is not None:
        if require_aware("done_at", done_at) < start:
            raise ValidationError("done_at", "must not be before the clock started")
        end = min(done_at, now) if done_at <= now else now
    used = calendar.working_time(start, end, pauses)
    due = calendar.add_working_time(start, target, pauses)
    return SlaStatus(
        target=target,
        due=due,
        used=used,
        time_left=target - used,
        breached=used > target or end > due,
        done_at=done_at if done_at is not None and done_at <= now else None,
        paused=paused and done_at is None,
    )
