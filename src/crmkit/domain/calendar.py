"""Working calendars: weekly hours, public holidays, closures and pauses (I3, S8).

A :class:`WorkingCalendar` says which instants are working time: the weekly
hours (several intervals a day allowed, given in the company's local wall
time), minus public holidays (whole local dates, passed in as values: the
domain does not know where they come from), minus one-off closures (half-open
:class:`~crmkit.domain.periods.Period` values, e.g. a half-day holiday from
13:00). Service levels count only working time, and a *pause* (a case waiting
on the customer) removes only the working time it covers: a pause at night
moves no deadline.

Wall time is read the way a clock on the office wall reads it: an instant is
working time when its local time on its local date lies in that weekday's
hours. Across a DST change a 02:00-03:00 interval is therefore empty on the
spring day and two hours long on the autumn day, and the minute-by-minute
reference in the tests agrees.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> cal = WorkingCalendar.weekly(
...     {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)},
...     timezone="Europe/Istanbul",
... )
>>> ist = ZoneInfo("Europe/Istanbul")
>>> friday_4pm = datetime(2026, 3, 6, 16, 0, tzinfo=ist)
>>> cal.add_working_time(friday_4pm, timedelta(hours=4)).astimezone(ist).isoformat()
'2026-03-09T11:00:00+03:00'
>>> cal.working_time(friday_4pm, datetime(2026, 3, 9, 11, 0, tzinfo=ist))
datetime.timedelta(seconds=14400)

Public API (stable; other modules build on it): :class:`WorkingCalendar`
with :meth:`~WorkingCalendar.weekly`, :meth:`~WorkingCalendar.working_periods`,
:meth:`~WorkingCalendar.working_time`, :meth:`~WorkingCalendar.add_working_time`,
:meth:`~WorkingCalendar.subtract_working_time` and :meth:`~WorkingCalendar.is_working`;
:data:`WEEKDAYS`; :func:`parse_clock`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import DEFAULT_TIMEZONE, Period, require_aware

__all__ = ["WEEKDAYS", "Clock", "WeeklyHours", "WorkingCalendar", "parse_clock"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Weekday names in ``date.weekday()`` order; ``hours.<name>`` names the field in errors."""

_DAY_MINUTES = 24 * 60
_PROBE = timedelta(hours=6)
_SECOND = timedelta(seconds=1)
_WINDOW = timedelta(days=31)
_LAST_YEAR = 9990
_FIRST_YEAR = 1900

Clock = str | time
"""A clock time: ``"HH:MM"`` (``"24:00"`` allowed as an end) or a ``datetime.time``."""

WeeklyHours = Mapping[int, Iterable[tuple[Clock, Clock]]] | Mapping[str, Iterable[tuple[Clock, Clock]]]
"""``{weekday: [(start, end), ...]}``: weekday ``0`` (Monday) to ``6`` or a name of :data:`WEEKDAYS`."""

Interval = tuple[int, int]
"""Minutes from local midnight, half-open: ``(540, 1080)`` is 09:00-18:00."""


def parse_clock(field: str, value: Clock) -> int:
    """Minutes from midnight of ``"HH:MM"`` (``"24:00"`` allowed) or a ``time``.

    Raises:
        ValidationError: naming ``field`` when the value is not a clock time.
    """
    if isinstance(value, time):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise ValidationError(field, "working hours are whole minutes of local wall time")
        return value.hour * 60 + value.minute
    if isinstance(value, str):
        hours, sep, minutes = value.partition(":")
        if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
            total = int(hours) * 60 + int(minutes)
            if int(minutes) < 60 and total <= _DAY_MINUTES:
                return total
    raise ValidationError(field, f"{value!r} is not a clock time HH:MM between 00:00 and 24:00")


def _check_day(field: str, intervals: object) -> tuple[Interval, ...]:
    if not isinstance(intervals, tuple):
        raise ValidationError(field, "must be a tuple of (start, end) minute pairs")
    previous_end = -1
    for item in intervals:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise ValidationError(field, f"{item!r} is not a (start, end) pair")
        start, end = item
        if not (isinstance(start, int) and isinstance(end, int)):
            raise ValidationError(field, f"{item!r} is not a pair of minutes")
        if not 0 <= start < end <= _DAY_MINUTES:
            raise ValidationError(field, "an interval must end after it starts, within the day")
        if start < previous_end:
            raise ValidationError(field, "working hours overlap")
        previous_end = end
    return intervals


def _check_hours(instance: WorkingCalendar, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, tuple) and len(value) == 7):
        raise ValidationError("hours", "seven weekdays of intervals, Monday first")
    for name, day in zip(WEEKDAYS, value, strict=True):
        _check_day(f"hours.{name}", day)
    if not any(value):
        raise ValidationError("hours", "a working calendar needs at least one working interval")


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except Exception:
        raise ValidationError("timezone", f"unknown time zone {value!r}") from None


