"""Monthly actuals summary (SPEC §4, Q5, T4): what one sale adds to each scope key.

Plan-vs-actual reads a summary of signed net sales per **scope key**
``(kind, scope value, year, month, currency, rate)`` kept by the invoice import
in the same transaction. :func:`credit` is the one computation that fills it:
each sale (an invoice reduced to what crediting needs, :class:`Sale`) is
credited through the territory valid **at its instant** (T4), given as a
:class:`Territory` snapshot:

* invoice-level kinds — the customer; its micro-region code then; every team
  holding that code then, those teams' regions and branches; its owner then;
  its member category — get the invoice's net (returns negative);
* the ``product`` kind gets each line by its product code; product category
  and brand reports map products to them when reading (the catalogue may
  change without touching the summary).

A back-dated territory change is corrected by crediting the affected sales
under the territory before and after the change and adding the difference
(:func:`difference`), so every report stays a plain sum over the summary.
Amounts are kept as whole millionths (:func:`to_micros`), exact and summable
on every back end.

>>> from datetime import UTC, datetime
>>> sale = Sale("1", datetime(2026, 3, 31, 21, 30, tzinfo=UTC), "TRY", None, 1,
...             (SaleLine(None, Decimal("10.5"), Decimal(1)),))
>>> credit([sale], Territory(), "Europe/Istanbul")  # no stored buyer: nothing credited
{}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import attrs

from crmkit.domain.quotas import ScopeType

if TYPE_CHECKING:
    from crmkit.domain.ids import CompanyId
    from crmkit.domain.invoices import Invoice
    from crmkit.domain.parties import Company
    from crmkit.domain.territory import CodeLink, OwnerAssignment, Region, RegionId, SalesTeam, TeamId
    from crmkit.domain.territory_dates import CustomerCode

__all__ = [
    "PRODUCT",
    "SUMMARY_KINDS",
    "ActualKey",
    "Sale",
    "SaleLine",
    "Sums",
    "Territory",
    "credit",
    "credit_invoices",
    "difference",
    "from_micros",
    "key_order",
    "sale_of",
    "to_micros",
]

PRODUCT = "product"
"""The summary kind of per-product rows (scope value: the line's product code)."""

SUMMARY_KINDS: tuple[str, ...] = (
    ScopeType.CUSTOMER.value,
    ScopeType.MICRO_REGION.value,
    ScopeType.TEAM.value,
    ScopeType.SALES_REGION.value,
    ScopeType.BRANCH.value,
    ScopeType.EMPLOYEE.value,
    ScopeType.MEMBER_CATEGORY.value,
    PRODUCT,
)
"""The kinds of scope key the summary keeps; product category and brand are read through ``product``."""

_MICRO = Decimal(1_000_000)
_PLACES = 6
"""Decimal places a millionth has."""
_UNIT = {-k: Decimal(1).scaleb(-k) for k in range(_PLACES + 1)}
"""``10 ** exponent`` with that exponent, for exponents 0 to -6."""


def to_micros(value: Decimal) -> int:
    """``value`` as a whole number of millionths (exact for the six decimal places amounts have)."""
    return int((value * _MICRO).to_integral_value())


_CENT = Decimal("0.01")


def from_micros(value: int, places: int = 2) -> Decimal:
    """The inverse of :func:`to_micros`, shown with at least ``places`` decimal places (and at most six).

    >>> from_micros(90_000_000_000), from_micros(1_234_567), from_micros(4_000_000, 0)
    (Decimal('90000.00'), Decimal('1.234567'), Decimal('4'))
    """
    if places > _PLACES:
        return (Decimal(value) / _MICRO).quantize(Decimal(1).scaleb(-places))
    exponent = -_PLACES  # drop trailing zeros in integer arithmetic (the report's hot path)
    if places <= 2 and value % 10_000 == 0:
        value //= 10_000
        exponent = -2
    while exponent < -places and value % 10 == 0:
        value //= 10
        exponent += 1
    return Decimal(value) * _UNIT[exponent]


@attrs.frozen
class SaleLine:
    """One invoice line as crediting needs it: product code, net amount and quantity (unsigned)."""

    product: str | None
    amount: Decimal
    quantity: Decimal


@attrs.frozen
class Sale:
    """An invoice as crediting needs it (Q5).

    Attributes:
        buyer: the buyer's key (its tax number), matched to a stored company.
        issued_at: the invoice's instant.
        currency: the invoice's currency.
        rate: its exchange rate (TRY per unit), when given.
        sign: ``-1`` for a return, else ``1``.
        lines: its lines.
    """

    buyer: str
    issued_at: datetime
    currency: str
    rate: Decimal | None
    sign: int
    lines: tuple[SaleLine, ...]


def sale_of(invoice: Invoice) -> Sale:
    """The :class:`Sale` of a stored invoice."""
    return Sale(
        buyer=invoice.buyer.key,
        issued_at=invoice.issued_at,
        currency=invoice.currency,
        rate=invoice.exchange_rate,
        sign=invoice.sign,
        lines=tuple(SaleLine(ln.product_code, ln.line_extension, ln.quantity) for ln in invoice.lines),
    )


@attrs.frozen
class Territory:
    """The territory facts crediting reads, for the buyers of some sales (T4).

    Attributes:
        companies: stored companies by tax number.
        codes: each company's dated codes (empty: its own field holds).
        owners: each company's dated owners (empty: its own field holds).
        links: every code link, past and future, by code.
        teams: the teams those links name, by id.
        regions: the regions of those teams, by id (a team's branch is its region's).
    """

    companies: Mapping[str, Company] = attrs.Factory(dict)
    codes: Mapping[CompanyId, Sequence[CustomerCode]] = attrs.Factory(dict)
    owners: Mapping[CompanyId, Sequence[OwnerAssignment]] = attrs.Factory(dict)
    links: Mapping[str, Sequence[CodeLink]] = attrs.Factory(dict)
    teams: Mapping[TeamId, SalesTeam] = attrs.Factory(dict)
    regions: Mapping[RegionId, Region] = attrs.Factory(dict)


class ActualKey(NamedTuple):
    """One row of the summary: kind, scope value, year, month, currency, rate (``None``: none given)."""

    kind: str
    scope: str
    year: int
    month: int
    currency: str
    rate: Decimal | None


def key_order(key: ActualKey) -> tuple[str, str, int, int, str, Decimal]:
    """A sort key of summary keys (a missing rate first)."""
    return (
        key.kind,
        key.scope,
        key.year,
        key.month,
        key.currency,
        Decimal(-1) if key.rate is None else key.rate,
    )


Sums = dict[ActualKey, tuple[int, int]]
"""Summary deltas: per key, (amount, quantity) in millionths."""


_NOTHING = (0, 0)
_CUSTOMER = ScopeType.CUSTOMER.value
_CODE = ScopeType.MICRO_REGION.value
_TEAM = ScopeType.TEAM.value
_REGION = ScopeType.SALES_REGION.value
_BRANCH = ScopeType.BRANCH.value
_EMPLOYEE = ScopeType.EMPLOYEE.value
_MEMBER = ScopeType.MEMBER_CATEGORY.value


_V = TypeVar("_V")


def _dated(history: Sequence[Any], fallback: _V, at: datetime, field: str) -> _V | None:
    """:func:`~crmkit.domain.territory_dates.value_at` for a known-aware instant (the import's hot path)."""
    if not history:
        return fallback
    for row in history:
        if row.validity._holds(at):
            return getattr(row, field)  # type: ignore[no-any-return]
    return None


def _branch(territory: Territory, team: SalesTeam) -> str | None:
    region = territory.regions.get(team.region_id)
    return None if region is None else region.branch


def credit(sales: Iterable[Sale], territory: Territory, zone: str) -> Sums:
    """What ``sales`` add to the summary, each credited through the territory valid at its instant (Q5, T4).

    Months are calendar months in ``zone`` (Q4). A sale whose buyer is not a
    stored company is not credited; scope values that do not hold (no code, no
    owner, no team) get nothing.
    """
    crediting = _Crediting(territory, zone)
    for sale in sales:
        crediting.add(sale.buyer, sale.issued_at, sale.currency, sale.rate, sale.sign, sale.lines, False)
    return crediting.sums()


def credit_invoices(invoices: Iterable[Invoice], territory: Territory, zone: str) -> Sums:
    """:func:`credit` of the invoices' :func:`sale_of`, without building the sales (the import's hot path)."""
    crediting = _Crediting(territory, zone)
    for invoice in invoices:
        crediting.add(
            invoice.buyer.key,
            invoice.issued_at,
            invoice.currency,
            invoice.exchange_rate,
            invoice.sign,
            invoice.lines,
            True,
        )
    return crediting.sums()


class _Crediting:
    """One :func:`credit` call's running sums.

    The invoice import credits every batch through this, so the sums are keyed by
    ``(kind, value, period number)`` — each distinct (year, month, currency, rate)
    numbered once — with one :class:`ActualKey` built per distinct key at the end;
    each distinct amount is turned into millionths once, and the lines are read
    as they are (no object per line).
    """

    def __init__(self, territory: Territory, zone: str) -> None:
        self.territory = territory
        self.tz = ZoneInfo(zone)
        self.totals: dict[tuple[str, str, int], list[int]] = {}
        self.periods: dict[tuple[int, int, str, Decimal | None], int] = {}
        self.team_keys: dict[TeamId, tuple[str, str | None, str | None]] = {}
        self.buyers: dict[str, tuple[Company, str, Sequence[Any], Sequence[Any]] | None] = {}
        self.micros: dict[Decimal, int] = {}

    def of_team(self, team: TeamId) -> tuple[str, str | None, str | None]:
        found = self.team_keys.get(team)
        if found is None:
            row = self.territory.teams.get(team)
            region = None if row is None else str(row.region_id)
            branch = None if row is None else _branch(self.territory, row)
            found = self.team_keys[team] = (str(team), region, branch)
        return found

    def of_buyer(self, buyer: str) -> tuple[Company, str, Sequence[Any], Sequence[Any]] | None:
        territory = self.territory
        company = territory.companies.get(buyer)
        found = None
        if company is not None:
            history = (territory.codes.get(company.id, ()), territory.owners.get(company.id, ()))
            found = (company, str(company.id), *history)
        self.buyers[buyer] = found
        return found

    def add(
        self,
        buyer: str,
        at: datetime,
        currency: str,
        rate: Decimal | None,
        sign: int,
        lines: Iterable[Any],
        invoice_lines: bool,
    ) -> None:
        """Credit one sale (``invoice_lines``: ``lines`` are invoice lines, else :class:`SaleLine`)."""
        buyers = self.buyers
        known = buyers[buyer] if buyer in buyers else self.of_buyer(buyer)
        if known is None:
            return
        company, name, codes, owners = known
        local = at.astimezone(self.tz)
        period_key = (local.year, local.month, currency, rate)
        period = self.periods.get(period_key)
        if period is None:
            period = self.periods[period_key] = len(self.periods)
        code = _dated(codes, company.segmentation.micro_region, at, "code")
        owner = _dated(owners, company.sales_rep_id, at, "employee_id")
        credited: set[tuple[str, str]] = {(_CUSTOMER, name)}
        if code is not None:
            credited.add((_CODE, code))
            for link in self.territory.links.get(code, ()):
                if link.validity._holds(at):
                    team, region, branch = self.of_team(link.team_id)
                    credited.add((_TEAM, team))
                    if region is not None:
                        credited.add((_REGION, region))
                    if branch:
                        credited.add((_BRANCH, branch))
        if owner is not None:
            credited.add((_EMPLOYEE, str(owner)))
        if company.segmentation.category:
            credited.add((_MEMBER, company.segmentation.category))
        totals, micros = self.totals, self.micros
        net = quantity = 0
        for ln in lines:
            if invoice_lines:
                product, value, count = ln.product_code, ln.line_extension, ln.quantity
            else:
                product, value, count = ln.product, ln.amount, ln.quantity
            amount = micros.get(value)
            if amount is None:
                amount = micros[value] = to_micros(value)
            units = micros.get(count)
            if units is None:
                units = micros[count] = to_micros(count)
            if sign < 0:
                amount, units = -amount, -units
            net += amount
            quantity += units
            if product:
                key = (PRODUCT, product, period)
                found = totals.get(key)
                if found is None:
                    totals[key] = [amount, units]
                else:
                    found[0] += amount
                    found[1] += units
        for kind, value in credited:
            key = (kind, value, period)
            found = totals.get(key)
            if found is None:
                totals[key] = [net, quantity]
            else:
                found[0] += net
                found[1] += quantity

    def sums(self) -> Sums:
        """The sums so far, by summary key."""
        numbered = {number: period_key for period_key, number in self.periods.items()}
        return {
            ActualKey(kind, value, *numbered[period]): (amount, units)
            for (kind, value, period), (amount, units) in self.totals.items()
        }


def difference(after: Sums, before: Sums) -> Sums:
    """``after - before`` per key, dropping keys that did not change (a correction, Q5)."""
    out: Sums = {}
    for key in after.keys() | before.keys():
        a, b = after.get(key, (0, 0)), before.get(key, (0, 0))
        if a != b:
            out[key] = (a[0] - b[0], a[1] - b[1])
    return out
