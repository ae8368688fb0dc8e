"""Sales visits and their cost: ``crm.visits`` (SPEC §5 I11; §4 Q5; §3 A3, A8).

A rep records a visit — vehicle, kilometres, hours — at a customer; it is
priced at once at the rates in force on the visit's date (the dated rates of
``crm.service.set_rate``: the rep's hourly rate, the vehicle's km rate plus
fuel; a part without a rate costs nothing), so a later rate change never
rewrites past costs. :meth:`VisitUseCases.costs` gives per customer the visits'
cost over a period — summed in the storage — beside the net revenue invoiced to
that customer in the period (returns netted, as plan-vs-actual credits it, Q5),
and the cost / revenue ratio. Recording a visit is decided as recording an
interaction at that company (A3, A6); the report covers the companies the
actor may see (A8).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from crmkit.domain.access import Action, InteractionResource, decide, visibility_predicate
from crmkit.domain.costs import Cost
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId
from crmkit.domain.money import Money
from crmkit.domain.periods import require_aware
from crmkit.domain.quotas import ScopeType
from crmkit.domain.visits import Visit, VisitCostRow, VisitId
from crmkit.services.base import ActorRef
from crmkit.services.customers import facts_of
from crmkit.services.interactions import known_company, known_employee, visible_company
from crmkit.services.policy import PolicyUseCases

__all__ = ["VisitUseCases"]


class VisitUseCases(PolicyUseCases):
    """Record sales visits and report their cost against revenue (I11)."""

    def record(
        self,
        *,
        actor: ActorRef,
        company: object,
        km: object,
        hours: object,
        vehicle: str = "",
        visited_at: datetime | None = None,
        employee: object | None = None,
        note: str = "",
    ) -> Visit:
        """Record a visit to ``company`` by ``employee`` (default: the actor), priced at that day's rates.

        Raises:
            ValidationError: naming ``company``, ``employee``, ``km`` (negative, finer than a metre),
                ``hours`` (negative, finer than a minute), ``visited_at`` (naive); nothing is stored.
            PermissionDenied: with the policy's reason (A3, A5, A6); nothing is stored.
        """
        now = self._now()
        when = now if visited_at is None else require_aware("visited_at", visited_at)
        with self._as_policy_actor(actor) as (uow, who):
            found = known_company(uow, "company", company)
            person = who.employee.id if employee is None else known_employee(uow, "employee", employee, now)
            decide(
                who,
                Action.CREATE,
                InteractionResource(company=facts_of(uow, found, now), owner_id=person),
                now,
            ).enforce()
            visit = Visit.priced(
                id=VisitId(self._new_id()),
                company_id=found.id,
                employee_id=person,
                visited_at=when,
                km=km,
                hours=hours,
                vehicle=vehicle if isinstance(vehicle, str) else "",
                rates=uow.service.rates.all(),
                currency=self._ctx.settings.currency,
                note=note,
            )
            uow.visits.add(visit)
            return visit

    def for_company(
        self, *, actor: ActorRef, company: object, limit: int = 200, offset: int = 0
    ) -> list[Visit]:
        """A customer's visits, newest first, when the actor may see the company (A8).

        Raises:
            ValidationError: naming ``company`` when there is none.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._work(None) as uow:
            found = visible_company(uow, self._actor(uow, actor), company, now)
            return uow.visits.for_company(found.id, limit=limit, offset=offset)

    def costs(self, *, actor: ActorRef, since: datetime, until: datetime) -> list[VisitCostRow]:
        """Per customer visited in ``[since, until)``: visits, time, km, cost, revenue and their ratio (I11).

        Revenue is the net invoiced to the customer in the period, returns netted, in the CRM's
        currency (foreign-currency invoices at their exchange rate; one without a rate is left out).
        Rows by company id.

        Raises:
            ValidationError: naming ``since`` or ``until``.
        """
        require_aware("since", since)
        require_aware("until", until)
        if until <= since:
            raise ValidationError("until", "a period ends after it starts")
        currency = self._ctx.settings.currency
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            sums = uow.visits.sums(
                visibility_predicate(who, now), currency=currency, since=since, until=until
            )
            revenue: dict[str, Decimal] = {}
            for credit in uow.targets.credits(ScopeType.CUSTOMER, [since, until]):
                if credit.currency == currency:
                    value = credit.amount
                elif credit.rate is not None:
                    value = credit.amount * credit.rate
                else:
                    continue
                revenue[credit.scope] = revenue.get(credit.scope, Decimal(0)) + value
        return [
            VisitCostRow(
                company_id=CompanyId(key),
                visits=n,
                minutes=minutes,
                km=Decimal(metres) / 1000,
                cost=Cost.from_sums(labour=labour, travel=travel, currency=currency),
                revenue=Money(revenue.get(str(key), Decimal(0)), currency).rounded(),
            )
            for key, (n, minutes, metres, labour, travel) in sorted(sums.items(), key=lambda kv: kv[0])
        ]
