"""Storages broken on purpose; the storage suites of :mod:`crmkit.testing.contracts` fail each.

Every mutant wraps a working storage (``Mutant(storage)``) and breaks one
promise of one repository in each of its units of work, the way real
adapters have: an update lost on the way to the database, an update without
its version check, datetimes read back without their offset, a filter left
out of a query, a rollback that keeps the work, an audit trail paged without
its offset.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import attrs

from crmkit.domain.audit import AuditEntry
from crmkit.domain.ids import CompanyId
from crmkit.domain.parties import Company, CompanyType
from crmkit.ports.storage import UnitOfWork
from crmkit.testing.mutants._wrapping import Passthrough, StorageMutant

__all__ = [
    "MUTANTS",
    "AuditIgnoresTheOffset",
    "DropsUpdates",
    "NaiveDatetimes",
    "RollbackKeepsTheWork",
    "SearchIgnoresTheType",
    "SkipsTheVersionCheck",
    "StorageMutant",
]


class _SavesNothing(Passthrough):
    def save(self, item: Company) -> Company:
        self.inner.get(item.id)  # an unknown company is still NotFound
        return attrs.evolve(item, version=item.version + 1)


class DropsUpdates(StorageMutant):
    """``companies.save`` answers as if it stored the change, and stores nothing (§9)."""

    part, wrapper = "companies", _SavesNothing


class _LastWriterWins(Passthrough):
    def save(self, item: Company) -> Company:
        stored = self.inner.get_many([item.id]).get(item.id)
        current = item if stored is None else attrs.evolve(item, version=stored.version)
        return self.inner.save(current)  # type: ignore[no-any-return]  # the inner port's own type


class SkipsTheVersionCheck(StorageMutant):
    """``companies.save`` overwrites whatever is stored: a stale copy wins instead of conflicting (§9)."""

    part, wrapper = "companies", _LastWriterWins


def _naive(company: Company) -> Company:
    """``company`` with a naive ``registered_at``, as a row loader that skips validation builds it."""
    broken = copy.copy(company)
    object.__setattr__(broken, "registered_at", company.registered_at.replace(tzinfo=None))
    return broken


class _NaiveReads(Passthrough):
    def get(self, key: CompanyId) -> Company:
        return _naive(self.inner.get(key))

    def get_many(self, keys: Iterable[CompanyId]) -> dict[CompanyId, Company]:
        return {key: _naive(found) for key, found in self.inner.get_many(keys).items()}


class NaiveDatetimes(StorageMutant):
    """Companies read back with a naive ``registered_at``: the offset is lost (§9, aware datetimes)."""

    part, wrapper = "companies", _NaiveReads


class _UntypedSearch(Passthrough):
    def search(self, text: str = "", *, type: CompanyType | None = None, **paging: Any) -> list[Company]:
        return self.inner.search(text, **paging)  # type: ignore[no-any-return]  # the inner port's own type


class SearchIgnoresTheType(StorageMutant):
    """``companies.search(type=…)`` leaves the type filter out of its query (C1)."""

    part, wrapper = "companies", _UntypedSearch


class RollbackKeepsTheWork(StorageMutant):
    """``rollback()`` discards nothing: what was written before it is committed with the next commit (§9)."""

    def break_(self, uow: UnitOfWork) -> None:
        """Replace ``rollback`` by a method that keeps the staged work."""
        self.replace(uow, "rollback", lambda: None)


class _FirstPageOnly(Passthrough):
    def by_actor(self, actor_id: str, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        return self.inner.by_actor(actor_id, limit=limit)  # type: ignore[no-any-return]  # the port's type


class AuditIgnoresTheOffset(StorageMutant):
    """``audit.by_actor`` leaves ``offset`` out of its query: every page is the first one (C12)."""

    part, wrapper = "audit", _FirstPageOnly


MUTANTS: tuple[type[StorageMutant], ...] = (
    DropsUpdates,
    SkipsTheVersionCheck,
    NaiveDatetimes,
    SearchIgnoresTheType,
    RollbackKeepsTheWork,
    AuditIgnoresTheOffset,
)
"""Every storage mutant."""
