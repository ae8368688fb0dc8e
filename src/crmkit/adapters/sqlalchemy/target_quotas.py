"""Sales quotas (Q2) and non-sales goals (Q3) over SQLAlchemy Core, with the counts goals are measured by.

:class:`SqlQuotaStore` is mixed into :class:`~crmkit.adapters.sqlalchemy.targets.SqlTargetRepository`.
Quotas and goals are write-once (a change is a new one); each is audited (C12).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy._convert import utc, uuid_of
from crmkit.adapters.sqlalchemy.tables import audit_entries, companies
from crmkit.adapters.sqlalchemy.tables import targets as qt
from crmkit.adapters.sqlalchemy.tables.interaction import interactions
from crmkit.adapters.sqlalchemy.tables.opportunities import offers
from crmkit.domain.errors import Duplicate
from crmkit.domain.ids import EmployeeId
from crmkit.domain.interactions import InteractionChannel
from crmkit.domain.quotas import GOAL_AGGREGATE, QUOTA_AGGREGATE, Goal, GoalId, GoalMetric, Quota, QuotaId

__all__ = ["SqlQuotaStore"]


class SqlQuotaStore:
    """Quota and goal storage of the SQL target repository (Q2, Q3)."""

    _uow: Any

    def _audit(self, aggregate_type: str, key: object, version: int, new: object) -> dict[str, Any]:
        raise NotImplementedError

    def _taken(self, table: sa.Table, key: object) -> bool:
        return self._uow.execute(sa.select(table.c.id).where(table.c.id == key)).first() is not None

    def _insert(self, table: sa.Table, aggregate: str, item: Quota | Goal, row: dict[str, Any]) -> None:
        """Store ``row`` in ``table`` with the audit entry of ``item`` (C12), unless its id is taken."""
        if self._taken(table, item.id):
            raise Duplicate("id", f"{aggregate} {item.id} already exists")
        conn = self._uow.connection
        conn.execute(sa.insert(audit_entries), [self._audit(aggregate, item.id, item.version, item)])
        conn.execute(sa.insert(table), row)

    def _rows(self, table: sa.Table, column: str, value: object) -> Any:
        """The rows of ``table`` (whose ``column`` is ``value`` unless it is ``None``) as mappings."""
        query = sa.select(table) if value is None else sa.select(table).where(table.c[column] == value)
        return self._uow.execute(query).mappings()

    def add_quota(self, quota: Quota) -> None:
        """Store a sales quota (audited).

        Raises:
            Duplicate: the id is taken.
        """
        self._insert(
            qt.quotas,
            QUOTA_AGGREGATE,
            quota,
            {
                "id": quota.id,
                "version": quota.version,
                "scope": quota.scope.value,
                "value": quota.value,
                "direction": quota.direction.value,
                "period": quota.period.value,
                "year": quota.year,
                "period_index": quota.index,
                "amount": quota.amount,
                "quantity": quota.quantity,
                "currency": quota.currency,
            },
        )

    def quotas(self, year: int | None = None) -> list[Quota]:
        """Every quota (of ``year``), by year, scope, value, period, index, then id."""
        found = [
            Quota(
                id=QuotaId(uuid_of(row["id"])),
                scope=row["scope"],
                value=row["value"],
                direction=row["direction"],
                period=row["period"],
                year=row["year"],
                index=row["period_index"],
                amount=None if row["amount"] is None else Decimal(row["amount"]),
                quantity=None if row["quantity"] is None else Decimal(row["quantity"]),
                currency=row["currency"],
                version=row["version"],
            )
            for row in self._rows(qt.quotas, "year", year)
        ]
        return sorted(found, key=lambda x: (x.year, x.scope, x.value, x.period, x.index, x.id))

    def add_goal(self, goal: Goal) -> None:
        """Store a non-sales goal (audited).

        Raises:
            Duplicate: the id is taken.
        """
        self._insert(
            qt.goals,
            GOAL_AGGREGATE,
            goal,
            {
                "id": goal.id,
                "version": goal.version,
                "employee_id": goal.employee_id,
                "metric": goal.metric.value,
                "target": goal.target,
                "starts_on": goal.start,
                "ends_on": goal.end,
            },
        )

    def goals(self, employee: EmployeeId | None = None) -> list[Goal]:
        """Every goal (of ``employee``), by employee, start, then id."""
        found = [
            Goal(
                id=GoalId(uuid_of(row["id"])),
                employee_id=EmployeeId(uuid_of(row["employee_id"])),
                metric=row["metric"],
                target=row["target"],
                start=row["starts_on"],
                end=row["ends_on"],
                version=row["version"],
            )
            for row in self._rows(qt.goals, "employee_id", employee)
        ]
        return sorted(found, key=lambda x: (x.employee_id, x.start, x.id))

    def goal_count(self, metric: GoalMetric, employee: EmployeeId, start: datetime, end: datetime) -> int:
        """How many records ``employee`` has for ``metric`` in ``[start, end)``, counted in the database (Q3).

        New customers: companies registered then whose sales rep he is; visits:
        his face-to-face interactions created then; interactions answered: his
        interactions first answered then; offers sent: the offers (I8) he sent then.
        """
        lo, hi = utc(start), utc(end)
        i, c = interactions, companies
        if metric is GoalMetric.NEW_CUSTOMERS:
            where = [c.c.sales_rep_id == employee, c.c.registered_at >= lo, c.c.registered_at < hi]
            query = sa.select(sa.func.count()).select_from(c).where(*where)
        elif metric is GoalMetric.VISITS:
            where = [
                i.c.owner_id == employee,
                i.c.channel == InteractionChannel.FACE_TO_FACE.value,
                i.c.created_at >= lo,
                i.c.created_at < hi,
            ]
            query = sa.select(sa.func.count()).select_from(i).where(*where)
        elif metric is GoalMetric.INTERACTIONS_ANSWERED:
            where = [i.c.owner_id == employee, i.c.first_response_at >= lo, i.c.first_response_at < hi]
            query = sa.select(sa.func.count()).select_from(i).where(*where)
        elif metric is GoalMetric.OFFERS_SENT:
            where = [offers.c.sent_by == employee, offers.c.sent_at >= lo, offers.c.sent_at < hi]
            query = sa.select(sa.func.count()).select_from(offers).where(*where)
        else:
            raise ValueError(f"{metric.value} is not counted by the storage")
        return int(self._uow.execute(query).scalar_one())
