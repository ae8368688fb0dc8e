"""In-memory repositories: committed rows overlaid with the unit of work's staged writes.

Each repository reads the storage's committed dictionary (under the storage
lock) merged with what its own unit of work staged, so a unit of work sees
its own writes and nobody else's uncommitted ones. Writes are staged only;
:meth:`MemoryUnitOfWork.commit <crmkit.adapters.memory.storage.MemoryUnitOfWork.commit>`
re-checks them and applies them atomically.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast

import attrs

from crmkit.adapters.audit import (
    CLAIM_AGGREGATE,
    COMPANY_AGGREGATE,
    CONTACT_AGGREGATE,
    EMPLOYEE_AGGREGATE,
    PICKLIST_AGGREGATE,
)
from crmkit.adapters.memory._trees import subtree_of
from crmkit.domain.audit import AuditEntry
from crmkit.domain.employees import Employee
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import Claim, ClaimStatus, Company, CompanyType, Contact
from crmkit.domain.predicates import Predicate, uses_purchases
from crmkit.domain.text import fold

if TYPE_CHECKING:
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = [
    "MemoryAuditLog",
    "MemoryClaimRepository",
    "MemoryCompanyRepository",
    "MemoryContactRepository",
    "MemoryEmployeeRepository",
    "MemoryPickListRepository",
    "MemoryRepository",
]


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


E = TypeVar("E", bound=_Versioned)
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def _page(items: list[T], limit: int, offset: int) -> list[T]:
    return items[max(offset, 0) : max(offset, 0) + max(limit, 0)]


class MemoryRepository(Generic[E, K]):
    """The shared part of every in-memory repository: staging, versions, uniqueness, audit.

    Subclasses set :attr:`aggregate_type`, :attr:`unique_fields` and implement :meth:`key`.
    """

    aggregate_type: ClassVar[str] = ""
    """The ``aggregate_type`` of audit entries and the ``kind`` of :class:`NotFound`."""
    key_field: ClassVar[str] = "id"
    """The name of the key field, named by :class:`Duplicate` when the key is taken."""
    unique_fields: ClassVar[tuple[str, ...]] = ()
    """Fields besides the key whose non-``None`` values must be unique (named by :class:`Duplicate`)."""

    def __init__(self, uow: MemoryUnitOfWork, committed: dict[K, E], lock: threading.RLock) -> None:
        self._uow = uow
        self._committed = committed
        self._lock = lock
        self._staged: dict[K, E] = {}
        # key -> the committed version the staged write was based on (None: added here).
        self._expected: dict[K, int | None] = {}

    # -- to be provided by subclasses ------------------------------------------------
    def key(self, item: E) -> K:
        """The item's key (its id, or a pick-list's name)."""
        raise NotImplementedError

    # -- reading ---------------------------------------------------------------------
    def _lookup(self, key: K) -> E | None:
        if key in self._staged:
            return self._staged[key]
        with self._lock:
            return self._committed.get(key)

    def _rows(self) -> list[E]:
        with self._lock:
            merged = dict(self._committed)
        merged.update(self._staged)
        return list(merged.values())

    def _select(self, where: Callable[[E], bool], order: Callable[[E], Any]) -> list[E]:
        return sorted((row for row in self._rows() if where(row)), key=order)

    def get(self, key: K) -> E:
        """The aggregate with this key.

        Raises:
            NotFound: when there is none (committed, or staged by this unit of work).
        """
        self._uow.check_usable()
        item = self._lookup(key)
        if item is None:
            raise NotFound(self.aggregate_type, key)
        return item

    def get_many(self, keys: Iterable[K]) -> dict[K, E]:
        """The aggregates with these keys; missing keys are left out."""
        self._uow.check_usable()
        found: dict[K, E] = {}
        for key in keys:
            item = self._lookup(key)
            if item is not None:
                found[key] = item
        return found

    def count(self) -> int:
        """How many aggregates this unit of work sees."""
        self._uow.check_usable()
        return len(self._rows())

    # -- writing ---------------------------------------------------------------------
    def _check_unique(self, item: E, others: Iterable[E]) -> None:
        key = self.key(item)
        for field in self.unique_fields:
            value = getattr(item, field)
            if value is None:
                continue
            for other in others:
                if self.key(other) != key and getattr(other, field) == value:
                    raise Duplicate(field, f"{value!r} is already used by {self.key(other)}")

    def _stage(self, item: E, old: E | None, base: int | None) -> None:
        key = self.key(item)
        self._staged[key] = item
        self._expected.setdefault(key, base)
        self._uow.record_change(self.aggregate_type, key, item.version, old, item)

    def add(self, item: E) -> None:
        """Stage a new aggregate, stored as given (its version included).

        Raises:
            Duplicate: the key (:attr:`key_field`) or a unique field is taken.
        """
        self._uow.check_usable()
        key = self.key(item)
        if self._lookup(key) is not None:
            raise Duplicate(self.key_field, f"{self.aggregate_type} {key} already exists")
        self._check_unique(item, self._rows())
        self._stage(item, None, None)

    def add_many(self, items: Iterable[E]) -> None:
        """Stage many new aggregates; when one is refused, none of them is staged.

        Raises:
            Duplicate: as :meth:`add`, also between the items given.
        """
        self._uow.check_usable()
        staged, expected = dict(self._staged), dict(self._expected)
        mark = self._uow.audit_mark()
        try:
            for item in items:
                self.add(item)
        except BaseException:
            self._staged, self._expected = staged, expected
            self._uow.audit_reset(mark)
            raise

    def save(self, item: E) -> E:
        """Stage a changed aggregate and return it with ``version + 1``.

        Raises:
            NotFound: the aggregate was never added.
            ConcurrencyConflict: ``item.version`` is not the stored version; nothing is staged.
            Duplicate: the change takes a unique value another aggregate holds.
        """
        self._uow.check_usable()
        key = self.key(item)
        current = self._lookup(key)
        if current is None:
            raise NotFound(self.aggregate_type, key)
        if current.version != item.version:
            raise ConcurrencyConflict(self.aggregate_type, key, item.version)
        self._check_unique(item, self._rows())
        # every aggregate is a frozen attrs class (mypy cannot bound a TypeVar by both)
        new: E = attrs.evolve(cast(Any, item), version=item.version + 1)
        self._stage(new, current, current.version)
        return new

    # -- the unit of work's side of a transaction ---------------------------------
    def verify(self) -> None:
        """Re-check the staged writes against the committed rows; call under the lock.

        Raises:
            Duplicate: another unit of work committed the same key or unique value.
            ConcurrencyConflict: another unit of work committed a newer version first.
        """
        for key, base in self._expected.items():
            stored = self._committed.get(key)
            if base is None:
                if stored is not None:
                    raise Duplicate(self.key_field, f"{self.aggregate_type} {key} already exists")
            elif stored is None or stored.version != base:
                raise ConcurrencyConflict(self.aggregate_type, key, base)
        if self.unique_fields and self._staged:
            merged = dict(self._committed)
            merged.update(self._staged)
            rows = list(merged.values())
            for item in self._staged.values():
                self._check_unique(item, rows)

    def apply(self) -> None:
        """Write the staged rows into the committed ones; call under the lock after :meth:`verify`."""
        self._committed.update(self._staged)
        self.discard()

    def discard(self) -> None:
        """Forget every staged write."""
        self._staged = {}
        self._expected = {}


class DeletingRepository(MemoryRepository[E, K]):
    """A :class:`MemoryRepository` that can also stage deletes."""

    def __init__(self, uow: MemoryUnitOfWork, committed: dict[K, E], lock: threading.RLock) -> None:
        super().__init__(uow, committed, lock)
        self._deleted: dict[K, int] = {}

    def _lookup(self, key: K) -> E | None:
        if key in self._deleted:
            return None
        return super()._lookup(key)

    def _rows(self) -> list[E]:
        rows = super()._rows()
        if not self._deleted:
            return rows
        return [row for row in rows if self.key(row) not in self._deleted]

    def delete(self, item: E) -> None:
        """Stage the removal of ``item`` and its ``delete`` audit entry.

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: ``item.version`` is not the stored version; nothing is staged.
        """
        self._uow.check_usable()
        key = self.key(item)
        current = self._lookup(key)
        if current is None:
            raise NotFound(self.aggregate_type, key)
        if current.version != item.version:
            raise ConcurrencyConflict(self.aggregate_type, key, item.version)
        base = self._expected.pop(key, current.version)
        self._staged.pop(key, None)
        if base is not None:  # stored before this unit of work: remove it at commit
            self._deleted[key] = base
        self._uow.record_delete(self.aggregate_type, key, current)

    def verify(self) -> None:
        """Refuse a delete of a record another unit of work changed or removed first; then the writes."""
        for key, base in self._deleted.items():
            stored = self._committed.get(key)
            if stored is None or stored.version != base:
                raise ConcurrencyConflict(self.aggregate_type, key, base)
        super().verify()

    def apply(self) -> None:
        """Remove the deleted rows, then write the staged ones (under the lock)."""
        for key in self._deleted:
            self._committed.pop(key, None)
        super().apply()

    def discard(self) -> None:
        """Forget every staged write and delete."""
        super().discard()
        self._deleted = {}


class MemoryCompanyRepository(DeletingRepository[Company, CompanyId]):
    """Companies in memory (C1–C7, C11); tax numbers are unique."""

    aggregate_type = COMPANY_AGGREGATE
    unique_fields = ("tax_no",)

    def key(self, item: Company) -> CompanyId:
        """The company's id."""
        return item.id

    def by_tax_no(self, tax_no: str) -> Company | None:
        """The company with this VKN/TCKN, or ``None``."""
        self._uow.check_usable()
        return next((c for c in self._rows() if c.tax_no == tax_no), None)

    def by_tax_nos(self, tax_nos: Iterable[str]) -> dict[str, Company]:
        """The companies holding these VKN/TCKNs, by number."""
        self._uow.check_usable()
        wanted = set(tax_nos)
        return {c.tax_no: c for c in self._rows() if c.tax_no is not None and c.tax_no in wanted}

    def children(self, parent: CompanyId) -> list[Company]:
        """Companies registered directly under ``parent``, ordered by id."""
        self._uow.check_usable()
        return self._select(lambda c: c.parent_id == parent, lambda c: c.id)

    def ancestors(self, company: CompanyId) -> list[CompanyId]:
        """The chain above ``company``: its parent first, the top-level company last.

        Raises:
            NotFound: when the company does not exist.
        """
        current = self.get(company)
        chain: list[CompanyId] = []
        seen = {company}
        while current.parent_id is not None and current.parent_id not in seen:
            parent_id = current.parent_id
            chain.append(parent_id)
            seen.add(parent_id)
            parent = self._lookup(parent_id)
            if parent is None:
                break
            current = parent
        return chain

    def subtree(self, root: CompanyId) -> list[CompanyId]:
        """``root`` and every company below it, ordered by id (empty for an unknown root)."""
        self._uow.check_usable()
        return subtree_of(root, ((c.id, c.parent_id) for c in self._rows()))

    def search(
        self,
        text: str = "",
        *,
        type: CompanyType | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Company]:
        """Companies whose folded name contains folded ``text``, by folded name then id.

        Folding is :func:`crmkit.domain.text.fold`: ``istanbul`` finds ``İSTANBUL A.Ş.``.
        """
        self._uow.check_usable()
        needle = fold(text)
        wanted = None if type is None else CompanyType(type)
        found = self._select(
            lambda c: (
                c.archived_at is None and needle in fold(c.name) and (wanted is None or c.type is wanted)
            ),
            lambda c: (fold(c.name), c.id),
        )
        return _page(found, limit, offset)

    def visible(
        self, predicate: Predicate, *, text: str = "", limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Companies matching an access predicate (A7) and ``text``, evaluated in Python."""
        self._uow.check_usable()
        return _page(self._visible(predicate, text), limit, offset)

    def count_visible(self, predicate: Predicate, *, text: str = "") -> int:
        """How many companies match the access predicate (A7) and ``text``."""
        self._uow.check_usable()
        return len(self._visible(predicate, text))

    def _visible(self, predicate: Predicate, text: str) -> list[Company]:
        from crmkit.adapters.memory.territory import Histories, visible_companies  # it builds on this module

        needle = fold(text)
        rows = [c for c in self._rows() if c.archived_at is None]  # C13: archived ones leave listings
        purchases = None
        if uses_purchases(predicate):  # M1: read the invoices only when a segment asks about them
            from crmkit.adapters.memory.invoices import MemoryInvoiceRepository

            invoices = self._uow.invoices
            assert isinstance(invoices, MemoryInvoiceRepository)
            purchases = invoices.purchases()
        histories = Histories.read(self._uow)  # T4: dated codes, owners
        found = visible_companies(predicate, rows, histories, purchases)
        return [c for c in found if needle in fold(c.name)]


class MemoryContactRepository(MemoryRepository[Contact, ContactId]):
    """Contact persons in memory (C4)."""

    aggregate_type = CONTACT_AGGREGATE

    def key(self, item: Contact) -> ContactId:
        """The contact's id."""
        return item.id

    def for_company(self, company: CompanyId) -> list[Contact]:
        """The company's contacts, ordered by name then id."""
        self._uow.check_usable()
        return self._select(lambda c: c.company_id == company, lambda c: (c.name, c.id))


class MemoryEmployeeRepository(MemoryRepository[Employee, EmployeeId]):
    """Employees in memory (C8); logins are unique."""

    aggregate_type = EMPLOYEE_AGGREGATE
    unique_fields = ("login",)

    def key(self, item: Employee) -> EmployeeId:
        """The employee's id."""
        return item.id

    def by_login(self, login: str) -> Employee | None:
        """The employee with this login, or ``None``."""
        self._uow.check_usable()
        return next((e for e in self._rows() if e.login is not None and e.login == login), None)

    def for_firm(self, firm: CompanyId | None) -> list[Employee]:
        """Staff of a firm (``None``: the host company), ordered by name then id."""
        self._uow.check_usable()
        return self._select(lambda e: e.firm_id == firm, lambda e: (e.name, e.id))


class MemoryClaimRepository(MemoryRepository[Claim, ClaimId]):
    """Ownership claims in memory (C6)."""

    aggregate_type = CLAIM_AGGREGATE

    def key(self, item: Claim) -> ClaimId:
        """The claim's id."""
        return item.id

    def for_company(self, company: CompanyId) -> list[Claim]:
        """All claims on a company, oldest first (by request time, then id)."""
        self._uow.check_usable()
        return self._select(lambda c: c.company_id == company, lambda c: (c.requested_at, c.id))

    def pending(self, *, limit: int = 50, offset: int = 0) -> list[Claim]:
        """Claims awaiting a decision, oldest first (by request time, then id)."""
        self._uow.check_usable()
        found = self._select(lambda c: c.status is ClaimStatus.PENDING, lambda c: (c.requested_at, c.id))
        return _page(found, limit, offset)


class MemoryPickListRepository(MemoryRepository[PickList, PickListName]):
    """Parameter lists in memory (C9), keyed by name."""

    aggregate_type = PICKLIST_AGGREGATE
    key_field = "name"

    def key(self, item: PickList) -> PickListName:
        """The list's name."""
        return item.name

    def all(self) -> list[PickList]:
        """Every list, ordered by name."""
        self._uow.check_usable()
        return self._select(lambda p: True, lambda p: p.name)


class MemoryAuditLog:
    """Reads the audit trail: committed entries, plus this unit of work's own staged ones."""

    def __init__(self, uow: MemoryUnitOfWork, committed: list[AuditEntry], lock: threading.RLock) -> None:
        self._uow = uow
        self._committed = committed
        self._lock = lock

    def _entries(self, where: Callable[[AuditEntry], bool]) -> list[AuditEntry]:
        with self._lock:
            entries = [e for e in self._committed if where(e)]
        entries.extend(e for e in self._uow.staged_audit() if where(e))
        return sorted(entries, key=lambda e: e.at)  # stable: commit order within one instant

    def for_record(self, aggregate_type: str, aggregate_id: str) -> list[AuditEntry]:
        """Every change to one record, oldest first."""
        self._uow.check_usable()
        return self._entries(
            lambda e: e.aggregate_type == aggregate_type and e.aggregate_id == str(aggregate_id)
        )

    def by_actor(self, actor_id: str, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Changes made by one actor, oldest first."""
        self._uow.check_usable()
        return _page(self._entries(lambda e: e.actor_id == str(actor_id)), limit, offset)
