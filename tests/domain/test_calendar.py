"""Working calendars (S8, I3): hours, holidays, closures, pauses, against a minute-by-minute reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.calendar import WEEKDAYS, WorkingCalendar, parse_clock
from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import Period

IST = ZoneInfo("Europe/Istanbul")
BERLIN = ZoneInfo("Europe/Berlin")
MINUTE = timedelta(minutes=1)
ANCHORS = [  # (zone, an instant near its DST change or a year end)
    ("Europe/Berlin", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 1, 6, 0, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, 0, tzinfo=UTC)),  # a 30-minute shift
    ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
    ("Europe/Istanbul", datetime(2025, 12, 31, 21, 0, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 12, 31, 23, 0, tzinfo=UTC)),
]
OFFICE = {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)}


def at(*args: int, tz: ZoneInfo = IST) -> datetime:
    year, month, day, hour, minute = args
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def test_working_time_skips_lunch_nights_and_weekends() -> None:
    cal = WorkingCalendar.weekly(OFFICE)
    # Friday 10:00 to Monday 10:00: Fri 2h + 5h, Mon 1h.
    assert cal.working_time(at(2026, 3, 6, 10, 0), at(2026, 3, 9, 10, 0)) == timedelta(hours=8)


def test_add_working_time_ends_at_the_close_not_the_next_opening() -> None:
    cal = WorkingCalendar.weekly(OFFICE)
    assert cal.add_working_time(at(2026, 3, 6, 16, 0), timedelta(hours=2)) == at(2026, 3, 6, 18, 0)
    assert cal.add_working_time(at(2026, 3, 6, 16, 0), timedelta(hours=2, minutes=1)) == at(2026, 3, 9, 9, 1)


def test_holidays_and_closures_are_not_working_time() -> None:
    cal = WorkingCalendar.weekly(
        OFFICE,
        holidays=[date(2026, 3, 20)],  # Friday
        closures=[Period(at(2026, 3, 19, 13, 0), at(2026, 3, 20, 0, 0))],  # eve, from 1pm
    )
    assert cal.working_time(at(2026, 3, 19, 0, 0), at(2026, 3, 23, 0, 0)) == timedelta(hours=3)
    assert not cal.is_working(at(2026, 3, 20, 10, 0))
    assert not cal.is_working(at(2026, 3, 19, 14, 0))
    assert cal.is_working(at(2026, 3, 19, 11, 59))


def test_a_pause_outside_working_hours_moves_no_deadline() -> None:
    cal = WorkingCalendar.weekly(OFFICE)
    opened = at(2026, 3, 5, 17, 0)  # Thursday
    due = cal.add_working_time(opened, timedelta(hours=4))
    night = Period(at(2026, 3, 5, 19, 0), at(2026, 3, 6, 8, 0))
    assert cal.add_working_time(opened, timedelta(hours=4), [night]) == due
    # A pause covering one working hour moves the due time by exactly one working hour.
    morning = Period(at(2026, 3, 6, 8, 0), at(2026, 3, 6, 10, 0))
    assert cal.add_working_time(opened, timedelta(hours=4), [morning]) == at(2026, 3, 6, 14, 0)
    assert due == at(2026, 3, 6, 12, 0)


def test_dst_spring_forward_hour_does_not_exist_and_autumn_hour_counts_twice() -> None:
    cal = WorkingCalendar.weekly({6: [("02:00", "03:00")]}, timezone="Europe/Berlin")
    spring = cal.working_time(at(2026, 3, 29, 0, 0, tz=BERLIN), at(2026, 3, 30, 0, 0, tz=BERLIN))
    autumn = cal.working_time(at(2026, 10, 25, 0, 0, tz=BERLIN), at(2026, 10, 26, 0, 0, tz=BERLIN))
    assert spring == timedelta()
    assert autumn == timedelta(hours=2)


@pytest.mark.parametrize(("zone", "anchor"), ANCHORS)
def test_round_the_clock_hours_count_elapsed_time_across_dst(zone: str, anchor: datetime) -> None:
    cal = WorkingCalendar.weekly({d: [("00:00", "24:00")] for d in range(7)}, timezone=zone)
    for hours in range(1, 60, 7):
        start = anchor - timedelta(hours=30) + timedelta(minutes=13 * hours)
        end = start + timedelta(hours=hours)
        assert cal.working_time(start, end) == timedelta(hours=hours)
        assert cal.add_working_time(start, timedelta(hours=hours)) == end


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({0: [("09:00", "12:00"), ("11:00", "13:00")]}, "hours.monday"),
        ({"friday": [("18:00", "09:00")]}, "hours.friday"),
        ({2: [("09:00", "25:00")]}, "hours.wednesday"),
        ({9: [("09:00", "10:00")]}, "hours"),
        ({}, "hours"),
    ],
)
def test_bad_hours_are_rejected_naming_the_field(
    hours: dict[int | str, list[tuple[str, str]]], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        WorkingCalendar.weekly(hours)  # type: ignore[arg-type]  # int and str keys mixed on purpose
    assert caught.value.field == field


def test_other_bad_input_names_the_field() -> None:
    cal = WorkingCalendar.weekly(OFFICE)
    with pytest.raises(ValidationError, match="timezone"):
        WorkingCalendar.weekly(OFFICE, timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as caught:
        cal.add_working_time(at(2026, 1, 1, 9, 0), timedelta(minutes=-1))
    assert caught.value.field == "duration"
    with pytest.raises(ValidationError) as caught:
        cal.working_time(at(2026, 1, 2, 9, 0), at(2026, 1, 1, 9, 0))
    assert caught.value.field == "end"
    with pytest.raises(ValidationError) as caught:
        cal.working_time(datetime(2026, 1, 1), at(2026, 1, 2, 9, 0))
    assert caught.value.field == "start"
    assert parse_clock("f", time(9, 30)) == 570
    assert parse_clock("f", "24:00") == 1440


def test_a_long_pause_is_jumped_over() -> None:
    cal = WorkingCalendar.weekly(OFFICE)
    pause = Period(at(2026, 1, 1, 0, 0), at(2031, 1, 1, 0, 0))
    due = cal.add_working_time(at(2026, 1, 1, 0, 0), timedelta(hours=1), [pause])
    assert due == at(2031, 1, 1, 10, 0)  # 2031-01-01 is a Wednesday


# --- the minute-by-minute reference -------------------------------------------------------

SPAN = 4 * 24 * 60  # minutes the reference walks


@st.composite
def day_hours(draw: st.DrawFn) -> list[tuple[int, int]]:
    cuts = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return [(cuts[i] * 30, cuts[i + 1] * 30) for i in range(0, len(cuts), 2)]


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[WorkingCalendar, datetime, list[Period]]:
    zone, anchor = draw(st.sampled_from(ANCHORS))
    week = [draw(day_hours()) for _ in WEEKDAYS]
    if not any(week):
        week[draw(st.integers(0, 6))] = [(540, 1080)]
    start = anchor + MINUTE * draw(st.integers(-2 * 1440, 1440))
    local_day = start.astimezone(ZoneInfo(zone)).date()
    holidays = draw(st.sets(st.integers(-1, 4).map(lambda n: local_day + timedelta(days=n))))

    def periods() -> st.SearchStrategy[Period]:
        return st.tuples(st.integers(-600, SPAN), st.integers(1, 2000)).map(
            lambda p: Period(start + MINUTE * p[0], start + MINUTE * (p[0] + p[1]))
        )

    closures = draw(st.lists(periods(), max_size=3))
    pauses = draw(st.lists(periods(), max_size=3))
    cal = WorkingCalendar(
        hours=tuple(tuple(day) for day in week),
        timezone=zone,
        holidays=frozenset(holidays),
        closures=tuple(closures),
    )
    return cal, start, pauses


def reference_minutes(cal: WorkingCalendar, start: datetime, pauses: list[Period]) -> list[bool]:
    """For each minute from ``start``, is it working time? Read off a wall clock, one by one."""
    zone = ZoneInfo(cal.timezone)
    flags = []
    for n in range(SPAN):
        moment = start + MINUTE * n
        local = moment.astimezone(zone)
        minute_of_day = local.hour * 60 + local.minute
        working = (
            local.date() not in cal.holidays
            and any(a <= minute_of_day < b for a, b in cal.hours[local.weekday()])
            and not any(moment in p for p in (*cal.closures, *pauses))
        )
        flags.append(working)
    return flags


@given(scenarios(), st.integers(0, SPAN), st.integers(0, SPAN))
def test_working_time_and_due_agree_with_minute_by_minute_reference(
    scenario: tuple[WorkingCalendar, datetime, list[Period]], cut: int, need: int
) -> None:
    cal, start, pauses = scenario
    flags = reference_minutes(cal, start, pauses)
    assert cal.working_time(start, start + MINUTE * cut, pauses) == MINUTE * sum(flags[:cut])
    # Due time: the end of the need-th working minute (or start itself for zero).
    counted = 0
    expected: datetime | None = start if need == 0 else None
    for n, flag in enumerate(flags):
        if expected is not None:
            break
        counted += flag
        if flag and counted == need:
            expected = start + MINUTE * (n + 1)
    if expected is not None:
        assert cal.add_working_time(start, MINUTE * need, pauses) == expected
    else:  # beyond the walked span: it must lie beyond it too
        assert cal.add_working_time(start, MINUTE * need, pauses) > start + MINUTE * SPAN


@given(scenarios(), st.integers(1, 3000))
def test_subtract_working_time_mirrors_add(
    scenario: tuple[WorkingCalendar, datetime, list[Period]], need: int
) -> None:
    cal, start, _ = scenario
    end = start + MINUTE * SPAN
    begin = cal.subtract_working_time(end, MINUTE * need)
    assert cal.working_time(begin, end) == MINUTE * need
    # the latest such instant: one minute later there is less working time left
    assert cal.working_time(begin + MINUTE, end) < MINUTE * need
