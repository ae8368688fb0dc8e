"""Employees: positions, firms, exits (C8) and "a departed employee can do nothing" (A5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from crmkit.domain.employees import (
    EMPLOYING_FIRM_TYPES,
    EmployeeStatus,
    Position,
    check_employing_firm,
)
from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import CompanyType
from crmkit.testing.clock import SequentialIds
from crmkit.testing.factories import WHEN as T0
from crmkit.testing.factories import make_employee

next_uuid = SequentialIds().new

EXIT = T0 + timedelta(days=30)


def test_c8_the_four_positions() -> None:
    assert [p.value for p in Position] == ["admin", "admin_manager", "manager", "employee"]


@pytest.mark.parametrize(
    ("position", "manages", "is_admin"),
    [
        (Position.ADMIN, True, True),
        (Position.ADMIN_MANAGER, True, True),
        (Position.MANAGER, True, False),
        (Position.EMPLOYEE, False, False),
    ],
)
def test_c8_position_powers(position: Position, manages: bool, is_admin: bool) -> None:
    assert position.manages is manages
    assert position.is_admin is is_admin


def test_c8_unknown_position_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        make_employee(position="boss")
    assert info.value.field == "position"
    assert "admin_manager" in info.value.reason


def test_c8_employee_fields() -> None:
    firm, boss = CompanyId(next_uuid()), EmployeeId(next_uuid())
    rep = make_employee(
        position="manager",
        firm_id=firm,
        department=" Satış  Destek ",
        manager_id=boss,
        email="omer@ornek.com.tr",
        phone="+905551112233",
    )
    assert rep.position is Position.MANAGER
    assert (rep.firm_id, rep.manager_id, rep.department) == (firm, boss, "Satış Destek")
    assert rep.status is EmployeeStatus.ACTIVE and rep.is_active


def test_c8_an_employee_cannot_report_to_himself() -> None:
    me = EmployeeId(next_uuid())
    with pytest.raises(ValidationError) as info:
        make_employee(id=me, manager_id=me)
    assert info.value.field == "manager_id"


@pytest.mark.parametrize("firm_type", [CompanyType.DISTRIBUTOR, CompanyType.MAIN_DEALER, CompanyType.DEALER])
def test_c8_distributors_and_dealers_may_have_staff(firm_type: CompanyType) -> None:
    check_employing_firm(firm_type)
    assert firm_type in EMPLOYING_FIRM_TYPES


def test_c8_customers_may_not_have_staff() -> None:
    with pytest.raises(RuleViolation) as info:
        check_employing_firm(CompanyType.CUSTOMER)
    assert info.value.rule == "C8"
    assert "customer cannot have staff" in info.value.message


@pytest.mark.parametrize(
    ("leave", "status"),
    [("dismiss", EmployeeStatus.DISMISSED), ("resign", EmployeeStatus.RESIGNED)],
)
def test_c8_exit_records_reason_and_date_and_clears_credentials(leave: str, status: EmployeeStatus) -> None:
    rep = make_employee().with_credentials("omer.gunes", "argon2$hash")
    assert (rep.login, rep.password_hash) == ("omer.gunes", "argon2$hash")
    gone = getattr(rep, leave)("Performans  yetersizliği", EXIT)
    assert gone.status is status
    assert not gone.is_active
    assert gone.exit_reason == "Performans yetersizliği"
    assert gone.exit_at == EXIT
    assert gone.login is None and gone.password_hash is None


@pytest.mark.parametrize("leave", ["dismiss", "resign"])
def test_c8_exit_needs_a_reason_an_aware_date_not_before_hiring(leave: str) -> None:
    rep = make_employee()
    with pytest.raises(ValidationError) as info:
        getattr(rep, leave)(" ", EXIT)
    assert info.value.field == "reason"
    with pytest.raises(ValidationError) as info:
        getattr(rep, leave)("neden", datetime(2026, 2, 1))
    assert info.value.field == "exit_at"
    with pytest.raises(ValidationError) as info:
        getattr(rep, leave)("neden", T0 - timedelta(seconds=1))
    assert info.value.field == "exit_at"


def test_c8_an_employee_leaves_only_once() -> None:
    gone = make_employee().dismiss("Disiplin", EXIT)
    with pytest.raises(RuleViolation, match="already left"):
        gone.resign("İstifa", EXIT + timedelta(days=1))
    with pytest.raises(RuleViolation) as info:
        gone.dismiss("Disiplin", EXIT)
    assert info.value.rule == "C8"


def test_c8_a_departed_employee_cannot_get_credentials_again() -> None:
    gone = make_employee().resign("Yeni iş", EXIT)
    with pytest.raises(RuleViolation) as info:
        gone.with_credentials("omer", "hash")
    assert info.value.rule == "C8"
    with pytest.raises(ValidationError) as blank:
        make_employee().with_credentials("  ", "hash")
    assert blank.value.field == "login"


@pytest.mark.parametrize(
    "changes",
    [
        {"exit_at": None},
        {"exit_reason": None},
        {"login": "geri.dondu"},
        {"password_hash": "hash"},
    ],
)
def test_c8_a_departed_employee_always_has_exit_data_and_no_credentials(
    changes: dict[str, Any],
) -> None:
    gone = make_employee().dismiss("Disiplin", EXIT)
    with pytest.raises(ValidationError) as info:
        attrs.evolve(gone, **changes)
    assert info.value.field == "status"


def test_c8_status_cannot_be_set_to_departed_without_the_exit_operation() -> None:
    with pytest.raises(ValidationError):
        make_employee(status="dismissed")
    with pytest.raises(ValidationError) as info:
        make_employee(status="on_leave")
    assert info.value.field == "status"


@pytest.mark.parametrize("leave", ["dismiss", "resign"])
def test_c8_a5_can_act_until_the_exit_instant_and_never_after(leave: str) -> None:
    gone = getattr(make_employee(), leave)("Sebep", EXIT)
    assert gone.can_act(EXIT - timedelta(seconds=1))
    assert not gone.can_act(EXIT)
    assert not gone.can_act(EXIT + timedelta(days=3650))


def test_c8_an_active_employee_can_act_and_the_instant_must_be_aware() -> None:
    rep = make_employee()
    assert rep.can_act(EXIT)
    with pytest.raises(ValidationError) as info:
        rep.can_act(datetime(2026, 1, 1))
    assert info.value.field == "at"


def test_c8_credentials_stay_out_of_repr() -> None:
    rep = make_employee().with_credentials("omer", "argon2$secret")
    assert "argon2$secret" not in repr(rep)
