"""The service module's storage in memory (SPEC §6; :mod:`crmkit.ports.service`).

Built on :class:`~crmkit.adapters.memory.repositories.MemoryRepository`
(staging, versions, audit). Bookings are re-checked for double bookings
under the storage lock at commit, so two units of work booking one vehicle
at once cannot both commit (S6). Sums and rankings are computed from the
rows, the twins of the SQL adapter's queries.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

import attrs

from crmkit.adapters.memory.interactions import _CompanyScoped
from crmkit.adapters.memory.repositories import DeletingRepository as _DeletingRepository
from crmkit.adapters.memory.repositories import MemoryRepository
from crmkit.domain.cases import CASE_AGGREGATE, Case, CaseEvent, CaseId
from crmkit.domain.costs import RATE_AGGREGATE, Rate, RateId, TechnicianRow, metres, rate_at
from crmkit.domain.errors import Duplicate, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.knowledge import ARTICLE_AGGREGATE, Article, ArticleId
from crmkit.domain.planning import BOOKING_AGGREGATE, Booking, BookingId, refuse_clashes
from crmkit.domain.predicates import Predicate
from crmkit.domain.service import (
    CONTRACT_AGGREGATE,
    WORK_ENTRY_AGGREGATE,
    Balance,
    Contract,
    ContractId,
    WorkEntry,
    WorkEntryId,
)
from crmkit.ports.service import (
    ArticleRepository,
    BookingRepository,
    CaseRepository,
    ContractRepository,
    LedgerRepository,
    RateRepository,
    ServiceReports,
    WorkSums,
)

if TYPE_CHECKING:
    from crmkit.adapters.memory.repositories import MemoryCompanyRepository
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["MemoryServiceStorage", "ServiceTables"]

CASE_EVENT_AGGREGATE = "service_case_event"
T = TypeVar("T")


@attrs.define
class ServiceTables:
    """The committed service data of one memory storage."""

    contracts: dict[ContractId, Contract] = attrs.Factory(dict)
    entries: dict[WorkEntryId, WorkEntry] = attrs.Factory(dict)
    cases: dict[CaseId, Case] = attrs.Factory(dict)
    events: dict[tuple[CaseId, int], CaseEvent] = attrs.Factory(dict)
    bookings: dict[BookingId, Booking] = attrs.Factory(dict)
    articles: dict[ArticleId, Article] = attrs.Factory(dict)
    rates: dict[RateId, Rate] = attrs.Factory(dict)

    def clear(self) -> None:
        """Drop everything (the storage was closed)."""
        for table in (
            self.contracts, self.entries, self.cases, self.events, self.bookings, self.articles, self.rates
        ):  # fmt: skip
            table.clear()


def _page(items: list[T], limit: int, offset: int) -> list[T]:
    start = max(offset, 0)
    return items[start : start + max(limit, 0)]


class MemoryContractRepository(MemoryRepository[Contract, ContractId]):
    """Contracts in memory (S1)."""

    aggregate_type = CONTRACT_AGGREGATE

    def key(self, item: Contract) -> ContractId:
        """The contract's id."""
        return item.id

    def for_company(self, company: CompanyId) -> list[Contract]:
        """The company's contracts by first date, then id."""
        self._uow.check_usable()
        return self._select(lambda c: c.company_id == company, lambda c: (c.starts_on, c.id))


