r"""The service module's storage in SQL (SPEC §6; :mod:`crmkit.ports.service`).

* Balances are ``SUM``\\ s over the ledger's ``(contract_id, at)`` index, run
  in the database; a company's balances are one query (contracts left-joined
  to their summed entries).
* A booking first claims a lock row per resource
  (``service_booking_locks``: insert-if-absent, then ``UPDATE`` — the row
  stays locked until the transaction ends), in a fixed order so two bookings
  cannot deadlock; only then does it look for an overlap, with a locking read
  (InnoDB's repeatable-read snapshot would otherwise hide a booking committed
  meanwhile), and insert. Of two overlapping bookings made at once, the
  second waits for the first and then sees it: exactly one is stored (S6).
  On SQLite the ``UPDATE`` takes the database's write lock, which does the same.
* Case listings join ``companies`` and compile the access predicate (A7).
* Search ranks in the database: ``SUM(weight)`` of the matching ``kb_terms``
  (folded terms, so Turkish ``İ``/``I`` match everywhere). On PostgreSQL the
  candidates are also matched by its full-text search over the folded text
  (``to_tsvector('simple', …) @@ to_tsquery(…)``, the very expression of
  its GIN index, revision 0022); the ranking is the same weights on every
  back end, so the top results agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from crmkit.adapters.sqlalchemy._convert import RowMapper, utc, uuid_of
from crmkit.adapters.sqlalchemy._errors import arose_from_lock_conflict
from crmkit.adapters.sqlalchemy.bulk import upsert
from crmkit.adapters.sqlalchemy.interactions import _scoped
from crmkit.adapters.sqlalchemy.repositories import Deleting as _Deleting
from crmkit.adapters.sqlalchemy.repositories import SqlRepository
from crmkit.adapters.sqlalchemy.tables import service as st
from crmkit.domain.cases import CASE_AGGREGATE, Case, CaseEvent, CaseId
from crmkit.domain.costs import RATE_AGGREGATE, Rate, RateId, TechnicianRow, metres
from crmkit.domain.errors import ConcurrencyConflict, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.knowledge import ARTICLE_AGGREGATE, Article, ArticleId
from crmkit.domain.planning import BOOKING_AGGREGATE, Booking, BookingId, refuse_clashes, resources_of
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
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlServiceStorage"]


def _page(query: sa.Select[Any], limit: int, offset: int) -> sa.Select[Any]:
    return query.limit(max(limit, 0)).offset(max(offset, 0))


class SqlContractRepository(SqlRepository[Contract, ContractId]):
    """Contracts (S1)."""

    aggregate_type = CONTRACT_AGGREGATE
    mapper = RowMapper(Contract, st.contracts, nested={"price": "price_"})

    def for_company(self, company: CompanyId) -> list[Contract]:
        """The company's contracts by first date, then id."""
        t = st.contracts
        return self._rows(sa.select(t).where(t.c.company_id == company).order_by(t.c.starts_on, t.c.id))


class SqlLedgerRepository(SqlRepository[WorkEntry, WorkEntryId]):
    """The append-only hours ledger (S3)."""

    aggregate_type = WORK_ENTRY_AGGREGATE
    mapper = RowMapper(WorkEntry, st.work_entries, extra=lambda e: {"metres": metres(e.km)})

    def save(self, item: WorkEntry) -> WorkEntry:
        """Refused: the ledger is append-only (a correction is a new entry)."""
        raise ValidationError("entry", "the ledger is append-only: record a correction instead (S3)")

    def for_contract(self, contract: ContractId, *, limit: int = 100, offset: int = 0) -> list[WorkEntry]:
        """The contract's entries by time of work, then id."""
        t = st.work_entries
        query = sa.select(t).where(t.c.contract_id == contract).order_by(t.c.at, t.c.id)
        return self._rows(_page(query, limit, offset))

    def for_case(self, case: CaseId) -> list[WorkEntry]:
        """The case's entries by time of work, then id."""
        t = st.work_entries
        return self._rows(sa.select(t).where(t.c.case_id == case).order_by(t.c.at, t.c.id))

    def balance(self, contract: Contract) -> Balance:
        """The contract's balance: its entries summed in the database."""
        t = st.work_entries
        query = sa.select(
            sa.func.coalesce(sa.func.sum(t.c.minutes), 0), sa.func.coalesce(sa.func.sum(t.c.visits), 0)
        ).where(t.c.contract_id == contract.id)
        row: Any = self._uow.execute(query).one()
        minutes, visits = row[0], row[1]
        return Balance.of(contract, used_minutes=int(minutes), used_visits=int(visits))

    def balances(self, company: CompanyId, *, product: str | None = None) -> list[Balance]:
        """The balance of each of the company's contracts, one query."""
        c, e = st.contracts, st.work_entries
        used = (
            sa.select(
                e.c.contract_id,
                sa.func.sum(e.c.minutes).label("minutes"),
                sa.func.sum(e.c.visits).label("visits"),
            )
            .where(e.c.company_id == company, e.c.contract_id.is_not(None))
            .group_by(e.c.contract_id)
            .subquery()
        )
        query = (
            sa.select(
                c.c.id,
                c.c.allowance_minutes,
                c.c.carried_minutes,
                c.c.allowance_visits,
                sa.func.coalesce(used.c.minutes, 0),
                sa.func.coalesce(used.c.visits, 0),
            )
            .select_from(c.outerjoin(used, used.c.contract_id == c.c.id))
            .where(c.c.company_id == company)
            .order_by(c.c.starts_on, c.c.id)
        )
        if product is not None:
            query = query.where(c.c.product == product)
        found = []
        for row in self._uow.execute(query):
            key, minutes, carried, visits, used_minutes, used_visits = tuple(row)
            granted = None if minutes is None else int(minutes) + int(carried)
            found.append(
                Balance(
                    ContractId(uuid_of(key)),
                    granted,
                    int(used_minutes),
                    None if visits is None else int(visits),
                    int(used_visits),
                )
            )
        return found


