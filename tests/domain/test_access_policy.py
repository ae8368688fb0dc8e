"""The access policy as an explicit allow/deny table (A1–A6), the way Casbin and OpenFGA test models.

Each row names a position, the A1 switch and how the company relates to the
actor; the four letters are the expected answers for view, create, update
and delete (``Y`` allowed, ``N`` denied). Every row is checked for ``decide``
and, for *view*, against ``visible`` (A7).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crmkit.domain.access import (
    Action,
    Actor,
    AgendaResource,
    CompanyResource,
    ContactResource,
    Decision,
    InteractionResource,
    Resource,
    decide,
    require_can_act,
    visibility_predicate,
)
from crmkit.domain.employees import Employee, EmployeeStatus, Position
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.predicates import (
    EVERYTHING,
    NOTHING,
    CodeIn,
    CompanyFacts,
    FirmSubtree,
    all_of,
    matches,
)
from crmkit.domain.territory import CodeLink, CodeLinkId, Membership, MembershipId, TeamId, Validity
from crmkit.testing.factories import make_employee

HIRED = datetime(2025, 1, 1, tzinfo=UTC)
AT = datetime(2026, 3, 1, 10, tzinfo=UTC)
TEAM = TeamId(uuid.uuid4())
OTHER = EmployeeId(uuid.uuid4())
ACTIONS = (Action.VIEW, Action.CREATE, Action.UPDATE, Action.DELETE)


def actor(position: Position, *, switch: bool, firm: CompanyId | None = None, **kw: object) -> Actor:
    employee = make_employee(position=position, hired_at=HIRED, firm_id=firm, **kw)
    member = Membership(
        id=MembershipId(uuid.uuid4()), team_id=TEAM, employee_id=employee.id, validity=Validity(HIRED)
    )
    held = CodeLink(id=CodeLinkId(uuid.uuid4()), team_id=TEAM, code="M-01", validity=Validity(HIRED))
    return Actor(employee=employee, memberships=(member,), links=(held,), regional_access=switch)


def company(who: Actor, relation: str, lineage: frozenset[CompanyId] = frozenset()) -> CompanyFacts:
    code = "M-01" if relation.endswith("_in") else "M-99"
    owner = who.employee.id if relation.startswith("own") else OTHER
    return CompanyFacts(id=CompanyId(uuid.uuid4()), code=code, owner_id=owner, lineage=lineage)


# position, switch, relation, view/create/update/delete
TABLE = """
admin          off own_in    YYYY
admin          off other_out YYYY
admin          on  own_in    YYYY
admin          on  other_in  YYYY
admin          on  other_out YYYY
admin_manager  off other_out YYYY
admin_manager  on  other_out YYYY
admin_manager  on  own_out   YYYY
manager        off other_in  YYYY
manager        off other_out YYYY
manager        on  own_in    YYYY
manager        on  other_in  YYYY
manager        on  own_out   NNNN
manager        on  other_out NNNN
employee       off own_in    YYYY
employee       off own_out   YYYY
employee       off other_in  YYNN
employee       off other_out YYNN
employee       on  own_in    YYYY
employee       on  other_in  YYNN
employee       on  own_out   NNNN
employee       on  other_out NNNN
"""
ROWS = [tuple(line.split()) for line in TABLE.strip().splitlines()]


@pytest.mark.parametrize(("position", "switch", "relation", "expected"), ROWS)
def test_a1_a2_a3_decision_table(position: str, switch: str, relation: str, expected: str) -> None:
    who = actor(Position(position), switch=switch == "on")
    facts = company(who, relation)
    got = "".join("Y" if decide(who, a, CompanyResource(company=facts), AT) else "N" for a in ACTIONS)
    assert got == expected, [decide(who, a, CompanyResource(company=facts), AT).reason for a in ACTIONS]
    assert matches(visibility_predicate(who, AT), facts) == (expected[0] == "Y")


@pytest.mark.parametrize("status", [EmployeeStatus.DISMISSED, EmployeeStatus.RESIGNED])
@pytest.mark.parametrize("position", list(Position))
@pytest.mark.parametrize("switch", [True, False])
def test_a5_departed_employees_can_do_nothing(
    status: EmployeeStatus, position: Position, switch: bool
) -> None:
    exit_at = AT - timedelta(days=1)
    who = actor(position, switch=switch, status=status, exit_at=exit_at, exit_reason="Ayrıldı")
    assert visibility_predicate(who, AT) == NOTHING
    assert visibility_predicate(who, exit_at) == NOTHING
    facts = company(who, "own_in")
    resources: list[Resource] = [
        CompanyResource(company=facts),
        ContactResource(company=facts),
        InteractionResource(company=facts, owner_id=who.employee.id),
        AgendaResource(created_by=who.employee.id),
    ]
    for resource in resources:
        for action in ACTIONS:
            decision = decide(who, action, resource, AT)
            assert not decision
            assert "(A5)" in decision.reason
    # before his exit date his rights were those of an active employee
    assert decide(who, Action.VIEW, CompanyResource(company=facts), exit_at - timedelta(seconds=1))


@pytest.mark.parametrize("position", list(Position))
def test_a6_dealer_staff_see_only_their_firms_subtree(position: Position) -> None:
    firm = CompanyId(uuid.uuid4())
    who = actor(position, switch=False, firm=firm)
    inside = company(who, "own_in", lineage=frozenset({firm, CompanyId(uuid.uuid4())}))
    outside = company(who, "own_in", lineage=frozenset({CompanyId(uuid.uuid4())}))
    the_firm = CompanyFacts(id=firm, code="M-01", owner_id=who.employee.id)
    assert visibility_predicate(who, AT) == FirmSubtree(firm)
    for facts in (inside, the_firm):
        assert decide(who, Action.UPDATE, CompanyResource(company=facts), AT)
    for action in ACTIONS:
        denied = decide(who, action, CompanyResource(company=outside), AT)
        assert not denied
        assert "(A6)" in denied.reason
    assert not decide(who, Action.VIEW, ContactResource(company=outside), AT)


def test_a6_with_the_switch_on_dealer_staff_need_both_firm_and_code() -> None:
    firm = CompanyId(uuid.uuid4())
    who = actor(Position.EMPLOYEE, switch=True, firm=firm)
    assert visibility_predicate(who, AT) == all_of(FirmSubtree(firm), CodeIn(frozenset({"M-01"}), at=AT))


def test_a2_admins_see_everything() -> None:
    for position in (Position.ADMIN, Position.ADMIN_MANAGER):
        assert visibility_predicate(actor(position, switch=True), AT) == EVERYTHING


def test_a1_reason_names_the_code_and_the_rule() -> None:
    who = actor(Position.EMPLOYEE, switch=True, name="Gülşen Çelik")
    decision = decide(who, Action.VIEW, CompanyResource(company=company(who, "other_out"), name="Ege"), AT)
    assert decision.reason == "Gülşen Çelik is not in a team holding code M-99 on 2026-03-01 (A1)"
    with pytest.raises(PermissionDenied) as caught:
        decision.enforce()
    assert caught.value.reason == decision.reason


def test_a1_a_company_without_code_is_seen_only_by_admins_when_the_switch_is_on() -> None:
    who = actor(Position.MANAGER, switch=True)
    facts = CompanyFacts(id=CompanyId(uuid.uuid4()))
    assert not decide(who, Action.VIEW, CompanyResource(company=facts), AT)
    assert not matches(visibility_predicate(who, AT), facts)
    assert decide(actor(Position.ADMIN, switch=True), Action.VIEW, CompanyResource(company=facts), AT)


def test_a1_membership_ending_ends_visibility() -> None:
    who = actor(Position.EMPLOYEE, switch=True)
    ended = Membership(
        id=who.memberships[0].id,
        team_id=TEAM,
        employee_id=who.employee.id,
        validity=Validity(HIRED, AT),
    )
    later = Actor(employee=who.employee, memberships=(ended,), links=who.links, regional_access=True)
    facts = company(who, "own_in")
    assert decide(later, Action.VIEW, CompanyResource(company=facts), AT - timedelta(seconds=1))
    assert not decide(later, Action.VIEW, CompanyResource(company=facts), AT)
    assert visibility_predicate(later, AT) == NOTHING


def test_c4_contacts_of_every_company_are_visible_even_with_the_switch_on() -> None:
    who = actor(Position.EMPLOYEE, switch=True)
    outside = company(who, "other_out")
    assert decide(who, Action.VIEW, ContactResource(company=outside), AT)
    assert not decide(who, Action.UPDATE, ContactResource(company=outside), AT)
    assert decide(who, Action.UPDATE, ContactResource(company=company(who, "own_in")), AT)


# position → may change someone else's interaction on a visible company (A3)
@pytest.mark.parametrize(
    ("position", "others"), [("admin", True), ("admin_manager", True), ("manager", True), ("employee", False)]
)
def test_a3_interactions(position: str, others: bool) -> None:
    who = actor(Position(position), switch=True)
    facts = company(who, "other_in")
    mine = InteractionResource(company=facts, owner_id=who.employee.id)
    theirs = InteractionResource(company=facts, owner_id=OTHER)
    for action in ACTIONS:
        assert decide(who, action, mine, AT)
        assert bool(decide(who, action, theirs, AT)) == (others or action is Action.VIEW)
    hidden = InteractionResource(company=company(who, "own_out"), owner_id=who.employee.id)
    assert bool(decide(who, Action.VIEW, hidden, AT)) == Position(position).is_admin


@pytest.mark.parametrize("position", list(Position))
@pytest.mark.parametrize("kind", ["appointment", "reminder"])
def test_a4_shared_agenda_only_the_creator_changes(position: Position, kind: str) -> None:
    who = actor(position, switch=True)
    mine = AgendaResource(created_by=who.employee.id, kind=kind)
    theirs = AgendaResource(created_by=OTHER, kind=kind)
    assert [bool(decide(who, a, mine, AT)) for a in ACTIONS] == [True] * 4
    assert [bool(decide(who, a, theirs, AT)) for a in ACTIONS] == [True, True, False, False]
    assert "(A4)" in decide(who, Action.UPDATE, theirs, AT).reason


def test_decision_and_require_can_act_keep_their_shape() -> None:
    gone: Employee = make_employee(
        status="resigned", exit_at=AT, exit_reason="Emeklilik", hired_at=HIRED, name="Ali Veli"
    )
    assert require_can_act(gone, AT) == Decision(
        False, "Ali Veli is resigned since 2026-03-01 and can do nothing (A5)"
    )
    assert bool(Decision.allow("ok")) and not Decision.deny("no")