class MemoryLedgerRepository(MemoryRepository[WorkEntry, WorkEntryId]):
    """The append-only hours ledger in memory (S3)."""

    aggregate_type = WORK_ENTRY_AGGREGATE

    def attach(self, contracts: MemoryContractRepository) -> None:
        """Give the ledger its unit of work's contracts (to check references and sum balances)."""
        self._contracts = contracts

    def key(self, item: WorkEntry) -> WorkEntryId:
        """The entry's id."""
        return item.id

    def add(self, item: WorkEntry) -> None:
        """Append an entry; its contract must exist."""
        if item.contract_id is not None and self._contracts._lookup(item.contract_id) is None:
            raise ValidationError("contract_id", f"there is no contract {item.contract_id}")
        super().add(item)

    def save(self, item: WorkEntry) -> WorkEntry:
        """Refused: the ledger is append-only (a correction is a new entry)."""
        raise ValidationError("entry", "the ledger is append-only: record a correction instead (S3)")

    def for_contract(self, contract: ContractId, *, limit: int = 100, offset: int = 0) -> list[WorkEntry]:
        """The contract's entries by time of work, then id."""
        self._uow.check_usable()
        rows = self._select(lambda e: e.contract_id == contract, lambda e: (e.at, e.id))
        return _page(rows, limit, offset)

    def for_case(self, case: CaseId) -> list[WorkEntry]:
        """The case's entries by time of work, then id."""
        self._uow.check_usable()
        return self._select(lambda e: e.case_id == case, lambda e: (e.at, e.id))

    def _used(self) -> dict[ContractId, tuple[int, int]]:
        used: dict[ContractId, tuple[int, int]] = {}
        for entry in self._rows():
            if entry.contract_id is not None:
                minutes, visits = used.get(entry.contract_id, (0, 0))
                used[entry.contract_id] = (minutes + entry.minutes, visits + entry.visits)
        return used

    def balance(self, contract: Contract) -> Balance:
        """The contract's balance from its entries."""
        self._uow.check_usable()
        minutes, visits = self._used().get(contract.id, (0, 0))
        return Balance.of(contract, used_minutes=minutes, used_visits=visits)

    def balances(self, company: CompanyId, *, product: str | None = None) -> list[Balance]:
        """The balance of each of the company's contracts (for ``product`` when given)."""
        used = self._used()
        contracts = self._contracts.for_company(company)
        return [
            Balance.of(c, used_minutes=used.get(c.id, (0, 0))[0], used_visits=used.get(c.id, (0, 0))[1])
            for c in contracts
            if product is None or c.product == product
        ]


class MemoryCaseRepository(_CompanyScoped[Case, CaseId]):
    """Cases and their stage events in memory (S2, S8)."""

    aggregate_type = CASE_AGGREGATE

    def __init__(self, uow: MemoryUnitOfWork, tables: ServiceTables, lock: threading.RLock) -> None:
        super().__init__(uow, tables.cases, lock)
        self._events = _EventRepository(uow, tables.events, lock)

    def key(self, item: Case) -> CaseId:
        """The case's id."""
        return item.id

    def add_event(self, event: CaseEvent) -> None:
        """Record a stage the case entered."""
        if self._events._lookup((event.case_id, event.seq)) is not None:
            raise Duplicate("seq", f"case {event.case_id} already has event {event.seq}")
        self._events.add(event)

    def events(self, case: CaseId) -> list[CaseEvent]:
        """The stages the case entered, by ``seq``."""
        self._uow.check_usable()
        return self._events._select(lambda e: e.case_id == case, lambda e: e.seq)

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
        """Cases whose company matches ``predicate``, newest opened first, then by id."""
        self._uow.check_usable()
        seen = self._company_filter(predicate)

        def wanted(c: Case) -> bool:
            return (
                (company is None or c.company_id == company)
                and (technician is None or c.technician_id == technician)
                and (contract is None or c.contract_id == contract)
                and (not open_only or c.closed_at is None)
                and seen(c.company_id)
            )

        rows = sorted(self._select(wanted, lambda c: c.id), key=lambda c: c.opened_at, reverse=True)
        return _page(rows, limit, offset)

    def unattended(
        self, predicate: Predicate, idle_before: datetime, *, limit: int = 50, offset: int = 0
    ) -> list[Case]:
        """Open cases with no technician or idle since before ``idle_before``, oldest first."""
        self._uow.check_usable()
        seen = self._company_filter(predicate)

        def wanted(c: Case) -> bool:
            idle = c.technician_id is None or c.last_activity_at < idle_before
            return c.closed_at is None and idle and seen(c.company_id)

        return _page(self._select(wanted, lambda c: (c.opened_at, c.id)), limit, offset)

    def verify(self) -> None:
        """Re-check the staged cases and events against the committed ones."""
        super().verify()
        self._events.verify()

    def apply(self) -> None:
        """Write the staged cases and events."""
        self._events.apply()  # first: the base apply() ends with discard(), which drops staged events
        super().apply()

    def discard(self) -> None:
        """Forget the staged cases and events."""
        super().discard()
        if hasattr(self, "_events"):
            self._events.discard()


