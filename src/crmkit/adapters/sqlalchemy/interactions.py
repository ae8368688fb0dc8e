"""SQL interactions, appointments and reminders (I1, I6, I7) over SQLAlchemy Core.

Built on :class:`~crmkit.adapters.sqlalchemy.repositories.SqlRepository`
(add/get/save with versions and audit rows) plus a conditional
``DELETE … WHERE id = ? AND version = ?`` with its ``delete`` audit row in
one savepoint. Listings join ``companies`` and compile the access predicate
with :func:`~crmkit.adapters.sqlalchemy.predicates.compile_predicate` into
the ``WHERE`` clause, paged by the database (A7): nothing is filtered in
Python. Appointment ranges use ``starts_at`` bounds the index can seek on
(an appointment lasts at most a day) plus the exact overlap test on ``ends_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import RowMapper, utc
from crmkit.adapters.sqlalchemy.predicates import compile_predicate
from crmkit.adapters.sqlalchemy.prepared import bound, join_company, page, paged, prepared, scoped
from crmkit.adapters.sqlalchemy.repositories import Deleting as _Deleting
from crmkit.adapters.sqlalchemy.repositories import SqlRepository
from crmkit.adapters.sqlalchemy.response_times import response_kpis
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import (
    APPOINTMENT_AGGREGATE,
    INTERACTION_AGGREGATE,
    MAX_APPOINTMENT_MINUTES,
    REMINDER_AGGREGATE,
    Appointment,
    AppointmentId,
    Interaction,
    InteractionId,
    Reminder,
    ReminderId,
)
from crmkit.domain.marketing import CampaignId
from crmkit.domain.predicates import Everything, Predicate
from crmkit.domain.response_times import DEFAULT_PERCENTILES, KpiGroup, ResponseKpi
from crmkit.domain.service import ContractId
from crmkit.domain.territory import TeamId

__all__ = ["SqlAppointmentRepository", "SqlInteractionRepository", "SqlReminderRepository"]


def _page(query: sa.Select[Any], limit: int, offset: int) -> sa.Select[Any]:
    return query.limit(max(limit, 0)).offset(max(offset, 0))


def _scoped(query: sa.Select[Any], table: sa.Table, predicate: Predicate) -> sa.Select[Any]:
    """``query`` joined to the record's company and filtered by the access predicate (A7)."""
    if isinstance(predicate, Everything):
        return query
    companies = tables.companies
    return query.join(companies, companies.c.id == table.c.company_id).where(compile_predicate(predicate))


class SqlInteractionRepository(_Deleting, SqlRepository[Interaction, InteractionId]):
    """Interactions (I1, I3, M2)."""

    aggregate_type = INTERACTION_AGGREGATE
    mapper = RowMapper(Interaction, tables.interactions)

    def delete(self, item: Interaction) -> None:
        """Remove the interaction and write its ``delete`` audit row (one savepoint).

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: the stored version differs; nothing is removed.
        """
        self._delete(self, item)

    @staticmethod
    def _where(
        predicate: Predicate,
        company: CompanyId | None,
        owner: EmployeeId | None,
        campaign: CampaignId | None,
        query: sa.Select[Any],
        contract: ContractId | None = None,
        team: TeamId | None = None,
    ) -> sa.Select[Any]:
        t = tables.interactions
        if team is not None:
            query = query.where(t.c.owner_team_id == team)
        if company is not None:
            query = query.where(t.c.company_id == company)
        if owner is not None:
            query = query.where(t.c.owner_id == owner)
        if campaign is not None:
            query = query.where(t.c.campaign_id == campaign)
        if contract is not None:
            query = query.where(t.c.contract_id == contract)
        return _scoped(query, t, predicate)

    def visible(
        self,
        predicate: Predicate,
        *,
        company: CompanyId | None = None,
        owner: EmployeeId | None = None,
        campaign: CampaignId | None = None,
        team: TeamId | None = None,
        limit: int = 50,
        offset: int = 0,
        contract: ContractId | None = None,
    ) -> list[Interaction]:
        """Interactions whose company matches ``predicate`` (compiled to ``WHERE``), newest first, then id."""
        t = tables.interactions
        query = self._where(predicate, company, owner, campaign, sa.select(t), contract=contract, team=team)
        return self._rows(_page(query.order_by(t.c.created_at.desc(), t.c.id), limit, offset))

    def count_visible(
        self,
        predicate: Predicate,
        *,
        company: CompanyId | None = None,
        owner: EmployeeId | None = None,
        campaign: CampaignId | None = None,
        contract: ContractId | None = None,
        team: TeamId | None = None,
    ) -> int:
        """How many interactions :meth:`visible` would list, counted in the database."""
        t = tables.interactions
        counted = sa.select(sa.func.count()).select_from(t)
        query = self._where(predicate, company, owner, campaign, counted, contract=contract, team=team)
        return int(self._uow.execute(query).scalar_one())

    def unanswered(
        self, predicate: Predicate, owner: EmployeeId, created_before: datetime, *, limit: int = 200
    ) -> list[Interaction]:
        """The owner's unanswered interactions created before ``created_before``, oldest first (I10)."""
        t = tables.interactions

        def build(where: sa.ColumnElement[bool] | None) -> sa.Select[Any]:
            query = sa.select(t).where(
                t.c.owner_id == bound("owner", t.c.owner_id),
                t.c.first_response_at.is_(None),
                t.c.created_at < bound("before", t.c.created_at),
            )
            return paged(join_company(query, t, where).order_by(t.c.created_at, t.c.id), offset=False)

        query, params = scoped("unanswered interactions", predicate, build)
        values = {"owner": owner, "before": utc(created_before)} | page(limit)
        return self._rows(query, params | values)

    def response_kpis(
        self,
        predicate: Predicate,
        *,
        group: KpiGroup,
        since: datetime | None = None,
        until: datetime | None = None,
        percentiles: Sequence[int] = DEFAULT_PERCENTILES,
    ) -> list[ResponseKpi]:
        """Response-time KPIs computed in the database (see :mod:`.response_times`)."""
        return response_kpis(
            self._uow, predicate, group=group, since=since, until=until, percentiles=percentiles
        )


