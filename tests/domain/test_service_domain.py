"""Service values (S1–S3, S6, S7): contracts, the ledger's overage, bookings, cases, search terms."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.cases import DEFAULT_CASE_WORKFLOW, CaseEvent, pauses
from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.knowledge import index_terms, query_terms
from crmkit.domain.periods import Period
from crmkit.domain.planning import clashes, refuse_clashes
from crmkit.domain.service import Balance, WorkKind, covering_contract, hours_to_minutes, overage
from crmkit.testing.contracts.service import T0, TECH, make_booking, make_case, make_contract, make_entry

COMPANY = CompanyId(uuid.UUID(int=1))


@given(st.integers(0, 3000), st.lists(st.integers(0, 500), max_size=30))
def test_flagged_overage_adds_up_to_what_is_used_beyond_the_allowance(
    allowance: int, charges: list[int]
) -> None:
    contract = make_contract(COMPANY, allowance_minutes=allowance, allowance_visits=None)
    used = flagged = 0
    for minutes in charges:
        over, _ = overage(
            contract, Balance.of(contract, used_minutes=used, used_visits=0), minutes=minutes, visits=0
        )
        assert 0 <= over <= minutes
        flagged += over
        used += minutes
    assert flagged == max(used - allowance, 0)
    assert Balance.of(contract, used_minutes=used, used_visits=0).over_minutes == flagged


def test_without_a_contract_everything_is_billable() -> None:
    assert overage(None, None, minutes=45, visits=1) == (45, 1)


def test_contract_rules_name_the_field() -> None:
    for change, field in (
        ({"ends_on": date(2025, 12, 31)}, "ends_on"),
        ({"allowance_minutes": None, "allowance_visits": None}, "allowance"),
        ({"allowance_minutes": -1}, "allowance_hours"),
        ({"allowance_visits": -1}, "allowance_visits"),
        ({"title": " "}, "title"),
        ({"resolution_minutes": 0}, "resolution_hours"),
    ):
        with pytest.raises(ValidationError) as caught:
            make_contract(COMPANY, **change)
        assert caught.value.field == field


def test_renewal_carries_unused_hours_only_when_agreed() -> None:
    keep = make_contract(COMPANY, carry_over=True)
    new = keep.renew(
        id=keep.id,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        price=keep.price,
        remaining_minutes=90,
        created_at=T0,
    )
    assert (new.carried_minutes, new.granted_minutes, new.renewed_from) == (90, 690, keep.id)
    lose = attrs.evolve(keep, carry_over=False)
    assert (
        lose.renew(
            id=keep.id,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            price=keep.price,
            remaining_minutes=90,
            created_at=T0,
        ).carried_minutes
        == 0
    )
    overdrawn = keep.renew(
        id=keep.id,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        price=keep.price,
        remaining_minutes=-30,
        created_at=T0,
    )
    assert overdrawn.carried_minutes == 0


def test_the_product_contract_wins_over_the_general_one() -> None:
    general = make_contract(COMPANY)
    pump = make_contract(COMPANY, product="Pompa")
    later = make_contract(COMPANY, starts_on=date(2026, 6, 1))
    assert covering_contract([general, pump], COMPANY, "Pompa", date(2026, 3, 1)) == pump
    assert covering_contract([general, pump], COMPANY, "Kompresör", date(2026, 3, 1)) == general
    assert covering_contract([general, later], COMPANY, "", date(2026, 7, 1)) == later
    assert covering_contract([general], COMPANY, "", date(2027, 1, 1)) is None


def test_hours_are_whole_minutes() -> None:
    assert hours_to_minutes("h", Decimal("1.25")) == 75
    assert hours_to_minutes("h", "2") == 120
    for bad in (1.5, "x", "0.001", True):
        with pytest.raises(ValidationError):
            hours_to_minutes("h", bad)


def test_entries_refuse_negative_amounts_outside_corrections() -> None:
    contract = make_contract(COMPANY)
    with pytest.raises(ValidationError) as caught:
        make_entry(contract, COMPANY, -5)
    assert caught.value.field == "minutes"
    with pytest.raises(ValidationError) as caught:
        make_entry(contract, COMPANY, 5, kind=WorkKind.VISIT, km=Decimal("-1"))
    assert caught.value.field == "km"
    with pytest.raises(ValidationError) as caught:
        make_entry(contract, COMPANY, 5, km=Decimal("3"))  # km on back-office work
    assert caught.value.field == "kind"
    first = make_entry(contract, COMPANY, 30)
    assert make_entry(contract, COMPANY, -10, corrects=first.id).minutes == -10


def test_bookings_overlap_half_open_and_clash_per_resource() -> None:
    a = make_booking(T0)
    assert clashes(make_booking(T0 + timedelta(hours=2)), [a]) == []
    assert clashes(make_booking(T0 + timedelta(hours=1), technician_id=None, vehicle="06 X 1"), [a]) == []
    other_tech = make_booking(T0, technician_id=EmployeeId(uuid.uuid4()), vehicle="06 X 1")
    assert clashes(other_tech, [a]) == []
    with pytest.raises(RuleViolation) as caught:
        refuse_clashes(make_booking(T0 + timedelta(minutes=90), vehicle="06 X 1"), [a])
    assert caught.value.rule == "S6" and f"technician:{TECH.hex}" in caught.value.message
    with pytest.raises(ValidationError) as refused:
        make_booking(T0, technician_id=None, vehicle=" ")
    assert refused.value.field == "resource"


def test_case_pauses_come_from_the_stage_events() -> None:
    case = make_case(COMPANY)
    events = [
        CaseEvent(case_id=case.id, seq=1, at=T0, stage="new", paused=False, moved_by=TECH),
        CaseEvent(
            case_id=case.id,
            seq=2,
            at=T0 + timedelta(hours=1),
            stage="waiting_customer",
            paused=True,
            moved_by=TECH,
        ),
        CaseEvent(
            case_id=case.id,
            seq=3,
            at=T0 + timedelta(hours=3),
            stage="in_progress",
            paused=False,
            moved_by=TECH,
        ),
        CaseEvent(
            case_id=case.id,
            seq=4,
            at=T0 + timedelta(hours=5),
            stage="waiting_customer",
            paused=True,
            moved_by=TECH,
        ),
    ]
    until = T0 + timedelta(hours=6)
    assert pauses(events, until) == [
        Period(T0 + timedelta(hours=1), T0 + timedelta(hours=3)),
        Period(T0 + timedelta(hours=5), until),
    ]
    assert pauses(events, T0 + timedelta(hours=2)) == [
        Period(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    ]


def test_case_moves_close_and_reopen() -> None:
    case = make_case(COMPANY)
    moved, _ = case.move(DEFAULT_CASE_WORKFLOW, "in_progress", T0 + timedelta(minutes=5))
    assert (moved.first_response_at, moved.closed_at) == (T0 + timedelta(minutes=5), None)
    closed, _ = moved.move(DEFAULT_CASE_WORKFLOW, "resolved", T0 + timedelta(hours=1), resolution="Tamam")
    assert closed.is_closed and closed.resolution == "Tamam"
    again = closed.reopen(DEFAULT_CASE_WORKFLOW, T0 + timedelta(days=1))
    assert (again.stage, again.reopen_count, again.closed_at) == ("new", 1, None)
    with pytest.raises(ValidationError) as caught:
        make_case(COMPANY, channel="fax")
    assert caught.value.field == "channel"
    other = attrs.evolve(DEFAULT_CASE_WORKFLOW, version=2)
    with pytest.raises(ValidationError) as caught:
        case.move(other, "in_progress", T0)
    assert caught.value.field == "workflow"


def test_search_terms_fold_turkish_and_keep_the_heaviest_place() -> None:
    terms = index_terms(title="IĞDIR şubesi", body="ığdır İSTANBUL", keywords=("Şube",))
    assert terms == {"igdir": 2, "subesi": 2, "istanbul": 1, "sube": 3}
    assert query_terms("İstanbul ISTANBUL istanbul") == ["istanbul"]
