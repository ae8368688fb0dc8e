"""The in-memory storage back end and its unit of work (SPEC §9, C12).

Frozen domain objects are stored as they are. A unit of work stages its
writes, audit entries and events; :meth:`MemoryUnitOfWork.commit` re-checks
every staged write against the committed state under the storage lock
(versions, ids, unique fields) and applies all of them or none. Leaving the
``with`` block without committing, or with an exception, discards them.

>>> from crmkit.testing.clock import FixedClock
>>> storage = MemoryStorage(clock=FixedClock())
>>> with storage.unit_of_work() as uow:
...     uow.picklists.add(PickList("sectors", ("Kimya", "İlaç")))
...     uow.commit()
>>> with storage.unit_of_work() as uow:
...     uow.picklists.get(PickListName("sectors")).values
('Kimya', 'İlaç')
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from crmkit.adapters.audit import audit_entry, deletion_entry
from crmkit.adapters.clock import SystemClock
from crmkit.adapters.events import EventBuffer
from crmkit.adapters.memory.erasure import MemoryErasureRepository
from crmkit.adapters.memory.interactions import (
    MemoryAppointmentRepository,
    MemoryInteractionRepository,
    MemoryReminderRepository,
)
from crmkit.adapters.memory.invoices import InvoiceTables, MemoryInvoiceRepository
from crmkit.adapters.memory.marketing import MarketingTables, MemoryMarketingRepository
from crmkit.adapters.memory.meetings import MeetingTable, MemoryMeetingNoteRepository
from crmkit.adapters.memory.opportunities import (
    MemoryOfferRepository,
    MemoryOpportunityRepository,
    OpportunityTables,
)
from crmkit.adapters.memory.outbox import MemoryConsentRepository, MemoryOutboxRepository, OutboxData
from crmkit.adapters.memory.points import MemoryPointRepository, PointTables
from crmkit.adapters.memory.repositories import (
    MemoryAuditLog,
    MemoryClaimRepository,
    MemoryCompanyRepository,
    MemoryContactRepository,
    MemoryEmployeeRepository,
    MemoryPickListRepository,
)
from crmkit.adapters.memory.samples import MemorySampleRepository
from crmkit.adapters.memory.service import MemoryServiceStorage, ServiceTables  # issue 16
from crmkit.adapters.memory.targets import MemoryCustomerCodeRepository, MemoryTargetRepository, TargetTables
from crmkit.adapters.memory.territory import (
    MemoryCodeLinkRepository,
    MemoryMembershipRepository,
    MemoryOwnerRepository,
    MemoryRegionRepository,
    MemoryTeamRepository,
)
from crmkit.adapters.memory.visits import MemoryVisitRepository
from crmkit.adapters.memory.workflow import MemoryWorkflowRepository, WorkflowTable
from crmkit.domain.audit import AuditEntry
from crmkit.domain.employees import Employee
from crmkit.domain.erasure import DocumentWork, Erasure
from crmkit.domain.errors import StorageUnavailable
from crmkit.domain.events import DomainEvent
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, DocumentId, EmployeeId, PickListName
from crmkit.domain.interactions import (
    Appointment,
    AppointmentId,
    Interaction,
    InteractionId,
    Reminder,
    ReminderId,
)
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import Claim, Company, Contact
from crmkit.domain.samples import Sample, SampleId
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    OwnerAssignment,
    OwnerAssignmentId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
)
from crmkit.domain.visits import Visit, VisitId
from crmkit.ports.clock import Clock
from crmkit.ports.erasure import ErasureRepository
from crmkit.ports.interactions import AppointmentRepository, InteractionRepository, ReminderRepository
from crmkit.ports.invoices import InvoiceRepository
from crmkit.ports.marketing import MarketingRepository
from crmkit.ports.meetings import MeetingNoteRepository
from crmkit.ports.opportunities import OfferRepository, OpportunityRepository
from crmkit.ports.outbox import ConsentRepository, OutboxRepository
from crmkit.ports.points import PointRepository
from crmkit.ports.samples import SampleRepository
from crmkit.ports.service import ServiceStorage  # issue 16
from crmkit.ports.storage import (
    AuditLog,
    ClaimRepository,
    CompanyRepository,
    ContactRepository,
    EmployeeRepository,
    PickListRepository,
)
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
from crmkit.ports.workflow import WorkflowRepository

__all__ = ["MemoryStorage", "MemoryUnitOfWork"]


class _Staging(Protocol):
    def verify(self) -> None: ...
    def apply(self) -> None: ...
    def discard(self) -> None: ...


class MemoryStorage:
    """A storage back end that keeps everything in this process's memory.

    Thread-safe: units of work on different threads are isolated from each
    other until they commit, and commits are serialised by one lock.

    Args:
        url: the URL it was built from (``memory://``).
        clock: the clock that stamps audit entries (default: the system clock).
    """

    def __init__(self, url: str = "memory://", *, clock: Clock | None = None) -> None:
        self.url = url
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.RLock()
        self._closed = False
        self._companies: dict[CompanyId, Company] = {}
        self._contacts: dict[ContactId, Contact] = {}
        self._employees: dict[EmployeeId, Employee] = {}
        self._claims: dict[ClaimId, Claim] = {}
        self._picklists: dict[PickListName, PickList] = {}
        self._audit: list[AuditEntry] = []
        self._outbox = OutboxData()
        self._invoicing = InvoiceTables()
        self._marketing = MarketingTables()
        self._points = PointTables()  # loyalty points (issue 15)
        self._regions: dict[RegionId, Region] = {}
        self._teams: dict[TeamId, SalesTeam] = {}
        self._memberships: dict[MembershipId, Membership] = {}
        self._code_links: dict[CodeLinkId, CodeLink] = {}
        self._owners: dict[OwnerAssignmentId, OwnerAssignment] = {}
        self._interactions: dict[InteractionId, Interaction] = {}
        self._appointments: dict[AppointmentId, Appointment] = {}
        self._reminders: dict[ReminderId, Reminder] = {}
        self._targets = TargetTables()  # dated customer codes and plans (T4, Q1)
        self._workflows: WorkflowTable = {}  # issue 14 (I2)
        self._service = ServiceTables()  # issue 16 (S1-S8)
        self._meeting_notes: MeetingTable = {}  # issue 14 (I5)
        self._samples: dict[SampleId, Sample] = {}  # issue 14 (I12)
        self._erasures: list[Erasure] = []  # M4
        self._erasure_documents: dict[tuple[uuid.UUID, DocumentId], DocumentWork] = {}  # M4, revision 0028
        self._opportunities = OpportunityTables()  # issue 14 (I8, I9)
        self._visits: dict[VisitId, Visit] = {}  # issue 14 (I11)

    def unit_of_work(self, actor: EmployeeId | None = None) -> MemoryUnitOfWork:
        """A new unit of work; its changes are audited as made by ``actor`` (C12).

        Raises:
            StorageUnavailable: the storage was closed.
        """
        self.check_open()
        return MemoryUnitOfWork(self, actor)

    def migrate(self) -> None:
        """Nothing to create: the memory back end has no schema (idempotent)."""
        self.check_open()

    def close(self) -> None:
        """Drop the data; the storage must not be used afterwards (idempotent)."""
        with self._lock:
            self._closed = True
            for table in (
                self._companies,
                self._contacts,
                self._employees,
                self._claims,
                self._picklists,
                self._regions,
                self._teams,
                self._memberships,
                self._code_links,
                self._owners,
                self._interactions,
                self._appointments,
                self._reminders,
                self._workflows,
                self._meeting_notes,
                self._samples,
            ):
                table.clear()
            self._audit.clear()
            self._erasures.clear()
            self._erasure_documents.clear()
            self._outbox.clear()
            self._invoicing.clear()
            self._marketing.clear()
            self._service.clear()  # issue 16
            self._targets.clear()
            self._points.clear()
            self._opportunities.clear()
            self._visits.clear()

    def check_open(self) -> None:
        """Raise :class:`StorageUnavailable` once the storage is closed."""
        if self._closed:
            raise StorageUnavailable(f"storage {self.url} is closed")


class MemoryUnitOfWork:
    """One transaction over the in-memory repositories (see :class:`crmkit.ports.storage.UnitOfWork`).

    Attributes:
        actor: who the changes are audited as made by (``None``: the system).
    """

    def __init__(self, storage: MemoryStorage, actor: EmployeeId | None) -> None:
        self.actor = actor
        self._storage = storage
        lock = storage._lock
        companies = MemoryCompanyRepository(self, storage._companies, lock)
        contacts = MemoryContactRepository(self, storage._contacts, lock)
        employees = MemoryEmployeeRepository(self, storage._employees, lock)
        claims = MemoryClaimRepository(self, storage._claims, lock)
        picklists = MemoryPickListRepository(self, storage._picklists, lock)
        regions = MemoryRegionRepository(self, storage._regions, lock)
        teams = MemoryTeamRepository(self, storage._teams, lock)
        memberships = MemoryMembershipRepository(self, storage._memberships, lock)
        code_links = MemoryCodeLinkRepository(self, storage._code_links, lock)
        owners = MemoryOwnerRepository(self, storage._owners, lock)
        regions.attach(teams=teams, links=code_links, memberships=memberships, companies=companies)
        self._repositories: tuple[_Staging, ...] = (
            companies,
            contacts,
            employees,
            claims,
            picklists,
            regions,
            teams,
            memberships,
            code_links,
            owners,
        )
        # Typed as the ports (whose attributes are invariant) so mypy checks the contract.
        self.companies: CompanyRepository = companies
        self.contacts: ContactRepository = contacts
        self.employees: EmployeeRepository = employees
        self.claims: ClaimRepository = claims
        self.picklists: PickListRepository = picklists
        self.regions: RegionRepository = regions
        self.teams: TeamRepository = teams
        self.memberships: MembershipRepository = memberships
        self.code_links: CodeLinkRepository = code_links
        self.owners: OwnerRepository = owners
        self.audit: AuditLog = MemoryAuditLog(self, storage._audit, lock)
        outbox = MemoryOutboxRepository(self, storage._outbox, lock)
        consents = MemoryConsentRepository(self, storage._outbox, lock)
        self._repositories += (outbox, consents)
        self.outbox: OutboxRepository = outbox
        self.consents: ConsentRepository = consents
        invoices = MemoryInvoiceRepository(self, storage._invoicing, lock)
        self.invoices: InvoiceRepository = invoices
        marketing = MemoryMarketingRepository(self, storage._marketing, lock)
        self.marketing: MarketingRepository = marketing
        self._repositories = (*self._repositories, invoices, marketing)
        interactions = MemoryInteractionRepository(self, storage._interactions, lock)
        appointments = MemoryAppointmentRepository(self, storage._appointments, lock)
        reminders = MemoryReminderRepository(self, storage._reminders, lock)
        interactions.attach(companies)
        appointments.attach(companies)
        self.interactions: InteractionRepository = interactions
        self.appointments: AppointmentRepository = appointments
        self.reminders: ReminderRepository = reminders
        self._repositories = (*self._repositories, interactions, appointments, reminders)
        service = MemoryServiceStorage(self, storage._service, lock, companies)  # issue 16 (S1-S8)
        self.service: ServiceStorage = service
        self._repositories = (*self._repositories, *service.repositories)
        # Dated customer codes and turnover plans (T4, Q1, Q5; issue 13).
        customer_codes = MemoryCustomerCodeRepository(self, storage._targets.customer_codes, lock)
        targets = MemoryTargetRepository(self, storage._targets, lock)
        targets.attach(
            companies=companies,
            codes=customer_codes,
            owners=owners,
            links=code_links,
            teams=teams,
            invoices=invoices,
        )
        self.customer_codes: CustomerCodeRepository = customer_codes
        self.targets: TargetRepository = targets
        self._repositories = (*self._repositories, customer_codes, targets)
        workflows = MemoryWorkflowRepository(self, storage._workflows, lock)  # issue 14 (I2)
        self.workflows: WorkflowRepository = workflows
        self._repositories = (*self._repositories, workflows)
        notes = MemoryMeetingNoteRepository(self, storage._meeting_notes, lock)  # issue 14 (I5)
        self.meeting_notes: MeetingNoteRepository = notes
        self._repositories = (*self._repositories, notes)
        samples = MemorySampleRepository(self, storage._samples, lock)  # issue 14 (I12)
        samples.attach(companies)
        self.samples: SampleRepository = samples
        self._repositories = (*self._repositories, samples)
        opportunities = MemoryOpportunityRepository(self, storage._opportunities, lock)  # issue 14 (I9)
        offers = MemoryOfferRepository(self, storage._opportunities.offers, lock)  # issue 14 (I8)
        opportunities.attach(companies)
        offers.attach(companies)
        self.opportunities: OpportunityRepository = opportunities
        self.offers: OfferRepository = offers
        self._repositories = (*self._repositories, opportunities, opportunities.entries, offers)
        visits = MemoryVisitRepository(self, storage._visits, lock)  # issue 14 (I11)
        visits.attach(companies)
        self.visits: VisitRepository = visits
        self._repositories = (*self._repositories, visits)
        # loyalty points (issue 15); it reads the invoice tables for the catch-up job
        points = MemoryPointRepository(self, storage._points, lock, storage._invoicing)
        self.points: PointRepository = points
        self._repositories = (*self._repositories, points)
        erasures = MemoryErasureRepository(self, storage, lock)  # M4: last, it erases what the others wrote
        self.erasures: ErasureRepository = erasures
        self._repositories = (*self._repositories, erasures)
        self._staged_audit: list[AuditEntry] = []
        self._events = EventBuffer()

    def __enter__(self) -> Self:
        self.check_usable()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        """Apply every staged write, audit entry and event atomically.

        Raises:
            ConcurrencyConflict: another unit of work committed a newer version first.
            Duplicate: another unit of work committed the same id or unique value first.

        On either error nothing is written and the staged work is discarded.
        """
        self.check_usable()
        storage = self._storage
        with storage._lock:
            try:
                storage.check_open()
                for repository in self._repositories:
                    repository.verify()
            except BaseException:
                self.rollback()
                raise
            for repository in self._repositories:
                repository.apply()
            storage._audit.extend(self._staged_audit)
            self._staged_audit = []
        self._events.commit()

    def rollback(self) -> None:
        """Discard every write, audit entry and event staged since the last commit."""
        for repository in self._repositories:
            repository.discard()
        self._staged_audit = []
        self._events.rollback()

    def emit(self, event: DomainEvent) -> None:
        """Record an event to hand out once the unit of work commits."""
        self._events.emit(event)

    def collect_events(self) -> Sequence[DomainEvent]:
        """Events of committed work, oldest first, each handed out once."""
        return self._events.collect()

    # -- used by the repositories ------------------------------------------------------
    def check_usable(self) -> None:
        """Raise :class:`StorageUnavailable` when the storage was closed."""
        self._storage.check_open()

    def record_change(
        self, aggregate_type: str, key: object, version: int, old: object | None, new: object | None
    ) -> None:
        """Stage the audit entry of an ``add`` (``old`` is ``None``), a ``save``, or a delete (C12).

        A delete has ``new`` ``None``.
        """
        self._staged_audit.append(
            audit_entry(
                actor=self.actor,
                at=self._storage.clock.now(),
                aggregate_type=aggregate_type,
                aggregate_id=key,
                version=version,
                old=old,
                new=new,
            )
        )

    def record_delete(self, aggregate_type: str, key: object, old: object) -> None:
        """Stage the audit entry of a ``delete`` of ``old`` (C12)."""
        self._staged_audit.append(
            deletion_entry(
                actor=self.actor,
                at=self._storage.clock.now(),
                aggregate_type=aggregate_type,
                aggregate_id=key,
                old=old,
            )
        )

    def audit_mark(self) -> int:
        """A marker of the staged audit entries, for :meth:`audit_reset`."""
        return len(self._staged_audit)

    def audit_reset(self, mark: int) -> None:
        """Drop the staged audit entries made after ``mark`` (a refused batch)."""
        del self._staged_audit[mark:]

    def stage_audit(self, entry: AuditEntry) -> None:
        """Stage an audit entry made by hand (an erasure's own, M4)."""
        self._staged_audit.append(entry)

    def staged_audit_entries(self) -> list[AuditEntry]:
        """The staged audit entries themselves, for an erasure to scrub before they are committed (M4)."""
        return self._staged_audit

    def staged_audit(self) -> list[AuditEntry]:
        """The audit entries staged by this unit of work, not yet committed."""
        return list(self._staged_audit)
