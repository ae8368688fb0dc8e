"""Working calendars filled from the ``holidays`` package: Turkey's moving holidays and eves (S8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crmkit.adapters.holidays import public_holidays, working_calendar

IST = ZoneInfo("Europe/Istanbul")
WEEKDAYS_9_TO_6 = {d: [("09:00", "18:00")] for d in range(5)}


def test_religious_holidays_move_with_the_year() -> None:
    whole_2025, _ = public_holidays([2025])
    whole_2026, half_2026 = public_holidays([2026])
    assert date(2025, 3, 31) in whole_2025  # Ramazan Bayramı 2025
    assert date(2026, 3, 20) in whole_2026  # ... and 2026
    assert date(2026, 3, 31) not in whole_2026
    assert date(2026, 10, 29) in whole_2026  # Cumhuriyet Bayramı
    assert date(2026, 10, 28) in half_2026  # its eve, from 13:00


def test_an_eve_closes_at_one_and_the_holiday_is_off() -> None:
    cal = working_calendar(WEEKDAYS_9_TO_6, years=[2026])
    # Wed 28 Oct (eve): 09-13 = 4 h; Thu 29 Oct: holiday; Fri 30 Oct: 9 h.
    week = cal.working_time(
        datetime(2026, 10, 28, 0, 0, tzinfo=IST), datetime(2026, 10, 31, 0, 0, tzinfo=IST)
    )
    assert week == timedelta(hours=13)


def test_years_not_loaded_are_working_days() -> None:
    cal = working_calendar(WEEKDAYS_9_TO_6, years=[2025])
    assert cal.is_working(datetime(2026, 10, 29, 10, 0, tzinfo=IST))
