"""Interaction, appointment and reminder storage ports (SPEC §5 I1, I6, I7; §3 A3, A4, A7).

Reached as ``uow.interactions``, ``uow.appointments`` and ``uow.reminders``.
They follow the shared rules of :mod:`crmkit.ports.storage` (``add``/``get``/
``save`` with versions and audit entries, ``get_many`` in one query) and add
``delete``, which removes a record when the caller's copy is current and
writes a ``delete`` audit entry in the same transaction (C12).

The listings take an access predicate over the *company* of the record
(:func:`crmkit.domain.access.visibility_predicate` for interactions,
:func:`~crmkit.domain.access.reachable` for the agenda) and run it in the
storage, joined to ``companies``: a SQL adapter compiles it into its
``WHERE`` clause and never loads all records to filter them (A7).

The contract suite is :class:`crmkit.testing.contracts.InteractionStorageContract`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import (
    Appointment,
    AppointmentId,
    Interaction,
    InteractionId,
    Reminder,
    ReminderId,
)
from crmkit.domain.marketing import CampaignId
from crmkit.domain.predicates import Predicate
from crmkit.domain.response_times import DEFAULT_PERCENTILES, KpiGroup, ResponseKpi
from crmkit.domain.service import ContractId
from crmkit.domain.territory import TeamId
from crmkit.ports.storage import Repository

__all__ = ["AppointmentRepository", "InteractionRepository", "ReminderRepository"]


class InteractionRepository(Repository[Interaction, InteractionId], Protocol):
    """Interactions (I1, I3, M2)."""

    def delete(self, item: Interaction) -> None:
        """Remove the interaction and write its ``delete`` audit entry.

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: ``item.version`` is not the stored version; nothing is removed.
        """
        ...

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
        """Interactions whose company matches ``predicate`` (A7), newest first (by creation time, then id).

        ``company``, ``owner``, ``campaign``, the owner ``team`` (I4) and the cited ``contract``
        (S8) narrow the list further when given.
        Paged in the storage.
        """
        ...

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
        """How many interactions :meth:`visible` would list in all, counted in the storage."""
        ...

    def unanswered(
        self, predicate: Predicate, owner: EmployeeId, created_before: datetime, *, limit: int = 200
    ) -> list[Interaction]:
        """The owner's interactions with no first response created before ``created_before``, oldest first.

        At companies matching ``predicate`` (A7); by creation time, then id (I10).
        """
        ...

    def response_kpis(
        self,
        predicate: Predicate,
        *,
        group: KpiGroup,
        since: datetime | None = None,
        until: datetime | None = None,
        percentiles: Sequence[int] = DEFAULT_PERCENTILES,
    ) -> list[ResponseKpi]:
        """Response-time KPIs (I3) of the interactions matching ``predicate`` created in ``[since, until)``.

        One :class:`~crmkit.domain.response_times.ResponseKpi` per group with at least one
        interaction, by group key (``None`` — no team — first); computed in the storage
        and equal to :func:`crmkit.domain.response_times.kpis` over the same interactions.
        """
        ...


class AppointmentRepository(Repository[Appointment, AppointmentId], Protocol):
    """Appointments of the shared agenda (I6)."""

    def delete(self, item: Appointment) -> None:
        """Remove the appointment and write its ``delete`` audit entry.

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: ``item.version`` is not the stored version; nothing is removed.
        """
        ...

    def overlapping(self, assignee: EmployeeId, start: datetime, end: datetime) -> list[Appointment]:
        """The assignee's appointments sharing an instant with ``[start, end)``, by start then id (I6)."""
        ...

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
        """Appointments sharing an instant with ``[start, end)`` whose company matches ``predicate``.

        Only the assignee's when ``assignee`` is given. By start, then id; paged in the storage.
        """
        ...

    def count_between(
        self, predicate: Predicate, start: datetime, end: datetime, *, assignee: EmployeeId | None = None
    ) -> int:
        """How many appointments :meth:`between` would list in all."""
        ...


class ReminderRepository(Repository[Reminder, ReminderId], Protocol):
    """Reminders (I7)."""

    def delete(self, item: Reminder) -> None:
        """Remove the reminder and write its ``delete`` audit entry.

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: ``item.version`` is not the stored version; nothing is removed.
        """
        ...

    def due(self, assignee: EmployeeId, at: datetime, *, limit: int = 100, offset: int = 0) -> list[Reminder]:
        """The assignee's reminders that are not done and due at or before ``at``, by due time then id."""
        ...

    def open_between(self, start: datetime, end: datetime) -> list[Reminder]:
        """Every assignee's reminders that are not done and due in ``[start, end)``, by due time then id.

        For the agenda's e-mail job (I7); the caller bounds the window (a day).
        """
        ...
