"""The daily list's response-target cutoff (I10, I3): the walk back equals the bisection it replaced.

``overdue_before`` used to bisect over whole seconds back from ``now`` (about twenty
``working_time`` calls over two weeks or more each); it now walks back through the working
periods once. The old bisection is kept here, verbatim, as the reference: for ``now`` in
UTC (where its arithmetic is absolute) both must give the same instant for any calendar —
DST zones, a 30-minute shift, holidays, closures, sub-second instants and targets. For a
``now`` in a zone, the bisection steps back in wall-clock time; it agrees wherever the
working hours do not contain the DST change itself, which the second property checks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.periods import Period
from crmkit.domain.response_times import OVERDUE_REACH, overdue_before

ZONES = ["UTC", "Europe/Istanbul", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
NEAR = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # Berlin's spring change; New York's is three weeks before


def bisection(calendar: WorkingCalendar, now: datetime, target: timedelta) -> datetime:
    """``overdue_before`` as it was up to issue 14's benchmark (the reference)."""
    if target <= timedelta(0):
        return now
    span = timedelta(days=14)
    lo = now - span
    while calendar.working_time(lo, now) < target and span < timedelta(days=3660):
        span *= 2
        lo = now - span
    low, high = 0, int(span.total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if calendar.working_time(now - timedelta(seconds=middle), now) >= target:
            high = middle
        else:
            low = middle
    return now - timedelta(seconds=high) + timedelta(microseconds=1)


@st.composite
def calendars(draw: st.DrawFn, night_free: bool = False) -> WorkingCalendar:
    """Random weekly hours (minute bounds), holidays and sub-second closures near :data:`NEAR`."""
    first, last = (5 * 60, 23 * 60) if night_free else (0, 24 * 60)
    hours: dict[int, list[tuple[str, str]]] = {}
    for day in range(7):
        bounds = sorted(draw(st.sets(st.integers(first, last), max_size=4)))
        pairs = [(a, b) for a, b in zip(bounds[::2], bounds[1::2], strict=False) if a < b]
        hours[day] = [(f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}") for a, b in pairs]
    if not any(hours.values()):
        hours[draw(st.integers(0, 6))] = [("09:00", "17:00")]
    holidays = draw(st.lists(st.dates(date(2026, 2, 20), date(2026, 4, 10)), max_size=6))
    closures = []
    for _ in range(draw(st.integers(0, 3))):
        start = NEAR + timedelta(microseconds=draw(st.integers(-40 * 86400 * 10**6, 10 * 86400 * 10**6)))
        closures.append(
            Period(start, start + timedelta(microseconds=draw(st.integers(1, 3 * 86400 * 10**6))))
        )
    return WorkingCalendar.weekly(
        hours, timezone=draw(st.sampled_from(ZONES)), holidays=holidays, closures=closures
    )


instants = st.integers(-30 * 86400 * 10**6, 30 * 86400 * 10**6).map(
    lambda us: NEAR + timedelta(microseconds=us)
)
targets = st.one_of(
    st.integers(0, 300 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us)),
    st.integers(0, 300).map(lambda h: timedelta(hours=h)),
    st.just(timedelta(hours=8)),
)


@given(calendar=calendars(), now=instants, target=targets)
def test_the_walk_back_equals_the_bisection_for_any_calendar(
    calendar: WorkingCalendar, now: datetime, target: timedelta
) -> None:
    assert overdue_before(calendar, now, target) == bisection(calendar, now, target)


@given(calendar=calendars(night_free=True), now=instants, target=targets, zone=st.sampled_from(ZONES))
def test_a_local_now_gives_the_same_instant(
    calendar: WorkingCalendar, now: datetime, target: timedelta, zone: str
) -> None:
    local = now.astimezone(ZoneInfo(zone))
    got = overdue_before(calendar, local, target)
    assert got == bisection(calendar, local, target) == overdue_before(calendar, now, target)
    assert got.utcoffset() == local.utcoffset() or got.tzinfo is local.tzinfo  # told in now's zone


def test_it_is_the_latest_whole_second_back_from_now() -> None:
    """The definition, at a DST change inside round-the-clock hours (where wall-clock steps mislead)."""
    calendar = WorkingCalendar.weekly({d: [("00:00", "24:00")] for d in range(7)}, timezone="Europe/Berlin")
    now = datetime(2026, 3, 29, 3, 30, 0, 250_000, tzinfo=ZoneInfo("Europe/Berlin"))  # 01:30:00.25 UTC
    cutoff = overdue_before(calendar, now, timedelta(hours=2))
    assert cutoff == datetime(2026, 3, 28, 23, 30, 0, 250_001, tzinfo=UTC)
    last = cutoff - timedelta(microseconds=1)
    assert calendar.working_time(last, now) >= timedelta(hours=2)
    assert calendar.working_time(last + timedelta(seconds=1), now) < timedelta(hours=2)


def test_a_target_beyond_reach_counts_from_that_far_back() -> None:
    calendar = WorkingCalendar.weekly({0: [("09:00", "09:01")]}, timezone="UTC")
    now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert overdue_before(calendar, now, timedelta(days=365)) == now - OVERDUE_REACH + timedelta(
        microseconds=1
    )
    assert overdue_before(calendar, now, timedelta(0)) == now
