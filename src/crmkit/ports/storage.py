"""Storage ports: one repository per aggregate and a unit of work (SPEC §9).

Every adapter (memory, SQLAlchemy, a plugin's) passes the contract suite in
:mod:`crmkit.testing.contracts`. The rules all repositories share:

* ``add(x)`` stores ``x`` as given (its ``version`` included, normally 1);
  an existing id — or another unique field, such as a company's tax number —
  raises :class:`~crmkit.domain.errors.Duplicate` naming the field.
* ``get(id)`` returns an equal value (``get(add(x)) == x``) or raises
  :class:`~crmkit.domain.errors.NotFound`.
* ``save(x)`` stores a changed copy when ``x.version`` equals the stored
  version, and returns it with ``version + 1``; a stale copy raises
  :class:`~crmkit.domain.errors.ConcurrencyConflict` and writes nothing.
* ``add_many`` is one batch, ``get_many`` one query (no N+1).
* Lists come back in a stated, stable order; ``limit``/``offset`` page them.
* Every ``add``/``save`` writes an :class:`~crmkit.domain.audit.AuditEntry`
  in the same transaction (C12).
* Nothing is visible to other units of work before ``commit()``; leaving the
  ``with`` block without committing, or by an exception, discards everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, TypeVar, runtime_checkable

from crmkit.domain.audit import AuditEntry
from crmkit.domain.employees import Employee
from crmkit.domain.events import DomainEvent
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import Claim, Company, CompanyType, Contact
from crmkit.domain.predicates import Predicate
from crmkit.ports.erasure import ErasureRepository
from crmkit.ports.invoices import InvoiceRepository
from crmkit.ports.marketing import MarketingRepository
from crmkit.ports.meetings import MeetingNoteRepository
from crmkit.ports.outbox import ConsentRepository, OutboxRepository
from crmkit.ports.points import PointRepository
from crmkit.ports.samples import SampleRepository
from crmkit.ports.workflow import WorkflowRepository

if TYPE_CHECKING:  # ports.territory and ports.interactions build on Repository from this module
    from crmkit.ports.interactions import AppointmentRepository, InteractionRepository, ReminderRepository
    from crmkit.ports.opportunities import OfferRepository, OpportunityRepository
    from crmkit.ports.service import ServiceStorage  # issue 16 (S1-S8)
    from crmkit.ports.targets import TargetRepository
    from crmkit.ports.territory import (
        CodeLinkRepository,
        MembershipRepository,
        OwnerRepository,
        RegionRepository,
        TeamRepository,
    )
    from crmkit.ports.territory_dates import CustomerCodeRepository
    from crmkit.ports.visits import VisitRepository

__all__ = [
    "AuditLog",
    "ClaimRepository",
    "CompanyRepository",
    "ContactRepository",
    "EmployeeRepository",
    "PickListRepository",
    "Repository",
    "Storage",
    "UnitOfWork",
]

E = TypeVar("E")
K = TypeVar("K")


class Repository(Protocol[E, K]):
    """What every aggregate repository offers."""

    def add(self, item: E) -> None:
        """Store a new aggregate.

        Raises:
            Duplicate: the id (or another unique field) is taken; names the field.
        """
        ...

    def add_many(self, items: Iterable[E]) -> None:
        """Store many new aggregates in one batch; all or nothing within the unit of work.

        Raises:
            Duplicate: as :meth:`add`.
        """
        ...

    def get(self, key: K) -> E:
        """The aggregate with this id.

        Raises:
            NotFound: when there is none.
        """
        ...

    def get_many(self, keys: Iterable[K]) -> dict[K, E]:
        """The aggregates with these ids, in one query; missing ids are left out."""
        ...

    def save(self, item: E) -> E:
        """Store a changed aggregate; returns it with ``version + 1``.

        Raises:
            ConcurrencyConflict: ``item.version`` is not the stored version; nothing is written.
            NotFound: the aggregate was never added.
        """
        ...

    def count(self) -> int:
        """How many aggregates are stored."""
        ...


class CompanyRepository(Repository[Company, CompanyId], Protocol):
    """Companies (C1–C7, C11)."""

    def by_tax_no(self, tax_no: str) -> Company | None:
        """The company with this VKN/TCKN, or ``None``."""
        ...

    def by_tax_nos(self, tax_nos: Iterable[str]) -> dict[str, Company]:
        """The companies holding these VKN/TCKNs, by number (numbers nobody holds are left out).

        One query per chunk of numbers (as :meth:`~Repository.get_many`) on SQL back
        ends: what a batch import reads its buyers with.
        """
        ...

    def delete(self, item: Company) -> None:
        """Remove a company outright, with a ``delete`` audit entry (C13).

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: ``item.version`` is not the stored version.
        """
        ...

    def children(self, parent: CompanyId) -> list[Company]:
        """Companies registered directly under ``parent``, ordered by id."""
        ...

    def ancestors(self, company: CompanyId) -> list[CompanyId]:
        """The chain above ``company``: its parent first, the top-level company last.

        Raises:
            NotFound: when the company does not exist.
        """
        ...

    def subtree(self, root: CompanyId) -> list[CompanyId]:
        """``root`` and every company below it, in the database (A6), ordered by id."""
        ...

    def search(
        self,
        text: str = "",
        *,
        type: CompanyType | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Company]:
        """Companies whose name contains ``text``, case- and accent-insensitively.

        Matching is the Turkish way (``istanbul`` finds ``İSTANBUL``); the result is
        ordered by folded name, then id. Archived companies (C13) are left out.
        """
        ...

    def visible(
        self, predicate: Predicate, *, text: str = "", limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Companies matching an access predicate (A7), paged in the storage.

        The predicate comes from :func:`crmkit.domain.access.visibility_predicate`; a SQL
        adapter compiles it to its ``WHERE`` clause, never loading all companies.
        A non-empty ``text`` also filters names as :meth:`search` does. Ordered
        by folded name, then id (as :meth:`search`). Archived companies (C13) are left out.
        """
        ...

    def count_visible(self, predicate: Predicate, *, text: str = "") -> int:
        """How many companies match the access predicate (and ``text``, A7), counted in the storage."""
        ...


