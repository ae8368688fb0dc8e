"""Small factories of valid domain objects for tests and examples.

Each ``make_*`` function returns a valid, frozen entity with sensible Turkish
defaults and a fresh random id; any field can be overridden by keyword::

    >>> from crmkit.domain.parties import CompanyType
    >>> dealer = make_company(name="Çağlayan Bayi", type=CompanyType.DEALER)
    >>> dealer.name, dealer.type.value, dealer.version
    ('Çağlayan Bayi', 'dealer', 1)

References to other records (``company_id``, ``claimant_id`` …) default to
fresh random ids: pass the ids of stored records when the storage checks
foreign keys. Unique fields (``tax_no``, ``login``) default to ``None`` so
two made objects never clash. Times are whole seconds in UTC (:data:`WHEN`),
which every back end stores exactly.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from crmkit.domain.employees import Employee, Position
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import Claim, Company, CompanyType, Contact

__all__ = [
    "WHEN",
    "make_claim",
    "make_company",
    "make_contact",
    "make_employee",
    "make_picklist",
]

WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The default moment of registrations, hirings and claims made here."""


def make_company(**overrides: Any) -> Company:
    """A valid distributor named ``Marmara Dağıtım A.Ş.`` registered at :data:`WHEN`.

    Args:
        **overrides: any :class:`~crmkit.domain.parties.Company` field.
    """
    fields: dict[str, Any] = {
        "id": CompanyId(uuid.uuid4()),
        "name": "Marmara Dağıtım A.Ş.",
        "type": CompanyType.DISTRIBUTOR,
        "registered_at": WHEN,
    }
    fields.update(overrides)
    return Company(**fields)


def make_contact(**overrides: Any) -> Contact:
    """A valid contact ``Ayşe Yılmaz`` of a (by default random) company.

    Args:
        **overrides: any :class:`~crmkit.domain.parties.Contact` field; pass
            ``company_id`` of a stored company for storage tests.
    """
    fields: dict[str, Any] = {
        "id": ContactId(uuid.uuid4()),
        "company_id": CompanyId(uuid.uuid4()),
        "name": "Ayşe Yılmaz",
        "title": "Satın Alma Müdürü",
    }
    fields.update(overrides)
    return Contact(**fields)


def make_employee(**overrides: Any) -> Employee:
    """A valid active host-company employee ``Mehmet Öztürk`` hired at :data:`WHEN`.

    Args:
        **overrides: any :class:`~crmkit.domain.employees.Employee` field.
    """
    fields: dict[str, Any] = {
        "id": EmployeeId(uuid.uuid4()),
        "name": "Mehmet Öztürk",
        "position": Position.EMPLOYEE,
        "hired_at": WHEN,
        "department": "Satış",
    }
    fields.update(overrides)
    return Employee(**fields)


def make_claim(**overrides: Any) -> Claim:
    """A valid pending ownership claim (C6) requested at :data:`WHEN`.

    Args:
        **overrides: any :class:`~crmkit.domain.parties.Claim` field; pass
            ``company_id`` and ``claimant_id`` of stored records for storage tests.
    """
    fields: dict[str, Any] = {
        "id": ClaimId(uuid.uuid4()),
        "company_id": CompanyId(uuid.uuid4()),
        "claimant_id": EmployeeId(uuid.uuid4()),
        "requested_at": WHEN,
    }
    fields.update(overrides)
    return Claim(**fields)


def make_picklist(name: str = "sectors", *values: str) -> PickList:
    """A valid pick-list (C9); without values it holds a few Turkish sector names.

    Args:
        name: the list's name.
        *values: its values, in order.
    """
    chosen = values or ("İlaç", "Hijyen", "Temizlik", "Kimya")
    return PickList(PickListName(name), tuple(chosen))
