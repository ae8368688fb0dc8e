"""Response times in working hours (SPEC §5 I3): per interaction, and as KPIs per channel, team or rep.

An interaction's *response time* is the working time of a
:class:`~crmkit.domain.calendar.WorkingCalendar` from its creation to its
first response; its *resolution time* from creation to resolution. Both are
stamped on the interaction (:func:`stamp`, whole seconds) when the times are
written, so the KPIs — count, average and percentiles per channel, team or
rep — are plain aggregates the database computes.

Percentiles are *nearest-rank*: the p-th percentile of n values sorted
ascending is the value at rank ⌈p·n/100⌉ (the smallest value with at least
p % of the values at or below it) — always an observed value, and the same
on every back end. :func:`kpis` is the reference the storage adapters agree
with.

>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> from crmkit.domain.calendar import WorkingCalendar
>>> cal = WorkingCalendar.weekly({d: [("09:00", "18:00")] for d in range(5)}, timezone="Europe/Istanbul")
>>> friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=ZoneInfo("Europe/Istanbul"))
>>> working_seconds(cal, friday_5pm, friday_5pm + timedelta(days=3))  # Monday 17:00: 1 h + 8 h
32400
>>> nearest_rank([5, 1, 4, 2, 3], 50), nearest_rank([5, 1, 4, 2, 3], 90)
(3, 5)
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

import attrs

from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.errors import ValidationError
from crmkit.domain.interactions import Interaction

__all__ = [
    "DEFAULT_PERCENTILES",
    "OVERDUE_REACH",
    "KpiGroup",
    "ResponseKpi",
    "kpis",
    "nearest_rank",
    "overdue_before",
    "parse_percentiles",
    "stamp",
    "working_seconds",
]

DEFAULT_PERCENTILES: tuple[int, ...] = (50, 90)
"""The percentiles reported unless others are asked for: the median and the 90th."""


class KpiGroup(enum.StrEnum):
    """What the KPIs are grouped by (I3)."""

    CHANNEL = "channel"
    TEAM = "team"
    REP = "rep"

    def key_of(self) -> Callable[[Interaction], str | None]:
        """The group key of an interaction, as text (``None``: an interaction without a team)."""
        if self is KpiGroup.CHANNEL:
            return lambda i: i.channel.value
        if self is KpiGroup.TEAM:
            return lambda i: None if i.owner_team_id is None else str(i.owner_team_id)
        return lambda i: str(i.owner_id)


def working_seconds(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Whole working seconds of ``calendar`` between two instants (rounded down)."""
    return int(calendar.working_time(start, end).total_seconds())


OVERDUE_REACH = timedelta(days=14 * 2**9)
"""How far back :func:`overdue_before` looks: 7,168 days, the first doubling of two weeks past ten years."""

_FIRST_WINDOW = timedelta(days=2)
_LAST_WINDOW = timedelta(days=32)
_MICRO = timedelta(microseconds=1)


def overdue_before(calendar: WorkingCalendar, now: datetime, target: timedelta) -> datetime:
    """The instant before which an unanswered interaction is past its response ``target`` at ``now`` (I10).

    An interaction created at ``c`` is overdue when ``calendar.working_time(c, now) >= target``,
    counted on the grid of whole seconds back from ``now``: the result is just after the latest
    instant ``now - s`` (``s`` whole seconds) from which ``target`` of working time passes
    until ``now`` (compare with ``<``). A target not reached within :data:`OVERDUE_REACH`
    counts from that far back.

    Working time only shrinks as ``c`` grows, so the latest ``c`` is found walking back from
    ``now`` through the calendar's working periods — two days first, then windows that double
    up to a month — and rounded down to the grid: no search over candidate instants.

    >>> from zoneinfo import ZoneInfo
    >>> cal = WorkingCalendar.weekly({d: [("09:00", "18:00")] for d in range(5)}, timezone="UTC")
    >>> overdue_before(cal, datetime(2026, 3, 9, 10, tzinfo=ZoneInfo("UTC")), timedelta(hours=2)).isoformat()
    '2026-03-06T17:00:00.000001+00:00'
    """
    if target <= timedelta(0):
        return now
    end = now.astimezone(UTC)
    latest = _latest_start(calendar, end, target, end - OVERDUE_REACH)
    back = OVERDUE_REACH if latest is None else _whole_seconds_up(end - latest)
    return (end - back + _MICRO).astimezone(now.tzinfo)


