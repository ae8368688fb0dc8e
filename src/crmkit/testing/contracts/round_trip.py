"""Property-based round trips: ``get(add(x)) == x`` for generated, Turkish-rich records (§9).

The records come from :mod:`crmkit.testing.strategies`. One ``storage`` is
shared by every example of a test, so each example gets fresh ids (and a
fresh tax number or login when the drawn one is taken) and stores the
records it points at first, keeping foreign keys satisfied.
"""

from __future__ import annotations

import uuid

import attrs
from hypothesis import HealthCheck, given, settings

from crmkit.domain.employees import Employee
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import Claim, Company, Contact
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.testing.contracts.support import read
from crmkit.testing.factories import make_company, make_employee
from crmkit.testing.strategies import claims, companies, contacts, employees, picklists

__all__ = ["RoundTripContract"]

_SHARED_STORAGE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _fresh_company(uow: UnitOfWork, company: Company) -> Company:
    fresh = attrs.evolve(company, id=CompanyId(uuid.uuid4()))
    if fresh.tax_no is not None and uow.companies.by_tax_no(fresh.tax_no) is not None:
        fresh = attrs.evolve(fresh, tax_no=None)
    return fresh


def _fresh_employee(uow: UnitOfWork, employee: Employee) -> Employee:
    fresh = attrs.evolve(employee, id=EmployeeId(uuid.uuid4()))
    if fresh.login is not None and uow.employees.by_login(fresh.login) is not None:
        fresh = attrs.evolve(fresh, login=f"{fresh.login}.{uuid.uuid4().hex[:8]}")
    return fresh


class RoundTripContract:
    """``get(add(x)) == x`` for every repository, over generated records (§9, C1, C4, C6, C8, C9).

    Needs a ``storage`` fixture: a migrated, empty storage (shared by the
    examples of one test, which is why the function-scoped-fixture health
    check is suppressed).
    """

    @_SHARED_STORAGE
    @given(company=companies())
    def test_c1_any_company_round_trips(self, storage: Storage, company: Company) -> None:
        """Every valid company comes back equal, Turkish text and all (C1, C3, C5, C7, C11)."""
        with storage.unit_of_work() as uow:
            company = _fresh_company(uow, company)
            uow.companies.add(company)
            uow.commit()
        assert read(storage, lambda uow: uow.companies.get(company.id)) == company

    @_SHARED_STORAGE
    @given(contact=contacts())
    def test_c4_any_contact_round_trips(self, storage: Storage, contact: Contact) -> None:
        """Every valid contact comes back equal (C4)."""
        parent = make_company()
        contact = attrs.evolve(contact, id=ContactId(uuid.uuid4()), company_id=parent.id)
        with storage.unit_of_work() as uow:
            uow.companies.add(parent)
            uow.contacts.add(contact)
            uow.commit()
        assert read(storage, lambda uow: uow.contacts.get(contact.id)) == contact

    @_SHARED_STORAGE
    @given(employee=employees())
    def test_c8_any_employee_round_trips(self, storage: Storage, employee: Employee) -> None:
        """Every valid employee, active or departed, comes back equal (C8)."""
        with storage.unit_of_work() as uow:
            employee = _fresh_employee(uow, employee)
            uow.employees.add(employee)
            uow.commit()
        assert read(storage, lambda uow: uow.employees.get(employee.id)) == employee

    @_SHARED_STORAGE
    @given(claim=claims())
    def test_c6_any_claim_round_trips(self, storage: Storage, claim: Claim) -> None:
        """Every valid claim, pending or decided, comes back equal (C6)."""
        company, claimant = make_company(), make_employee()
        claim = attrs.evolve(
            claim,
            id=ClaimId(uuid.uuid4()),
            company_id=company.id,
            claimant_id=claimant.id,
            decided_by=None if claim.decided_by is None else claimant.id,
        )
        with storage.unit_of_work() as uow:
            uow.companies.add(company)
            uow.employees.add(claimant)
            uow.claims.add(claim)
            uow.commit()
        assert read(storage, lambda uow: uow.claims.get(claim.id)) == claim

    @_SHARED_STORAGE
    @given(picklist=picklists())
    def test_c9_any_picklist_round_trips(self, storage: Storage, picklist: PickList) -> None:
        """Every valid pick-list comes back equal, values in order (C9)."""
        picklist = attrs.evolve(picklist, name=PickListName(f"{picklist.name}_{uuid.uuid4().hex[:8]}"))
        with storage.unit_of_work() as uow:
            uow.picklists.add(picklist)
            uow.commit()
        assert read(storage, lambda uow: uow.picklists.get(picklist.name)) == picklist
