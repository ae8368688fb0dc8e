"""Every storage back end (memory, SQLite, PostgreSQL, MariaDB) against the public contracts (§9).

The ``storage`` fixture of ``tests/conftest.py`` is parametrized over the back ends.
"""

from __future__ import annotations

from crmkit.testing.contracts import (
    AuditLogContract,
    ClaimRepositoryContract,
    CompanyRepositoryContract,
    ContactRepositoryContract,
    EmployeeRepositoryContract,
    PickListRepositoryContract,
    RoundTripContract,
    UnitOfWorkContract,
)


class TestCompanies(CompanyRepositoryContract):
    pass


class TestContacts(ContactRepositoryContract):
    pass


class TestEmployees(EmployeeRepositoryContract):
    pass


class TestClaims(ClaimRepositoryContract):
    pass


class TestPickLists(PickListRepositoryContract):
    pass


class TestUnitOfWork(UnitOfWorkContract):
    pass


class TestAuditLog(AuditLogContract):
    pass


class TestRoundTrips(RoundTripContract):
    pass
