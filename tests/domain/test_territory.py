"""Pure territory rules: the region tree (T1), teams (T2), codes (T3) and dated assignments (T4)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    OwnerAssignment,
    OwnerAssignmentId,
    Region,
    RegionId,
    SalesTeam,
    Specialisation,
    TeamId,
    TeamRole,
    Validity,
    check_code_region,
    check_no_owner_overlap,
    codes_at,
    teams_at,
)

JAN = datetime(2026, 1, 1, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)
APR = datetime(2026, 4, 1, tzinfo=UTC)
JUL = datetime(2026, 7, 1, tzinfo=UTC)


def region(name: str, parent: Region | None = None) -> Region:
    return Region(id=RegionId(uuid.uuid4()), name=name, parent_id=None if parent is None else parent.id)


def link(team: TeamId, code: str, start: datetime, end: datetime | None = None) -> CodeLink:
    return CodeLink(id=CodeLinkId(uuid.uuid4()), team_id=team, code=code, validity=Validity(start, end))


def owner(
    company: CompanyId, rep: EmployeeId, start: datetime, end: datetime | None = None
) -> OwnerAssignment:
    return OwnerAssignment(
        id=OwnerAssignmentId(uuid.uuid4()), company_id=company, employee_id=rep, validity=Validity(start, end)
    )


# -- T1 -----------------------------------------------------------------------------------


def test_t1_move_subtree_under_another_region() -> None:
    europe = region("Avrupa")
    turkey = region("Türkiye", europe)
    asia = region("Asya")
    moved = turkey.move_under(asia, [])
    assert moved.parent_id == asia.id
    assert turkey.move_under(None, []).parent_id is None


def test_t1_moving_a_region_under_its_own_descendant_is_a_cycle() -> None:
    europe = region("Avrupa")
    turkey = region("Türkiye", europe)
    marmara = region("Marmara", turkey)
    with pytest.raises(RuleViolation) as caught:
        europe.move_under(marmara, [turkey.id, europe.id])
    assert caught.value.rule == "T1"
    with pytest.raises(RuleViolation, match="T1"):
        europe.move_under(europe, [])


def test_t1_a_region_cannot_be_its_own_parent() -> None:
    rid = RegionId(uuid.uuid4())
    with pytest.raises(RuleViolation, match="T1"):
        Region(id=rid, name="Doğu", parent_id=rid)


# -- T2 -----------------------------------------------------------------------------------


def test_t2_specialised_team_names_its_focus() -> None:
    team = SalesTeam(
        id=TeamId(uuid.uuid4()),
        name="Hijyen Ekibi",
        region_id=RegionId(uuid.uuid4()),
        specialisation="product_category",
        focus="Hijyen",
    )
    assert team.specialisation is Specialisation.PRODUCT_CATEGORY
    with pytest.raises(ValidationError) as caught:
        SalesTeam(
            id=TeamId(uuid.uuid4()), name="X", region_id=RegionId(uuid.uuid4()), specialisation="product"
        )
    assert caught.value.field == "focus"
    with pytest.raises(ValidationError, match="specialisation"):
        SalesTeam(id=TeamId(uuid.uuid4()), name="X", region_id=RegionId(uuid.uuid4()), specialisation="nope")


def test_t2_member_roles() -> None:
    m = Membership(
        id=MembershipId(uuid.uuid4()),
        team_id=TeamId(uuid.uuid4()),
        employee_id=EmployeeId(uuid.uuid4()),
        role="region_responsible",
        validity=Validity(JAN),
    )
    assert m.role is TeamRole.REGION_RESPONSIBLE
    assert {r.value for r in TeamRole} >= {"region_responsible", "team_leader", "manager", "director"}


# -- T4 -----------------------------------------------------------------------------------


def test_t4_validity_is_half_open() -> None:
    q1 = Validity(JAN, APR)
    assert q1.contains(JAN)
    assert q1.contains(APR - timedelta(seconds=1))
    assert not q1.contains(APR)
    assert not q1.contains(JAN - timedelta(seconds=1))
    assert Validity(JAN).contains(datetime(2099, 1, 1, tzinfo=UTC))


def test_t4_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        Validity(APR, JAN)
    assert caught.value.rule == "T4"
    with pytest.raises(RuleViolation, match="T4"):
        Validity(APR, APR)


def test_t4_validity_needs_aware_times() -> None:
    with pytest.raises(ValidationError):
        Validity(datetime(2026, 1, 1))


@given(st.integers(0, 50), st.integers(1, 50), st.integers(0, 50), st.integers(1, 50), st.integers(-5, 110))
def test_t4_overlap_means_a_shared_moment(a: int, la: int, b: int, lb: int, probe: int) -> None:
    day = timedelta(days=1)
    x = Validity(JAN + a * day, JAN + (a + la) * day)
    y = Validity(JAN + b * day, JAN + (b + lb) * day)
    shared = any(x.contains(JAN + d * day) and y.contains(JAN + d * day) for d in range(0, 101))
    assert x.overlaps(y) == y.overlaps(x) == shared
    at = JAN + probe * day
    assert x.contains(at) == (a <= probe < a + la)


def test_t4_overlapping_owners_of_one_customer_are_refused() -> None:
    company = CompanyId(uuid.uuid4())
    first = owner(company, EmployeeId(uuid.uuid4()), JAN, APR)
    check_no_owner_overlap(owner(company, EmployeeId(uuid.uuid4()), APR), [first])  # back to back: fine
    check_no_owner_overlap(owner(CompanyId(uuid.uuid4()), EmployeeId(uuid.uuid4()), MAR), [first])
    with pytest.raises(RuleViolation) as caught:
        check_no_owner_overlap(owner(company, EmployeeId(uuid.uuid4()), MAR), [first])
    assert caught.value.rule == "T4"


def test_t4_a_reorganisation_recorded_in_advance_takes_effect_on_its_date() -> None:
    rep = EmployeeId(uuid.uuid4())
    north, south = TeamId(uuid.uuid4()), TeamId(uuid.uuid4())
    memberships = [
        Membership(
            id=MembershipId(uuid.uuid4()), team_id=north, employee_id=rep, validity=Validity(JAN, JUL)
        ),
        Membership(id=MembershipId(uuid.uuid4()), team_id=south, employee_id=rep, validity=Validity(JUL)),
    ]
    links = [link(north, "M-01", JAN), link(south, "M-02", JAN), link(south, "M-03", JAN, MAR)]
    assert teams_at(memberships, MAR) == {north}
    assert teams_at(memberships, JUL) == {south}
    assert codes_at(links, teams_at(memberships, MAR), MAR) == {"M-01"}
    assert codes_at(links, teams_at(memberships, JUL), JUL) == {"M-02"}
    assert codes_at(links, [south], JAN) == {"M-02", "M-03"}


# -- T3 -----------------------------------------------------------------------------------


def test_t3_a_code_belongs_to_one_region_at_a_time() -> None:
    marmara, east = RegionId(uuid.uuid4()), RegionId(uuid.uuid4())
    t1, t2, t3 = TeamId(uuid.uuid4()), TeamId(uuid.uuid4()), TeamId(uuid.uuid4())
    held = link(t1, "M-07", JAN, APR)
    check_code_region(link(t2, "M-07", JAN), marmara, [(held, marmara)])  # same region: shared
    check_code_region(link(t3, "M-07", APR), east, [(held, marmara)])  # after it ends: moved
    with pytest.raises(RuleViolation) as caught:
        check_code_region(link(t3, "M-07", MAR), east, [(held, marmara)])
    assert caught.value.rule == "T3"
    with pytest.raises(RuleViolation, match="T3"):
        check_code_region(link(t1, "M-07", MAR), marmara, [(held, marmara)])
