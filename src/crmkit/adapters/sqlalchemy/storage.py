"""The SQL storage back end and its unit of work (SPEC §9, issue 3).

:class:`SqlStorage` is built from a URL (``sqlite:///crm.db``,
``postgresql+psycopg://…``, ``mariadb+pymysql://…``, ``mysql+pymysql://…``)
and runs one code path on all of them. A :class:`SqlUnitOfWork` holds one
connection and one transaction: repositories write into it, :meth:`commit`
makes everything durable at once, and leaving the ``with`` block without
committing — or by an exception — rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from crmkit.adapters.clock import SystemClock
from crmkit.adapters.events import EventBuffer
from crmkit.adapters.sqlalchemy._errors import (
    foreign_key_probe,
    is_lock_conflict,
    is_missing_table,
    rollback_to,
    schema_missing,
    translate_integrity,
    unavailable,
)
from crmkit.adapters.sqlalchemy.consents import SqlConsentRepository
from crmkit.adapters.sqlalchemy.engine import make_engine, parse_url
from crmkit.adapters.sqlalchemy.erasure import SqlErasureRepository
from crmkit.adapters.sqlalchemy.interactions import (
    SqlAppointmentRepository,
    SqlInteractionRepository,
    SqlReminderRepository,
)
from crmkit.adapters.sqlalchemy.invoices import SqlInvoiceRepository
from crmkit.adapters.sqlalchemy.marketing import SqlMarketingRepository
from crmkit.adapters.sqlalchemy.meetings import SqlMeetingNoteRepository
from crmkit.adapters.sqlalchemy.opportunities import SqlOfferRepository, SqlOpportunityRepository
from crmkit.adapters.sqlalchemy.outbox import SqlOutboxRepository
from crmkit.adapters.sqlalchemy.points import SqlPointRepository
from crmkit.adapters.sqlalchemy.repositories import (
    SqlAuditLog,
    SqlClaimRepository,
    SqlCompanyRepository,
    SqlContactRepository,
    SqlEmployeeRepository,
    SqlPickListRepository,
)
from crmkit.adapters.sqlalchemy.samples import SqlSampleRepository
from crmkit.adapters.sqlalchemy.service import SqlServiceStorage  # issue 16
from crmkit.adapters.sqlalchemy.targets import SqlCustomerCodeRepository, SqlTargetRepository
from crmkit.adapters.sqlalchemy.territory import (
    SqlCodeLinkRepository,
    SqlMembershipRepository,
    SqlOwnerRepository,
    SqlRegionRepository,
    SqlTeamRepository,
)
from crmkit.adapters.sqlalchemy.visits import SqlVisitRepository
from crmkit.adapters.sqlalchemy.workflow import SqlWorkflowRepository
from crmkit.adapters.urls import mask_password
from crmkit.domain.errors import ConcurrencyConflict, StorageUnavailable, ValidationError
from crmkit.domain.events import DomainEvent
from crmkit.domain.ids import CompanyId, EmployeeId
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

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.repositories import SqlRepository

__all__ = ["SqlStorage", "SqlUnitOfWork"]


class SqlStorage:
    """Storage in a SQL database through SQLAlchemy Core.

    Args:
        url: the database URL; SQLite files get WAL, foreign keys and a busy timeout.
        clock: stamps audit entries (default: the system clock).
        engine_options: passed to :func:`sqlalchemy.create_engine`.

    Attributes:
        url: the URL as given, with its password shown as ``***`` (issue 11 item 7: it is
            printed and logged; the engine keeps the real one).
        engine: the SQLAlchemy engine (nothing connects until first use).
        clock: the clock of the audit trail.

    Raises:
        ValidationError: naming ``url`` when it is not a database URL.
    """

    def __init__(
        self, url: str, *, clock: Clock | None = None, engine_options: Mapping[str, Any] = {}
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._url = parse_url(url)
        self.url = mask_password(url)
        try:
            self.engine: Engine = make_engine(self._url, **dict(engine_options))
        except (ImportError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as error:
            raise ValidationError("url", f"{self.masked_url}: {error}") from None
        self._closed = False

    @property
    def masked_url(self) -> str:
        """The URL with its password shown as ``***``, for messages and logs."""
        return self._url.render_as_string(hide_password=True)

    def connect(self) -> Connection:
        """A new connection from the pool.

        Raises:
            StorageUnavailable: the storage was closed, or the database cannot be reached
                (the message names the URL with the password masked).
        """
        if self._closed:
            raise StorageUnavailable(f"storage {self.masked_url} is closed")
        try:
            return self.engine.connect()
        except DBAPIError as error:
            raise unavailable(self._url, error) from None

    def unit_of_work(self, actor: EmployeeId | None = None) -> SqlUnitOfWork:
        """A new unit of work; its changes are audited as made by ``actor`` (C12).

        Raises:
            StorageUnavailable: the storage was closed.
        """
        if self._closed:
            raise StorageUnavailable(f"storage {self.masked_url} is closed")
        return SqlUnitOfWork(self, actor)

    def migrate(self) -> None:
        """Create or upgrade the schema to the current revision (idempotent).

        Raises:
            StorageUnavailable: the database cannot be reached.
        """
        self.connect().close()
        _upgrade(self.engine)

    def close(self) -> None:
        """Close every pooled connection; the storage must not be used afterwards."""
        self._closed = True
        self.engine.dispose()


def _upgrade(engine: Engine) -> None:
    """Run the shipped Alembic migrations up to head (Alembic is imported only here)."""
    from crmkit.adapters.sqlalchemy.migrations import upgrade

    upgrade(engine)


class SqlUnitOfWork:
    """One connection and one transaction over every SQL repository.

    See :class:`crmkit.ports.storage.UnitOfWork`. The connection is taken from
    the pool on entering the ``with`` block (or on first use) and returned
    on leaving it; after :meth:`commit` or :meth:`rollback` the unit of work
    goes on in a fresh transaction.

    Attributes:
        actor: who the changes are audited as made by (``None``: the system).
        clock: stamps the audit entries.
    """

    def __init__(self, storage: SqlStorage, actor: EmployeeId | None) -> None:
        self.actor = actor
        self.clock = storage.clock
        self._storage = storage
        self._connection: Connection | None = None
        self._events = EventBuffer()
        self.undated_companies: set[CompanyId] = set()  # read with no dated code or owner (0026)
        self.companies: CompanyRepository = SqlCompanyRepository(self)
        self.contacts: ContactRepository = SqlContactRepository(self)
        self.employees: EmployeeRepository = SqlEmployeeRepository(self)
        self.claims: ClaimRepository = SqlClaimRepository(self)
        self.picklists: PickListRepository = SqlPickListRepository(self)
        self.audit: AuditLog = SqlAuditLog(self)
        self.invoices: InvoiceRepository = SqlInvoiceRepository(self)
        self.outbox: OutboxRepository = SqlOutboxRepository(self)
        self.consents: ConsentRepository = SqlConsentRepository(self)
        self.marketing: MarketingRepository = SqlMarketingRepository(self)
        self.regions: RegionRepository = SqlRegionRepository(self)
        self.teams: TeamRepository = SqlTeamRepository(self)
        self.memberships: MembershipRepository = SqlMembershipRepository(self)
        self.code_links: CodeLinkRepository = SqlCodeLinkRepository(self)
        self.owners: OwnerRepository = SqlOwnerRepository(self)
        self.interactions: InteractionRepository = SqlInteractionRepository(self)
        self.appointments: AppointmentRepository = SqlAppointmentRepository(self)
        self.reminders: ReminderRepository = SqlReminderRepository(self)
        self.service: ServiceStorage = SqlServiceStorage(self)  # issue 16 (S1-S8)
        self.customer_codes: CustomerCodeRepository = SqlCustomerCodeRepository(self)  # T4 (issue 13)
        self.targets: TargetRepository = SqlTargetRepository(self)  # Q1, Q5 (issue 13)
        self.workflows: WorkflowRepository = SqlWorkflowRepository(self)  # issue 14 (I2)
        self.meeting_notes: MeetingNoteRepository = SqlMeetingNoteRepository(self)  # issue 14 (I5)
        self.samples: SampleRepository = SqlSampleRepository(self)  # issue 14 (I12)
        self.points: PointRepository = SqlPointRepository(self)  # loyalty points (issue 15)
        self.erasures: ErasureRepository = SqlErasureRepository(self)  # M4
        self.opportunities: OpportunityRepository = SqlOpportunityRepository(self)  # issue 14 (I9)
        self.offers: OfferRepository = SqlOfferRepository(self)  # issue 14 (I8)
        self.visits: VisitRepository = SqlVisitRepository(self)  # issue 14 (I11)

    def __enter__(self) -> Self:
        _ = self.connection
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._events.rollback()
        if connection is None:
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        except DBAPIError:
            if exc is None:
                raise
        finally:
            connection.close()

    @property
    def connection(self) -> Connection:
        """The unit of work's connection, in a transaction (opened on first use).

        Raises:
            StorageUnavailable: the database cannot be reached.
        """
        if self._connection is None:
            connection = self._storage.connect()
            try:
                connection.begin()
            except DBAPIError as error:
                connection.close()
                raise unavailable(self._storage._url, error) from None
            self._connection = connection
        return self._connection

    def commit(self) -> None:
        """Make every change of this unit of work durable and visible, atomically.

        Raises:
            ConcurrencyConflict: the database refused the commit because of a concurrent one.
            StorageUnavailable: the connection was lost.
        """
        connection = self.connection
        try:
            connection.commit()
        except DBAPIError as error:
            self._events.rollback()
            raise self._translate(error, "transaction", "commit", 0) from None
        self._events.commit()

    def commit_with(self, statement: sa.Executable, params: Mapping[str, Any]) -> list[sa.Row[Any]]:
        """Run one write and commit it with everything this unit of work did before it.

        On PostgreSQL, when this transaction has run nothing yet (psycopg opens one lazily),
        the statement runs as a transaction of its own, the driver in autocommit for it: one
        round trip instead of three (``BEGIN``, the statement, ``COMMIT``), with the same
        result — durable and visible when this returns. The dispatcher's hand-over before
        each send is such a write (§9, issue 11 item 8).

        Returns:
            The statement's rows (``RETURNING``), fetched; none for a plain ``UPDATE``.

        Raises:
            ConcurrencyConflict: the database refused the commit because of a concurrent one.
            StorageUnavailable: the connection was lost.
        """
        connection = self.connection
        if connection.dialect.name == "postgresql":
            from psycopg.pq import TransactionStatus

            driver: Any = connection.connection.driver_connection
            if driver.info.transaction_status == TransactionStatus.IDLE:
                driver.autocommit = True
                try:
                    result = self.execute(statement, params)
                    rows = list(result.all()) if result.returns_rows else []
                finally:
                    driver.autocommit = False
                self.commit()  # the driver has nothing to commit: this only ends the unit's transaction
                return rows
        result = self.execute(statement, params)
        rows = list(result.all()) if result.returns_rows else []
        self.commit()
        return rows

    def rollback(self) -> None:
        """Discard every change made since the last commit."""
        self._events.rollback()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()

    def emit(self, event: DomainEvent) -> None:
        """Record an event to hand out once the unit of work commits."""
        self._events.emit(event)

    def collect_events(self) -> Sequence[DomainEvent]:
        """Events of committed work, oldest first, each handed out once."""
        return self._events.collect()

    # -- used by the repositories ------------------------------------------------------
    def execute(self, query: sa.Executable, params: Mapping[str, Any] | None = None) -> CursorResult[Any]:
        """Run a statement in the unit of work's transaction (with ``params`` for its bound parameters).

        A read, or a write such as ``UPDATE … RETURNING`` (hence not ``read``).

        Raises:
            StorageUnavailable: the connection was lost.
        """
        connection = self.connection
        try:
            return connection.execute(query, params)
        except DBAPIError as error:
            if error.connection_invalidated:
                raise unavailable(self._storage._url, error) from None
            if is_missing_table(error):
                raise schema_missing(self._storage._url, error) from None
            raise

    @contextmanager
    def writing(
        self,
        repository: SqlRepository[Any, Any],
        rows: Sequence[Mapping[str, Any]],
        key: object,
        version: int,
    ) -> Iterator[Connection]:
        """Run writes of ``repository`` inside a savepoint, translating driver errors.

        A refused write is rolled back to the savepoint, so the unit of work
        stays usable (PostgreSQL would otherwise abort the whole transaction).

        Raises:
            Duplicate: a unique constraint, naming the field.
            ValidationError: a foreign key pointing nowhere, naming the field.
            ConcurrencyConflict: a concurrent transaction holds the rows or the database.
            StorageUnavailable: the connection was lost.
        """
        connection = self.connection
        table = repository.mapper.table
        savepoint = connection.begin_nested()
        try:
            yield connection
        except IntegrityError as error:
            savepoint.rollback()
            raise translate_integrity(
                error,
                table,
                repository.mapper.field_of,
                lambda: foreign_key_probe(connection, table, rows),
            ) from None
        except DBAPIError as error:
            if not error.connection_invalidated:
                rollback_to(savepoint, error)
            raise self._translate(error, repository.aggregate_type, key, version) from None
        except BaseException as error:
            rollback_to(savepoint, error)
            raise
        else:
            savepoint.commit()

    def _translate(self, error: DBAPIError, kind: str, key: object, version: int) -> Exception:
        if is_lock_conflict(error):
            return ConcurrencyConflict(kind, key, version)
        if error.connection_invalidated:
            return unavailable(self._storage._url, error)
        if is_missing_table(error):
            return schema_missing(self._storage._url, error)
        if isinstance(error, sa.exc.DataError):
            return ValidationError(kind, str(error.orig).splitlines()[0])
        return error
