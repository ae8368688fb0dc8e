"""Turnover plans, sales quotas and non-sales goals (SPEC §4, Q1–Q3), and who may edit them.

* A :class:`Plan` (Q1) has a year, a currency and a :class:`ScopeType`; each
  scope value gets twelve monthly amounts (and optionally quantities) and the
  year is their sum. A yearly figure is spread over the months by
  :func:`spread`: equally or by twelve percentages totalling exactly 100,
  rounded to the currency's minor unit by the largest-remainder method, so the
  months always add up to the year. Plans are versioned: a revision is a new
  plan that names the one it supersedes, which stays readable.
* A :class:`Quota` (Q2) is independent of plans: per product, category, brand
  or member; for sales or purchasing; monthly, quarterly or yearly.
* A :class:`Goal` (Q3) is a non-sales target of one employee: a metric, a
  number and a date range.
* :func:`may_edit_target` is the permission rule: admins edit every target,
  managers those of the teams they lead, but never their own (as Salesforce).

>>> from decimal import Decimal
>>> spread(Decimal("100.00"), "TRY")[:3]
(Decimal('8.34'), Decimal('8.34'), Decimal('8.34'))
>>> sum(spread(Decimal("100.00"), "TRY"))
Decimal('100.00')
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import NewType

import attrs

from crmkit.domain.access import Decision
from crmkit.domain.employees import Employee
from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import parse_enum, positive_version
from crmkit.domain.ids import EmployeeId
from crmkit.domain.money import CURRENCIES, minor_units, to_decimal
from crmkit.domain.periods import require_aware
from crmkit.domain.territory import TeamId

__all__ = [
    "GOAL_AGGREGATE",
    "MONTHS",
    "PLAN_AGGREGATE",
    "QUOTA_AGGREGATE",
    "Direction",
    "Goal",
    "GoalId",
    "GoalMetric",
    "Plan",
    "PlanId",
    "PlanLine",
    "Quota",
    "QuotaId",
    "QuotaPeriod",
    "QuotaScope",
    "ScopeType",
    "may_edit_target",
    "spread",
]

MONTHS = 12
"""Months in a plan year."""

PLAN_AGGREGATE = "plan"
"""``aggregate_type`` of the audit entries of plan versions (C12)."""
QUOTA_AGGREGATE = "quota"
"""``aggregate_type`` of the audit entries of sales quotas (C12)."""
GOAL_AGGREGATE = "goal"
"""``aggregate_type`` of the audit entries of non-sales goals (C12)."""

PlanId = NewType("PlanId", uuid.UUID)
"""Identifies one version of a turnover plan (Q1)."""
QuotaId = NewType("QuotaId", uuid.UUID)
"""Identifies a sales quota (Q2)."""
GoalId = NewType("GoalId", uuid.UUID)
"""Identifies a non-sales goal (Q3)."""


class ScopeType(enum.StrEnum):
    """What a plan's scope values are (Q1)."""

    SALES_REGION = "sales_region"
    BRANCH = "branch"
    TEAM = "team"
    MICRO_REGION = "micro_region"
    EMPLOYEE = "employee"
    CUSTOMER = "customer"
    PRODUCT_CATEGORY = "product_category"
    PRODUCT_BRAND = "product_brand"
    MEMBER_CATEGORY = "member_category"


def _scope_type(value: object) -> ScopeType:
    return parse_enum(ScopeType, "scope_type", value)


def _currency(value: object) -> str:
    if not isinstance(value, str) or value.upper() not in CURRENCIES:
        raise ValidationError("currency", f"{value!r} is not an ISO 4217 currency code")
    return value.upper()


