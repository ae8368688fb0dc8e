"""Service levels against the minute-by-minute reference (S8): due time, time left and breach, with pauses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import Period
from crmkit.domain.sla import ServiceLevel, measure
from tests.domain.test_calendar import MINUTE, SPAN, reference_minutes, scenarios


@given(
    scenarios(),
    st.integers(1, SPAN // 2),
    st.integers(0, SPAN - 1),
    st.one_of(st.none(), st.integers(0, SPAN - 1)),
)
def test_due_time_left_and_breach_agree_with_the_reference(
    scenario: tuple[WorkingCalendar, datetime, list[Period]], need: int, now_at: int, done: int | None
) -> None:
    cal, start, pauses = scenario
    flags = reference_minutes(cal, start, pauses)
    now = start + MINUTE * now_at
    done_at = None if done is None else start + MINUTE * done
    status = measure(cal, start, MINUTE * need, now=now, done_at=done_at, pauses=pauses)
    stop = now_at if done is None else min(done, now_at)
    used = sum(flags[:stop])
    assert status.used == MINUTE * used
    assert status.time_left == MINUTE * (need - used)
    # breached: used more than the target, or still not done after the due instant (S8)
    assert status.breached >= (used > need)
    counted, due = 0, None
    for n, flag in enumerate(flags):
        counted += flag
        if flag and counted == need:
            due = start + MINUTE * (n + 1)
            break
    if due is not None:
        assert status.due == due
        assert status.breached == (start + MINUTE * stop > due)
    else:
        assert status.breached == (used > need)


def test_a_deadline_at_the_end_of_the_working_day_is_breached_once_it_has_passed() -> None:
    """S8: the working time ran out exactly at ``due``; an hour later the case is late, not on time
    (found by the reference property on a DST night: the time left stays zero while nothing works)."""
    cal = WorkingCalendar.weekly({0: [("09:00", "17:00")]}, timezone="UTC")
    start = datetime.fromisoformat("2026-03-02T16:00:00+00:00")
    status = measure(cal, start, timedelta(hours=1), now=datetime.fromisoformat("2026-03-02T18:00:00+00:00"))
    assert status.due == datetime.fromisoformat("2026-03-02T17:00:00+00:00")
    assert status.time_left == timedelta(0)
    assert status.breached
    on_time = measure(cal, start, timedelta(hours=1), now=datetime.fromisoformat("2026-03-02T17:00:00+00:00"))
    assert not on_time.breached


def test_targets_and_instants_are_checked() -> None:
    cal = WorkingCalendar.weekly({0: [("09:00", "17:00")]}, timezone="UTC")
    start = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
    with pytest.raises(ValidationError) as caught:
        ServiceLevel(timedelta(hours=0), timedelta(hours=1))
    assert caught.value.field == "first_response"
    with pytest.raises(ValidationError) as caught:
        measure(cal, start, timedelta(hours=1), now=start - timedelta(minutes=1))
    assert caught.value.field == "now"
