"""Service costs with dated rates, and the rows of the service reports (SPEC §6 S4, S5): values only.

A :class:`Rate` prices a technician's hour or a vehicle's kilometre (plus
fuel per kilometre) from an instant on; the rate of a piece of work is the
latest one in force when the work was done. The cost of a case or contract
is man-hours × the technician's rate + km × (the vehicle's rate + fuel) (S4).

To be exact and identical on every back end, rates are kept in ten-thousandths
(:data:`E4`) and distances in metres, so a storage sums integers —
``Σ minutes × rate`` and ``Σ metres × rate`` — and :meth:`Cost.from_sums`
turns the sums into money, rounded once to the currency's minor unit.

>>> cost = Cost.from_sums(labour=90 * 4_500_000, travel=42_500 * 55_000, currency="TRY")
>>> str(cost.labour), str(cost.travel), str(cost.total)
('675.00 TRY', '233.75 TRY', '908.75 TRY')
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.money import Money, minor_units

__all__ = [
    "E4",
    "RATE_AGGREGATE",
    "ContractProfit",
    "Cost",
    "CustomerRow",
    "NonContractRow",
    "Rate",
    "RateId",
    "TechnicianRow",
    "e4",
    "metres",
    "rate_at",
]

RateId = NewType("RateId", uuid.UUID)
"""Identifies a dated rate (S4)."""
RATE_AGGREGATE = "service_rate"
"""``aggregate_type`` of the audit entries of rates (C12)."""
E4 = 10_000
"""Rates are stored in ten-thousandths of the currency unit."""


def e4(money: Money | None, field: str = "amount") -> int:
    """``money`` in ten-thousandths (0 for ``None``).

    Raises:
        ValidationError: naming ``field`` when it has more than four decimals or is negative.
    """
    if money is None:
        return 0
    scaled = money.amount * E4
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ValidationError(field, "a rate is non-negative with at most four decimals")
    return int(scaled)


def metres(km: Decimal) -> int:
    """``km`` in whole metres.

    Raises:
        ValidationError: naming ``km`` when it is finer than a metre.
    """
    scaled = Decimal(km) * 1000
    if scaled != scaled.to_integral_value():
        raise ValidationError("km", "kilometres are counted to the metre (three decimals)")
    return int(scaled)


def _aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(attribute.name, "must be a timezone-aware datetime")


@attrs.frozen(kw_only=True)
class Rate:
    """A technician's hourly rate or a vehicle's rate per km, in force from ``valid_from`` (S4).

    Attributes:
        id: its id.
        technician_id: the technician priced (per hour), or ``None``.
        vehicle: the vehicle priced (per km), blank for a technician's rate.
        valid_from: from when it applies (until a later rate of the same resource).
        amount: per hour (technician) or per km (vehicle).
        fuel_per_km: fuel per km on top of a vehicle's rate, or ``None``.
        version: optimistic-locking version.

    Raises:
        ValidationError: ``resource`` unless exactly one of technician and vehicle;
            ``amount``/``fuel_per_km`` negative or finer than four decimals, or in another
            currency; ``fuel_per_km`` on a technician's rate.
    """

    id: RateId
    technician_id: EmployeeId | None = None
    vehicle: str = ""
    valid_from: datetime = attrs.field(validator=_aware)
    amount: Money
    fuel_per_km: Money | None = None
    version: int = 1

    def __attrs_post_init__(self) -> None:
        if (self.technician_id is None) == (not self.vehicle.strip()):
            raise ValidationError("resource", "a rate prices one technician or one vehicle")
        e4(self.amount, "amount")
        if self.fuel_per_km is not None:
            if self.technician_id is not None:
                raise ValidationError("fuel_per_km", "fuel is priced on a vehicle's rate")
            e4(self.fuel_per_km, "fuel_per_km")
            if self.fuel_per_km.currency != self.amount.currency:
                raise ValidationError("fuel_per_km", "must be in the rate's currency")

    @property
    def per_unit_e4(self) -> int:
        """What one hour (technician) or one km incl. fuel (vehicle) costs, in ten-thousandths."""
        return e4(self.amount) + e4(self.fuel_per_km)


def rate_at(
    rates: Iterable[Rate], at: datetime, *, technician: EmployeeId | None = None, vehicle: str = ""
) -> Rate | None:
    """The rate of ``technician`` (or ``vehicle``) in force at ``at``: the latest from before it."""
    found = [
        r
        for r in rates
        if r.valid_from <= at
        and ((technician is not None and r.technician_id == technician) or (vehicle and r.vehicle == vehicle))
    ]
    return max(found, key=lambda r: (r.valid_from, r.id.int)) if found else None


def _money(total: int, divisor: int, currency: str) -> Money:
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return Money((Decimal(total) / divisor).quantize(exponent, rounding=ROUND_HALF_EVEN), currency)


@attrs.frozen
class Cost:
    """What service work cost (S4): labour (man-hours) and travel (km, fuel)."""

    labour: Money
    travel: Money

    @classmethod
    def from_sums(cls, *, labour: int, travel: int, currency: str) -> Cost:
        """From ``Σ minutes × hourly rate (E4)`` and ``Σ metres × km rate (E4)``, rounded once each."""
        return cls(_money(labour, 60 * E4, currency), _money(travel, 1000 * E4, currency))

    @property
    def total(self) -> Money:
        """Labour plus travel."""
        return self.labour + self.travel


@attrs.frozen
class TechnicianRow:
    """One technician's line of the technician report (S5).

    Attributes:
        technician_id: the technician.
        closed: cases he closed in the period.
        first_time: of those, the ones never reopened (success).
        minutes: minutes logged on those cases.
        sla_known: of those, the ones whose resolution target was measured at closing.
        sla_met: of those, the ones resolved within it.
    """

    technician_id: EmployeeId
    closed: int
    first_time: int
    minutes: int
    sla_known: int
    sla_met: int

    @property
    def success_rate(self) -> Decimal:
        """Percent of closed cases resolved without reopening (two decimals)."""
        return _percent(self.first_time, self.closed)

    @property
    def average_minutes(self) -> Decimal:
        """Average service time: minutes logged per closed case (two decimals)."""
        return (Decimal(self.minutes) / self.closed).quantize(Decimal("0.01")) if self.closed else Decimal(0)

    @property
    def sla_attainment(self) -> Decimal:
        """Percent of measured cases resolved within their resolution target."""
        return _percent(self.sla_met, self.sla_known)

    def closed_per_day(self, days: int) -> Decimal:
        """Jobs closed per day over a period of ``days`` days (two decimals)."""
        return (Decimal(self.closed) / days).quantize(Decimal("0.01")) if days > 0 else Decimal(0)


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / whole).quantize(Decimal("0.01")) if whole else Decimal(0)


@attrs.frozen
class CustomerRow:
    """One company's line of the customer report (S5): service hours and cost in a period."""

    company_id: CompanyId
    minutes: int
    cost: Cost


@attrs.frozen
class ContractProfit:
    """A contract's profitability (S4): its price minus the cost of the work charged to it."""

    contract_id: uuid.UUID
    revenue: Money
    cost: Cost

    @property
    def profit(self) -> Money:
        """Revenue minus cost."""
        return self.revenue - self.cost.total


@attrs.frozen
class NonContractRow:
    """A customer served without a contract in a period: cost of that work vs what was invoiced (S4).

    Attributes:
        company_id: the customer.
        minutes: service minutes logged for it and charged to no contract.
        cost: what that work cost (man-hours and km at their dated rates, fuel included).
        invoiced: the signed net of the invoices issued to it in the period (returns count
            against), in the CRM's currency; foreign invoices converted at their own rate.
        unconverted: per currency, invoiced amounts with no usable rate (not in ``invoiced``).
    """

    company_id: CompanyId
    minutes: int
    cost: Cost
    invoiced: Money
    unconverted: tuple[tuple[str, Decimal], ...] = ()

    @property
    def margin(self) -> Money:
        """What was invoiced minus what the service cost (negative: served at a loss)."""
        return self.invoiced - self.cost.total
