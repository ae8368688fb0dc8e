"""Calendar periods in the company's time zone (Q4)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import DEFAULT_TIMEZONE, Granularity, Period, require_aware

IST = ZoneInfo("Europe/Istanbul")


def test_default_time_zone_is_istanbul() -> None:
    assert DEFAULT_TIMEZONE == "Europe/Istanbul"


def test_month_is_half_open_in_istanbul_time() -> None:
    march = Period.month(2026, 3)
    assert march.start == datetime(2026, 3, 1, tzinfo=IST)
    assert march.end == datetime(2026, 4, 1, tzinfo=IST)
    # Istanbul is UTC+3 all year: the month starts at 21:00 UTC the day before.
    assert march.start.astimezone(UTC) == datetime(2026, 2, 28, 21, 0, tzinfo=UTC)
    assert march.start in march
    assert march.end not in march
    assert march.end - timedelta(microseconds=1) in march


def test_december_rolls_into_next_year() -> None:
    december = Period.month(2025, 12)
    assert december.end == datetime(2026, 1, 1, tzinfo=IST)


def test_an_instant_late_on_the_last_utc_day_belongs_to_the_next_local_month() -> None:
    moment = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 01:30 on 1 April in Istanbul
    assert Period.containing(moment, Granularity.MONTH) == Period.month(2026, 4)
    assert Period.containing(moment, Granularity.MONTH, "UTC") == Period.month(2026, 3, "UTC")


@pytest.mark.parametrize(("quarter", "first", "last"), [(1, 1, 3), (2, 4, 6), (3, 7, 9), (4, 10, 12)])
def test_quarters(quarter: int, first: int, last: int) -> None:
    period = Period.quarter(2026, quarter)
    assert period.start == Period.month(2026, first).start
    assert period.end == Period.month(2026, last).end


def test_year() -> None:
    year = Period.year(2026)
    assert year.start == datetime(2026, 1, 1, tzinfo=IST)
    assert year.end == datetime(2027, 1, 1, tzinfo=IST)
    assert year.duration == timedelta(days=365)
    assert Period.year(2028).duration == timedelta(days=366)


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (lambda: Period.month(2026, 0), "month"),
        (lambda: Period.month(2026, 13), "month"),
        (lambda: Period.quarter(2026, 5), "quarter"),
        (lambda: Period.year(2026, "Mars/Olympus"), "timezone"),
    ],
)
def test_out_of_range_arguments_name_the_field(factory: object, field: str) -> None:
    assert callable(factory)
    with pytest.raises(ValidationError) as info:
        factory()
    assert info.value.field == field


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 1, 1)
    with pytest.raises(ValidationError) as info:
        Period(naive, datetime(2026, 2, 1, tzinfo=UTC))
    assert info.value.field == "start"
    with pytest.raises(ValidationError) as info:
        Period(datetime(2026, 1, 1, tzinfo=UTC), naive)
    assert info.value.field == "end"
    with pytest.raises(ValidationError) as info:
        Period.containing(naive, Granularity.MONTH)
    assert info.value.field == "moment"
    with pytest.raises(ValidationError):
        _ = naive in Period.month(2026, 1)
    with pytest.raises(ValidationError, match="not a datetime"):
        require_aware("at", date(2026, 1, 1))  # type: ignore[arg-type]  # wrong type on purpose


def test_empty_or_reversed_periods_are_rejected() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        Period(moment, moment)
    assert info.value.field == "end"
    with pytest.raises(ValidationError):
        Period(moment, moment - timedelta(seconds=1))


def test_non_datetimes_are_not_contained() -> None:
    assert "2026-03-05" not in Period.month(2026, 3)
    assert date(2026, 3, 5) not in Period.month(2026, 3)


def test_overlaps_is_half_open() -> None:
    jan, feb = Period.month(2026, 1), Period.month(2026, 2)
    assert not jan.overlaps(feb) and not feb.overlaps(jan)
    assert jan.overlaps(Period.quarter(2026, 1))


def test_day_across_dst_lasts_23_or_25_hours() -> None:
    spring = Period.day(date(2026, 3, 29), "Europe/Berlin")
    autumn = Period.day(date(2026, 10, 25), "Europe/Berlin")
    assert spring.duration == timedelta(hours=23)
    assert autumn.duration == timedelta(hours=25)
    assert Period.day(date(2026, 3, 29)).duration == timedelta(hours=24)  # no DST in Türkiye


@pytest.mark.parametrize(
    ("granularity", "count"),
    [(Granularity.MONTH, 12), (Granularity.QUARTER, 4), (Granularity.YEAR, 1)],
)
def test_splitting_a_year_gives_calendar_periods(granularity: Granularity, count: int) -> None:
    pieces = list(Period.year(2026).split(granularity))
    assert len(pieces) == count
    assert pieces[0].start == Period.year(2026).start
    assert pieces[-1].end == Period.year(2026).end
    for before, after in itertools.pairwise(pieces):
        assert before.end == after.start
    if granularity is Granularity.MONTH:
        assert pieces == [Period.month(2026, m) for m in range(1, 13)]


def test_split_clips_to_the_bounds() -> None:
    span = Period(datetime(2026, 1, 15, tzinfo=IST), datetime(2026, 3, 10, tzinfo=IST))
    pieces = list(span.split(Granularity.MONTH))
    assert [(p.start.day, p.end.month, p.end.day) for p in pieces] == [
        (15, 2, 1),
        (1, 3, 1),
        (1, 3, 10),
    ]


_instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
)
_zones = st.sampled_from(["Europe/Istanbul", "Europe/Berlin", "America/New_York", "UTC"])


@given(
    a=_instants,
    b=_instants,
    granularity=st.sampled_from(Granularity),
    timezone=_zones,
)
def test_split_has_no_gaps_and_no_overlaps(
    a: datetime, b: datetime, granularity: Granularity, timezone: str
) -> None:
    """Q4: any interval split into calendar periods is covered exactly once."""
    if a == b:
        return
    span = Period(min(a, b), max(a, b))
    pieces = list(span.split(granularity, timezone))
    assert pieces[0].start == span.start
    assert pieces[-1].end == span.end
    for before, after in itertools.pairwise(pieces):
        assert before.end == after.start
        assert not before.overlaps(after)
    for piece in pieces:
        whole = Period.containing(piece.start, granularity, timezone)
        assert whole.start <= piece.start and piece.end <= whole.end
    assert sum((p.duration for p in pieces), timedelta()) == span.duration


@given(moment=_instants, granularity=st.sampled_from(Granularity), timezone=_zones)
def test_containing_contains(moment: datetime, granularity: Granularity, timezone: str) -> None:
    period = Period.containing(moment, granularity, timezone)
    assert moment in period
    assert period.start.astimezone(ZoneInfo(timezone)).day == 1
