"""Small explicit builders for domain tests (fixed ids and times, readable failures)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from crmkit.domain.employees import Employee, Position
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId
from crmkit.domain.parties import Claim, Company, CompanyType, Contact

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_counter = iter(range(1, 10**9))


def next_uuid() -> uuid.UUID:
    return uuid.UUID(int=next(_counter))


def company(type: CompanyType | str = CompanyType.CUSTOMER, **fields: Any) -> Company:
    fields.setdefault("id", CompanyId(next_uuid()))
    fields.setdefault("name", "Çağlayan Şişe Sanayi A.Ş.")
    fields.setdefault("registered_at", T0)
    return Company(type=type, **fields)


def contact(company_id: CompanyId, **fields: Any) -> Contact:
    fields.setdefault("id", ContactId(next_uuid()))
    fields.setdefault("name", "Ayşe Yılmaz")
    return Contact(company_id=company_id, **fields)


def employee(position: Position | str = Position.EMPLOYEE, **fields: Any) -> Employee:
    fields.setdefault("id", EmployeeId(next_uuid()))
    fields.setdefault("name", "Ömer Güneş")
    fields.setdefault("hired_at", T0)
    return Employee(position=position, **fields)


def claim(company_id: CompanyId, claimant_id: EmployeeId | None = None, **fields: Any) -> Claim:
    fields.setdefault("id", ClaimId(next_uuid()))
    fields.setdefault("requested_at", T0)
    return Claim(company_id=company_id, claimant_id=claimant_id or EmployeeId(next_uuid()), **fields)