def _appointment_extra(appointment: Appointment) -> dict[str, Any]:
    return {"ends_at": utc(appointment.ends_at)}


_LONGEST = timedelta(minutes=MAX_APPOINTMENT_MINUTES)


def _overlap(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    """Appointments sharing an instant with ``[start, end)``; the first bound lets the index seek."""
    t = tables.appointments
    return sa.and_(
        t.c.starts_at > utc(start) - _LONGEST,
        t.c.starts_at < utc(end),
        t.c.ends_at > utc(start),
    )


class SqlAppointmentRepository(_Deleting, SqlRepository[Appointment, AppointmentId]):
    """Appointments (I6)."""

    aggregate_type = APPOINTMENT_AGGREGATE
    mapper = RowMapper(Appointment, tables.appointments, extra=_appointment_extra)

    def delete(self, item: Appointment) -> None:
        """Remove the appointment and write its ``delete`` audit row (one savepoint).

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: the stored version differs; nothing is removed.
        """
        self._delete(self, item)

    def overlapping(self, assignee: EmployeeId, start: datetime, end: datetime) -> list[Appointment]:
        """The assignee's appointments sharing an instant with ``[start, end)``, by start then id."""
        t = tables.appointments
        query = sa.select(t).where(t.c.assignee_id == assignee, _overlap(start, end))
        return self._rows(query.order_by(t.c.starts_at, t.c.id))

    def _between(
        self,
        query: sa.Select[Any],
        predicate: Predicate,
        start: datetime,
        end: datetime,
        assignee: EmployeeId | None,
    ) -> sa.Select[Any]:
        t = tables.appointments
        query = query.where(_overlap(start, end))
        if assignee is not None:
            query = query.where(t.c.assignee_id == assignee)
        return _scoped(query, t, predicate)

    def between(
        self,
        predicate: Predicate,
        start: datetime,
        end: datetime,
        *,
        assignee: EmployeeId | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[Appointment]:
        """Appointments sharing an instant with ``[start, end)`` at companies matching ``predicate``."""
        t = tables.appointments

        def build(where: sa.ColumnElement[bool] | None) -> sa.Select[Any]:
            query = sa.select(t).where(
                t.c.starts_at > bound("earliest", t.c.starts_at),
                t.c.starts_at < bound("end", t.c.starts_at),
                t.c.ends_at > bound("start", t.c.ends_at),
            )
            if assignee is not None:
                query = query.where(t.c.assignee_id == bound("assignee", t.c.assignee_id))
            return paged(join_company(query, t, where).order_by(t.c.starts_at, t.c.id))

        query, params = scoped(("appointments between", assignee is not None), predicate, build)
        values = {"earliest": utc(start) - _LONGEST, "end": utc(end), "start": utc(start)}
        return self._rows(query, params | values | {"assignee": assignee} | page(limit, offset))

    def count_between(
        self, predicate: Predicate, start: datetime, end: datetime, *, assignee: EmployeeId | None = None
    ) -> int:
        """How many appointments :meth:`between` would list, counted in the database."""
        t = tables.appointments
        query = self._between(sa.select(sa.func.count()).select_from(t), predicate, start, end, assignee)
        return int(self._uow.execute(query).scalar_one())


class SqlReminderRepository(_Deleting, SqlRepository[Reminder, ReminderId]):
    """Reminders (I7)."""

    aggregate_type = REMINDER_AGGREGATE
    mapper = RowMapper(Reminder, tables.reminders)

    def delete(self, item: Reminder) -> None:
        """Remove the reminder and write its ``delete`` audit row (one savepoint).

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: the stored version differs; nothing is removed.
        """
        self._delete(self, item)

    def due(self, assignee: EmployeeId, at: datetime, *, limit: int = 100, offset: int = 0) -> list[Reminder]:
        """The assignee's open reminders due at or before ``at``, by due time then id."""
        t = tables.reminders
        query = prepared(
            "reminders due",
            lambda: paged(
                sa.select(t)
                .where(
                    t.c.assignee_id == bound("assignee", t.c.assignee_id),
                    sa.not_(t.c.done),
                    t.c.due_at <= bound("at", t.c.due_at),
                )
                .order_by(t.c.due_at, t.c.id)
            ),
        )
        return self._rows(query, {"assignee": assignee, "at": utc(at)} | page(limit, offset))

    def open_between(self, start: datetime, end: datetime) -> list[Reminder]:
        """Open reminders due in ``[start, end)``, by due time then id (I7)."""
        t = tables.reminders
        query = sa.select(t).where(sa.not_(t.c.done), t.c.due_at >= utc(start), t.c.due_at < utc(end))
        return self._rows(query.order_by(t.c.due_at, t.c.id))