def _amounts(field: str, values: object, places: int | None = None) -> tuple[Decimal, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError(field, f"give {MONTHS} monthly values, not {values!r}")
    if len(values) != MONTHS:
        raise ValidationError(field, f"give {MONTHS} monthly values, not {len(values)}")
    result = tuple(to_decimal(v, field) for v in values)
    for month, value in enumerate(result, start=1):
        if value < 0:
            raise ValidationError(field, f"month {month} is negative ({value}); targets are never negative")
        if places is not None and value != value.quantize(Decimal(1).scaleb(-places)):
            raise ValidationError(field, f"month {month} ({value}) has more than {places} decimal places")
    return result


def spread(total: object, currency: str, percentages: Sequence[object] | None = None) -> tuple[Decimal, ...]:
    """Spread a yearly ``total`` over twelve months, summing exactly to it (Q1).

    ``percentages`` (twelve, totalling exactly 100) weigh the months; ``None``
    spreads equally. Each month is rounded down to the currency's minor unit and
    the units left over go, one each, to the months with the largest remainders
    (the earlier month first on a tie): the largest-remainder method.

    Raises:
        ValidationError: a negative total, or percentages that are not twelve
            non-negative numbers totalling 100 (field ``percentages``).
    """
    amount = to_decimal(total, "total")
    if amount < 0:
        raise ValidationError("total", f"{amount} is negative; targets are never negative")
    unit = Decimal(1).scaleb(-minor_units(_currency(currency)))
    if percentages is None:
        weights = (Decimal(1),) * MONTHS
    else:
        weights = _amounts("percentages", percentages)
        if sum(weights) != 100:
            raise ValidationError("percentages", f"the months total {sum(weights)}, not exactly 100")
    whole = amount.quantize(unit, rounding=ROUND_FLOOR)
    if whole != amount:
        raise ValidationError("total", f"{amount} has more decimal places than {currency} allows")
    units = int(whole / unit)
    weight_sum = sum(weights)
    shares = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(s.to_integral_value(rounding=ROUND_FLOOR)) for s in shares]
    left = units - sum(floors)
    order = sorted(range(MONTHS), key=lambda m: (-(shares[m] - floors[m]), m))
    for month in order[:left]:
        floors[month] += 1
    return tuple(Decimal(n) * unit for n in floors)