class _SqlEventRepository(SqlRepository[CaseEvent, CaseId]):
    aggregate_type = "service_case_event"
    mapper = RowMapper(CaseEvent, st.case_events)
    key_column = "case_id"


class SqlCaseRepository(SqlRepository[Case, CaseId]):
    """Cases and the stages they entered (S2, S8)."""

    aggregate_type = CASE_AGGREGATE
    mapper = RowMapper(Case, st.cases)

    def __init__(self, uow: SqlUnitOfWork) -> None:
        super().__init__(uow)
        self._events = _SqlEventRepository(uow)

    def add_event(self, event: CaseEvent) -> None:
        """Record a stage the case entered."""
        self._events.add(event)

    def events(self, case: CaseId) -> list[CaseEvent]:
        """The stages the case entered, by ``seq``."""
        t = st.case_events
        return self._events._rows(sa.select(t).where(t.c.case_id == case).order_by(t.c.seq))

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
        t = st.cases
        query = sa.select(t)
        if company is not None:
            query = query.where(t.c.company_id == company)
        if technician is not None:
            query = query.where(t.c.technician_id == technician)
        if contract is not None:
            query = query.where(t.c.contract_id == contract)
        if open_only:
            query = query.where(t.c.closed_at.is_(None))
        query = _scoped(query, t, predicate).order_by(t.c.opened_at.desc(), t.c.id)
        return self._rows(_page(query, limit, offset))

    def unattended(
        self, predicate: Predicate, idle_before: datetime, *, limit: int = 50, offset: int = 0
    ) -> list[Case]:
        """Open cases with no technician or idle since before ``idle_before``, oldest first."""
        t = st.cases
        query = sa.select(t).where(
            t.c.closed_at.is_(None),
            sa.or_(t.c.technician_id.is_(None), t.c.last_activity_at < utc(idle_before)),
        )
        query = _scoped(query, t, predicate).order_by(t.c.opened_at, t.c.id)
        return self._rows(_page(query, limit, offset))


