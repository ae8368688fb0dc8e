"""Events of the parties module (SPEC §1), published after commit."""

from __future__ import annotations

from typing import ClassVar

import attrs

from crmkit.domain.events import DomainEvent
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId

__all__ = [
    "ClaimDecided",
    "ClaimRequested",
    "CompanyRegistered",
    "CompanyStatusChanged",
    "EmployeeHired",
    "EmployeeLeft",
    "PrimaryContactChanged",
]


@attrs.frozen(kw_only=True)
class CompanyRegistered(DomainEvent):
    """A company was registered (C1, C2)."""

    name: ClassVar[str] = "company.registered"
    company_id: CompanyId
    by: EmployeeId


@attrs.frozen(kw_only=True)
class CompanyStatusChanged(DomainEvent):
    """A company's status moved forward (C5)."""

    name: ClassVar[str] = "company.status_changed"
    company_id: CompanyId
    old: str
    new: str


@attrs.frozen(kw_only=True)
class PrimaryContactChanged(DomainEvent):
    """A company's primary contact was changed (C4)."""

    name: ClassVar[str] = "company.primary_contact_changed"
    company_id: CompanyId
    contact_id: ContactId
    by: EmployeeId


@attrs.frozen(kw_only=True)
class ClaimRequested(DomainEvent):
    """A rep claimed an unowned company (C6)."""

    name: ClassVar[str] = "claim.requested"
    claim_id: ClaimId
    company_id: CompanyId
    claimant_id: EmployeeId


@attrs.frozen(kw_only=True)
class ClaimDecided(DomainEvent):
    """A manager approved or rejected a claim (C6)."""

    name: ClassVar[str] = "claim.decided"
    claim_id: ClaimId
    company_id: CompanyId
    approved: bool
    by: EmployeeId


@attrs.frozen(kw_only=True)
class EmployeeHired(DomainEvent):
    """An employee was added (C8)."""

    name: ClassVar[str] = "employee.hired"
    employee_id: EmployeeId
    by: EmployeeId | None


@attrs.frozen(kw_only=True)
class EmployeeLeft(DomainEvent):
    """An employee was dismissed or resigned; his access is gone (C8)."""

    name: ClassVar[str] = "employee.left"
    employee_id: EmployeeId
    status: str
    reason: str
