"""Helpers the contract suites share: store records in one committed unit of work, read them back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from crmkit.domain.employees import Employee
from crmkit.domain.ids import EmployeeId
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import Claim, Company, Contact
from crmkit.ports.storage import Storage, UnitOfWork

__all__ = ["Record", "read", "store"]

Record = Company | Contact | Employee | Claim | PickList
"""Anything a storage repository holds."""

T = TypeVar("T")


def _add(uow: UnitOfWork, item: Record) -> None:
    if isinstance(item, Company):
        uow.companies.add(item)
    elif isinstance(item, Contact):
        uow.contacts.add(item)
    elif isinstance(item, Employee):
        uow.employees.add(item)
    elif isinstance(item, Claim):
        uow.claims.add(item)
    else:
        uow.picklists.add(item)


def store(storage: Storage, *items: Record, actor: EmployeeId | None = None) -> None:
    """Add ``items`` in order (parents first) in one unit of work and commit it."""
    with storage.unit_of_work(actor) as uow:
        for item in items:
            _add(uow, item)
        uow.commit()


def read(storage: Storage, query: Callable[[UnitOfWork], T]) -> T:
    """Run ``query`` in a fresh unit of work (which sees committed data only) and return its result."""
    with storage.unit_of_work() as uow:
        return query(uow)
