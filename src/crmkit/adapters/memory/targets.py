"""In-memory dated customer codes and turnover plans, and plan-vs-actual credits in plain Python (T4, Q1, Q5).

:meth:`MemoryTargetRepository.credits` is the Python twin of the SQL
``GROUP BY``: it walks the invoices this unit of work sees and credits each
line through the territory valid at its invoice's issue instant.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from crmkit.adapters.memory.repositories import MemoryRepository
from crmkit.adapters.memory.target_actuals import MemoryActuals
from crmkit.adapters.memory.target_quotas import MemoryQuotaStore
from crmkit.adapters.memory.target_scoring import MemoryScoring
from crmkit.domain.actuals import ActualKey
from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.ids import CompanyId
from crmkit.domain.plan_actual import Credit
from crmkit.domain.quotas import PLAN_AGGREGATE, Goal, GoalId, Plan, PlanId, Quota, QuotaId, ScopeType
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId, DatedHistory, code_at, owner_at

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crmkit.adapters.memory.invoices import MemoryInvoiceRepository
    from crmkit.adapters.memory.repositories import MemoryCompanyRepository
    from crmkit.adapters.memory.storage import MemoryUnitOfWork
    from crmkit.adapters.memory.territory import (
        MemoryCodeLinkRepository,
        MemoryOwnerRepository,
        MemoryTeamRepository,
    )
    from crmkit.domain.invoices import Invoice
    from crmkit.domain.territory import OwnerAssignment

__all__ = [
    "CUSTOMER_CODE_AGGREGATE",
    "MemoryCustomerCodeRepository",
    "MemoryTargetRepository",
    "TargetTables",
]

CUSTOMER_CODE_AGGREGATE = "customer_code"
"""``aggregate_type`` of audit entries of customers' dated codes (T4)."""


@attrs.define
class TargetTables:
    """The committed dated codes and plans of one memory storage."""

    customer_codes: dict[CustomerCodeId, CustomerCode] = attrs.Factory(dict)
    plans: dict[PlanId, Plan] = attrs.Factory(dict)
    actuals: dict[ActualKey, tuple[int, int]] = attrs.Factory(dict)
    quotas: dict[QuotaId, Quota] = attrs.Factory(dict)
    goals: dict[GoalId, Goal] = attrs.Factory(dict)

    def clear(self) -> None:
        """Drop everything (the storage was closed)."""
        self.customer_codes.clear()
        self.plans.clear()
        self.actuals.clear()
        self.quotas.clear()
        self.goals.clear()


class MemoryCustomerCodeRepository(MemoryRepository[CustomerCode, CustomerCodeId]):
    """Customers' dated micro-region codes in memory (T4)."""

    aggregate_type = CUSTOMER_CODE_AGGREGATE

    def key(self, item: CustomerCode) -> CustomerCodeId:
        """The row's id."""
        return item.id

    def for_company(self, company: CompanyId) -> list[CustomerCode]:
        """Every dated code of a company, by start then id."""
        self._uow.check_usable()
        return self._select(lambda c: c.company_id == company, lambda c: (c.validity.valid_from, c.id))

    def for_companies(self, companies: Iterable[CompanyId]) -> list[CustomerCode]:
        """Every dated code of these companies, by company, start, then id."""
        self._uow.check_usable()
        wanted = set(companies)
        return self._select(
            lambda c: c.company_id in wanted, lambda c: (c.company_id, c.validity.valid_from, c.id)
        )

    def history(self, company: CompanyId) -> DatedHistory:
        """The company's dated codes and dated owners, each by start then id (T4)."""
        return DatedHistory(tuple(self.for_company(company)), tuple(self._uow.owners.for_company(company)))