class _EventRepository(MemoryRepository[CaseEvent, tuple[CaseId, int]]):
    aggregate_type = CASE_EVENT_AGGREGATE
    key_field = "seq"

    def key(self, item: CaseEvent) -> tuple[CaseId, int]:
        return (item.case_id, item.seq)


class MemoryBookingRepository(_DeletingRepository[Booking, BookingId]):
    """Bookings in memory (S6); double bookings are refused now and again at commit."""

    aggregate_type = BOOKING_AGGREGATE

    def key(self, item: Booking) -> BookingId:
        """The booking's id."""
        return item.id

    def book(self, booking: Booking) -> None:
        """Stage a booking unless it clashes with one this unit of work sees."""
        self._uow.check_usable()
        refuse_clashes(booking, self._rows())
        self.add(booking)

    def cancel(self, booking: Booking) -> None:
        """Stage the removal of a booking."""
        self.delete(booking)

    def verify(self) -> None:
        """Refuse a staged booking that clashes with one committed meanwhile (S6)."""
        super().verify()
        committed = [b for key, b in self._committed.items() if key not in self._deleted]
        for booking in self._staged.values():
            refuse_clashes(booking, committed)

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        technician: EmployeeId | None = None,
        vehicle: str | None = None,
    ) -> list[Booking]:
        """Bookings sharing an instant with ``[start, end)``, by start, then id."""
        self._uow.check_usable()

        def wanted(b: Booking) -> bool:
            return (
                b.starts_at < end
                and start < b.ends_at
                and (technician is None or b.technician_id == technician)
                and (vehicle is None or b.vehicle == vehicle)
            )

        return self._select(wanted, lambda b: (b.starts_at, b.id))


class MemoryArticleRepository(MemoryRepository[Article, ArticleId]):
    """Knowledge-base articles in memory (S7)."""

    aggregate_type = ARTICLE_AGGREGATE

    def key(self, item: Article) -> ArticleId:
        """The article's id."""
        return item.id

    def search(self, terms: list[str], *, limit: int = 10) -> list[tuple[Article, int]]:
        """Articles holding any of ``terms`` with their score, best first, then by id."""
        self._uow.check_usable()
        wanted = set(terms)
        scored = []
        for article in self._rows():
            score = sum(weight for term, weight in article.terms.items() if term in wanted)
            if score:
                scored.append((article, score))
        scored.sort(key=lambda pair: (-pair[1], pair[0].id))
        return scored[: max(limit, 0)]


class MemoryRateRepository(MemoryRepository[Rate, RateId]):
    """Dated rates in memory (S4)."""

    aggregate_type = RATE_AGGREGATE

    def key(self, item: Rate) -> RateId:
        """The rate's id."""
        return item.id

    def all(self) -> list[Rate]:
        """Every rate, by ``valid_from``, then id."""
        self._uow.check_usable()
        return self._select(lambda r: True, lambda r: (r.valid_from, r.id))


