"""Interactions, appointments and reminders in memory (I1, I6, I7; A7 for their listings).

Built on :class:`~crmkit.adapters.memory.repositories.MemoryRepository`
(staging, versions, audit) with staged deletes: a delete is re-checked
against the committed version at commit and applied with the other writes.
Listings evaluate the company predicate with
:func:`~crmkit.domain.predicates.matches` over the company facts, the twin of
the SQL adapter's ``WHERE`` clause.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from crmkit.adapters.memory.repositories import DeletingRepository as _DeletingRepository
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import (
    APPOINTMENT_AGGREGATE,
    INTERACTION_AGGREGATE,
    REMINDER_AGGREGATE,
    Appointment,
    AppointmentId,
    Interaction,
    InteractionId,
    Reminder,
    ReminderId,
)
from crmkit.domain.marketing import CampaignId
from crmkit.domain.predicates import Everything, Nothing, Predicate, matches
from crmkit.domain.response_times import DEFAULT_PERCENTILES, KpiGroup, ResponseKpi, kpis
from crmkit.domain.service import ContractId
from crmkit.domain.territory import TeamId

if TYPE_CHECKING:
    from crmkit.adapters.memory.repositories import MemoryCompanyRepository, _Versioned

__all__ = [
    "MemoryAppointmentRepository",
    "MemoryInteractionRepository",
    "MemoryReminderRepository",
]

E = TypeVar("E", bound="_Versioned")
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def _page(items: list[T], limit: int, offset: int) -> list[T]:
    start = max(offset, 0)
    return items[start : start + max(limit, 0)]


class _CompanyScoped(_DeletingRepository[E, K]):
    """Listings that evaluate a company predicate over each row's company."""

    _companies: MemoryCompanyRepository

    def attach(self, companies: MemoryCompanyRepository) -> None:
        """Give the repository its unit of work's companies, for the company predicate."""
        self._companies = companies

    def _company_filter(self, predicate: Predicate) -> Callable[[CompanyId], bool]:
        if isinstance(predicate, Everything):
            return lambda _: True
        if isinstance(predicate, Nothing):
            return lambda _: False
        from crmkit.adapters.memory.territory import Histories, company_facts  # it builds on the repositories

        companies = self._companies._rows()
        parents = {c.id: c.parent_id for c in companies}
        dated = Histories.read(self._uow)  # T4: codes and owners valid at the predicate's instant
        allowed = {c.id for c in companies if matches(predicate, company_facts(c, parents, dated))}
        return allowed.__contains__


class MemoryInteractionRepository(_CompanyScoped[Interaction, InteractionId]):
    """Interactions in memory (I1, I3, M2)."""

    aggregate_type = INTERACTION_AGGREGATE

    def key(self, item: Interaction) -> InteractionId:
        """The interaction's id."""
        return item.id

    def _matching(
        self,
        predicate: Predicate,
        company: CompanyId | None,
        owner: EmployeeId | None,
        campaign: CampaignId | None,
        contract: ContractId | None = None,
        team: TeamId | None = None,
    ) -> list[Interaction]:
        self._uow.check_usable()
        seen = self._company_filter(predicate)

        def wanted(i: Interaction) -> bool:
            return (
                (company is None or i.company_id == company)
                and (owner is None or i.owner_id == owner)
                and (campaign is None or i.campaign_id == campaign)
                and (contract is None or i.contract_id == contract)
                and (team is None or i.owner_team_id == team)
                and seen(i.company_id)
            )

        by_id = sorted((i for i in self._rows() if wanted(i)), key=lambda i: i.id)
        return sorted(by_id, key=lambda i: i.created_at, reverse=True)

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
        """Interactions whose company matches ``predicate``, newest first, then by id."""
        return _page(
            self._matching(predicate, company, owner, campaign, contract=contract, team=team), limit, offset
        )

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
        """How many interactions :meth:`visible` would list in all."""
        return len(self._matching(predicate, company, owner, campaign, contract=contract, team=team))

    def unanswered(
        self, predicate: Predicate, owner: EmployeeId, created_before: datetime, *, limit: int = 200
    ) -> list[Interaction]:
        """The owner's unanswered interactions created before ``created_before``, oldest first (I10)."""
        found = [
            i
            for i in self._matching(predicate, None, owner, None)
            if i.first_response_at is None and i.created_at < created_before
        ]
        return sorted(found, key=lambda i: (i.created_at, i.id))[: max(limit, 0)]

    def response_kpis(
        self,
        predicate: Predicate,
        *,
        group: KpiGroup,
        since: datetime | None = None,
        until: datetime | None = None,
        percentiles: Sequence[int] = DEFAULT_PERCENTILES,
    ) -> list[ResponseKpi]:
        """Response-time KPIs by the domain's reference (:func:`~crmkit.domain.response_times.kpis`)."""
        chosen = [
            i
            for i in self._matching(predicate, None, None, None)
            if (since is None or i.created_at >= since) and (until is None or i.created_at < until)
        ]
        return kpis(chosen, group, percentiles)


class MemoryAppointmentRepository(_CompanyScoped[Appointment, AppointmentId]):
    """Appointments in memory (I6)."""

    aggregate_type = APPOINTMENT_AGGREGATE

    def key(self, item: Appointment) -> AppointmentId:
        """The appointment's id."""
        return item.id

    @staticmethod
    def _order(a: Appointment) -> Any:
        return (a.starts_at, a.id)

    def overlapping(self, assignee: EmployeeId, start: datetime, end: datetime) -> list[Appointment]:
        """The assignee's appointments sharing an instant with ``[start, end)``, by start then id."""
        self._uow.check_usable()
        return self._select(
            lambda a: a.assignee_id == assignee and a.starts_at < end and a.ends_at > start, self._order
        )

    def _between(
        self, predicate: Predicate, start: datetime, end: datetime, assignee: EmployeeId | None
    ) -> list[Appointment]:
        self._uow.check_usable()
        seen = self._company_filter(predicate)
        return self._select(
            lambda a: (
                (assignee is None or a.assignee_id == assignee)
                and a.starts_at < end
                and a.ends_at > start
                and seen(a.company_id)
            ),
            self._order,
        )

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
        return _page(self._between(predicate, start, end, assignee), limit, offset)

    def count_between(
        self, predicate: Predicate, start: datetime, end: datetime, *, assignee: EmployeeId | None = None
    ) -> int:
        """How many appointments :meth:`between` would list in all."""
        return len(self._between(predicate, start, end, assignee))


class MemoryReminderRepository(_DeletingRepository[Reminder, ReminderId]):
    """Reminders in memory (I7)."""

    aggregate_type = REMINDER_AGGREGATE

    def key(self, item: Reminder) -> ReminderId:
        """The reminder's id."""
        return item.id

    def due(self, assignee: EmployeeId, at: datetime, *, limit: int = 100, offset: int = 0) -> list[Reminder]:
        """The assignee's open reminders due at or before ``at``, by due time then id."""
        self._uow.check_usable()
        found = self._select(
            lambda r: r.assignee_id == assignee and not r.done and r.due_at <= at, lambda r: (r.due_at, r.id)
        )
        return _page(found, limit, offset)

    def open_between(self, start: datetime, end: datetime) -> list[Reminder]:
        """Open reminders due in ``[start, end)``, by due time then id (I7)."""
        self._uow.check_usable()
        return self._select(lambda r: not r.done and start <= r.due_at < end, lambda r: (r.due_at, r.id))
