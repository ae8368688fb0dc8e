"""Plan-vs-actual arithmetic (SPEC §4, Q5): conversion, roll-up, periods, attainment, projection.

Storage hands over :class:`Credit` rows — the signed net amounts of invoice
lines (returns count negative) summed per scope value, month, currency and
exchange rate, each line credited through the territory valid on its
invoice's date (T4). Everything after that is here and pure:

* :func:`convert` turns credits into the plan's currency with each invoice's
  own rate (TRY per unit of the invoice's currency); a credit that cannot be
  converted is reported as a :class:`MissingRate`, never guessed;
  :func:`convert_summary` does the same straight from the monthly summary's
  rows (:data:`SummaryRow`, whole millionths) for the report's hot path, and
  :func:`credits_of` turns those rows into credits;
* :func:`build_report` rolls actuals up a tree (a parent's actual is the sum
  of its subtree; its target is its own, or the sum of its children's when it
  has none — the row says which) and gives per scope twelve :class:`Cell`
  values with quarter, year, year-to-date and a run-rate projection.

>>> from decimal import Decimal
>>> actuals, missing = convert([Credit("T1", 3, "EUR", Decimal("35"), Decimal("10"))], "TRY")
>>> actuals, missing
({('T1', 3): Decimal('350')}, ())
>>> cell = Cell(target=Decimal("400"), actual=Decimal("350"))
>>> cell.attainment, cell.variance
(Decimal('0.875'), Decimal('-50'))
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from crmkit.domain.actuals import from_micros
from crmkit.domain.quotas import MONTHS, Plan, PlanLine

__all__ = [
    "CATEGORY_SEPARATOR",
    "Cell",
    "Credit",
    "MissingRate",
    "PlanReport",
    "ScopeResult",
    "SummaryRow",
    "TargetSource",
    "build_report",
    "category_tree",
    "convert",
    "convert_summary",
    "credits_of",
]

_ZERO = Decimal(0)
HOME = "TRY"
"""The currency invoice exchange rates are expressed in (TRY per unit of the invoice's currency)."""


@attrs.frozen
class Credit:
    """Signed net invoice-line amounts of one scope value, month, currency and exchange rate."""

    scope: str
    month: int
    currency: str
    rate: Decimal | None
    amount: Decimal


@attrs.frozen
class MissingRate:
    """Amounts that could not be converted into the plan's currency: no usable exchange rate."""

    scope: str
    month: int
    currency: str
    amount: Decimal


def convert(
    credits: Iterable[Credit], currency: str
) -> tuple[dict[tuple[str, int], Decimal], tuple[MissingRate, ...]]:
    """Sum credits per (scope, month) in ``currency``; unconvertible ones come back as missing rates.

    A credit in ``currency`` counts as it is; into TRY a foreign credit is
    multiplied by its invoice's rate; anything else (no rate, or a plan in a
    third currency) is missing, summed per scope, month and currency.
    """
    actuals: dict[tuple[str, int], Decimal] = {}
    missing: dict[tuple[str, int, str], Decimal] = {}
    for credit in credits:
        if credit.currency == currency:
            value = credit.amount
        elif currency == HOME and credit.rate is not None:
            value = credit.amount * credit.rate
        else:
            key3 = (credit.scope, credit.month, credit.currency)
            missing[key3] = missing.get(key3, _ZERO) + credit.amount
            continue
        key = (credit.scope, credit.month)
        actuals[key] = actuals.get(key, _ZERO) + value
    gaps = tuple(MissingRate(s, m, c, a) for (s, m, c), a in sorted(missing.items()) if a != 0)
    return actuals, gaps


SummaryRow = tuple[str, int, str, Decimal | None, int]
"""One row of the monthly actuals summary of a kind and year: scope value, month, currency,
exchange rate (``None``: none) and the signed net amount in whole millionths (Q5)."""


def _rate_order(rate: Decimal | None) -> Decimal:
    return Decimal(-1) if rate is None else rate


def credits_of(rows: Iterable[SummaryRow]) -> list[Credit]:
    """Summary rows as credits, by scope value, month, currency, then rate (no rate first)."""
    ordered = sorted(rows, key=lambda r: (r[0], r[1], r[2], _rate_order(r[3])))
    return [Credit(s, m, c, r, from_micros(a)) for s, m, c, r, a in ordered]


_CENTS = 10_000
"""Millionths in a cent: :func:`~crmkit.domain.actuals.from_micros` shows at least two decimal places."""


def _micro_total(total: int, common: int) -> Decimal:
    """``total`` millionths with the exponent a sum of :func:`from_micros` terms has.

    ``common`` is ``gcd(10_000, every term)``: its trailing zeros (at most four)
    are the fewest any term has, so the sum takes the smallest exponent of its terms.
    """
    if common == _CENTS:  # every term in whole cents: the usual case
        return Decimal(total // _CENTS) * _POWERS[4]
    zeros = 0
    while zeros < 4 and common % 10 == 0:
        common //= 10
        zeros += 1
    return Decimal(total // 10**zeros) * _POWERS[zeros]


_POWERS = tuple(Decimal(1).scaleb(zeros - 6) for zeros in range(5))
"""``10 ** (zeros - 6)`` with that exponent: a millionth to a hundredth."""


def convert_summary(
    rows: Iterable[SummaryRow], currency: str
) -> tuple[dict[tuple[str, int], Decimal], tuple[MissingRate, ...]]:
    """:func:`convert` of :func:`credits_of` ``rows``, equal in value and in exponent, without the credits.

    Rows already in ``currency`` are summed as whole millionths, with no
    ``Decimal`` per row; only foreign rows are multiplied by their rate.
    """
    same: dict[tuple[str, int], list[int]] = {}
    foreign: dict[tuple[str, int], Decimal] = {}
    missing: dict[tuple[str, int, str], Decimal] = {}
    gcd = math.gcd
    for scope, month, row_currency, rate, micros in rows:
        if row_currency == currency:
            key = (scope, month)
            acc = same.get(key)
            if acc is None:
                same[key] = [micros, gcd(_CENTS, micros)]
            else:
                acc[0] += micros
                acc[1] = gcd(acc[1], micros)
        elif currency == HOME and rate is not None:
            key = (scope, month)
            foreign[key] = foreign.get(key, _ZERO) + from_micros(micros) * rate
        else:
            key3 = (scope, month, row_currency)
            missing[key3] = missing.get(key3, _ZERO) + from_micros(micros)
    actuals = {key: _micro_total(total, common) for key, (total, common) in same.items()}
    for key, value in foreign.items():
        actuals[key] = actuals.get(key, _ZERO) + value
    gaps = tuple(MissingRate(s, m, c, a) for (s, m, c), a in sorted(missing.items()) if a != 0)
    return actuals, gaps


CATEGORY_SEPARATOR = "/"
"""Separates a product category from its parent's path: ``Boya/İç cephe`` is under ``Boya``."""


def category_tree(names: Iterable[str]) -> dict[str, str | None]:
    """The product-category tree (child → parent) of category paths and every ancestor they name.

    >>> category_tree(["Boya/İç cephe", "Vernik"])
    {'Boya': None, 'Boya/İç cephe': 'Boya', 'Vernik': None}
    """
    tree: dict[str, str | None] = {}
    for name in names:
        parts = name.split(CATEGORY_SEPARATOR)
        for depth in range(1, len(parts) + 1):
            path = CATEGORY_SEPARATOR.join(parts[:depth])
            tree[path] = CATEGORY_SEPARATOR.join(parts[: depth - 1]) or None
    return dict(sorted(tree.items()))


@attrs.frozen
class Cell:
    """A target and an actual for one scope and period."""

    target: Decimal
    actual: Decimal

    @property
    def attainment(self) -> Decimal | None:
        """``actual / target``; ``None`` when the target is zero."""
        return None if self.target == 0 else self.actual / self.target

    @property
    def variance(self) -> Decimal:
        """``actual - target``."""
        return self.actual - self.target

    def __add__(self, other: Cell) -> Cell:
        return Cell(self.target + other.target, self.actual + other.actual)


class TargetSource(enum.StrEnum):
    """Where a row's target comes from."""

    OWN = "own"
    CHILDREN = "children"
    NONE = "none"


@attrs.frozen
class ScopeResult:
    """One scope value's twelve months of plan and actual (Q5)."""

    scope: str
    source: TargetSource
    months: tuple[Cell, ...]

    def month(self, month: int) -> Cell:
        """The cell of month 1–12."""
        return self.months[month - 1]

    def quarter(self, quarter: int) -> Cell:
        """The sum of the three months of quarter 1–4."""
        return _sum(self.months[3 * quarter - 3 : 3 * quarter])

    def year(self) -> Cell:
        """The whole year."""
        return _sum(self.months)

    def ytd(self, through: int) -> Cell:
        """January up to and including month ``through``."""
        return _sum(self.months[:through])

    def projection(self, through: int) -> Decimal:
        """Run-rate projection to year end: the year-to-date actual per month elapsed times twelve."""
        if through <= 0:
            return _ZERO
        return self.ytd(through).actual * MONTHS / through


def _sum(cells: Iterable[Cell]) -> Cell:
    total = Cell(_ZERO, _ZERO)
    for cell in cells:
        total = total + cell
    return total


@attrs.frozen
class PlanReport:
    """A plan-vs-actual report: one row per scope value, and what could not be converted."""

    plan: Plan
    rows: tuple[ScopeResult, ...]
    missing_rates: tuple[MissingRate, ...]

    def row(self, scope: str) -> ScopeResult:
        """The row of one scope value.

        Raises:
            KeyError: no row for it.
        """
        for row in self.rows:
            if row.scope == scope:
                return row
        raise KeyError(scope)


def _target_months(line: PlanLine, quantities: bool) -> tuple[Decimal, ...]:
    if not quantities:
        return line.amounts
    return line.quantities if line.quantities is not None else (_ZERO,) * MONTHS


def build_report(
    plan: Plan,
    actuals: Mapping[tuple[str, int], Decimal],
    missing: tuple[MissingRate, ...] = (),
    *,
    parents: Mapping[str, str | None] | None = None,
    visible: frozenset[str] | None = None,
    quantities: bool = False,
) -> PlanReport:
    """The plan-vs-actual report of ``plan`` (Q5).

    Args:
        plan: the plan.
        actuals: converted actuals per (scope value, month), each credited once.
        missing: what could not be converted.
        parents: the tree of scope values (child → parent) to roll up along;
            ``None`` for flat scopes.
        visible: the scope values the reader may see (A8); ``None``: all.
        quantities: compare the lines' quantity targets (zero where a line has
            none) instead of their amounts; ``actuals`` are then quantities.
    """
    tree = dict(parents or {})
    scopes = {line.scope for line in plan.lines} | {s for s, _ in actuals} | set(tree)
    scopes |= {p for p in tree.values() if p is not None}
    children: dict[str, list[str]] = {}
    for child, parent in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)

    def subtree(scope: str) -> list[str]:
        out, stack, seen = [], [scope], set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            out.append(node)
            stack.extend(children.get(node, ()))
        return out

    targets: dict[str, tuple[tuple[Decimal, ...], TargetSource]] = {}
    own = {line.scope: line for line in plan.lines}

    def target_of(scope: str, path: frozenset[str] = frozenset()) -> tuple[tuple[Decimal, ...], TargetSource]:
        if scope in targets:
            return targets[scope]
        line = own.get(scope)
        if line is not None:
            result = (_target_months(line, quantities), TargetSource.OWN)
        else:
            kids = [k for k in children.get(scope, ()) if k not in path]
            sums = [_ZERO] * MONTHS
            found = False
            for kid in kids:
                amounts, source = target_of(kid, path | {scope})
                if source is not TargetSource.NONE:
                    found = True
                    sums = [a + b for a, b in zip(sums, amounts, strict=True)]
            result = (tuple(sums), TargetSource.CHILDREN if found else TargetSource.NONE)
        targets[scope] = result
        return result

    rows = []
    actual = actuals.get
    for scope in sorted(scopes):
        if visible is not None and scope not in visible:
            continue
        amounts, source = target_of(scope)
        if scope in children:
            members = subtree(scope)
            cells = tuple(
                Cell(amounts[m - 1], sum((actual((s, m), _ZERO) for s in members), _ZERO))
                for m in range(1, MONTHS + 1)
            )
        else:  # a leaf (every row of a flat plan): its own actual, no subtree walk
            cells = tuple(
                Cell(amounts[m - 1], _ZERO + actual((scope, m), _ZERO)) for m in range(1, MONTHS + 1)
            )
        rows.append(ScopeResult(scope, source, cells))
    shown = tuple(g for g in missing if visible is None or g.scope in visible)
    return PlanReport(plan=plan, rows=tuple(rows), missing_rates=shown)