class SqlBookingRepository(_Deleting, SqlRepository[Booking, BookingId]):
    """Bookings (S6): a lock row per resource, then the overlap check, then the insert."""

    aggregate_type = BOOKING_AGGREGATE
    mapper = RowMapper(Booking, st.bookings)

    def _lock(self, resources: list[str], booking: Booking) -> None:
        conn = self._uow.connection
        claim = upsert(st.booking_locks, conn.dialect, ["resource"])
        locks = st.booking_locks
        with self._uow.writing(self, [], booking.id, booking.version) as conn:
            for resource in sorted(resources):
                conn.execute(claim, {"resource": resource, "claims": 0})
                conn.execute(
                    sa.update(locks).where(locks.c.resource == resource).values(claims=locks.c.claims + 1)
                )

    def book(self, booking: Booking) -> None:
        """Store a booking unless it double-books one of its resources (S6)."""
        self._lock(resources_of(booking), booking)
        t = st.bookings
        holders = []
        if booking.technician_id is not None:
            holders.append(t.c.technician_id == booking.technician_id)
        if booking.vehicle.strip():
            holders.append(t.c.vehicle == booking.vehicle.strip())
        query = (
            sa.select(t)
            .where(
                sa.or_(*holders),
                t.c.starts_at < utc(booking.ends_at),
                t.c.ends_at > utc(booking.starts_at),
            )
            .order_by(t.c.starts_at, t.c.id)
            .with_for_update()
        )
        try:
            refuse_clashes(booking, self._rows(query))
            self.add(booking)
        except DBAPIError as error:
            # InnoDB's gap locks can deadlock bookings of unrelated resources
            if arose_from_lock_conflict(error):
                raise ConcurrencyConflict(BOOKING_AGGREGATE, booking.id, booking.version) from None
            raise

    def cancel(self, booking: Booking) -> None:
        """Remove a booking (audited as a delete)."""
        self._delete(self, booking)

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        technician: EmployeeId | None = None,
        vehicle: str | None = None,
    ) -> list[Booking]:
        """Bookings sharing an instant with ``[start, end)``, by start, then id."""
        t = st.bookings
        query = sa.select(t).where(t.c.starts_at < utc(end), t.c.ends_at > utc(start))
        if technician is not None:
            query = query.where(t.c.technician_id == technician)
        if vehicle is not None:
            query = query.where(t.c.vehicle == vehicle)
        return self._rows(query.order_by(t.c.starts_at, t.c.id))


class SqlArticleRepository(SqlRepository[Article, ArticleId]):
    """Knowledge-base articles (S7) and their term index."""

    aggregate_type = ARTICLE_AGGREGATE
    mapper = RowMapper(Article, st.articles, extra=lambda a: {"search_text": " ".join(a.terms)})

    def _index(self, article: Article) -> None:
        terms = st.kb_terms
        rows = [{"article_id": article.id, "term": t, "weight": w} for t, w in sorted(article.terms.items())]
        with self._uow.writing(self, [], article.id, article.version) as conn:
            conn.execute(sa.delete(terms).where(terms.c.article_id == article.id))
            if rows:
                conn.execute(sa.insert(terms), rows)

    def add_many(self, items: Any) -> None:
        """Store new articles and index their terms."""
        batch = list(items)
        super().add_many(batch)
        for article in batch:
            self._index(article)

    def save(self, item: Article) -> Article:
        """Store a changed article and re-index its terms."""
        new = super().save(item)
        self._index(new)
        return new

    def search(self, terms: list[str], *, limit: int = 10) -> list[tuple[Article, int]]:
        """Articles holding any of ``terms`` with their score, best first, then by id."""
        if not terms or limit <= 0:
            return []
        k = st.kb_terms
        score = sa.func.sum(k.c.weight).label("score")
        wanted = sorted(set(terms))
        query = sa.select(k.c.article_id, score).where(k.c.term.in_(wanted))
        if self._uow.connection.dialect.name == "postgresql":  # match with PostgreSQL's full-text search
            a = st.articles
            words = " | ".join(f"'{term}'" for term in wanted)  # folded \w+ words: nothing to escape
            query_words = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), words)
            matching = st.ARTICLE_FTS.op("@@")(query_words)  # answered from the GIN index (revision 0022)
            # The candidates first, from the index (a materialized CTE is planned on its own), then
            # their terms' weights: the ranking stays the portable one, so every back end agrees.
            hits = sa.select(a.c.id).where(matching).cte("fts_hits").prefix_with("MATERIALIZED")
            query = query.where(k.c.article_id.in_(sa.select(hits.c.id)))
        query = query.group_by(k.c.article_id).order_by(score.desc(), k.c.article_id).limit(limit)
        rows: list[Any] = list(self._uow.execute(query))
        ranked = [(uuid_of(row[0]), int(row[1])) for row in rows]
        found = self.get_many(ArticleId(a) for a, _ in ranked)
        return [(found[ArticleId(a)], s) for a, s in ranked if ArticleId(a) in found]


class SqlRateRepository(SqlRepository[Rate, RateId]):
    """Dated rates (S4); ``unit_e4`` keeps the price of one hour or km (with fuel) as an integer."""

    aggregate_type = RATE_AGGREGATE
    mapper = RowMapper(
        Rate,
        st.rates,
        nested={"amount": "amount_", "fuel_per_km": "fuel_per_km_"},
        extra=lambda r: {"unit_e4": r.per_unit_e4},
    )

    def all(self) -> list[Rate]:
        """Every rate, by ``valid_from``, then id."""
        t = st.rates
        return self._rows(sa.select(t).order_by(t.c.valid_from, t.c.id))


