"""Working calendars filled from the ``holidays`` package (S8).

The domain's :class:`~crmkit.domain.calendar.WorkingCalendar` takes public
holidays as plain dates; this adapter reads them, Turkey's by default
(religious holidays move every year, so they come from the package, never a
hard-coded list). Turkey's half-day eves (*arife*, "from 1pm") become one-off
closures from 13:00 local time to midnight.

>>> cal = working_calendar({d: [("09:00", "18:00")] for d in range(5)}, years=[2026])
>>> from datetime import date
>>> date(2026, 3, 20) in cal.holidays  # Ramazan Bayramı, moves every year
True
>>> [c.start.isoformat() for c in cal.closures][:1]
['2026-03-19T13:00:00+03:00']
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package

from crmkit.domain.calendar import WeeklyHours, WorkingCalendar
from crmkit.domain.periods import DEFAULT_TIMEZONE, Period

__all__ = ["public_holidays", "working_calendar"]

_HALF_DAY_FROM = time(13, 0)


def public_holidays(years: Iterable[int], country: str = "TR") -> tuple[frozenset[date], tuple[date, ...]]:
    """Whole-day public holidays and half-day eves of ``country`` in ``years``.

    Returns:
        ``(whole_days, half_days)``; half days are closed from 13:00 local time.
    """
    wanted = sorted(set(years))
    whole = holidays_package.country_holidays(country, years=wanted)
    half_days: tuple[date, ...] = ()
    supported = getattr(holidays_package.country_holidays(country), "supported_categories", ())
    if "half_day" in supported:
        half = holidays_package.country_holidays(country, years=wanted, categories=("half_day",))
        half_days = tuple(sorted(day for day in half if day not in whole))
    return frozenset(whole), half_days


def working_calendar(
    hours: WeeklyHours,
    *,
    years: Iterable[int],
    country: str = "TR",
    timezone: str = DEFAULT_TIMEZONE,
    closures: Iterable[Period] = (),
) -> WorkingCalendar:
    """A weekly-hours calendar with ``country``'s public holidays of ``years`` taken off.

    Args:
        hours: ``{weekday: [("09:00", "18:00"), ...]}`` as for
            :meth:`WorkingCalendar.weekly <crmkit.domain.calendar.WorkingCalendar.weekly>`.
        years: the years whose holidays to load (load every year the calendar
            will count over: a holiday of a year not loaded is a working day).
        country: ISO code for the ``holidays`` package; Turkey by default.
        timezone: the company's IANA time zone.
        closures: further one-off closures.
    """
    zone = ZoneInfo(timezone)
    whole, half_days = public_holidays(years, country)
    eves = [
        Period(
            datetime.combine(day, _HALF_DAY_FROM, tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time(), tzinfo=zone),
        )
        for day in half_days
    ]
    return WorkingCalendar.weekly(hours, timezone=timezone, holidays=whole, closures=[*eves, *closures])
