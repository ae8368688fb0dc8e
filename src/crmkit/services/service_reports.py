"""Costs, reports and the knowledge base: part of ``crm.service`` (SPEC §6 S4, S5, S7).

* **Rates** (S4) are set by managers and admins, each from an instant on; a
  case's or contract's cost prices each piece of work at the rates in force
  when it was done, summed in the storage.
* **Reports** (S5) are aggregated in the storage: the technician report
  (success rate, average service time, jobs closed per day, SLA attainment)
  and the customer report (service hours and cost), and for customers served
  without a contract, that cost against what was invoiced to them. Managers see everything;
  an employee sees his own technician row.
* **Knowledge base** (S7): every active employee searches and writes; only the
  author or an admin changes an article.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import attrs

from crmkit.domain.access import Action
from crmkit.domain.costs import ContractProfit, Cost, CustomerRow, NonContractRow, Rate, RateId, TechnicianRow
from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.knowledge import Article, ArticleId, query_terms
from crmkit.domain.money import Money, minor_units
from crmkit.domain.periods import Period, require_aware
from crmkit.domain.plan_actual import convert
from crmkit.domain.quotas import ScopeType
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef
from crmkit.services.interactions import check_version, known_employee
from crmkit.services.service_cases import CaseUseCases

__all__ = ["ReportUseCases"]


class ReportUseCases(CaseUseCases):
    """Rates, costs, reports and the knowledge base (see :class:`crmkit.services.service.ServiceUseCases`)."""

    # -- costs and reports (S4, S5) ------------------------------------------------------------
    def _manager(self, uow: UnitOfWork, actor: ActorRef) -> None:
        who = self._acting(uow, actor)
        if not who.position.manages:
            raise PermissionDenied(
                f"rates and service reports are for managers; {who.name} is {who.position.value}"
            )

    def set_rate(
        self,
        *,
        actor: ActorRef,
        valid_from: datetime,
        amount: Money,
        technician: object | None = None,
        vehicle: str = "",
        fuel_per_km: Money | None = None,
    ) -> Rate:
        """Price a technician's hour or a vehicle's km (plus fuel) from ``valid_from`` on (S4).

        Earlier work keeps the rate that was in force when it was done.

        Raises:
            ValidationError: ``resource``, ``amount`` (negative, over four decimals, not in the
                CRM's currency), ``fuel_per_km``; nothing is stored.
            PermissionDenied: the actor is not a manager or admin.
        """
        require_aware("valid_from", valid_from)
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        if isinstance(amount, Money) and amount.currency != self._ctx.settings.currency:
            raise ValidationError("amount", f"rates are in {self._ctx.settings.currency}")
        with self._work(by) as uow:
            self._manager(uow, actor)
            rate = Rate(
                id=RateId(self._new_id()),
                technician_id=None
                if technician is None
                else known_employee(uow, "technician", technician, now),
                vehicle=vehicle.strip(),
                valid_from=valid_from,
                amount=amount,
                fuel_per_km=fuel_per_km,
            )
            uow.service.rates.add(rate)
            return rate

    def _cost(self, labour: int, travel: int) -> Cost:
        return Cost.from_sums(labour=labour, travel=travel, currency=self._ctx.settings.currency)

    def case_cost(self, *, actor: ActorRef, case: object) -> Cost:
        """Man-hours × the technicians' dated rates + km × the vehicles' dated rates and fuel (S4).

        Raises:
            NotFound: no such case.
            PermissionDenied: the actor may not see the case's company (A8).
        """
        now = self._now()
        with self._work(None) as uow:
            found = self._case(uow, self._actor(uow, actor), case, Action.VIEW, now)
            _, labour, travel = uow.service.reports.work_sums(case=found.id)
        return self._cost(labour, travel)

    def contract_profit(self, *, actor: ActorRef, contract: object) -> ContractProfit:
        """The contract's revenue (its price) minus the cost of the work charged to it (S4).

        Raises:
            NotFound: no such contract.
            PermissionDenied: the actor may not see its company (A8).
        """
        now = self._now()
        with self._work(None) as uow:
            found = self._seen_contract(uow, actor, contract, now)
            _, labour, travel = uow.service.reports.work_sums(contract=found.id)
        return ContractProfit(found.id, found.price, self._cost(labour, travel))

    def technician_report(self, *, actor: ActorRef, period: Period) -> list[TechnicianRow]:
        """Per technician, over the cases closed in ``period`` (S5), aggregated in the storage.

        Success rate (closed without reopening), average service time (minutes logged
        per closed case), jobs closed per day (``row.closed_per_day(days)``), SLA
        attainment. Managers and admins see every technician; an employee his own row.
        """
        with self._work(None) as uow:
            who = self._acting(uow, actor)
            rows = uow.service.reports.technicians(period.start, period.end)
        return rows if who.position.manages else [r for r in rows if r.technician_id == who.id]

    def customer_report(self, *, actor: ActorRef, period: Period) -> list[CustomerRow]:
        """Per company, service hours and their cost in ``period`` (S5), aggregated in the storage.

        Raises:
            PermissionDenied: the actor is not a manager or admin.
        """
        with self._work(None) as uow:
            self._manager(uow, actor)
            rows = uow.service.reports.customers(period.start, period.end)
        return [
            CustomerRow(company, minutes, self._cost(labour, travel))
            for company, (minutes, labour, travel) in rows
        ]

    def non_contract_report(self, *, actor: ActorRef, period: Period) -> list[NonContractRow]:
        """Customers served without a contract in ``period``: cost of that work vs what was invoiced (S4).

        One row per company with work in ``period`` charged to no contract, by company id: its
        minutes and their cost (dated rates, summed in the storage) against the signed net of
        the invoices issued to it in ``period`` (matched by tax number, returns counted against,
        summed in the storage), in the CRM's currency; foreign invoices are converted at their
        own rate, and amounts with no usable rate are listed apart.

        Raises:
            PermissionDenied: the actor is not a manager or admin.
        """
        currency = self._ctx.settings.currency
        with self._work(None) as uow:
            self._manager(uow, actor)
            rows = uow.service.reports.customers(period.start, period.end, contract_free=True)
            credits = uow.targets.credits(ScopeType.CUSTOMER, [period.start, period.end]) if rows else []
        invoiced, missing = convert(credits, currency)
        cent = Decimal(1).scaleb(-minor_units(currency))  # rounded once, like the costs
        out = []
        for company, (minutes, labour, travel) in rows:
            scope = str(company)
            gaps = tuple((m.currency, m.amount) for m in missing if m.scope == scope)
            amount = invoiced.get((scope, 1), Decimal(0)).quantize(cent, rounding=ROUND_HALF_EVEN)
            out.append(
                NonContractRow(company, minutes, self._cost(labour, travel), Money(amount, currency), gaps)
            )
        return out

    # -- knowledge base (S7) -------------------------------------------------------------------
    def write_article(
        self, *, actor: ActorRef, title: str, body: str = "", keywords: list[str] | tuple[str, ...] = ()
    ) -> Article:
        """Add a knowledge-base article (S7).

        Raises:
            ValidationError: a blank ``title``, a blank keyword (``keywords``).
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            self._acting(uow, actor)
            article = Article(
                id=ArticleId(self._new_id()),
                title=title,
                body=body,
                keywords=tuple(keywords),
                created_by=by,
                created_at=now,
            )
            uow.service.articles.add(article)
            return article

    def edit_article(
        self,
        *,
        actor: ActorRef,
        article: object,
        title: str | None = None,
        body: str | None = None,
        keywords: list[str] | tuple[str, ...] | None = None,
        version: int | None = None,
    ) -> Article:
        """Change an article; only its author or an admin may (A2, A3).

        Raises:
            NotFound: no such article.
            PermissionDenied: someone else's article.
        """
        by = EmployeeId(parse_id("actor", actor))
        with self._work(by) as uow:
            who = self._acting(uow, actor)
            current = uow.service.articles.get(ArticleId(parse_id("article", article)))
            if current.created_by != who.id and not who.position.is_admin:
                raise PermissionDenied(
                    f"only the author or an admin may change an article; {who.name} is neither"
                )
            check_version("kb_article", current.id, current.version, version)
            changes: dict[str, Any] = {"title": title, "body": body}
            changes = {k: v for k, v in changes.items() if v is not None}
            if keywords is not None:
                changes["keywords"] = tuple(keywords)
            return uow.service.articles.save(attrs.evolve(current, **changes))

    def search_articles(self, *, actor: ActorRef, query: str, limit: int = 10) -> list[tuple[Article, int]]:
        """Articles matching the words of ``query``, Turkish-case-insensitive, best first (S7)."""
        with self._work(None) as uow:
            self._acting(uow, actor)
            return uow.service.articles.search(query_terms(query), limit=limit)

    def get_article(self, *, actor: ActorRef, article: object) -> Article:
        """One article.

        Raises:
            NotFound: no such article.
        """
        with self._work(None) as uow:
            self._acting(uow, actor)
            return uow.service.articles.get(ArticleId(parse_id("article", article)))
