"""Loyalty point rules: programs, products, rules, campaigns, tiers, serials (§7 V3, V4, V7, V8).

Rules are data, versioned by date: the rule used for an invoice line is the
latest one whose ``valid_from`` is on or before the invoice's issue date, so a
recomputation of an old invoice uses the rule that was valid then.

* **Per unit** (``Basis.PER_UNIT``): points per unit of a product, with the
  product's category and then its brand as fallbacks.
* **Per amount** (``Basis.PER_AMOUNT``, seed 001 "fatura meblağına göre"): points
  per currency unit of the line's **net amount** — the line extension: after line
  discounts (*iskonto*) and charges, **before VAT** and other taxes. Document-level
  allowances are not spread over the lines.
* **Three parties** (V4): the end customer, the dealer/store that sold and the
  sales person each earn under their own rules; a role with no rule earns nothing.
* **Campaigns** multiply a line's points in a date range for chosen products,
  categories or dealers; when several apply, the highest multiplier counts.
* **Tiers** (V8): a party's tier is the highest whose threshold its points earned
  over a rolling window reach; the tier's multiplier applies to what it earns.

Points are whole numbers: a line's points are rounded down.

>>> from datetime import date
>>> program = Program(code="P", name="Bayi", currency="TRY", basis=Basis.PER_UNIT)
>>> rules = [PointRule(program="P", role=Role.CUSTOMER, target=Target.CATEGORY, key="KOMBI",
...                    points=Decimal(10), valid_from=date(2026, 1, 1))]
>>> product = Product(code="K-24", name="Kombi 24 kW", category="KOMBI")
>>> line_points(program, rules, [], Role.CUSTOMER, product, Decimal(3), Decimal("30000"),
...             on=date(2026, 5, 1), dealer=None)
30
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.limits import check_text

__all__ = [
    "SERIAL_PATTERN",
    "Basis",
    "Campaign",
    "PartyRef",
    "PointRule",
    "Product",
    "Program",
    "Role",
    "Serial",
    "Target",
    "Tier",
    "check_serial",
    "line_points",
    "line_rate",
    "proportional",
    "rated_points",
    "rule_for",
    "tier_for",
]

SERIAL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,39}$")
"""A serial number: 6–40 upper-case letters, digits and dashes, starting with a letter or digit."""


class Role(enum.Enum):
    """Who earns on an invoice line (V4)."""

    CUSTOMER = "customer"
    DEALER = "dealer"
    SALES_PERSON = "sales_person"


class Basis(enum.Enum):
    """How a program earns: per unit of a product, or per currency unit of the net amount (V3)."""

    PER_UNIT = "per_unit"
    PER_AMOUNT = "per_amount"


class Target(enum.Enum):
    """What a rule names: a product, a category, a brand, or (per-amount programs) any line."""

    PRODUCT = "product"
    CATEGORY = "category"
    BRAND = "brand"
    AMOUNT = "amount"


def _code(field: str, limit: int = 100) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(field, "must not be empty")
        if len(value) > limit:
            raise ValidationError(field, f"is longer than {limit} characters")
        check_text(field, value, limit)  # no NUL, no lone surrogate: what every back end stores

    return check


def _non_negative(field: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: attrs.Attribute[Decimal], value: Decimal) -> None:
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValidationError(field, "must be a finite Decimal")
        if value < 0:
            raise ValidationError(field, f"must not be negative (got {value})")

    return check


def _non_negative_int(field: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: attrs.Attribute[int], value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValidationError(field, f"must be a whole number of days, not negative (got {value!r})")

    return check


def _sellers(value: Iterable[str]) -> tuple[str, ...]:
    """The program's sellers, sorted and without repeats; a blank or over-long code names ``sellers``."""
    if isinstance(value, str):
        raise ValidationError("sellers", "a list of store or dealer codes, not one string")
    found = set()
    for code in value:
        if not isinstance(code, str) or not code.strip() or len(code.strip()) > 200:
            raise ValidationError("sellers", f"{code!r} is not a store or dealer code")
        found.add(code.strip())
    return tuple(sorted(found))


