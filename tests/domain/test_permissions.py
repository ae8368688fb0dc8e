"""The permission rules of ``crmkit.domain.permissions`` as decision tables (C6, C8, C9, C11, C12, A2, A6).

Each row: who acts (position, and ``firm`` for dealer staff), what the action
touches, the expected answer (``Y`` allowed, ``N`` denied) and the rule the
decision must name. Every denial's reason cites its rule too, so a host can
show it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crmkit.domain.access import Decision
from crmkit.domain.employees import Employee, Position
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.permissions import (
    may_act_on_company,
    may_assign_owner,
    may_decide_claim,
    may_end_employment,
    may_hire,
    may_move_company,
    may_read_changes_by,
    may_set_credentials,
    may_set_parameters,
    may_shape_territory,
    portal_decision,
)
from tests.domain._factories import company, employee, next_uuid

FIRM = CompanyId(next_uuid())
OTHER_FIRM = CompanyId(next_uuid())


def person(kind: str) -> Employee:
    """An employee of the host company by position, or ``dealer_manager``/``dealer_staff`` of FIRM."""
    if kind.startswith("dealer_"):
        position = Position.MANAGER if kind == "dealer_manager" else Position.EMPLOYEE
        return employee(position, firm_id=FIRM)
    return employee(Position(kind))


def check(decision: Decision, expected: str, rule: str) -> None:
    assert ("Y" if decision.allowed else "N") == expected, decision
    assert decision.rule == rule
    if not decision.allowed:
        with pytest.raises(PermissionDenied) as info:
            decision.enforce()
        assert info.value.reason == decision.reason
        assert info.value.rule == rule


# actor, firm hired into (host / firm / other), position hired (- : not yet known), answer
HIRE = """
admin          host  -        Y
admin          firm  admin    Y
admin_manager  other manager  Y
manager        host  -        N
employee       host  -        N
dealer_manager firm  manager  Y
dealer_manager firm  employee Y
dealer_manager firm  admin    N
dealer_manager firm  -        Y
dealer_manager other -        N
dealer_manager host  -        N
dealer_staff   firm  -        N
"""
FIRMS = {"host": None, "firm": FIRM, "other": OTHER_FIRM}


@pytest.mark.parametrize("row", [line.split() for line in HIRE.strip().splitlines()])
def test_c8_who_may_hire_where(row: list[str]) -> None:
    actor, firm, position, expected = row
    hired = None if position == "-" else Position(position)
    check(may_hire(person(actor), FIRMS[firm], hired), expected, "C8")


# actor, whose employment ends (self / report: his direct report / other), resign?, answer
LEAVE = """
admin          other  dismiss Y
admin_manager  other  resign  Y
manager        report dismiss Y
manager        other  dismiss N
manager        self   resign  Y
employee       self   resign  Y
employee       self   dismiss N
employee       other  resign  N
dealer_manager report dismiss Y
"""


@pytest.mark.parametrize("row", [line.split() for line in LEAVE.strip().splitlines()])
def test_c8_who_may_end_whose_employment(row: list[str]) -> None:
    actor_kind, whose, how, expected = row
    actor = person(actor_kind)
    target = {
        "self": actor,
        "report": employee(manager_id=actor.id),
        "other": employee(manager_id=EmployeeId(next_uuid())),
    }[whose]
    check(may_end_employment(actor, target, resign=how == "resign"), expected, "C8")


@pytest.mark.parametrize(
    ("actor_kind", "self_target", "expected"),
    [("admin", False, "Y"), ("employee", True, "Y"), ("employee", False, "N"), ("manager", False, "N")],
)
def test_c8_who_may_set_a_password(actor_kind: str, self_target: bool, expected: str) -> None:
    actor = person(actor_kind)
    check(may_set_credentials(actor, actor if self_target else employee()), expected, "C8")


# actor, territory (A2), move company (A2), assign owner (C6), parameters (C9), changes by (C12)
ADMIN_ONLY = """
admin          Y Y Y Y Y
admin_manager  Y Y Y Y Y
manager        N N Y N N
employee       N N N N N
dealer_manager N N Y N N
"""


@pytest.mark.parametrize("row", [line.split() for line in ADMIN_ONLY.strip().splitlines()])
def test_a2_c6_c9_c12_position_rules(row: list[str]) -> None:
    actor = person(row[0])
    rules: list[tuple[Callable[[Employee], Decision], str]] = [
        (may_shape_territory, "A2"),
        (may_move_company, "A2"),
        (may_assign_owner, "C6"),
        (may_set_parameters, "C9"),
        (may_read_changes_by, "C12"),
    ]
    for (rule_of, rule), expected in zip(rules, row[1:], strict=True):
        check(rule_of(actor), expected, rule)


# actor, claimant (self / other / unknown: the claim not read yet), answer
CLAIMS = """
admin          self    Y
admin_manager  self    Y
manager        other   Y
manager        self    N
manager        unknown Y
employee       other   N
employee       unknown N
dealer_manager other   Y
"""


@pytest.mark.parametrize("row", [line.split() for line in CLAIMS.strip().splitlines()])
def test_c6_who_may_decide_which_claim(row: list[str]) -> None:
    actor_kind, claimant, expected = row
    actor = person(actor_kind)
    who = {"self": actor.id, "other": EmployeeId(next_uuid()), "unknown": None}[claimant]
    check(may_decide_claim(actor, who), expected, "C6")


# actor, company (firm itself / under the firm / elsewhere / none), answer
SCOPE = """
admin          elsewhere Y
employee       elsewhere Y
dealer_staff   firm      Y
dealer_staff   under     Y
dealer_manager under     Y
dealer_staff   elsewhere N
dealer_staff   none      N
"""


@pytest.mark.parametrize("row", [line.split() for line in SCOPE.strip().splitlines()])
def test_a6_dealer_staff_act_only_under_their_firm(row: list[str]) -> None:
    actor_kind, where, expected = row
    target, ancestors = {
        "firm": (FIRM, ()),
        "under": (CompanyId(next_uuid()), (OTHER_FIRM, FIRM)),
        "elsewhere": (CompanyId(next_uuid()), (OTHER_FIRM,)),
        "none": (None, ()),
    }[where]
    check(may_act_on_company(person(actor_kind), target, ancestors), expected, "A6")


# actor, company has an invoice or contract, company has an e-mail, answer
PORTAL = """
admin          yes yes Y
admin_manager  yes yes Y
admin          no  yes N
admin          yes no  N
manager        yes yes N
employee       yes yes N
"""


@pytest.mark.parametrize("row", [line.split() for line in PORTAL.strip().splitlines()])
def test_c11_who_may_send_a_portal_password(row: list[str]) -> None:
    actor_kind, invoiced, mail, expected = row
    target = company(has_invoice=invoiced == "yes", email="bilgi@firma.com.tr" if mail == "yes" else None)
    check(portal_decision(person(actor_kind), target), expected, "C11")