class MemoryServiceReports:
    """The service reports computed from the rows: the twin of the SQL aggregates (S4, S5)."""

    def __init__(
        self, ledger: MemoryLedgerRepository, cases: MemoryCaseRepository, rates: MemoryRateRepository
    ) -> None:
        self._ledger = ledger
        self._cases = cases
        self._rates = rates

    def _sums(self, entries: list[WorkEntry]) -> WorkSums:
        rates = self._rates.all()
        minutes = labour = travel = 0
        for entry in entries:
            hour = rate_at(rates, entry.at, technician=entry.technician_id)
            km = rate_at(rates, entry.at, vehicle=entry.vehicle) if entry.vehicle else None
            minutes += entry.minutes
            labour += entry.minutes * (hour.per_unit_e4 if hour else 0)
            travel += metres(entry.km) * (km.per_unit_e4 if km else 0)
        return minutes, labour, travel

    def work_sums(self, *, contract: ContractId | None = None, case: CaseId | None = None) -> WorkSums:
        """The sums of a contract's or a case's entries."""
        rows = self._ledger._rows()
        return self._sums(
            [
                e
                for e in rows
                if (contract is None or e.contract_id == contract) and (case is None or e.case_id == case)
            ]
        )

    def technicians(self, start: datetime, end: datetime) -> list[TechnicianRow]:
        """Per technician, the cases he closed in ``[start, end)``."""
        closed = [
            c
            for c in self._cases._rows()
            if c.technician_id is not None and c.closed_at is not None and start <= c.closed_at < end
        ]
        minutes: dict[CaseId, int] = {}
        for entry in self._ledger._rows():
            if entry.case_id is not None:
                minutes[CaseId(entry.case_id)] = minutes.get(CaseId(entry.case_id), 0) + entry.minutes
        rows: dict[EmployeeId, list[int]] = {}
        for case in closed:
            assert case.technician_id is not None
            row = rows.setdefault(case.technician_id, [0, 0, 0, 0, 0])
            row[0] += 1
            row[1] += case.reopen_count == 0
            row[2] += minutes.get(case.id, 0)
            row[3] += case.resolution_met is not None
            row[4] += case.resolution_met is True
        return [TechnicianRow(key, *row) for key, row in sorted(rows.items())]

    def customers(
        self, start: datetime, end: datetime, *, contract_free: bool = False
    ) -> list[tuple[CompanyId, WorkSums]]:
        """Per company, the sums of the work done in ``[start, end)`` (charged to no contract, if asked)."""
        by_company: dict[CompanyId, list[WorkEntry]] = {}
        for entry in self._ledger._rows():
            if start <= entry.at < end and not (contract_free and entry.contract_id is not None):
                by_company.setdefault(entry.company_id, []).append(entry)
        return [(key, self._sums(entries)) for key, entries in sorted(by_company.items())]


class MemoryServiceStorage:
    """``uow.service`` of the memory back end (see :class:`crmkit.ports.service.ServiceStorage`)."""

    def __init__(
        self,
        uow: MemoryUnitOfWork,
        tables: ServiceTables,
        lock: threading.RLock,
        companies: MemoryCompanyRepository,
    ) -> None:
        contracts = MemoryContractRepository(uow, tables.contracts, lock)
        ledger = MemoryLedgerRepository(uow, tables.entries, lock)
        ledger.attach(contracts)
        cases = MemoryCaseRepository(uow, tables, lock)
        cases.attach(companies)
        bookings = MemoryBookingRepository(uow, tables.bookings, lock)
        articles = MemoryArticleRepository(uow, tables.articles, lock)
        rates = MemoryRateRepository(uow, tables.rates, lock)
        self.repositories: tuple[_Staging, ...] = (contracts, ledger, cases, bookings, articles, rates)
        """The repositories, for the unit of work's verify/apply/discard."""
        # Typed as the ports (whose attributes are invariant) so mypy checks the contract.
        self.contracts: ContractRepository = contracts
        self.ledger: LedgerRepository = ledger
        self.cases: CaseRepository = cases
        self.bookings: BookingRepository = bookings
        self.articles: ArticleRepository = articles
        self.rates: RateRepository = rates
        self.reports: ServiceReports = MemoryServiceReports(ledger, cases, rates)


class _Staging(Protocol):
    def verify(self) -> None: ...
    def apply(self) -> None: ...
    def discard(self) -> None: ...
