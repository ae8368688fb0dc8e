"""Storage port of turnover plans and of the actuals they are measured against (Q1, Q5).

:meth:`TargetRepository.actuals` reads the monthly actuals summary (Q5) that
the invoice import keeps in the same transaction (:meth:`~TargetRepository.add_actuals`
with deltas from :func:`crmkit.domain.actuals.credit`); reports read it.
:meth:`TargetRepository.credits` is the from-scratch computation and where plan-vs-actual aggregates: the SQL
adapter runs it as one ``GROUP BY`` in the database, the memory adapter in
plain Python, and both must return the same rows (a property test holds them
to it). The contract suite is :class:`crmkit.testing.contracts.targets.TargetContract`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from crmkit.domain.actuals import Sale, Sums, Territory
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company
from crmkit.domain.plan_actual import Credit, SummaryRow
from crmkit.domain.quotas import Goal, GoalMetric, Plan, PlanId, Quota, ScopeType
from crmkit.domain.scoring import Activity

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

    def plan_stamp(self, plan: PlanId) -> tuple[int, datetime]:
        """The version and creation instant of a plan version, without its lines.

        Plan versions are never changed once stored (a revision is a new version),
        so a copy read earlier with the same stamp is still the plan: the report
        caches plans and checks this stamp instead of reading thousands of lines.

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

    # -- the monthly actuals summary (Q5) -----------------------------------------------
    def add_actuals(self, sums: Sums) -> None:
        """Add deltas (amounts and quantities in millionths) to the summary, in this unit of work."""
        ...

    def clear_actuals(self) -> None:
        """Empty the summary (before a rebuild)."""
        ...

    def actuals(self, kind: str, year: int) -> list[Credit]:
        """The summary rows of one kind and year whose amount is not zero, as credits.

        Ordered by scope, month, currency, rate — as :meth:`credits`, whose non-zero
        rows they equal for the credited scope types. It is
        :func:`~crmkit.domain.plan_actual.credits_of` of :meth:`summary`.
        """
        ...

    def summary(self, kind: str, year: int) -> list[SummaryRow]:
        """The summary rows of one kind and year whose amount is not zero, as stored, in no order.

        What the report reads (:func:`~crmkit.domain.plan_actual.convert_summary`):
        amounts stay whole millionths, with no object per row.
        """
        ...

    def quantities(self, kind: str, year: int) -> dict[tuple[str, int], Decimal]:
        """Net quantities per (scope value, month) of one kind and year."""
        ...

    def territory(self, buyers: Iterable[str], companies: Mapping[str, Company] | None = None) -> Territory:
        """The stored companies with these tax numbers and the dated facts that credit their sales (T4).

        ``companies``: the stored companies by tax number when the caller read them
        already (the import reads its buyers once for C5 and the summary); ``None``: read them.
        """
        ...

    def buyers(self, companies: Iterable[CompanyId] = (), codes: Iterable[str] = ()) -> set[str]:
        """Tax numbers of these companies and of every company that holds or held one of ``codes``."""
        ...

    def sale_buyers(self) -> set[str]:
        """Every buyer key of a stored invoice."""
        ...

    def sales(self, buyers: Iterable[str], since: datetime | None = None) -> list[Sale]:
        """The stored invoices of these buyers (issued at or after ``since``), as sales."""
        ...

    # -- Q2 quotas, Q3 goals ----------------------------------------------------------
    def add_quota(self, quota: Quota) -> None:
        """Store a sales quota (audited, C12).

        Raises:
            Duplicate: the id is taken.
        """
        ...

    def quotas(self, year: int | None = None) -> list[Quota]:
        """Every quota (of ``year``), by year, scope, value, period, index, then id."""
        ...

    def add_goal(self, goal: Goal) -> None:
        """Store a non-sales goal (audited, C12).

        Raises:
            Duplicate: the id is taken.
        """
        ...

    def goals(self, employee: EmployeeId | None = None) -> list[Goal]:
        """Every goal (of ``employee``), by employee, start, then id."""
        ...

    def goal_count(self, metric: GoalMetric, employee: EmployeeId, start: datetime, end: datetime) -> int:
        """How many records ``employee`` has for ``metric`` in ``[start, end)`` (Q3).

        New customers: companies registered then whose sales rep he is; visits: his
        face-to-face interactions created then; interactions answered: his
        interactions first answered then; offers sent: the offers (I8) he sent then.
        """
        ...

    # -- V9 scoring -------------------------------------------------------------------
    def activity(self, start: datetime, end: datetime) -> list[Activity]:
        """Per customer (by tax number), currency and rate: its invoices in ``[start, end)`` (V9).

        Signed net, signed discounts and purchase count (returns not counted), in one
        ``GROUP BY`` on SQL; ordered by company, currency, rate.
        """
        ...

    def contacts(self, start: datetime, end: datetime) -> dict[CompanyId, tuple[int, int]]:
        """Per company: (calls, meetings) among its interactions created in ``[start, end)``."""
        ...

    def offers(self, start: datetime, end: datetime) -> dict[CompanyId, tuple[int, int]]:
        """Per company: (decided, accepted) among its offers decided in ``[start, end)`` (V9, I8, Q6).

        An offer counts once its outcome is recorded (accepted or rejected), in the
        period of ``decided_at``; offers still open are not counted. One ``GROUP BY`` on SQL.
        """
        ...

    def referrals(self, start: datetime, end: datetime) -> dict[CompanyId, int]:
        """Per company: how many companies registered in ``[start, end)`` it referred (V9, C7)."""
        ...
