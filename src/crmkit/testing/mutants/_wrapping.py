"""What the storage and outbox mutants share: a storage whose units of work get one part broken."""

from __future__ import annotations

from typing import Any

from crmkit.domain.ids import EmployeeId
from crmkit.ports.storage import Storage, UnitOfWork

__all__ = ["Passthrough", "StorageMutant"]


class Passthrough:
    """A repository that passes every call to the wrapped one; subclasses override what they break."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class StorageMutant:
    """A storage that breaks nothing yet; subclasses break one part of each unit of work.

    Each unit of work of the wrapped storage goes through :meth:`break_` first,
    where a subclass replaces one repository or method.
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def unit_of_work(self, actor: EmployeeId | None = None) -> UnitOfWork:
        """A unit of work of the wrapped storage, broken by :meth:`break_`."""
        uow = self.storage.unit_of_work(actor)
        self.break_(uow)
        return uow

    def migrate(self) -> None:
        """Migrate the wrapped storage."""
        self.storage.migrate()

    def close(self) -> None:
        """Close the wrapped storage."""
        self.storage.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)

    def break_(self, uow: UnitOfWork) -> None:
        """Break one part of ``uow`` (here: nothing)."""

    @staticmethod
    def replace(uow: UnitOfWork, name: str, part: object) -> None:
        """Put ``part`` in place of the attribute ``name`` of ``uow`` (a repository or a method)."""
        setattr(uow, name, part)
