"""Calendar periods in a company's time zone (Q4).

A :class:`Period` is a half-open interval ``[start, end)`` of aware
datetimes. Months, quarters and years are computed in the given time zone
(default ``Europe/Istanbul``); splitting a year yields periods with no gaps
and no overlaps.

>>> p = Period.month(2026, 3)
>>> p.start.isoformat(), p.end.isoformat()
('2026-03-01T00:00:00+03:00', '2026-04-01T00:00:00+03:00')
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from crmkit.domain.errors import ValidationError

__all__ = ["DEFAULT_TIMEZONE", "Granularity", "Period", "require_aware"]

DEFAULT_TIMEZONE = "Europe/Istanbul"
"""The time zone periods use when none is given."""


def require_aware(field: str, value: datetime) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime.

    Raises:
        ValidationError: naming ``field`` when ``value`` is naive or not a datetime.
    """
    if not isinstance(value, datetime):
        raise ValidationError(field, f"{value!r} is not a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "datetime must be timezone-aware")
    return value


class Granularity(enum.Enum):
    """How long a calendar period is."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def _tz(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except Exception:
        raise ValidationError("timezone", f"unknown time zone {timezone!r}") from None


@attrs.frozen
class Period:
    """A half-open interval ``[start, end)`` of aware datetimes."""

    start: datetime
    end: datetime

    def __attrs_post_init__(self) -> None:
        require_aware("start", self.start)
        require_aware("end", self.end)
        if not self.start < self.end:
            raise ValidationError("end", "a period must end after it starts")

    @classmethod
    def month(cls, year: int, month: int, timezone: str = DEFAULT_TIMEZONE) -> Period:
        """The calendar month ``year``-``month`` in ``timezone``."""
        if not 1 <= month <= 12:
            raise ValidationError("month", f"{month} is not between 1 and 12")
        tz = _tz(timezone)
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        return cls(datetime(year, month, 1, tzinfo=tz), datetime(*nxt, 1, tzinfo=tz))

    @classmethod
    def quarter(cls, year: int, quarter: int, timezone: str = DEFAULT_TIMEZONE) -> Period:
        """Quarter 1–4 of ``year`` in ``timezone``."""
        if not 1 <= quarter <= 4:
            raise ValidationError("quarter", f"{quarter} is not between 1 and 4")
        first = cls.month(year, 3 * quarter - 2, timezone)
        last = cls.month(year, 3 * quarter, timezone)
        return cls(first.start, last.end)

    @classmethod
    def year(cls, year: int, timezone: str = DEFAULT_TIMEZONE) -> Period:
        """The calendar year in ``timezone``."""
        return cls(cls.month(year, 1, timezone).start, cls.month(year, 12, timezone).end)

    @classmethod
    def day(cls, day: date, timezone: str = DEFAULT_TIMEZONE) -> Period:
        """One calendar day in ``timezone`` (23 or 25 hours long across a DST change)."""
        tz = _tz(timezone)
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        nxt = day + timedelta(days=1)
        return cls(start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz))

    @classmethod
    def containing(
        cls, moment: datetime, granularity: Granularity, timezone: str = DEFAULT_TIMEZONE
    ) -> Period:
        """The month, quarter or year (in ``timezone``) that contains ``moment``."""
        local = require_aware("moment", moment).astimezone(_tz(timezone))
        if granularity is Granularity.MONTH:
            return cls.month(local.year, local.month, timezone)
        if granularity is Granularity.QUARTER:
            return cls.quarter(local.year, (local.month - 1) // 3 + 1, timezone)
        return cls.year(local.year, timezone)

    def split(self, granularity: Granularity, timezone: str = DEFAULT_TIMEZONE) -> Iterator[Period]:
        """Cover this period with calendar periods, clipped to its bounds; no gaps, no overlaps."""
        cursor = self.start
        while cursor < self.end:
            whole = Period.containing(cursor, granularity, timezone)
            piece_end = min(whole.end, self.end)
            yield Period(cursor, piece_end)
            cursor = piece_end

    def __contains__(self, moment: object) -> bool:
        if not isinstance(moment, datetime):
            return False
        return self.start <= require_aware("moment", moment) < self.end

    def overlaps(self, other: Period) -> bool:
        """True when the two half-open periods share at least one instant."""
        return self.start < other.end and other.start < self.end

    @property
    def duration(self) -> timedelta:
        """How long the period lasts, in elapsed time (23 or 25 hours for a day across DST).

        Computed in UTC: Python subtracts two datetimes that share a tzinfo by
        wall clock, which would make every local day 24 hours long.
        """
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)
