"""Sales quotas (Q2) and non-sales goals (Q3) in memory, with the counts goals are measured by.

:class:`MemoryQuotaStore` is mixed into :class:`~crmkit.adapters.memory.targets.MemoryTargetRepository`.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from crmkit.domain.errors import Duplicate
from crmkit.domain.ids import EmployeeId
from crmkit.domain.interactions import InteractionChannel
from crmkit.domain.quotas import GOAL_AGGREGATE, QUOTA_AGGREGATE, Goal, GoalId, GoalMetric, Quota, QuotaId

__all__ = ["MemoryQuotaStore"]


class MemoryQuotaStore:
    """Quota and goal storage of the memory target repository (Q2, Q3)."""

    _uow: Any
    _tables: Any
    _lock: threading.RLock
    _companies: Any
    _new_quotas: dict[QuotaId, Quota]
    _new_goals: dict[GoalId, Goal]

    def _stage(
        self, stored: dict[Any, Any], staged: dict[Any, Any], aggregate: str, item: Quota | Goal
    ) -> None:
        """Stage ``item`` with its audit entry (C12), unless its id is stored or staged already."""
        self._uow.check_usable()
        with self._lock:
            taken = item.id in stored
        if taken or item.id in staged:
            raise Duplicate("id", f"{aggregate} {item.id} already exists")
        staged[item.id] = item
        self._uow.record_change(aggregate, item.id, item.version, None, item)

    def add_quota(self, quota: Quota) -> None:
        """Stage a sales quota (audited).

        Raises:
            Duplicate: the id is taken.
        """
        self._stage(self._tables.quotas, self._new_quotas, QUOTA_AGGREGATE, quota)

    def quotas(self, year: int | None = None) -> list[Quota]:
        """Every quota (of ``year``), by year, scope, value, period, index, then id."""
        self._uow.check_usable()
        with self._lock:
            rows = {**self._tables.quotas, **self._new_quotas}
        chosen = [q for q in rows.values() if year is None or q.year == year]
        return sorted(chosen, key=lambda x: (x.year, x.scope, x.value, x.period, x.index, x.id))

    def add_goal(self, goal: Goal) -> None:
        """Stage a non-sales goal (audited).

        Raises:
            Duplicate: the id is taken.
        """
        self._stage(self._tables.goals, self._new_goals, GOAL_AGGREGATE, goal)

    def goals(self, employee: EmployeeId | None = None) -> list[Goal]:
        """Every goal (of ``employee``), by employee, start, then id."""
        self._uow.check_usable()
        with self._lock:
            rows = {**self._tables.goals, **self._new_goals}
        chosen = [g for g in rows.values() if employee is None or g.employee_id == employee]
        return sorted(chosen, key=lambda x: (x.employee_id, x.start, x.id))

    def goal_count(self, metric: GoalMetric, employee: EmployeeId, start: datetime, end: datetime) -> int:
        """How many records ``employee`` has for ``metric`` in ``[start, end)`` (Q3), as SQL counts them."""
        self._uow.check_usable()
        if metric is GoalMetric.NEW_CUSTOMERS:
            return sum(
                1
                for c in self._companies._rows()
                if c.sales_rep_id == employee and start <= c.registered_at < end
            )
        rows = self._uow.interactions._rows()
        if metric is GoalMetric.VISITS:
            return sum(
                1
                for i in rows
                if i.owner_id == employee
                and i.channel is InteractionChannel.FACE_TO_FACE
                and start <= i.created_at < end
            )
        if metric is GoalMetric.INTERACTIONS_ANSWERED:
            return sum(
                1
                for i in rows
                if i.owner_id == employee
                and i.first_response_at is not None
                and start <= i.first_response_at < end
            )
        if metric is GoalMetric.OFFERS_SENT:
            sent = self._uow.offers._rows()
            return sum(1 for o in sent if o.sent_by == employee and start <= o.sent_at < end)
        raise ValueError(f"{metric.value} is not counted by the storage")

    def _apply_quotas(self) -> None:
        self._tables.quotas.update(self._new_quotas)
        self._tables.goals.update(self._new_goals)
        self._discard_quotas()

    def _verify_quotas(self) -> None:
        for key in self._new_quotas:
            if key in self._tables.quotas:
                raise Duplicate("id", f"quota {key} already exists")
        for goal in self._new_goals:
            if goal in self._tables.goals:
                raise Duplicate("id", f"goal {goal} already exists")

    def _discard_quotas(self) -> None:
        self._new_quotas = {}
        self._new_goals = {}