def _check_timezone(instance: WorkingCalendar, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError("timezone", "must be an IANA time zone name")
    _zone(value)


def _check_holidays(instance: WorkingCalendar, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, frozenset) or any(
        type(day) is not date
        for day in value  # a datetime is a date too
    ):
        raise ValidationError("holidays", "must be a set of dates")


def _check_closures(instance: WorkingCalendar, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or any(not isinstance(p, Period) for p in value):
        raise ValidationError("closures", "must be a tuple of periods")


def _merge(periods: Iterable[Period]) -> tuple[list[datetime], list[datetime]]:
    """Sorted, coalesced starts and ends (UTC) of the union of ``periods``."""
    spans = sorted((p.start.astimezone(UTC), p.end.astimezone(UTC)) for p in periods)
    starts: list[datetime] = []
    ends: list[datetime] = []
    for start, end in spans:
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


@attrs.frozen
class WorkingCalendar:
    """Which instants are working time, in one company time zone.

    Attributes:
        hours: seven tuples (Monday first) of half-open ``(start, end)`` minutes
            from local midnight, sorted and not overlapping; ``1440`` is midnight
            at the end of the day.
        timezone: IANA name of the zone the hours and holidays are read in.
        holidays: local dates with no working time at all.
        closures: one-off closed periods (an afternoon, a stocktaking day).
    """

    hours: tuple[tuple[Interval, ...], ...] = attrs.field(validator=_check_hours)
    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, validator=_check_timezone)
    holidays: frozenset[date] = attrs.field(default=frozenset(), validator=_check_holidays)
    closures: tuple[Period, ...] = attrs.field(default=(), validator=_check_closures)

    @classmethod
    def weekly(
        cls,
        hours: WeeklyHours,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        holidays: Iterable[date] = (),
        closures: Iterable[Period] = (),
    ) -> WorkingCalendar:
        """Build a calendar from ``{weekday: [("09:00", "18:00"), ...]}``.

        Args:
            hours: weekday (``0`` = Monday, or a name from :data:`WEEKDAYS`) to its
                intervals of local wall time; missing weekdays are days off.
            timezone: the company's IANA time zone.
            holidays: local dates off (e.g. Turkey's public holidays, built outside
                the domain from the ``holidays`` package).
            closures: one-off closed periods.

        Raises:
            ValidationError: ``hours.<weekday>`` when intervals overlap or end
                before they start, ``hours`` when the week has no working time.
        """
        days: list[list[Interval]] = [[] for _ in WEEKDAYS]
        for key, intervals in hours.items():
            if isinstance(key, str) and key.lower() in WEEKDAYS:
                index = WEEKDAYS.index(key.lower())
            elif isinstance(key, int) and 0 <= key < 7:
                index = key
            else:
                raise ValidationError("hours", f"{key!r} is not a weekday")
            field = f"hours.{WEEKDAYS[index]}"
            for start, end in intervals:
                days[index].append((parse_clock(field, start), parse_clock(field, end)))
        return cls(
            hours=tuple(tuple(sorted(day)) for day in days),
            timezone=timezone,
            holidays=frozenset(holidays),
            closures=tuple(closures),
        )

    def working_periods(
        self, start: datetime, end: datetime, pauses: Sequence[Period] = ()
    ) -> Iterator[Period]:
        """The working time in ``[start, end)``, minus ``pauses``, as ordered UTC periods."""
        begin = require_aware("start", start).astimezone(UTC)
        finish = require_aware("end", end).astimezone(UTC)
        starts, ends = _merge((*self.closures, *pauses))
        for piece_start, piece_end in self._open_spans(begin, finish):
            yield from _subtract(piece_start, piece_end, starts, ends)

    def working_time(self, start: datetime, end: datetime, pauses: Sequence[Period] = ()) -> timedelta:
        """Working time between two instants, not counting the working time ``pauses`` cover.

        Raises:
            ValidationError: naming ``end`` when it is before ``start``.
        """
        if require_aware("end", end) < require_aware("start", start):
            raise ValidationError("end", "must not be before start")
        return sum((p.duration for p in self.working_periods(start, end, pauses)), timedelta())

    def add_working_time(
        self, start: datetime, duration: timedelta, pauses: Sequence[Period] = ()
    ) -> datetime:
        """The earliest instant by which ``duration`` of working time has passed since ``start``.

        Working time inside ``pauses`` does not count. A duration ending exactly
        at the close of a working interval gives that close, not the next
        opening. The result is in UTC: Python never finds a local time in the
        repeated autumn hour (``fold=1``) equal to an instant of another zone,
        so a UTC result compares safely; show it with ``.astimezone(zone)``.

        Raises:
            ValidationError: ``duration`` when negative or not reachable before year 9990.
        """
        cursor = require_aware("start", start).astimezone(UTC)
        if not isinstance(duration, timedelta) or duration < timedelta():
            raise ValidationError("duration", "must be a non-negative timedelta")
        remaining = duration
        if not remaining:
            return cursor
        starts, ends = _merge((*self.closures, *pauses))
        while cursor.year < _LAST_YEAR:
            inside = bisect.bisect_right(starts, cursor) - 1
            if inside >= 0 and cursor < ends[inside]:  # jump over a long closure or pause
                cursor = ends[inside]
            window_end = cursor + _WINDOW
            for span_start, span_end in self._open_spans(cursor, window_end):
                for piece in _subtract(span_start, span_end, starts, ends):
                    if remaining <= piece.duration:
                        return piece.start + remaining
                    remaining -= piece.duration
            cursor = window_end
        raise ValidationError("duration", "is not reached by the calendar's working time")

    def subtract_working_time(self, end: datetime, duration: timedelta) -> datetime:
        """The latest instant from which ``duration`` of working time passes until ``end`` (UTC).

        The mirror of :meth:`add_working_time`: "no activity for 8 working hours"
        means idle since before ``subtract_working_time(now, 8 hours)``.

        Raises:
            ValidationError: ``duration`` when negative or not reachable after year 1900.
        """
        cursor = require_aware("end", end).astimezone(UTC)
        if not isinstance(duration, timedelta) or duration < timedelta():
            raise ValidationError("duration", "must be a non-negative timedelta")
        remaining = duration
        if not remaining:
            return cursor
        while cursor.year > _FIRST_YEAR:
            window_start = cursor - _WINDOW
            for piece in reversed(list(self.working_periods(window_start, cursor))):
                if remaining <= piece.duration:
                    return piece.end - remaining
                remaining -= piece.duration
            cursor = window_start
        raise ValidationError("duration", "is not reached by the calendar's working time")

    def is_working(self, moment: datetime) -> bool:
        """True when ``moment`` is working time (not in a holiday or closure)."""
        at = require_aware("moment", moment).astimezone(UTC)
        return any(True for _ in self.working_periods(at, at + timedelta(microseconds=1)))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return _zone(self.timezone)

    def _open_spans(self, begin: datetime, finish: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Weekly hours minus holidays in ``[begin, finish)`` (UTC), ignoring closures."""
        for seg_start, seg_end, offset in self._offset_segments(begin, finish):
            local_start = (seg_start + offset).replace(tzinfo=None)
            local_end = (seg_end + offset).replace(tzinfo=None)
            day = local_start.date()
            while day <= local_end.date():
                if day not in self.holidays:
                    midnight = datetime.combine(day, time())
                    for first, last in self.hours[day.weekday()]:
                        lo = max(midnight + timedelta(minutes=first), local_start)
                        hi = min(midnight + timedelta(minutes=last), local_end)
                        if lo < hi:
                            yield (lo - offset).replace(tzinfo=UTC), (hi - offset).replace(tzinfo=UTC)
                day += timedelta(days=1)

    def _offset_segments(
        self, begin: datetime, finish: datetime
    ) -> Iterator[tuple[datetime, datetime, timedelta]]:
        """Split ``[begin, finish)`` where the zone's UTC offset changes."""
        zone = self.zone
        cursor = begin
        while cursor < finish:
            offset = _offset(cursor, zone)
            probe = cursor
            seg_end = finish
            while probe < finish:
                nxt = min(probe + _PROBE, finish)
                if _offset(nxt, zone) != offset:
                    lo, hi = probe, nxt
                    while hi - lo > _SECOND:
                        mid = lo + (hi - lo) // 2
                        lo, hi = (mid, hi) if _offset(mid, zone) == offset else (lo, mid)
                    seg_end = hi - timedelta(microseconds=hi.microsecond)
                    break
                probe = nxt
            yield cursor, seg_end, offset
            cursor = seg_end


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset


def _subtract(
    start: datetime, end: datetime, starts: list[datetime], ends: list[datetime]
) -> Iterator[Period]:
    """``[start, end)`` minus the merged excluded spans ``starts``/``ends``."""
    index = bisect.bisect_right(ends, start)
    cursor = start
    while index < len(starts) and starts[index] < end:
        if cursor < starts[index]:
            yield Period(cursor, starts[index])
        cursor = max(cursor, ends[index])
        index += 1
    if cursor < end:
        yield Period(cursor, end)
