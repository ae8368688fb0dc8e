"""Customer scoring and value classes (SPEC §7, V9): values and arithmetic only.

Each customer's :class:`Figures` over a period — net turnover (returns
netted, in one currency), purchase count, offers decided and accepted, calls,
meetings, discounts received, referrals — are scaled to 0–1 by the largest
value among the customers scored, weighted by :class:`Weights` (a host
changes them) and summed into a score out of 100. Customers are then ranked
by score (ties by id) and given value classes: the top ``a_share`` A, the next
``b_share`` B, the rest C (:func:`classify`).

The default weights favour turnover and frequency; discounts weigh
*against* a customer (a negative weight). The offer acceptance ratio is the
customer's offers accepted over its offers decided (accepted or rejected, I8)
in the period, by the time the outcome was recorded; 0 when none was decided.
Referrals are the companies registered in the period that name the customer
as their referrer (C7).

>>> import uuid
>>> a, b = CompanyId(uuid.UUID(int=1)), CompanyId(uuid.UUID(int=2))
>>> big = Figures(a, turnover=Decimal(900), purchases=3)
>>> scored = score([big, Figures(b, turnover=Decimal(100), purchases=1)])
>>> [(s.company_id == a, s.score) for s in scored]
[(True, Decimal('70.00')), (False, Decimal('12.22'))]
>>> [c for _, c in classify(scored)]
['B', 'C']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId

__all__ = ["CLASSES", "Activity", "Figures", "Score", "Weights", "classify", "figures_of", "score"]

CLASSES = ("A", "B", "C")
"""The value classes, best first (written to the company's ``value_class``, C3)."""

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


@attrs.frozen
class Figures:
    """What a customer did in the period (V9)."""

    company_id: CompanyId
    turnover: Decimal = _ZERO
    purchases: int = 0
    offers_decided: int = 0
    offers_accepted: int = 0
    calls: int = 0
    meetings: int = 0
    discounts: Decimal = _ZERO
    referrals: int = 0

    @property
    def acceptance(self) -> Decimal:
        """Offers accepted / offers decided (accepted or rejected); 0 when none was decided (V9)."""
        return _ZERO if self.offers_decided == 0 else Decimal(self.offers_accepted) / self.offers_decided


@attrs.frozen
class Activity:
    """A customer's invoices in one currency and rate (V9): signed net, signed discounts, purchase count."""

    company_id: CompanyId
    currency: str
    rate: Decimal | None
    net: Decimal
    discounts: Decimal
    purchases: int


def figures_of(
    activity: Sequence[Activity],
    contacts: Mapping[CompanyId, tuple[int, int]],
    currency: str = "TRY",
    offers: Mapping[CompanyId, tuple[int, int]] | None = None,
    referrals: Mapping[CompanyId, int] | None = None,
) -> list[Figures]:
    """Each customer's :class:`Figures` in ``currency`` (V9).

    Amounts in ``currency`` count as they are; into TRY a foreign amount is
    multiplied by its invoice's rate; what cannot be converted is left out.
    ``contacts`` gives per company (calls, meetings), ``offers`` (decided, accepted),
    ``referrals`` the companies it referred.
    """
    offers = offers or {}
    referrals = referrals or {}
    sums: dict[CompanyId, list[Decimal]] = {}
    counts: dict[CompanyId, int] = {}
    for a in activity:
        if a.currency == currency:
            factor: Decimal | None = Decimal(1)
        elif currency == "TRY" and a.rate is not None:
            factor = a.rate
        else:
            factor = None
        counts[a.company_id] = counts.get(a.company_id, 0) + a.purchases
        row = sums.setdefault(a.company_id, [_ZERO, _ZERO])
        if factor is not None:
            row[0] += a.net * factor
            row[1] += a.discounts * factor
    companies = sorted(set(sums) | set(contacts) | set(offers) | set(referrals))
    return [
        Figures(
            c,
            turnover=sums.get(c, [_ZERO, _ZERO])[0],
            purchases=counts.get(c, 0),
            offers_decided=offers.get(c, (0, 0))[0],
            offers_accepted=offers.get(c, (0, 0))[1],
            calls=contacts.get(c, (0, 0))[0],
            meetings=contacts.get(c, (0, 0))[1],
            discounts=sums.get(c, [_ZERO, _ZERO])[1],
            referrals=referrals.get(c, 0),
        )
        for c in companies
    ]


@attrs.frozen(kw_only=True)
class Weights:
    """How much each figure counts (V9); a host passes its own.

    Attributes:
        turnover, purchases, acceptance, calls, meetings, discounts, referrals: the weights;
            a negative weight counts against the customer.
        a_share: the share of customers (best first) classed A.
        b_share: the share classed B after them; the rest are C.
    """

    turnover: Decimal = Decimal(5)
    purchases: Decimal = Decimal(2)
    acceptance: Decimal = Decimal(1)
    calls: Decimal = Decimal("0.5")
    meetings: Decimal = Decimal("0.5")
    discounts: Decimal = Decimal(-1)
    referrals: Decimal = Decimal(1)
    a_share: Decimal = Decimal("0.2")
    b_share: Decimal = Decimal("0.3")

    def __attrs_post_init__(self) -> None:
        if not (self.a_share >= 0 and self.b_share >= 0 and self.a_share + self.b_share <= 1):
            raise ValidationError("a_share", "class shares must be non-negative and total at most 1")
        if self.positive_total() <= 0:
            raise ValidationError("weights", "at least one figure must weigh for the customer")

    def positive_total(self) -> Decimal:
        """The sum of the positive weights (a score of 100 gets all of them)."""
        return sum((w for w in self._figures() if w > 0), _ZERO)

    def _figures(self) -> tuple[Decimal, ...]:
        return (
            self.turnover,
            self.purchases,
            self.acceptance,
            self.calls,
            self.meetings,
            self.discounts,
            self.referrals,
        )


@attrs.frozen
class Score:
    """A customer's score (at most 100, below 0 when discounts outweigh everything) and figures."""

    company_id: CompanyId
    score: Decimal
    figures: Figures


def _values(f: Figures) -> tuple[Decimal, ...]:
    return (
        max(f.turnover, _ZERO),
        Decimal(f.purchases),
        f.acceptance,
        Decimal(f.calls),
        Decimal(f.meetings),
        max(f.discounts, _ZERO),
        Decimal(f.referrals),
    )


def score(figures: Sequence[Figures], weights: Weights | None = None) -> list[Score]:
    """Score every customer (V9): each figure over the largest among them, weighted, out of 100.

    Returns the scores best first (ties by company id), rounded to two places.
    """
    w = weights or Weights()
    rows = [(f, _values(f)) for f in figures]
    tops = [max((v[i] for _, v in rows), default=_ZERO) for i in range(7)]
    total = w.positive_total()
    out = []
    for f, values in rows:
        raw = sum(
            (
                weight * value / top
                for weight, value, top in zip(w._figures(), values, tops, strict=True)
                if top
            ),
            _ZERO,
        )
        out.append(Score(f.company_id, (raw * _HUNDRED / total).quantize(Decimal("0.01")), f))
    return sorted(out, key=lambda s: (-s.score, s.company_id))


def classify(scores: Sequence[Score], weights: Weights | None = None) -> list[tuple[CompanyId, str]]:
    """Value classes by rank (V9): the first ``a_share`` A, the next ``b_share`` B."""
    w = weights or Weights()
    n = len(scores)
    a_count = int((w.a_share * n).to_integral_value(rounding="ROUND_HALF_UP")) if n else 0
    b_count = int(((w.a_share + w.b_share) * n).to_integral_value(rounding="ROUND_HALF_UP")) - a_count
    return [
        (s.company_id, CLASSES[0] if i < a_count else CLASSES[1] if i < a_count + b_count else CLASSES[2])
        for i, s in enumerate(scores)
    ]
