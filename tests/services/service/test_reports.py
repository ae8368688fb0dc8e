"""Costs with dated rates and the service reports (S4, S5); item 10: reports equal a brute-force reference."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.domain.cases import Case
from crmkit.domain.costs import E4, Rate, RateId
from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.money import Money
from crmkit.domain.periods import Period
from crmkit.domain.service import WorkEntry, WorkKind
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.contracts.service import T0, make_case, make_contract, make_entry
from crmkit.testing.factories import make_company
from tests.services.interactions.conftest import Office, build_office

TRY = "TRY"


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Office]:
    yield build_office(storage, clock, ids)


def test_costs_use_the_rate_in_force_when_the_work_was_done(office: Office) -> None:
    s, admin, zeynep = office.crm.service, office.people["admin"].id, office.people["employee"].id
    customer = office.companies["m01"].id
    s.set_rate(actor=admin, technician=zeynep, valid_from=T0 - timedelta(days=30), amount=Money("600", TRY))
    s.set_rate(actor=admin, technician=zeynep, valid_from=T0 + timedelta(days=1), amount=Money("900", TRY))
    s.set_rate(
        actor=admin,
        vehicle="34 SRV 01",
        valid_from=T0 - timedelta(days=30),
        amount=Money("4.5", TRY),
        fuel_per_km=Money("3.25", TRY),
    )
    contract = s.create_contract(
        actor=admin,
        company=customer,
        title="Bakım",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=Money("5000", TRY),
        allowance_hours=20,
    )
    case = s.open_case(actor=zeynep, company=customer, channel="call", reason="Arıza")
    s.log_work(
        actor=zeynep,
        company=customer,
        kind="visit",
        at=T0,
        hours="1.5",
        km="40",
        vehicle="34 SRV 01",
        case=case.id,
    )
    s.log_work(
        actor=zeynep, company=customer, kind="call", at=T0 + timedelta(days=2), minutes=20, case=case.id
    )
    cost = s.case_cost(actor=zeynep, case=case.id)
    # 90 min × 600/h = 900; 20 min × 900/h = 300; 40 km × (4.5 + 3.25) = 310
    assert (cost.labour, cost.travel, cost.total) == (
        Money("1200.00", TRY),
        Money("310.00", TRY),
        Money("1510.00", TRY),
    )
    profit = s.contract_profit(actor=admin, contract=contract.id)
    assert profit.profit == Money("3490.00", TRY)
    rows = s.customer_report(actor=admin, period=Period.month(2026, 3))
    assert [(r.company_id, r.minutes, r.cost.total) for r in rows] == [(customer, 110, Money("1510.00", TRY))]
    with pytest.raises(PermissionDenied):
        s.customer_report(actor=zeynep, period=Period.month(2026, 3))
    with pytest.raises(PermissionDenied):
        s.set_rate(actor=zeynep, technician=zeynep, valid_from=T0, amount=Money("1", TRY))
    with pytest.raises(ValidationError) as caught:
        s.set_rate(actor=admin, vehicle="34 SRV 01", valid_from=T0, amount=Money("-1", TRY))
    assert caught.value.field == "amount"
    with pytest.raises(ValidationError) as caught:
        s.set_rate(actor=admin, valid_from=T0, amount=Money("1", TRY))
    assert caught.value.field == "resource"


def test_technician_report_success_time_per_day_and_sla(office: Office) -> None:
    s, admin, zeynep = office.crm.service, office.people["admin"].id, office.people["employee"].id
    customer = office.companies["m01"].id
    fast = s.open_case(actor=admin, company=customer, channel="call", reason="Hızlı", priority="urgent")
    slow = s.open_case(actor=admin, company=customer, channel="call", reason="Yavaş", priority="urgent")
    for case in (fast, slow):
        s.assign_case(actor=admin, case=case.id, technician=zeynep)
    s.log_work(actor=zeynep, company=customer, kind="call", at=T0, minutes=30, case=fast.id)
    s.log_work(actor=zeynep, company=customer, kind="call", at=T0, minutes=90, case=slow.id)
    office.clock.advance(timedelta(hours=1))
    s.close_case(actor=zeynep, case=fast.id, resolution="Ayar yapıldı")
    office.clock.advance(timedelta(days=1))  # well past the 4 working hours of "urgent"
    s.close_case(actor=zeynep, case=slow.id, resolution="Parça değişti")
    s.reopen_case(actor=zeynep, case=slow.id)
    s.close_case(actor=zeynep, case=slow.id, resolution="Tekrar ayarlandı")
    [row] = s.technician_report(actor=admin, period=Period.month(2026, 3))
    assert (row.technician_id, row.closed, row.first_time, row.minutes) == (zeynep, 2, 1, 120)
    assert (row.success_rate, row.average_minutes, row.sla_attainment) == (
        Decimal("50.00"),
        Decimal("60.00"),
        Decimal("50.00"),
    )
    assert row.closed_per_day(31) == Decimal("0.06")
    assert s.technician_report(actor=office.people["colleague"].id, period=Period.month(2026, 3)) == []


# --- reports against a brute-force reference ------------------------------------------------


def reference_rate(rates: list[Rate], entry: WorkEntry, vehicle: bool) -> int:
    best: Rate | None = None
    for rate in rates:
        holds = rate.vehicle == entry.vehicle if vehicle else rate.technician_id == entry.technician_id
        later = best is None or (rate.valid_from, rate.id.int) > (best.valid_from, best.id.int)
        if holds and rate.valid_from <= entry.at and later:
            best = rate
    if best is None:
        return 0
    return int(best.amount.amount * E4) + (int(best.fuel_per_km.amount * E4) if best.fuel_per_km else 0)


def reference_sums(rates: list[Rate], entries: list[WorkEntry]) -> tuple[int, int, int]:
    minutes = sum(e.minutes for e in entries)
    labour = sum(e.minutes * reference_rate(rates, e, vehicle=False) for e in entries)
    travel = sum(int(e.km * 1000) * reference_rate(rates, e, vehicle=True) for e in entries if e.vehicle)
    return minutes, labour, travel


rate_specs = st.lists(
    st.tuples(st.integers(0, 5), st.integers(-48, 48), st.integers(0, 99_999), st.integers(0, 999)),
    max_size=8,
)
work_specs = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(0, 2),
        st.integers(-48, 48),
        st.integers(0, 600),
        st.integers(0, 90_000),
    ),
    min_size=1,
    max_size=15,
)
case_specs = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 2), st.one_of(st.none(), st.booleans())), max_size=6
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=20)
@given(rate_specs, work_specs, case_specs)
def test_reports_equal_a_brute_force_reference(
    storage: Storage,
    rate_input: list[tuple[int, int, int, int]],
    work_input: list[tuple[int, int, int, int, int]],
    case_input: list[tuple[int, int, bool | None]],
) -> None:
    # Fresh technicians and vehicles per example: earlier examples' rows do not mix in.
    techs = [EmployeeId(uuid.uuid4()) for _ in range(3)]
    vehicles = ["", f"V-{uuid.uuid4().hex[:8]}", f"V-{uuid.uuid4().hex[:8]}"]
    company = make_company()
    contract = make_contract(company.id, allowance_minutes=None, allowance_visits=100)
    rates = [
        Rate(
            id=RateId(uuid.uuid4()),
            technician_id=None if which >= 3 else techs[which],
            vehicle=vehicles[1 + which % 2] if which >= 3 else "",
            valid_from=T0 + timedelta(hours=hours),
            amount=Money(Decimal(amount) / 100, TRY),
            fuel_per_km=Money(Decimal(fuel) / 100, TRY) if which >= 3 else None,
        )
        for which, hours, amount, fuel in rate_input
    ]
    cases: list[Case] = [
        make_case(
            company.id,
            technician_id=techs[tech],
            closed_at=T0 + timedelta(hours=tech),
            resolution="ok",
            reopen_count=reopened,
            resolution_met=met,
        )
        for tech, reopened, met in case_input
    ]
    entries = [
        make_entry(
            contract,
            company.id,
            minutes,
            kind=WorkKind.VISIT if vehicles[vehicle] else WorkKind.BACK_OFFICE,
            technician_id=techs[tech],
            vehicle=vehicles[vehicle],
            at=T0 + timedelta(hours=hours),
            km=Decimal(metres_) / 1000 if vehicles[vehicle] else Decimal(0),
            case_id=cases[minutes % len(cases)].id if cases else None,
        )
        for tech, vehicle, hours, minutes, metres_ in work_input
    ]
    with storage.unit_of_work() as uow:
        uow.companies.add(company)
        uow.service.contracts.add(contract)
        for case in cases:
            uow.service.cases.add(case)
        for rate in rates:
            uow.service.rates.add(rate)
        for entry in entries:
            uow.service.ledger.add(entry)
        uow.commit()
    start, end = T0 - timedelta(days=3), T0 + timedelta(days=3)
    with storage.unit_of_work() as uow:
        assert uow.service.reports.work_sums(contract=contract.id) == reference_sums(rates, entries)
        for case in cases:
            mine = [e for e in entries if e.case_id == case.id]
            assert uow.service.reports.work_sums(case=case.id) == reference_sums(rates, mine)
        customers = dict(uow.service.reports.customers(start, end))
        assert customers[company.id] == reference_sums(rates, entries)
        rows = {
            r.technician_id: r
            for r in uow.service.reports.technicians(start, end)
            if r.technician_id in techs
        }
    expected = {}
    for tech in techs:
        closed = [c for c in cases if c.technician_id == tech]
        if closed:
            ids = {c.id for c in closed}
            expected[tech] = (
                len(closed),
                sum(c.reopen_count == 0 for c in closed),
                sum(e.minutes for e in entries if e.case_id in ids),
                sum(c.resolution_met is not None for c in closed),
                sum(c.resolution_met is True for c in closed),
            )
    got = {t: (r.closed, r.first_time, r.minutes, r.sla_known, r.sla_met) for t, r in rows.items()}
    assert got == expected