def _latest_start(
    calendar: WorkingCalendar, end: datetime, target: timedelta, floor: datetime
) -> datetime | None:
    """The latest instant from which ``target`` of working time passes until ``end``, if after ``floor``."""
    remaining, cursor, window = target, end, _FIRST_WINDOW
    while cursor > floor:
        start = max(cursor - window, floor)
        for piece in reversed(list(calendar.working_periods(start, cursor))):
            if remaining <= piece.duration:
                return piece.end - remaining
            remaining -= piece.duration
        cursor, window = start, min(window * 2, _LAST_WINDOW)
    return None


def _whole_seconds_up(span: timedelta) -> timedelta:
    """``span`` rounded up to whole seconds."""
    return timedelta(seconds=-(-(span // _MICRO) // 1_000_000))


def stamp(item: Interaction, calendar: WorkingCalendar) -> Interaction:
    """``item`` with its response and resolution times in working seconds (I3), from its own times.

    A time not yet set leaves its figure ``None``.
    """
    response = None
    if item.first_response_at is not None:
        response = working_seconds(calendar, item.created_at, item.first_response_at)
    resolution = None
    if item.resolved_at is not None:
        resolution = working_seconds(calendar, item.created_at, item.resolved_at)
    if (response, resolution) == (item.response_seconds, item.resolution_seconds):
        return item
    return attrs.evolve(item, response_seconds=response, resolution_seconds=resolution)


def parse_percentiles(values: Iterable[object]) -> tuple[int, ...]:
    """Whole percentiles 1–100, sorted, no repeats.

    Raises:
        ValidationError: naming ``percentiles`` for anything else.
    """
    out: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
            raise ValidationError("percentiles", f"a percentile is a whole number 1–100, not {value!r}")
        out.add(value)
    if not out:
        raise ValidationError("percentiles", "ask for at least one percentile")
    return tuple(sorted(out))


def nearest_rank(values: Sequence[int], percentile: int) -> int | None:
    """The nearest-rank ``percentile`` of ``values`` (``None`` when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percentile * len(ordered) / 100)) - 1]


@attrs.frozen(kw_only=True)
class ResponseKpi:
    """Response-time KPIs of one group (I3); times are working time.

    Attributes:
        group: the channel value, the team id or the rep's id, as text; ``None`` for "no team".
        interactions: how many interactions the group has.
        responded: how many have a first response.
        resolved: how many are resolved.
        average_response: mean response time (``None`` when none responded), to the second.
        average_resolution: mean resolution time, to the second.
        response_percentiles: percentile → response time (nearest rank).
        resolution_percentiles: percentile → resolution time (nearest rank).
    """

    group: str | None
    interactions: int
    responded: int
    resolved: int
    average_response: timedelta | None
    average_resolution: timedelta | None
    response_percentiles: dict[int, timedelta] = attrs.field(factory=dict)
    resolution_percentiles: dict[int, timedelta] = attrs.field(factory=dict)


def average(total: int | float | None, count: int) -> timedelta | None:
    """``total`` seconds over ``count``, rounded to the nearest second half-even; ``None`` for no values."""
    if not count or total is None:
        return None
    return timedelta(seconds=round(total / count))


def kpis(items: Iterable[Interaction], group: KpiGroup, percentiles: Sequence[int]) -> list[ResponseKpi]:
    """The reference KPIs of ``items`` grouped by ``group``, by group key (``None`` first)."""
    key_of = group.key_of()
    groups: dict[str | None, list[Interaction]] = {}
    for item in items:
        groups.setdefault(key_of(item), []).append(item)
    out: list[ResponseKpi] = []
    for key in sorted(groups, key=lambda k: (k is not None, k or "")):
        members = groups[key]
        responses = [i.response_seconds for i in members if i.response_seconds is not None]
        resolutions = [i.resolution_seconds for i in members if i.resolution_seconds is not None]
        out.append(
            ResponseKpi(
                group=key,
                interactions=len(members),
                responded=len(responses),
                resolved=len(resolutions),
                average_response=average(sum(responses), len(responses)),
                average_resolution=average(sum(resolutions), len(resolutions)),
                response_percentiles=_ranks(responses, percentiles),
                resolution_percentiles=_ranks(resolutions, percentiles),
            )
        )
    return out


def _ranks(values: Sequence[int], percentiles: Sequence[int]) -> dict[int, timedelta]:
    out: dict[int, timedelta] = {}
    for p in percentiles:
        found = nearest_rank(values, p)
        if found is not None:
            out[p] = timedelta(seconds=found)
    return out