class MemoryTargetRepository(MemoryActuals, MemoryQuotaStore, MemoryScoring):
    """Plans in memory, and the Python computation of plan-vs-actual credits (Q1, Q5)."""

    def __init__(self, uow: MemoryUnitOfWork, tables: TargetTables, lock: threading.RLock) -> None:
        self._uow = uow
        self._tables = tables
        self._lock = lock
        self.discard()

    def attach(
        self,
        *,
        companies: MemoryCompanyRepository,
        codes: MemoryCustomerCodeRepository,
        owners: MemoryOwnerRepository,
        links: MemoryCodeLinkRepository,
        teams: MemoryTeamRepository,
        invoices: MemoryInvoiceRepository,
    ) -> None:
        """Give the repository its unit of work's siblings, which the credits read."""
        self._companies, self._codes, self._owners = companies, codes, owners
        self._links, self._teams, self._invoices = links, teams, invoices

    def _all_invoices(self) -> list[Invoice]:
        invoices = self._invoices
        with self._lock:
            rows = {**invoices._tables.invoices, **invoices._new}
        return list(rows.values())

    def add_plan(self, plan: Plan) -> None:
        """Stage a new plan version.

        Raises:
            Duplicate: the id is taken.
        """
        self._uow.check_usable()
        with self._lock:
            taken = plan.id in self._tables.plans
        if taken or plan.id in self._new:
            raise Duplicate("id", f"plan {plan.id} already exists")
        self._new[plan.id] = plan
        self._uow.record_change(PLAN_AGGREGATE, plan.id, plan.revision, None, plan)  # C12

    def plan(self, plan: PlanId) -> Plan:
        """One plan version.

        Raises:
            NotFound: there is none.
        """
        self._uow.check_usable()
        with self._lock:
            found = self._new.get(plan) or self._tables.plans.get(plan)
        if found is None:
            raise NotFound("plan", plan)
        return found

    def plan_stamp(self, plan: PlanId) -> tuple[int, datetime]:
        """The version and creation instant of a plan version.

        Raises:
            NotFound: there is none.
        """
        found = self.plan(plan)
        return found.version, found.created_at

    def plans(self, year: int | None = None) -> list[Plan]:
        """Every plan version (of ``year``), by year, name, revision, then id."""
        self._uow.check_usable()
        with self._lock:
            rows = {**self._tables.plans, **self._new}
        chosen = (p for p in rows.values() if year is None or p.year == year)
        return sorted(chosen, key=lambda p: (p.year, p.name, p.revision, p.id))

    def credits(self, scope_type: ScopeType, bounds: Sequence[datetime]) -> list[Credit]:
        """Signed net invoice-line amounts per scope value, month, currency and rate, in Python (Q5)."""
        self._uow.check_usable()
        companies = {c.tax_no: c for c in self._companies._rows() if c.tax_no}
        codes: dict[CompanyId, list[CustomerCode]] = {}
        for row in self._codes._rows():
            codes.setdefault(row.company_id, []).append(row)
        owners: dict[CompanyId, list[OwnerAssignment]] = {}
        for owned in self._owners._rows():
            owners.setdefault(owned.company_id, []).append(owned)
        links = self._links._rows()
        teams = {t.id: t for t in self._teams._rows()}
        sums: dict[tuple[str, int, str, Decimal | None], Decimal] = {}
        for invoice in self._all_invoices():
            at = invoice.issued_at
            if not bounds[0] <= at < bounds[-1]:
                continue
            company = companies.get(invoice.buyer.key)
            if company is None:
                continue
            month = bisect.bisect_right(bounds, at)
            code = code_at(company, codes.get(company.id, ()), at)
            scopes: set[str]
            if scope_type is ScopeType.CUSTOMER:
                scopes = {str(company.id)}
            elif scope_type is ScopeType.MICRO_REGION:
                scopes = set() if code is None else {code}
            elif scope_type is ScopeType.EMPLOYEE:
                owner = owner_at(company, owners.get(company.id, ()), at)
                scopes = set() if owner is None else {str(owner)}
            else:
                held = {link.team_id for link in links if link.code == code and link.validity._holds(at)}
                if scope_type is ScopeType.TEAM:
                    scopes = {str(t) for t in held}
                else:
                    scopes = {str(teams[t].region_id) for t in held if t in teams}
            amount = sum((line.line_extension for line in invoice.lines), Decimal(0)) * invoice.sign
            for scope in scopes:
                key = (scope, month, invoice.currency, invoice.exchange_rate)
                sums[key] = sums.get(key, Decimal(0)) + amount
        return [Credit(s, m, c, r, a) for (s, m, c, r), a in sorted(sums.items(), key=_order)]

    # -- the unit of work's side ------------------------------------------------------
    def verify(self) -> None:
        """Refuse a plan id another unit of work committed meanwhile; call under the lock."""
        for key in self._new:
            if key in self._tables.plans:
                raise Duplicate("id", f"plan {key} already exists")
        self._verify_quotas()

    def apply(self) -> None:
        """Make the staged plans visible; call under the lock after :meth:`verify`."""
        self._tables.plans.update(self._new)
        self._apply_actuals()
        self._apply_quotas()
        self.discard()

    def discard(self) -> None:
        """Forget the staged plans and summary deltas."""
        self._new: dict[PlanId, Plan] = {}
        self._discard_actuals()
        self._discard_quotas()


def _order(item: tuple[tuple[str, int, str, Decimal | None], Decimal]) -> tuple[str, int, str, Decimal]:
    (scope, month, currency, rate), _ = item
    return scope, month, currency, Decimal(-1) if rate is None else rate
