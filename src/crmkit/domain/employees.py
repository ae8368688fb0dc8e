"""Employees, positions and exits (SPEC §1, C8).

An employee belongs to a firm: the host company (``firm_id is None``) or one
of its distributors / dealers, so dealers can add their own staff. A
dismissal or resignation records the reason and exit date and clears the
login credentials at once; from then on the employee can do nothing (A5).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.fields import (
    aware_or_none,
    cleaned,
    cleaned_or_none,
    e164,
    email_shape,
    nonblank,
    parse_enum,
    positive_version,
)
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.limits import LABEL_MAX, limited
from crmkit.domain.parties import CompanyType
from crmkit.domain.periods import require_aware

__all__ = [
    "EMPLOYING_FIRM_TYPES",
    "Employee",
    "EmployeeStatus",
    "Position",
    "check_employing_firm",
]


class Position(enum.StrEnum):
    """An employee's position (C8); the access policy (§3) keys on it."""

    ADMIN = "admin"
    ADMIN_MANAGER = "admin_manager"
    MANAGER = "manager"
    EMPLOYEE = "employee"

    @property
    def manages(self) -> bool:
        """True for positions that may decide claims (C6), manager and above."""
        return self is not Position.EMPLOYEE

    @property
    def is_admin(self) -> bool:
        """True for ``admin`` and ``admin_manager`` (A2)."""
        return self in (Position.ADMIN, Position.ADMIN_MANAGER)


class EmployeeStatus(enum.StrEnum):
    """Employment status (C8)."""

    ACTIVE = "active"
    DISMISSED = "dismissed"
    RESIGNED = "resigned"


def _position(value: Position | str) -> Position:
    return parse_enum(Position, "position", value)


def _employee_status(value: EmployeeStatus | str) -> EmployeeStatus:
    return parse_enum(EmployeeStatus, "status", value)


EMPLOYING_FIRM_TYPES: frozenset[CompanyType] = frozenset(
    {CompanyType.DISTRIBUTOR, CompanyType.MAIN_DEALER, CompanyType.DEALER}
)
"""Company types that may have their own staff (C8); the host company always may."""


def check_employing_firm(firm_type: CompanyType) -> None:
    """Refuse an employee whose firm is a customer (C8).

    Raises:
        RuleViolation: rule ``C8``.
    """
    if firm_type not in EMPLOYING_FIRM_TYPES:
        raise RuleViolation(
            "C8",
            f"a {firm_type.value} cannot have staff; only the host company, distributors and dealers",
        )


@attrs.frozen(kw_only=True)
class Employee:
    """A person who works in the CRM (C8).

    Attributes:
        firm_id: the distributor/dealer employing him, ``None`` for the host company.
        login: the user name; ``None`` once he leaves.
        password_hash: the password hash; ``None`` once he leaves.
        exit_reason: why he left.
        exit_at: when he left (aware).
    """

    id: EmployeeId
    name: str = attrs.field(converter=cleaned, validator=[limited(LABEL_MAX), nonblank])
    position: Position = attrs.field(converter=_position)
    hired_at: datetime = attrs.field(validator=aware_or_none)
    firm_id: CompanyId | None = None
    department: str | None = attrs.field(default=None, converter=cleaned_or_none)
    manager_id: EmployeeId | None = None
    email: str | None = attrs.field(default=None, validator=email_shape)
    phone: str | None = attrs.field(default=None, validator=e164)
    status: EmployeeStatus = attrs.field(converter=_employee_status, default=EmployeeStatus.ACTIVE)
    login: str | None = None
    password_hash: str | None = attrs.field(default=None, repr=False)
    exit_reason: str | None = attrs.field(default=None, converter=cleaned_or_none)
    exit_at: datetime | None = attrs.field(default=None, validator=aware_or_none)
    version: int = attrs.field(default=1, validator=positive_version)

    def __attrs_post_init__(self) -> None:
        if self.manager_id is not None and self.manager_id == self.id:
            raise ValidationError("manager_id", "an employee cannot report to himself")
        if self.status is not EmployeeStatus.ACTIVE and (
            self.exit_at is None
            or self.exit_reason is None
            or self.login is not None
            or self.password_hash is not None
        ):
            raise ValidationError(
                "status", "a departed employee has an exit reason and date and no credentials"
            )

    @property
    def is_active(self) -> bool:
        """True while the employee has not been dismissed and has not resigned."""
        return self.status is EmployeeStatus.ACTIVE

    def can_act(self, at: datetime) -> bool:
        """True when the employee may do anything at ``at`` (C8, A5).

        A departed employee can do nothing from his exit date on; before it,
        history (what he did while employed) stays attributable to him.
        """
        require_aware("at", at)
        if self.is_active:
            return True
        return self.exit_at is not None and at < self.exit_at

    def _leave(self, status: EmployeeStatus, reason: str, at: datetime) -> Employee:
        if not self.is_active:
            raise RuleViolation("C8", f"{self.name} already left ({self.status.value})")
        if not reason or not reason.strip():
            raise ValidationError("reason", "a dismissal or resignation needs a reason")
        require_aware("exit_at", at)
        if at < self.hired_at:
            raise ValidationError("exit_at", "the exit date is before the hire date")
        return attrs.evolve(
            self, status=status, exit_reason=reason, exit_at=at, login=None, password_hash=None
        )

    def dismiss(self, reason: str, at: datetime) -> Employee:
        """Dismiss: record reason and exit date, clear credentials at once (C8)."""
        return self._leave(EmployeeStatus.DISMISSED, reason, at)

    def resign(self, reason: str, at: datetime) -> Employee:
        """Resign: record reason and exit date, clear credentials at once (C8)."""
        return self._leave(EmployeeStatus.RESIGNED, reason, at)

    def with_credentials(self, login: str, password_hash: str) -> Employee:
        """Give an active employee a login (C8).

        Raises:
            RuleViolation: rule ``C8`` for a departed employee.
        """
        if not self.is_active:
            raise RuleViolation("C8", f"{self.name} has left and cannot get credentials")
        if not login.strip():
            raise ValidationError("login", "must not be blank")
        return attrs.evolve(self, login=login.strip(), password_hash=password_hash)