class ContactRepository(Repository[Contact, ContactId], Protocol):
    """Contact persons (C4)."""

    def for_company(self, company: CompanyId) -> list[Contact]:
        """The company's contacts, ordered by name then id."""
        ...


class EmployeeRepository(Repository[Employee, EmployeeId], Protocol):
    """Employees (C8)."""

    def by_login(self, login: str) -> Employee | None:
        """The employee with this login, or ``None`` (departed employees have none)."""
        ...

    def for_firm(self, firm: CompanyId | None) -> list[Employee]:
        """Staff of a firm (``None``: the host company), ordered by name then id."""
        ...


class ClaimRepository(Repository[Claim, ClaimId], Protocol):
    """Ownership claims (C6)."""

    def for_company(self, company: CompanyId) -> list[Claim]:
        """All claims on a company, oldest first."""
        ...

    def pending(self, *, limit: int = 50, offset: int = 0) -> list[Claim]:
        """Claims awaiting a decision, oldest first."""
        ...


class PickListRepository(Repository[PickList, PickListName], Protocol):
    """Parameter lists (C9), keyed by name."""

    def all(self) -> list[PickList]:
        """Every list, ordered by name."""
        ...


class AuditLog(Protocol):
    """Reads the audit trail (C12); entries are written by the repositories themselves."""

    def for_record(self, aggregate_type: str, aggregate_id: str) -> list[AuditEntry]:
        """Every committed change to one record, oldest first."""
        ...

    def by_actor(self, actor_id: str, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Changes made by one actor, oldest first."""
        ...


@runtime_checkable
class UnitOfWork(Protocol):
    """One transaction over every repository.

    Use as a context manager; call :meth:`commit` before leaving it, or
    everything is rolled back. An exception inside the block rolls back.
    Events recorded with :meth:`emit` are handed out by :meth:`collect_events`
    after a successful commit.
    """

    companies: CompanyRepository
    contacts: ContactRepository
    employees: EmployeeRepository
    claims: ClaimRepository
    picklists: PickListRepository
    audit: AuditLog
    outbox: OutboxRepository
    consents: ConsentRepository
    invoices: InvoiceRepository
    marketing: MarketingRepository
    regions: RegionRepository
    teams: TeamRepository
    memberships: MembershipRepository
    code_links: CodeLinkRepository
    owners: OwnerRepository
    interactions: InteractionRepository
    appointments: AppointmentRepository
    reminders: ReminderRepository
    service: ServiceStorage  # issue 16 (S1-S8)
    customer_codes: CustomerCodeRepository
    targets: TargetRepository
    workflows: WorkflowRepository
    meeting_notes: MeetingNoteRepository
    samples: SampleRepository
    points: PointRepository
    erasures: ErasureRepository  # M4
    opportunities: OpportunityRepository  # issue 14 (I9)
    offers: OfferRepository  # issue 14 (I8)
    visits: VisitRepository  # issue 14 (I11)

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every change of this unit of work durable and visible, atomically.

        Raises:
            ConcurrencyConflict: another unit of work committed a newer version first.
        """
        ...

    def rollback(self) -> None:
        """Discard every change made since the last commit."""
        ...

    def emit(self, event: DomainEvent) -> None:
        """Record an event to publish once the unit of work commits."""
        ...

    def collect_events(self) -> Sequence[DomainEvent]:
        """Events of committed work, each handed out once."""
        ...


@runtime_checkable
class Storage(Protocol):
    """A storage back end: makes units of work, creates/upgrades its schema."""

    url: str

    def unit_of_work(self, actor: EmployeeId | None = None) -> UnitOfWork:
        """A new unit of work; changes are audited as made by ``actor`` (C12)."""
        ...

    def migrate(self) -> None:
        """Create or upgrade the schema to the current revision (idempotent)."""
        ...

    def close(self) -> None:
        """Release connections; the object must not be used afterwards."""
        ...
