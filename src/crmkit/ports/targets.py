"""Storage port of turnover plans and of the actuals they are measured against (Q1, Q5).

:meth:`TargetRepository.credits` is where plan-vs-actual aggregates: the SQL
adapter runs it as one ``GROUP BY`` in the database, the memory adapter in
plain Python, and both must return the same rows (a property test holds them
to it). The contract suite is :class:`crmkit.testing.contracts.targets.TargetContract`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from crmkit.domain.plan_actual import Credit
from crmkit.domain.quotas import Plan, PlanId, ScopeType

__all__ = ["CREDITED_SCOPES", "TargetRepository"]

CREDITED_SCOPES = frozenset(
    {ScopeType.CUSTOMER, ScopeType.MICRO_REGION, ScopeType.TEAM, ScopeType.SALES_REGION, ScopeType.EMPLOYEE}
)
"""The scope types invoices are credited to today (the others need a product catalogue)."""


class TargetRepository(Protocol):
    """Plans (Q1) and the invoice actuals credited to their scopes (Q5)."""

    def add_plan(self, plan: Plan) -> None:
        """Store a new plan version.

        Raises:
            Duplicate: the id is taken.
        """
        ...

    def plan(self, plan: PlanId) -> Plan:
        """One plan version.

        Raises:
            NotFound: there is none.
        """
        ...

    def plans(self, year: int | None = None) -> list[Plan]:
        """Every plan version (of ``year``), by year, name, revision, then id."""
        ...

    def credits(self, scope_type: ScopeType, bounds: Sequence[datetime]) -> list[Credit]:
        """Signed net invoice-line amounts per scope value, month, currency and rate (Q5).

        ``bounds`` are the thirteen instants starting each month of the year and
        ending the last; month ``m`` holds invoices issued in ``[bounds[m-1], bounds[m])``.
        Each line of an invoice whose buyer is a stored company (matched by tax
        number) is credited through the territory valid at its issue instant
        (T4): the customer itself, its code then, every team holding that code
        then, the region of those teams, or its owner then. Returns count
        negative. Rows are ordered by scope, month, currency, rate; zero sums kept.
        """
        ...