def _positive_multiplier(value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationError("multiplier", f"must be a positive Decimal (got {value!r})")


@attrs.frozen(kw_only=True)
class PartyRef:
    """A party that holds points: its role and its key.

    The key is the buyer's matching key (tax number) for a customer, the store's
    code (else the seller's key) for a dealer, the sales person's code for a sales person.

    Attributes:
        role: customer, dealer or sales person.
        key: the party's key within its role.
    """

    role: Role
    key: str = attrs.field(validator=_code("party", 200))

    def __str__(self) -> str:
        return f"{self.role.value}:{self.key}"


@attrs.frozen(kw_only=True)
class Program:
    """A loyalty program (V3, V8).

    Attributes:
        code: the program's code.
        name: its name.
        currency: the currency per-amount rules count in (ISO 4217).
        basis: per unit or per amount.
        return_window_days: earned points become spendable this many days after the invoice (V8).
        expiry_days: earned points expire this many days after the invoice (``None``: never).
        store_bound: points may be spent only at the store that earned them (seed 001).
        sellers: the stores or dealers whose sales earn in this program (a store's own or a
            dealer network's program, seed 001): an invoice earns here only when its dealer
            party — its store, else its seller's key — is listed. Empty: every seller's.
        balance_sms: the balance SMS template sent after a credit (V5); ``{points}``,
            ``{balance}`` and ``{program}`` are filled in.
    """

    code: str = attrs.field(validator=_code("code", 40))
    name: str = attrs.field(validator=_code("name", 200))
    currency: str = "TRY"
    basis: Basis = Basis.PER_UNIT
    return_window_days: int = attrs.field(default=0, validator=_non_negative_int("return_window_days"))
    expiry_days: int | None = attrs.field(default=None, validator=_non_negative_int("expiry_days"))
    store_bound: bool = False
    sellers: tuple[str, ...] = attrs.field(default=(), converter=_sellers)
    balance_sms: str = "{program}: {points} puan kazandiniz. Bakiyeniz {balance} puan."

    def __attrs_post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValidationError("currency", f"{self.currency!r} is not an ISO 4217 code")

    def earns_on(self, dealer: str) -> bool:
        """Whether a sale by ``dealer`` (the invoice's store, else its seller) earns in this program.

        >>> Program(code="P", name="P", sellers=["S-2", "S-1"]).earns_on("S-1")
        True
        >>> bound, open_ = Program(code="P", name="P", sellers=["S-1"]), Program(code="P", name="P")
        >>> bound.earns_on("S-9"), open_.earns_on("S-9")
        (False, True)
        """
        return not self.sellers or dealer in self.sellers


@attrs.frozen(kw_only=True)
class Product:
    """A product the rules can name, with its category and brand (V3).

    Attributes:
        code: the seller's item code, as invoice lines carry it.
        name: its name.
        category: its category, the first fallback of a per-unit rule.
        brand: its brand, the second fallback.
    """

    code: str = attrs.field(validator=_code("code"))
    name: str = ""
    category: str | None = None
    brand: str | None = None


@attrs.frozen(kw_only=True)
class PointRule:
    """Points per unit of a product, category or brand — or per currency unit of the amount (V3).

    Attributes:
        program: the program's code.
        role: the party that earns by this rule.
        target: what ``key`` names.
        key: the product code, category or brand (``*`` for an amount rule).
        points: points per unit (per currency unit for an amount rule); not negative.
        valid_from: the first day the rule applies; a later rule for the same key replaces it.
    """

    program: str
    role: Role
    target: Target
    key: str = attrs.field(validator=_code("key"))
    points: Decimal = attrs.field(validator=_non_negative("points"))
    valid_from: date


@attrs.frozen(kw_only=True)
class Campaign:
    """A multiplier on the points of chosen products, categories or dealers in a date range (V3).

    Empty ``products``, ``categories`` and ``dealers`` mean every line of the program.

    Attributes:
        code: the campaign's code (cited in the ledger's source).
        program: the program's code.
        multiplier: what the line's points are multiplied by (> 0).
        starts: first day (invoice date) it applies.
        ends: last day it applies.
        products: product codes it applies to.
        categories: categories it applies to.
        dealers: store codes it applies to.
    """

    code: str = attrs.field(validator=_code("code", 40))
    program: str
    multiplier: Decimal
    starts: date
    ends: date
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    dealers: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        _positive_multiplier(self.multiplier)
        if self.ends < self.starts:
            raise ValidationError(
                "ends", f"campaign {self.code} ends ({self.ends}) before it starts ({self.starts})"
            )

    def applies(self, product: Product, dealer: str | None, on: date) -> bool:
        """Whether the campaign multiplies a line of ``product`` sold by ``dealer`` on ``on``."""
        if not self.starts <= on <= self.ends:
            return False
        if not (self.products or self.categories or self.dealers):
            return True
        return (
            product.code in self.products
            or (product.category is not None and product.category in self.categories)
            or (dealer is not None and dealer in self.dealers)
        )


@attrs.frozen(kw_only=True)
class Tier:
    """A tier: reached by earning ``threshold`` points within ``window_days``; multiplies earnings (V8).

    Attributes:
        program: the program's code.
        role: whose tier it is.
        name: the tier's name (``Altın``).
        threshold: points earned over the rolling window that reach it (not negative).
        multiplier: what the party's earnings are multiplied by (> 0).
        window_days: the rolling window, in days (> 0).
    """

    program: str
    role: Role
    name: str = attrs.field(validator=_code("name", 40))
    threshold: int = attrs.field(validator=_non_negative_int("threshold"))
    multiplier: Decimal = Decimal(1)
    window_days: int = 365

    def __attrs_post_init__(self) -> None:
        _positive_multiplier(self.multiplier)
        if self.window_days <= 0:
            raise ValidationError("window_days", "must be at least one day")


def check_serial(serial: str) -> str:
    """A serial number normalised (trimmed, upper case), or a ValidationError naming ``serial``.

    >>> check_serial(" ab-123456 ")
    'AB-123456'
    >>> check_serial("12")
    Traceback (most recent call last):
    crmkit.domain.errors.ValidationError: serial: '12' is not a serial number (6-40 letters, digits, dashes)
    """
    text = serial.strip().upper() if isinstance(serial, str) else ""
    if not SERIAL_PATTERN.match(text):
        raise ValidationError("serial", f"{serial!r} is not a serial number (6-40 letters, digits, dashes)")
    return text


@attrs.frozen(kw_only=True)
class Serial:
    """An issued serial number: each may be credited once (V7).

    Attributes:
        serial: the number, normalised by :func:`check_serial`.
        program: the program it earns in.
        product: the product's code; its per-unit customer rule gives the points.
        used_by: the party that was credited, once used.
        used_at: when, once used.
    """

    serial: str = attrs.field(converter=check_serial)
    program: str
    product: str
    used_by: str | None = None
    used_at: date | None = None


def rule_for(
    rules: Iterable[PointRule], role: Role, target: Target, key: str | None, on: date
) -> PointRule | None:
    """The rule valid on ``on`` for one role and key: the latest ``valid_from`` not after ``on``."""
    if key is None:
        return None
    best: PointRule | None = None
    for rule in rules:
        if (
            rule.role is role
            and rule.target is target
            and rule.key == key
            and rule.valid_from <= on
            and (best is None or rule.valid_from > best.valid_from)
        ):
            best = rule
    return best


def line_points(
    program: Program,
    rules: Sequence[PointRule],
    campaigns: Sequence[Campaign],
    role: Role,
    product: Product,
    quantity: Decimal,
    net_amount: Decimal,
    *,
    on: date,
    dealer: str | None,
    tier_multiplier: Decimal = Decimal(1),
) -> int:
    """Whole points one role earns on one line (V3): rule × campaign × tier, rounded down.

    Args:
        program: the program.
        rules: its rules (any dates; the one valid on ``on`` is used).
        campaigns: its campaigns.
        role: who earns.
        product: the line's product (an unregistered one is ``Product(code=...)``).
        quantity: units sold (its absolute value counts).
        net_amount: the line's net amount, before VAT (its absolute value counts).
        on: the invoice's issue date.
        dealer: the store that sold, for campaigns naming dealers.
        tier_multiplier: the party's tier multiplier.
    """
    rate = line_rate(program, rules, campaigns, role, product, on=on, dealer=dealer)
    return rated_points(program, rate, quantity, net_amount, tier_multiplier)


LineRate = tuple[Decimal | None, Decimal]
"""A line's points besides its size: the rule's points (``None``: no rule), the campaign multiplier."""


def line_rate(
    program: Program,
    rules: Sequence[PointRule],
    campaigns: Sequence[Campaign],
    role: Role,
    product: Product,
    *,
    on: date,
    dealer: str | None,
) -> LineRate:
    """The rule (product, else category, else brand; or the amount rule) and campaign multiplier (V3).

    The same for every line of one product sold by one dealer on one day, so the
    earning job computes it once per such group; :func:`rated_points` finishes a line.
    """
    if program.basis is Basis.PER_AMOUNT:
        rule = rule_for(rules, role, Target.AMOUNT, "*", on)
    else:
        rule = (
            rule_for(rules, role, Target.PRODUCT, product.code, on)
            or rule_for(rules, role, Target.CATEGORY, product.category, on)
            or rule_for(rules, role, Target.BRAND, product.brand, on)
        )
    multiplier = max((c.multiplier for c in campaigns if c.applies(product, dealer, on)), default=Decimal(1))
    return (None if rule is None else rule.points, multiplier)


_PER_AMOUNT = Basis.PER_AMOUNT
"""Looked up once: an enum member's look-up is slow on the earning job's hot path."""


def rated_points(
    program: Program, rate: LineRate, quantity: Decimal, net_amount: Decimal, tier_multiplier: Decimal
) -> int:
    """Whole points of a line from its :func:`line_rate`: rule × size × campaign × tier, rounded down."""
    points, multiplier = rate
    if points is None:
        return 0
    base = points * abs(net_amount if program.basis is _PER_AMOUNT else quantity)
    return int((base * multiplier * tier_multiplier).to_integral_value(rounding=ROUND_FLOOR))


def tier_for(tiers: Iterable[Tier], role: Role, earned_in_window: int) -> Tier | None:
    """The highest tier of ``role`` whose threshold ``earned_in_window`` reaches (``None``: below all)."""
    reached = [t for t in tiers if t.role is role and earned_in_window >= t.threshold]
    return max(reached, key=lambda t: (t.threshold, t.name), default=None)


def proportional(earned: int, returned: Decimal, sold: Decimal) -> int:
    """The points a cumulative return of ``returned`` of ``sold`` units takes back, never more than earned.

    Rounded half up on the cumulative figure, so several partial returns add up to
    exactly what was earned when everything came back.

    >>> proportional(10, Decimal(1), Decimal(3)), proportional(10, Decimal(3), Decimal(3))
    (3, 10)
    """
    if sold == 0:
        return 0
    share = min(abs(returned), abs(sold)) / abs(sold)
    return min(earned, math.floor(Decimal(earned) * share + Decimal("0.5")))
