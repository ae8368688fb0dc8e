"""Response times in working hours (I3): stamping, nearest-rank percentiles, KPIs through the policy."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import Interaction, InteractionId
from crmkit.domain.response_times import KpiGroup, kpis, nearest_rank, parse_percentiles, stamp
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

IST = ZoneInfo("Europe/Istanbul")
CAL = WorkingCalendar.weekly(
    {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)},
    timezone="Europe/Istanbul",
    holidays=[date(2026, 3, 20)],  # a Friday off
)


def interaction(
    created: datetime, first: datetime | None = None, resolved: datetime | None = None
) -> Interaction:
    rep = EmployeeId(uuid.UUID(int=1))
    return Interaction(
        id=InteractionId(uuid.UUID(int=2)),
        company_id=CompanyId(uuid.UUID(int=3)),
        channel="phone",
        category="Genel",
        subject="Konu",
        created_by=rep,
        owner_id=rep,
        created_at=created,
        first_response_at=first,
        resolved_at=resolved,
    )


def test_stamp_counts_working_time_only_across_a_weekend_a_holiday_and_lunch() -> None:
    thursday_5pm = datetime(2026, 3, 19, 17, 0, tzinfo=IST)
    monday_10am = datetime(2026, 3, 23, 10, 0, tzinfo=IST)  # Friday the 20th is a holiday
    monday_2pm = datetime(2026, 3, 23, 14, 0, tzinfo=IST)
    stamped = stamp(interaction(thursday_5pm, monday_10am, monday_2pm), CAL)
    assert stamped.response_seconds == 2 * 3600  # 17-18 Thursday, 09-10 Monday
    assert stamped.resolution_seconds == 5 * 3600  # + 10-12 and 13-14 Monday (lunch excluded)
    assert stamp(interaction(thursday_5pm), CAL).response_seconds is None


@given(
    st.lists(st.integers(min_value=0, max_value=10**6), max_size=60), st.integers(min_value=1, max_value=100)
)
def test_nearest_rank_is_the_smallest_value_with_p_percent_at_or_below(values: list[int], p: int) -> None:
    found = nearest_rank(values, p)
    if not values:
        assert found is None
        return
    assert found in values
    at_or_below = sum(v <= found for v in values)
    assert at_or_below * 100 >= p * len(values)
    smaller = [v for v in values if v < found]
    assert all(sum(w <= v for w in values) * 100 < p * len(values) for v in smaller)


@pytest.mark.parametrize("bad", [[0], [101], [50.0], [True], []])
def test_percentiles_are_whole_numbers_from_1_to_100(bad: list[object]) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_percentiles(bad)
    assert caught.value.field == "percentiles"


def test_reference_kpis_group_and_average_to_the_second() -> None:
    base = datetime(2026, 3, 2, 9, tzinfo=UTC)
    items = [
        stamp(
            interaction(base, base + timedelta(minutes=m)),
            WorkingCalendar.weekly({d: [("00:00", "24:00")] for d in range(7)}, timezone="UTC"),
        )
        for m in (1, 2, 4)
    ]
    [kpi] = kpis(items, KpiGroup.CHANNEL, (50, 100))
    assert (kpi.group, kpi.interactions, kpi.responded, kpi.resolved) == ("phone", 3, 3, 0)
    assert kpi.average_response == timedelta(seconds=140)
    assert kpi.response_percentiles == {50: timedelta(minutes=2), 100: timedelta(minutes=4)}
    assert kpi.average_resolution is None and kpi.resolution_percentiles == {}


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    built.crm.calendar = CAL
    return built


def test_the_service_stamps_on_create_update_and_reports_kpis_through_the_policy(office: Office) -> None:
    crm, clock = office.crm, office.clock
    zeynep, manager = office.people["employee"], office.people["manager"]
    clock.set(datetime(2026, 3, 19, 17, 0, tzinfo=IST))
    mine = crm.interactions.create(
        actor=zeynep.id, company=office.companies["m01"].id, channel="phone", category="Genel", subject="A"
    )
    clock.advance(timedelta(minutes=10))
    other = crm.interactions.create(
        actor=office.people["admin"].id,
        company=office.companies["a01"].id,
        channel="email",
        category="Genel",
        subject="B",
        first_response_at=datetime(2026, 3, 19, 17, 30, tzinfo=IST),
    )
    assert other.response_seconds == 1200
    clock.set(datetime(2026, 3, 23, 10, 0, tzinfo=IST))
    answered = crm.interactions.update(actor=zeynep.id, id=mine.id, first_response_at=clock.now())
    assert answered.response_seconds == 7200
    # the manager sees M-01 only (A1): the A-01 interaction is not counted
    [phone] = crm.response_times.kpis(actor=manager.id, by="channel")
    assert (phone.group, phone.responded, phone.average_response) == ("phone", 1, timedelta(hours=2))
    by_channel = crm.response_times.kpis(actor=office.people["admin"].id, by=KpiGroup.CHANNEL)
    assert [(k.group, k.average_response) for k in by_channel] == [
        ("email", timedelta(minutes=20)),
        ("phone", timedelta(hours=2)),
    ]
    [rep] = crm.response_times.kpis(
        actor=office.people["admin"].id, by="rep", since=datetime(2026, 3, 19, 14, 5, tzinfo=UTC)
    )
    assert rep.group == str(office.people["admin"].id)
    with pytest.raises(ValidationError) as caught:
        crm.response_times.kpis(actor=manager.id, by="month")
    assert caught.value.field == "by"
    with pytest.raises(PermissionDenied):
        crm.response_times.kpis(actor=office.people["departed"].id)
