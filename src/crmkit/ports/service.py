"""Service storage ports (SPEC §6 S1–S8): ``uow.service``.

One attribute of the unit of work, :class:`ServiceStorage`, groups the
repositories of the service module. They follow the shared rules of
:mod:`crmkit.ports.storage` (``add``/``get``/``save`` with versions and an
audit entry per write, C12). What each adds:

* the **ledger** is append-only: entries are added, never changed; the sums
  behind a :class:`~crmkit.domain.service.Balance` (remaining hours and visits
  per contract and per product) are computed by the storage — ``SUM`` in the
  database, never by loading the entries;
* **bookings** refuse a double booking of a technician or vehicle
  (:class:`~crmkit.domain.errors.RuleViolation` ``S6``) also when two units of
  work book at once: the storage takes a lock per resource before it checks,
  so exactly one of two overlapping bookings commits;
* **case** listings take an access predicate over the case's company (A7,
  A8) and run it in the storage.

The contract suite is :class:`crmkit.testing.contracts.service.ServiceStorageContract`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from crmkit.domain.cases import Case, CaseEvent, CaseId
from crmkit.domain.costs import Rate, RateId, TechnicianRow
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.knowledge import Article, ArticleId
from crmkit.domain.planning import Booking, BookingId
from crmkit.domain.predicates import Predicate
from crmkit.domain.service import Balance, Contract, ContractId, WorkEntry, WorkEntryId
from crmkit.ports.storage import Repository

__all__ = [
    "ArticleRepository",
    "BookingRepository",
    "CaseRepository",
    "ContractRepository",
    "LedgerRepository",
    "RateRepository",
    "ServiceReports",
    "ServiceStorage",
    "WorkSums",
]


class ContractRepository(Repository[Contract, ContractId], Protocol):
    """Service contracts (S1)."""

    def for_company(self, company: CompanyId) -> list[Contract]:
        """The company's contracts by first date, then id."""
        ...


class LedgerRepository(Protocol):
    """The append-only hours ledger (S3)."""

    def add(self, entry: WorkEntry) -> None:
        """Append an entry (and its audit entry).

        Raises:
            Duplicate: the id is taken.
            ValidationError: the contract it cites does not exist (field ``contract_id``).
        """
        ...

    def get(self, key: WorkEntryId) -> WorkEntry:
        """The entry with this id.

        Raises:
            NotFound: there is none.
        """
        ...

    def for_contract(self, contract: ContractId, *, limit: int = 100, offset: int = 0) -> list[WorkEntry]:
        """The contract's entries by time of work, then id."""
        ...

    def for_case(self, case: CaseId) -> list[WorkEntry]:
        """The case's entries by time of work, then id."""
        ...

    def balance(self, contract: Contract) -> Balance:
        """What is left of ``contract``'s allowance: its entries summed in the storage."""
        ...

    def balances(self, company: CompanyId, *, product: str | None = None) -> list[Balance]:
        """The balance of each of the company's contracts, summed in the storage in one query.

        Only the contracts for ``product`` when given; by the contracts' first date, then id.
        """
        ...


class CaseRepository(Repository[Case, CaseId], Protocol):
    """Service cases and the stages they entered (S2, S8)."""

    def add_event(self, event: CaseEvent) -> None:
        """Record a stage the case entered.

        Raises:
            Duplicate: the case already has an event with this ``seq`` (field ``seq``).
        """
        ...

    def events(self, case: CaseId) -> list[CaseEvent]:
        """The stages the case entered, by ``seq``."""
        ...

    def visible(
        self,
        predicate: Predicate,
        *,
        company: CompanyId | None = None,
        technician: EmployeeId | None = None,
        contract: ContractId | None = None,
        open_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Case]:
        """Cases whose company matches ``predicate`` (A7), newest opened first, then by id."""
        ...

    def unattended(
        self, predicate: Predicate, idle_before: datetime, *, limit: int = 50, offset: int = 0
    ) -> list[Case]:
        """Open cases with no technician, or with no activity since before ``idle_before`` (S2).

        Oldest opened first, then by id; only cases whose company matches ``predicate``.
        """
        ...


class BookingRepository(Protocol):
    """Bookings of technicians and vehicles (S6)."""

    def book(self, booking: Booking) -> None:
        """Store a booking unless it double-books one of its resources.

        Takes a lock on each resource (technician, vehicle) before checking, so
        of two overlapping bookings made at once exactly one is stored.

        Raises:
            RuleViolation: rule ``S6``: the technician or vehicle is booked at an overlapping time.
            Duplicate: the id is taken.
        """
        ...

    def get(self, key: BookingId) -> Booking:
        """The booking with this id.

        Raises:
            NotFound: there is none.
        """
        ...

    def cancel(self, booking: Booking) -> None:
        """Remove a booking (audited as a delete).

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: ``booking.version`` is not the stored version.
        """
        ...

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        technician: EmployeeId | None = None,
        vehicle: str | None = None,
    ) -> list[Booking]:
        """Bookings sharing an instant with ``[start, end)``: a day's, week's or month's plan.

        Only one technician's or vehicle's when given; by start, then id.
        """
        ...


class ArticleRepository(Repository[Article, ArticleId], Protocol):
    """Knowledge-base articles (S7)."""

    def search(self, terms: list[str], *, limit: int = 10) -> list[tuple[Article, int]]:
        """Articles holding any of the folded ``terms``, with their score, ranked in the storage.

        The score is the sum of the weights of the terms an article holds; best first, then by id.
        """
        ...


class RateRepository(Repository[Rate, RateId], Protocol):
    """Dated rates of technicians and vehicles (S4)."""

    def all(self) -> list[Rate]:
        """Every rate, by ``valid_from``, then id."""
        ...


WorkSums = tuple[int, int, int]
"""``(minutes, Σ minutes × hourly rate in E4, Σ metres × km rate incl. fuel in E4)`` of some work."""


class ServiceReports(Protocol):
    """Service reports, aggregated in the storage (S4, S5).

    Each entry is priced at the rates in force when the work was done: the
    technician's latest rate with ``valid_from <= at`` and the vehicle's
    (its km rate plus fuel); work with no rate in force costs nothing.
    """

    def work_sums(self, *, contract: ContractId | None = None, case: CaseId | None = None) -> WorkSums:
        """The :data:`WorkSums` of a contract's or a case's ledger entries."""
        ...

    def technicians(self, start: datetime, end: datetime) -> list[TechnicianRow]:
        """Per technician, the cases he closed in ``[start, end)``, by technician id.

        How many, how many were never reopened, the minutes logged on them, and
        how many had their resolution target measured and met.
        """
        ...

    def customers(
        self, start: datetime, end: datetime, *, contract_free: bool = False
    ) -> list[tuple[CompanyId, WorkSums]]:
        """Per company, the :data:`WorkSums` of the work done in ``[start, end)``; by company id.

        With ``contract_free``, only the work charged to no contract (S4: non-contract customers).
        """
        ...


class ServiceStorage(Protocol):
    """The service module's repositories in one unit of work (``uow.service``)."""

    contracts: ContractRepository
    ledger: LedgerRepository
    cases: CaseRepository
    bookings: BookingRepository
    articles: ArticleRepository
    rates: RateRepository
    reports: ServiceReports
