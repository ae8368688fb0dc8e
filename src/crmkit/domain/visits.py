"""Sales visits and what they cost (SPEC §5 I11): values only, no I/O.

A :class:`Visit` records a rep's trip to a customer: the vehicle, the
kilometres driven and the hours spent. Its cost is km × the vehicle's rate
(+ fuel per km) + hours × the rep's hourly rate, at the rates in force on the
visit's date — the dated :class:`~crmkit.domain.costs.Rate` values the
service module keeps (S4), set with ``crm.service.set_rate``. The visit keeps
the two products as integers (``labour`` = minutes × hourly rate, ``travel`` =
metres × km rate, both in ten-thousandths), so a storage sums them exactly and
:meth:`~crmkit.domain.costs.Cost.from_sums` rounds once per customer.

>>> import uuid
>>> from datetime import UTC, datetime
>>> from crmkit.domain.money import Money
>>> from crmkit.domain.costs import Rate, RateId
>>> rep = EmployeeId(uuid.UUID(int=3))
>>> rates = [
...     Rate(id=RateId(uuid.UUID(int=1)), technician_id=rep, valid_from=datetime(2026, 1, 1, tzinfo=UTC),
...          amount=Money("300", "TRY")),
...     Rate(id=RateId(uuid.UUID(int=2)), vehicle="34 ABC 12", valid_from=datetime(2026, 1, 1, tzinfo=UTC),
...          amount=Money("4.5", "TRY"), fuel_per_km=Money("2.25", "TRY")),
... ]
>>> visit = Visit.priced(
...     id=VisitId(uuid.UUID(int=9)), company_id=CompanyId(uuid.UUID(int=5)), employee_id=rep,
...     visited_at=datetime(2026, 3, 2, 9, tzinfo=UTC), vehicle="34 ABC 12", km=Decimal("42.5"),
...     hours=Decimal("1.5"), rates=rates, currency="TRY",
... )
>>> str(visit.cost.labour), str(visit.cost.travel), str(visit.cost.total)
('450.00 TRY', '286.88 TRY', '736.88 TRY')
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import NewType

import attrs

from crmkit.domain.costs import Cost, Rate, metres, rate_at
from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import aware
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.money import Money, to_decimal

__all__ = ["VISIT_AGGREGATE", "Visit", "VisitCostRow", "VisitId", "VisitSums"]

VisitId = NewType("VisitId", uuid.UUID)
"""Identifies a sales visit (I11)."""
VISIT_AGGREGATE = "visit"
"""``aggregate_type`` of the audit entries of visits (C12)."""


def _whole(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, f"{value!r} is not a whole number ≥ 0")


def _hours(value: object) -> int:
    """Hours as whole minutes."""
    number = to_decimal(value, "hours")
    minutes = number * 60
    if number < 0 or minutes != minutes.to_integral_value():
        raise ValidationError("hours", f"{value!r} is not a non-negative number of hours in whole minutes")
    return int(minutes)


def _km(value: object) -> int:
    number = to_decimal(value, "km")
    if number < 0:
        raise ValidationError("km", f"{value!r} is negative")
    try:
        return metres(number)
    except InvalidOperation:  # pragma: no cover - to_decimal gives finite numbers
        raise ValidationError("km", f"{value!r} is not a distance") from None


@attrs.frozen(kw_only=True)
class Visit:
    """A rep's visit to a customer and its cost at the rates of that day (I11).

    Attributes:
        id: its id.
        company_id: the customer visited.
        employee_id: the rep who went.
        visited_at: when (aware).
        vehicle: the vehicle used (blank: none).
        metres: the distance driven, in metres.
        minutes: the time spent, in minutes.
        labour: minutes × the rep's hourly rate, in ten-thousandths (0 without a rate).
        travel: metres × the vehicle's km rate incl. fuel, in ten-thousandths (0 without a rate).
        currency: the rates' currency.
        note: a free note.
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: a naive time, a negative distance, time or sum.
    """

    id: VisitId
    company_id: CompanyId
    employee_id: EmployeeId
    visited_at: datetime = attrs.field(validator=aware)
    vehicle: str = ""
    metres: int = attrs.field(validator=_whole)
    minutes: int = attrs.field(validator=_whole)
    labour: int = attrs.field(default=0, validator=_whole)
    travel: int = attrs.field(default=0, validator=_whole)
    currency: str = "TRY"
    note: str = ""
    version: int = 1

    @classmethod
    def priced(
        cls,
        *,
        id: VisitId,
        company_id: CompanyId,
        employee_id: EmployeeId,
        visited_at: datetime,
        km: object,
        hours: object,
        rates: Iterable[Rate],
        currency: str,
        vehicle: str = "",
        note: str = "",
    ) -> Visit:
        """A visit priced at the rates in force at ``visited_at``: the rep's hour, the vehicle's km + fuel.

        Raises:
            ValidationError: naming ``km``, ``hours`` or ``visited_at``; ``vehicle`` when a vehicle's
                rate is in another currency than ``currency``.
        """
        aware(None, attrs.fields(cls).visited_at, visited_at)
        chosen = list(rates)
        distance, minutes = _km(km), _hours(hours)
        hourly = rate_at(chosen, visited_at, technician=employee_id)
        per_km = rate_at(chosen, visited_at, vehicle=vehicle.strip()) if vehicle.strip() else None
        for field, rate in (("employee", hourly), ("vehicle", per_km)):
            if rate is not None and rate.amount.currency != currency:
                raise ValidationError(field, f"its rate is in {rate.amount.currency}, not {currency}")
        return cls(
            id=id,
            company_id=company_id,
            employee_id=employee_id,
            visited_at=visited_at,
            vehicle=vehicle.strip(),
            metres=distance,
            minutes=minutes,
            labour=0 if hourly is None else minutes * hourly.per_unit_e4,
            travel=0 if per_km is None else distance * per_km.per_unit_e4,
            currency=currency,
            note=note,
        )

    @property
    def cost(self) -> Cost:
        """Labour and travel in money, each rounded once to the minor unit."""
        return Cost.from_sums(labour=self.labour, travel=self.travel, currency=self.currency)


VisitSums = tuple[int, int, int, int, int]
"""``(visits, minutes, metres, Σ labour, Σ travel)`` of one customer's visits; the storage's sums."""


@attrs.frozen(kw_only=True)
class VisitCostRow:
    """One customer's visits in a period against its invoiced revenue (I11).

    Attributes:
        company_id: the customer.
        visits: how many visits.
        minutes: time spent.
        km: distance driven.
        cost: labour + travel at the dated rates.
        revenue: net invoiced in the period (returns netted), in the rates' currency.
    """

    company_id: CompanyId
    visits: int
    minutes: int
    km: Decimal
    cost: Cost
    revenue: Money

    @property
    def cost_ratio(self) -> Decimal | None:
        """``cost / revenue`` to four decimals; ``None`` when the customer bought nothing."""
        if self.revenue.amount <= 0:
            return None
        return (self.cost.total.amount / self.revenue.amount).quantize(Decimal("0.0001"))