def _scope(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValidationError("scope", f"{value!r} is not a scope value")
    return value.strip()


def _month_amounts(value: object) -> tuple[Decimal, ...]:
    return _amounts("amounts", value)


def _month_quantities(value: object) -> tuple[Decimal, ...] | None:
    return None if value is None else _amounts("quantities", value)


@attrs.frozen(kw_only=True)
class PlanLine:
    """One scope value's twelve monthly targets (Q1).

    Attributes:
        scope: the scope value (a region, team or employee id, a code, a category …) as text.
        amounts: twelve non-negative monthly turnover targets in the plan's currency.
        quantities: twelve monthly quantity targets, when the plan has them.
    """

    scope: str = attrs.field(converter=_scope)
    amounts: tuple[Decimal, ...] = attrs.field(converter=_month_amounts)
    quantities: tuple[Decimal, ...] | None = attrs.field(default=None, converter=_month_quantities)

    @property
    def year(self) -> Decimal:
        """The yearly target: the sum of the months."""
        return sum(self.amounts, Decimal(0))


def _lines(value: object) -> tuple[PlanLine, ...]:
    if not isinstance(value, Sequence) or not all(isinstance(v, PlanLine) for v in value):
        raise ValidationError("lines", "give the plan's lines as PlanLine values")
    return tuple(sorted(value, key=lambda line: line.scope))


@attrs.frozen(kw_only=True)
class Plan:
    """One version of an annual turnover plan (Q1).

    Attributes:
        name: what it is called (several plans may exist side by side).
        year: the calendar year.
        currency: the plan's currency; actuals are converted into it.
        scope_type: what the lines' scope values are.
        lines: one per scope value, ordered by scope value.
        revision: 1 for the first version; a revision counts up.
        supersedes: the version this one revises, which stays readable.
        created_at: when this version was entered.
        created_by: who entered it.
    """

    id: PlanId
    name: str
    year: int
    currency: str = attrs.field(converter=_currency)
    scope_type: ScopeType = attrs.field(converter=_scope_type)
    lines: tuple[PlanLine, ...] = attrs.field(converter=_lines)
    revision: int = 1
    supersedes: PlanId | None = None
    created_at: datetime
    created_by: EmployeeId | None = None
    version: int = attrs.field(default=1, validator=positive_version)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError("name", "a plan needs a name")
        if not isinstance(self.year, int) or not 1900 <= self.year <= 9999:
            raise ValidationError("year", f"{self.year!r} is not a year")
        require_aware("created_at", self.created_at)
        places = minor_units(self.currency)
        seen: set[str] = set()
        for line in self.lines:
            _amounts("amounts", line.amounts, places)
            if line.scope in seen:
                raise ValidationError("scope", f"{line.scope} has two lines in plan {self.name}")
            seen.add(line.scope)

    def line(self, scope: str) -> PlanLine | None:
        """The line of a scope value, or ``None``."""
        return next((line for line in self.lines if line.scope == scope), None)


class QuotaScope(enum.StrEnum):
    """What a sales quota is set on (Q2)."""

    PRODUCT = "product"
    CATEGORY = "category"
    BRAND = "brand"
    MEMBER = "member"


class Direction(enum.StrEnum):
    """Whether a quota counts sales or purchasing (Q2)."""

    SALES = "sales"
    PURCHASING = "purchasing"


class QuotaPeriod(enum.StrEnum):
    """The period type of a quota (Q2)."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def _quota_scope(value: object) -> QuotaScope:
    return parse_enum(QuotaScope, "scope", value)


def _direction(value: object) -> Direction:
    return parse_enum(Direction, "direction", value)


def _period(value: object) -> QuotaPeriod:
    return parse_enum(QuotaPeriod, "period", value)


_LAST_INDEX = {QuotaPeriod.MONTH: 12, QuotaPeriod.QUARTER: 4, QuotaPeriod.YEAR: 1}


@attrs.frozen(kw_only=True)
class Quota:
    """A sales quota, independent of plans (Q2).

    Attributes:
        scope: product, category, brand or member.
        value: which product, category, brand or member.
        direction: sales or purchasing.
        period: monthly, quarterly or yearly.
        year: the calendar year.
        index: the month (1–12), quarter (1–4) or 1 for a yearly quota.
        amount: the turnover quota, when any.
        quantity: the quantity quota, when any.
        currency: the currency of ``amount``.
    """

    id: QuotaId
    scope: QuotaScope = attrs.field(converter=_quota_scope)
    value: str
    direction: Direction = attrs.field(converter=_direction)
    period: QuotaPeriod = attrs.field(converter=_period)
    year: int
    index: int
    amount: Decimal | None = None
    quantity: Decimal | None = None
    currency: str = attrs.field(default="TRY", converter=_currency)
    version: int = attrs.field(default=1, validator=positive_version)

    def __attrs_post_init__(self) -> None:
        last = _LAST_INDEX[self.period]
        if not isinstance(self.index, int) or not 1 <= self.index <= last:
            raise ValidationError(
                "index", f"a {self.period.value} quota has index 1–{last}, not {self.index!r}"
            )
        if self.amount is None and self.quantity is None:
            raise ValidationError("amount", "a quota sets an amount, a quantity or both")
        for field in ("amount", "quantity"):
            value = getattr(self, field)
            if value is not None and to_decimal(value, field) < 0:
                raise ValidationError(field, f"{value} is negative")


class GoalMetric(enum.StrEnum):
    """What a non-sales goal counts (Q3)."""

    NEW_CUSTOMERS = "new_customers"
    VISITS = "visits"
    INTERACTIONS_ANSWERED = "interactions_answered"
    OFFERS_SENT = "offers_sent"


def _metric(value: object) -> GoalMetric:
    return parse_enum(GoalMetric, "metric", value)


@attrs.frozen(kw_only=True)
class Goal:
    """A non-sales (HR/performance) goal of one employee (Q3): ``target`` of ``metric`` from start to end."""

    id: GoalId
    employee_id: EmployeeId
    metric: GoalMetric = attrs.field(converter=_metric)
    target: int
    start: date
    end: date
    version: int = attrs.field(default=1, validator=positive_version)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.target, bool) or not isinstance(self.target, int) or self.target < 0:
            raise ValidationError("target", f"{self.target!r} is not a non-negative whole number")
        if self.end < self.start:
            raise ValidationError("end", f"{self.end} is before {self.start}")


def may_edit_target(
    editor: Employee,
    *,
    subject: EmployeeId | None,
    subject_teams: frozenset[TeamId],
    led_teams: frozenset[TeamId],
    at: datetime,
) -> Decision:
    """May ``editor`` enter or change a target whose holder is ``subject`` (Q1–Q3)?

    Admins edit every target; a manager edits the targets of the teams he
    leads (``led_teams``: a ``subject`` or scope in ``subject_teams``), but never
    his own; nobody else edits targets; a departed employee does nothing (A5).
    """
    if not editor.can_act(at):
        return Decision.deny(f"{editor.name} is {editor.status.value} and can do nothing (A5)")
    if subject is not None and subject == editor.id and not editor.position.is_admin:
        return Decision.deny(f"{editor.name} may not set his own target")
    if editor.position.is_admin:
        return Decision.allow(f"{editor.name} is {editor.position.value} and edits every target")
    if not editor.position.manages:
        return Decision.deny(f"{editor.name} is an employee; only managers and admins edit targets")
    if subject_teams and subject_teams <= led_teams:
        return Decision.allow(f"{editor.name} leads the teams this target belongs to")
    return Decision.deny(f"{editor.name} does not lead the teams this target belongs to")
