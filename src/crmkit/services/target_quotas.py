"""Sales quotas (Q2) and non-sales goals (Q3) of ``crm.targets``: entered, listed and measured.

Mixed into :class:`~crmkit.services.targets.TargetUseCases`.

* A quota is measured from the monthly actuals summary (Q5): a product's from
  its ``product`` rows, a category's or brand's from the rows of the products
  the catalogue files under it or under its subcategories (``Boya/İç cephe``
  is under ``Boya``; ``uow.points.products``), a member's (a
  customer, by company id) from its ``customer`` rows; amounts converted into
  the quota's currency with each invoice's rate (what cannot be converted is
  listed), over the months of its period. Purchase invoices are not imported,
  so a purchasing quota's actual is ``None``.
* A goal is measured by counting in the storage the records its metric names
  (:meth:`~crmkit.ports.targets.TargetRepository.goal_count`) over its date
  range in the company's time zone.

Categories and brands must be values of the ``product_categories`` and
``product_brands`` parameter lists (C9); products must be in the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from crmkit.domain.actuals import PRODUCT
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, PickListName, parse_id
from crmkit.domain.money import Money
from crmkit.domain.plan_actual import CATEGORY_SEPARATOR, Credit, MissingRate, convert
from crmkit.domain.quotas import (
    Direction,
    Goal,
    GoalId,
    GoalMetric,
    Quota,
    QuotaId,
    QuotaPeriod,
    QuotaScope,
    may_edit_target,
)
from crmkit.domain.territory import TeamId
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ServiceBase, parse_enum

__all__ = ["GoalResult", "QuotaResult", "QuotaUseCases"]

CATEGORY_LIST = "product_categories"
"""The parameter list (C9) product categories come from."""
BRAND_LIST = "product_brands"
"""The parameter list (C9) product brands come from."""


@attrs.frozen
class QuotaResult:
    """A quota against its actual (Q2).

    Attributes:
        quota: the quota.
        amount: the net invoiced amount in the quota's currency (``None``: not measured).
        quantity: the net quantity (``None``: not measured).
        missing_rates: what could not be converted into the quota's currency.
    """

    quota: Quota
    amount: Decimal | None
    quantity: Decimal | None
    missing_rates: tuple[MissingRate, ...] = ()

    @property
    def attainment(self) -> Decimal | None:
        """Actual / quota, by amount when the quota sets one, else by quantity; ``None`` when unmeasured."""
        target, actual = (
            (self.quota.amount, self.amount)
            if self.quota.amount is not None
            else (self.quota.quantity, self.quantity)
        )
        if target is None or actual is None or target == 0:
            return None
        return actual / target


@attrs.frozen
class GoalResult:
    """A goal against what was counted (Q3)."""

    goal: Goal
    actual: int

    @property
    def attainment(self) -> Decimal | None:
        """Actual / target; ``None`` for a zero target."""
        return None if self.goal.target == 0 else Decimal(self.actual) / self.goal.target


def _months(quota: Quota) -> range:
    if quota.period is QuotaPeriod.MONTH:
        return range(quota.index, quota.index + 1)
    if quota.period is QuotaPeriod.QUARTER:
        return range(3 * quota.index - 2, 3 * quota.index + 1)
    return range(1, 13)


class QuotaUseCases(ServiceBase):
    """Q2 quotas and Q3 goals of ``crm.targets``."""

    def _editor(self, uow: UnitOfWork, actor: object, subject: EmployeeId | None) -> None:
        who = self._acting(uow, actor)
        now = self._now()
        led = frozenset(
            m.team_id
            for m in uow.memberships.for_employee(who.id)
            if m.active_at(now)
            and m.role.value in ("team_leader", "manager", "director", "region_responsible")
        )
        teams: frozenset[TeamId] = frozenset()
        if subject is not None:
            teams = frozenset(m.team_id for m in uow.memberships.for_employee(subject) if m.active_at(now))
        may_edit_target(who, subject=subject, subject_teams=teams, led_teams=led, at=now).enforce()

    @staticmethod
    def _check_value(uow: UnitOfWork, scope: QuotaScope, value: str) -> None:
        """Refuse a product, category, brand or member that does not exist (field ``value``)."""
        if scope is QuotaScope.PRODUCT:
            found = value in uow.points.products([value])
        elif scope is QuotaScope.MEMBER:
            found = bool(uow.companies.get_many([CompanyId(parse_id("value", value))]))
        else:
            name = PickListName(CATEGORY_LIST if scope is QuotaScope.CATEGORY else BRAND_LIST)
            listed = uow.picklists.get_many([name]).get(name)
            found = listed is not None and value in listed.values
        if not found:
            raise ValidationError("value", f"no {scope.value} {value!r}")

    def add_quota(
        self,
        *,
        actor: object,
        scope: str | QuotaScope,
        value: str,
        direction: str | Direction,
        period: str | QuotaPeriod,
        year: int,
        index: int,
        amount: object | None = None,
        quantity: object | None = None,
        currency: str = "TRY",
    ) -> Quota:
        """Enter a sales quota (Q2): per product, category, brand or member; sales or purchasing.

        Args:
            actor: an admin (quotas have no holder a manager could lead).
            scope: product, category, brand or member (a customer's company id).
            value: which one.
            direction: ``sales`` or ``purchasing``.
            period: ``month``, ``quarter`` or ``year``.
            year: the calendar year.
            index: the month 1–12, the quarter 1–4, or 1 for a year.
            amount: the amount quota (a number in ``currency``, or :class:`~crmkit.domain.money.Money` in it).
            quantity: the quantity quota.
            currency: the currency of ``amount``.

        Raises:
            ValidationError: a negative amount or quantity, ``currency`` when ``amount`` is
                Money in another currency, ``index`` not matching the period type, ``value``
                that does not exist; nothing is stored.
            PermissionDenied: the actor may not enter targets.
        """
        kind = parse_enum(QuotaScope, "scope", scope)
        if isinstance(amount, Money):
            if amount.currency != str(currency).upper():
                raise ValidationError(
                    "currency", f"{amount} is in {amount.currency}; the quota is in {currency}"
                )
            amount = amount.amount
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            quota = Quota(
                id=QuotaId(self._new_id()),
                scope=kind,
                value=str(value).strip(),
                direction=direction,
                period=period,
                year=year,
                index=index,
                amount=None if amount is None else Decimal(str(amount)),
                quantity=None if quantity is None else Decimal(str(quantity)),
                currency=currency,
            )
            self._check_value(uow, quota.scope, quota.value)
            self._editor(uow, actor, None)
            uow.targets.add_quota(quota)
            return quota

    def quotas(self, *, actor: object, year: int | None = None) -> list[Quota]:
        """Every quota (of ``year``)."""
        with self._work(None) as uow:
            self._acting(uow, actor)
            return uow.targets.quotas(year)

    def quota_report(self, *, actor: object, year: int) -> list[QuotaResult]:
        """Every quota of ``year`` against its actual, from the monthly actuals summary (Q2, Q5)."""
        with self._work(None) as uow:
            self._acting(uow, actor)
            found = uow.targets.quotas(year)
            products = uow.targets.actuals(PRODUCT, year)
            customers = uow.targets.actuals("customer", year)
            units = {"product": uow.targets.quantities(PRODUCT, year)}
            units["customer"] = uow.targets.quantities("customer", year)
            catalogue = uow.points.products({c.scope for c in products} | {s for s, _ in units["product"]})
        results = []
        for quota in found:
            if quota.direction is Direction.PURCHASING:
                results.append(QuotaResult(quota, None, None))
                continue
            months = _months(quota)
            if quota.scope is QuotaScope.MEMBER:
                rows, kind = [c for c in customers if c.scope == quota.value], "customer"
                wanted = {quota.value}
            else:
                wanted = self._products(
                    quota, catalogue, {c.scope for c in products} | {s for s, _ in units["product"]}
                )
                rows, kind = [c for c in products if c.scope in wanted], "product"
            chosen = [
                Credit(quota.value, c.month, c.currency, c.rate, c.amount) for c in rows if c.month in months
            ]
            actuals, missing = convert(chosen, quota.currency)
            amount = sum(actuals.values(), Decimal(0))
            quantity = sum(
                (q for (s, m), q in units[kind].items() if s in wanted and m in months), Decimal(0)
            )
            results.append(QuotaResult(quota, amount, quantity, missing))
        return results

    @staticmethod
    def _products(quota: Quota, catalogue: Mapping[str, object], codes: set[str]) -> set[str]:
        if quota.scope is QuotaScope.PRODUCT:
            return {quota.value}
        if quota.scope is QuotaScope.BRAND:
            return {code for code in codes if getattr(catalogue.get(code), "brand", None) == quota.value}
        below = quota.value + CATEGORY_SEPARATOR  # a category's quota counts its subcategories too
        found = {code: getattr(catalogue.get(code), "category", None) or "" for code in codes}
        return {code for code, name in found.items() if name == quota.value or name.startswith(below)}

    # -- Q3 goals ----------------------------------------------------------------------------
    def add_goal(
        self,
        *,
        actor: object,
        employee: object,
        metric: str | GoalMetric,
        target: int,
        start: date,
        end: date,
    ) -> Goal:
        """Enter a non-sales goal of an employee (Q3): ``target`` of ``metric`` from ``start`` to ``end``.

        Raises:
            ValidationError: a negative target, an end before the start, an unknown employee
                (field ``employee``); nothing is stored.
            PermissionDenied: the actor may not set this employee's targets (admins; managers
                of his teams, never their own).
        """
        who = EmployeeId(parse_id("employee", employee))
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            goal = Goal(
                id=GoalId(self._new_id()), employee_id=who, metric=metric, target=target, start=start, end=end
            )
            if not uow.employees.get_many([who]):
                raise ValidationError("employee", f"no employee {employee}")
            self._editor(uow, actor, who)
            uow.targets.add_goal(goal)
            return goal

    def goals(self, *, actor: object, employee: object | None = None) -> list[Goal]:
        """Every goal (of ``employee``)."""
        with self._work(None) as uow:
            self._acting(uow, actor)
            return uow.targets.goals(None if employee is None else EmployeeId(parse_id("employee", employee)))

    def goal_report(self, *, actor: object, employee: object | None = None) -> list[GoalResult]:
        """Goals (of ``employee``) against what the storage counts over each goal's days (Q3).

        An admin sees every goal; others only their own. Every metric is counted:
        new customers, visits (face-to-face interactions), interactions answered,
        offers sent (I8).
        """
        zone = ZoneInfo(self._ctx.settings.timezone)
        with self._work(None) as uow:
            who = self._acting(uow, actor)
            found = uow.targets.goals(
                None if employee is None else EmployeeId(parse_id("employee", employee))
            )
            if not who.position.is_admin:
                found = [g for g in found if g.employee_id == who.id]
            results = []
            for goal in found:
                start = datetime.combine(goal.start, time(), zone)
                end = datetime.combine(goal.end + timedelta(days=1), time(), zone)
                results.append(
                    GoalResult(goal, uow.targets.goal_count(goal.metric, goal.employee_id, start, end))
                )
            return results