def _rate(entries: sa.Table, *, vehicle: bool) -> sa.ScalarSelect[Any]:
    """The rate in force for each entry (a correlated subquery): the latest ``valid_from <= at``."""
    r = st.rates
    holder = r.c.vehicle == entries.c.vehicle if vehicle else r.c.technician_id == entries.c.technician_id
    return (
        sa.select(r.c.unit_e4)
        .where(holder, r.c.valid_from <= entries.c.at)
        .order_by(r.c.valid_from.desc(), r.c.id.desc())
        .limit(1)
        .correlate(entries)
        .scalar_subquery()
    )


def _sums() -> list[sa.ColumnElement[Any]]:
    e = st.work_entries
    return [
        sa.func.coalesce(sa.func.sum(e.c.minutes), 0),
        sa.func.coalesce(sa.func.sum(e.c.minutes * sa.func.coalesce(_rate(e, vehicle=False), 0)), 0),
        sa.func.coalesce(
            sa.func.sum(
                sa.case(
                    (e.c.vehicle == "", 0), else_=e.c.metres * sa.func.coalesce(_rate(e, vehicle=True), 0)
                )
            ),
            0,
        ),
    ]


def _work_sums(row: Any) -> WorkSums:
    return int(row[0]), int(row[1]), int(row[2])


class SqlServiceReports:
    """The service reports as SQL aggregates, run in the database (S4, S5)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def work_sums(self, *, contract: ContractId | None = None, case: CaseId | None = None) -> WorkSums:
        """The sums of a contract's or a case's entries, one query."""
        e = st.work_entries
        query = sa.select(*_sums())
        if contract is not None:
            query = query.where(e.c.contract_id == contract)
        if case is not None:
            query = query.where(e.c.case_id == case)
        return _work_sums(self._uow.execute(query).one())

    def technicians(self, start: datetime, end: datetime) -> list[TechnicianRow]:
        """Per technician, the cases he closed in ``[start, end)``, one query."""
        c, e = st.cases, st.work_entries
        logged = (
            sa.select(e.c.case_id, sa.func.sum(e.c.minutes).label("minutes"))
            .where(e.c.case_id.is_not(None))
            .group_by(e.c.case_id)
            .subquery()
        )

        def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        query = (
            sa.select(
                c.c.technician_id,
                sa.func.count(),
                count(c.c.reopen_count == 0),
                sa.func.coalesce(sa.func.sum(sa.func.coalesce(logged.c.minutes, 0)), 0),
                count(c.c.resolution_met.is_not(None)),
                count(c.c.resolution_met.is_(True)),
            )
            .select_from(c.outerjoin(logged, logged.c.case_id == c.c.id))
            .where(c.c.technician_id.is_not(None), c.c.closed_at >= utc(start), c.c.closed_at < utc(end))
            .group_by(c.c.technician_id)
            .order_by(c.c.technician_id)
        )
        rows: list[Any] = list(self._uow.execute(query))
        return [
            TechnicianRow(EmployeeId(uuid_of(r[0])), int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]))
            for r in rows
        ]

    def customers(
        self, start: datetime, end: datetime, *, contract_free: bool = False
    ) -> list[tuple[CompanyId, WorkSums]]:
        """Per company, the sums of the work done in ``[start, end)`` (charged to no contract, if asked)."""
        e = st.work_entries
        query = (
            sa.select(e.c.company_id, *_sums())
            .where(e.c.at >= utc(start), e.c.at < utc(end))
            .group_by(e.c.company_id)
            .order_by(e.c.company_id)
        )
        if contract_free:
            query = query.where(e.c.contract_id.is_(None))
        rows: list[Any] = list(self._uow.execute(query))
        return [(CompanyId(uuid_of(r[0])), _work_sums(r[1:])) for r in rows]


class SqlServiceStorage:
    """``uow.service`` of the SQL back end (see :class:`crmkit.ports.service.ServiceStorage`)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self.contracts: ContractRepository = SqlContractRepository(uow)
        self.ledger: LedgerRepository = SqlLedgerRepository(uow)
        self.cases: CaseRepository = SqlCaseRepository(uow)
        self.bookings: BookingRepository = SqlBookingRepository(uow)
        self.articles: ArticleRepository = SqlArticleRepository(uow)
        self.rates: RateRepository = SqlRateRepository(uow)
        self.reports: ServiceReports = SqlServiceReports(uow)
