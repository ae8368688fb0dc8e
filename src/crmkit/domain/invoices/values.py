"""The parts of an invoice document: kinds, taxes, parties, lines, totals, references, allowances, rates (V1).

Frozen values with converters that make every amount an exact ``Decimal``;
:mod:`crmkit.domain.invoices.invoice` assembles them into an :class:`~crmkit.domain.invoices.invoice.Invoice`.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.money import CURRENCIES, Money, minor_units, to_decimal

__all__ = [
    "INVOICE_NAMESPACE",
    "SCT",
    "VAT",
    "AllowanceCharge",
    "ExchangeRate",
    "InvoiceId",
    "InvoiceImported",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceParty",
    "InvoiceReference",
    "InvoiceTotals",
    "RateKind",
    "Tax",
    "currency_code",
    "exact_amount",
    "exact_or_none",
    "kind_of",
    "party_key",
]

InvoiceId = NewType("InvoiceId", uuid.UUID)
"""Identifies an invoice: its document UUID (ETTN), or one derived from seller and number."""

INVOICE_NAMESPACE = uuid.UUID("6f1c3a52-3b1e-4f0e-9a53-0c6f2d7b9e41")
"""Namespace of the UUIDs derived for invoices whose source gives none
(:func:`~crmkit.domain.invoices.invoice.invoice_id_for`)."""

VAT = "0015"
"""GİB tax type code of KDV (value-added tax)."""
SCT = "0071"
"""GİB tax type code of ÖTV, 1st list (special consumption tax)."""


class InvoiceKind(enum.Enum):
    """What an invoice does, whatever code its source used for it."""

    SALE = "sale"
    RETURN = "return"
    WITHHOLDING = "withholding"
    EXEMPT = "exempt"
    SPECIAL_BASE = "special_base"
    EXPORT = "export"
    OTHER = "other"


_KINDS: dict[str, InvoiceKind] = {
    "SATIS": InvoiceKind.SALE,
    "YTBSATIS": InvoiceKind.SALE,
    "KOMISYONCU": InvoiceKind.SALE,
    "SARJ": InvoiceKind.SALE,
    "SARJANLIK": InvoiceKind.SALE,
    "380": InvoiceKind.SALE,
    "IADE": InvoiceKind.RETURN,
    "TEVKIFATIADE": InvoiceKind.RETURN,
    "YTBIADE": InvoiceKind.RETURN,
    "YTBTEVKIFATIADE": InvoiceKind.RETURN,
    "381": InvoiceKind.RETURN,
    "TEVKIFAT": InvoiceKind.WITHHOLDING,
    "YTBTEVKIFAT": InvoiceKind.WITHHOLDING,
    "ISTISNA": InvoiceKind.EXEMPT,
    "YTBISTISNA": InvoiceKind.EXEMPT,
    "OZELMATRAH": InvoiceKind.SPECIAL_BASE,
    "IHRACKAYITLI": InvoiceKind.EXPORT,
}


def kind_of(type_code: str, profile: str | None = None) -> InvoiceKind:
    """The kind of an invoice from its type code (``SATIS``, ``IADE``, UBL ``380`` …) and profile.

    Unknown codes are :attr:`InvoiceKind.OTHER` (kept, not refused: GİB adds codes).

    >>> kind_of("IADE"), kind_of("satis", "IHRACAT"), kind_of("HKSSATIS")
    (<InvoiceKind.RETURN: 'return'>, <InvoiceKind.EXPORT: 'export'>, <InvoiceKind.OTHER: 'other'>)
    """
    kind = _KINDS.get(type_code.strip().upper(), InvoiceKind.OTHER)
    if kind is InvoiceKind.SALE and (profile or "").upper() == "IHRACAT":
        return InvoiceKind.EXPORT
    return kind


def exact_amount(value: object) -> Decimal:
    """:func:`~crmkit.domain.money.to_decimal`, with a fast path for a finite ``Decimal`` (the import's)."""
    if type(value) is Decimal and value.is_finite():
        return value
    return to_decimal(value)


def exact_or_none(value: object) -> Decimal | None:
    """:func:`exact_amount`, or ``None`` for ``None``."""
    return None if value is None else exact_amount(value)


def currency_code(value: object, field: str = "currency") -> str:
    """An ISO 4217 code, upper-cased.

    Raises:
        ValidationError: naming ``field``, for anything else.
    """
    code = value.upper() if isinstance(value, str) else value
    if code not in CURRENCIES:
        raise ValidationError(field, f"{value!r} is not an ISO 4217 currency code")
    return str(code)


@attrs.frozen(kw_only=True)
class Tax:
    """One tax on a line or a document total: a percent of a base, or an amount per unit.

    Most taxes are a percent (KDV 20 %). ÖTV on fuel, alcohol, tobacco and the
    like is often an amount per unit instead (UBL ``cbc:PerUnitAmount``, e.g.
    1.9985 TRY per kilogram, with ``cbc:BaseUnitMeasure``): then ``percent`` is
    ``None`` and the tax amount is quantity ÷ ``base_quantity`` ×
    ``per_unit_amount`` (:func:`~crmkit.domain.invoices.totals.check_totals` checks it on lines).

    >>> otv = Tax(type_code=SCT, amount="1842.62", per_unit_amount="1.9985", base_unit_code="KGM")
    >>> otv.is_per_unit, otv.per_unit(Decimal(922), "TRY")
    (True, Money(amount=Decimal('1842.62'), currency='TRY'))

    Attributes:
        type_code: GİB tax type code: :data:`VAT` ``0015``, :data:`SCT` ``0071``, ``6xx`` withholding.
        amount: the tax amount.
        percent: the rate in percent (``18``, ``20``); ``None`` for per-unit taxes.
        taxable_amount: the base it was computed on, when given.
        name: the scheme's name as the source spelled it (``KDV``, ``Katma Değer Vergisi``).
        withholding: ``True`` for a withheld part (*tevkifat*), reported apart from the tax.
        exemption_code: the exemption reason code (``301``) of a zero-rated tax.
        per_unit_amount: the tax per ``base_quantity`` units, in the invoice's currency (a per-unit tax).
        base_quantity: how many units ``per_unit_amount`` is for (UBL ``BaseUnitMeasure``; 1 when absent).
        base_unit_code: the unit of ``base_quantity`` (``KGM``, ``LTR``), when given.

    Raises:
        ValidationError: both a percent and a per-unit amount, a negative per-unit amount,
            or a base quantity without a per-unit amount or not above zero.
    """

    type_code: str
    amount: Decimal = attrs.field(converter=exact_amount)
    percent: Decimal | None = attrs.field(default=None, converter=exact_or_none)
    taxable_amount: Decimal | None = attrs.field(default=None, converter=exact_or_none)
    name: str | None = None
    withholding: bool = False
    exemption_code: str | None = None
    per_unit_amount: Decimal | None = attrs.field(default=None, converter=exact_or_none)
    base_quantity: Decimal | None = attrs.field(default=None, converter=exact_or_none)
    base_unit_code: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.per_unit_amount is None:
            if self.base_quantity is not None or self.base_unit_code is not None:
                raise ValidationError("base_quantity", "is given without a per-unit amount")
            return
        if self.percent is not None:
            raise ValidationError("per_unit_amount", "a tax is a percent or an amount per unit, not both")
        if self.per_unit_amount < 0:
            raise ValidationError("per_unit_amount", f"{self.per_unit_amount} is negative")
        if self.base_quantity is not None and self.base_quantity <= 0:
            raise ValidationError("base_quantity", f"{self.base_quantity} is not above zero")

    @property
    def is_per_unit(self) -> bool:
        """Whether the tax is an amount per unit rather than a percent."""
        return self.per_unit_amount is not None

    def per_unit(self, quantity: Decimal, currency: str) -> Money:
        """The tax a per-unit rate gives on ``quantity`` units: quantity ÷ base quantity × per-unit amount.

        Rounded to the currency's minor unit, as a document states it.

        Raises:
            ValueError: the tax is a percent, not per unit.
        """
        if self.per_unit_amount is None:
            raise ValueError(f"tax {self.type_code} is a percent, not an amount per unit")
        exact = abs(quantity) * self.per_unit_amount / (self.base_quantity or 1)
        return Money(exact.quantize(Decimal(1).scaleb(-minor_units(currency))), currency)


@attrs.frozen
class InvoiceParty:
    """The seller or buyer as the invoice names them.

    Attributes:
        name: company name, or first and family name of a person.
        tax_no: VKN (10 digits) or TCKN (11 digits); another id for foreign parties.
        scheme: what ``tax_no`` is (``VKN``, ``TCKN`` or the source's scheme id).
        city: city name, when given.
        country: country name, when given.
    """

    name: str
    tax_no: str | None = None
    scheme: str | None = None
    city: str | None = None
    country: str | None = None

    @property
    def key(self) -> str:
        """How the party is matched across invoices, by :func:`party_key`."""
        return party_key(self.tax_no, self.name)


def party_key(tax_no: str | None, name: str) -> str:
    """A party's matching key: its tax number, else its name upper-cased with spaces squeezed.

    >>> party_key("1288331521", "AAA"), party_key(None, " bbb  ltd ")
    ('1288331521', 'name:BBB LTD')
    """
    if tax_no and tax_no.strip():
        return tax_no.strip()
    return "name:" + " ".join(name.split()).upper()


@attrs.frozen(kw_only=True)
class InvoiceLine:
    """One line of an invoice.

    Attributes:
        number: the line's position, from 1.
        product_name: the item's name.
        quantity: how many units (negative on a credit line of a generic UBL invoice).
        unit_price: the price of one unit, before line discounts.
        line_extension: the line's net amount (quantity × price − discount + charge).
        unit_code: UN/ECE rec. 20 unit (``NIU``, ``KGM``, ``KWH``, ``C62``), when given.
        product_code: the seller's item code, when given.
        discount: line allowances (*iskonto*), a positive amount.
        charge: line charges, a positive amount.
        taxes: the line's taxes (KDV, ÖTV, withholding).
        order_number: the order this line delivers (V10), when given.
        order_line: the line of that order, when given.
    """

    number: int
    product_name: str
    quantity: Decimal = attrs.field(converter=exact_amount)
    unit_price: Decimal = attrs.field(converter=exact_amount)
    line_extension: Decimal = attrs.field(converter=exact_amount)
    unit_code: str | None = None
    product_code: str | None = None
    discount: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)
    charge: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)
    taxes: tuple[Tax, ...] = ()
    order_number: str | None = None
    order_line: str | None = None

    def tax(self, type_code: str) -> Decimal:
        """Sum of this line's (non-withheld) taxes of one type, e.g. ``line.tax(VAT)``."""
        return sum(
            (t.amount for t in self.taxes if t.type_code == type_code and not t.withholding), Decimal(0)
        )


@attrs.frozen(kw_only=True)
class InvoiceTotals:
    """The document totals (UBL ``LegalMonetaryTotal``, ``TaxTotal``, ``WithholdingTaxTotal``).

    Attributes:
        line_extension: the lines' total.
        tax_exclusive: the total before taxes.
        tax_inclusive: the total with taxes.
        payable: what the buyer pays.
        allowance: document (or GİB-style line) allowances.
        charge: document charges.
        tax: the document's ``TaxTotal`` amount as given (after withholding on *tevkifat*).
        withholding: the withheld tax.
        prepaid: already paid.
    """

    line_extension: Decimal = attrs.field(converter=exact_amount)
    tax_exclusive: Decimal = attrs.field(converter=exact_amount)
    tax_inclusive: Decimal = attrs.field(converter=exact_amount)
    payable: Decimal = attrs.field(converter=exact_amount)
    allowance: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)
    charge: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)
    tax: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)
    withholding: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)
    prepaid: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)

    @classmethod
    def of(cls, line_extension: Decimal, *, payable: Decimal, tax: Decimal = Decimal(0)) -> InvoiceTotals:
        """Totals of a simple invoice: no allowances, ``tax_inclusive = line_extension + tax``."""
        return cls(
            line_extension=line_extension,
            tax_exclusive=line_extension,
            tax_inclusive=line_extension + tax,
            payable=payable,
            tax=tax,
        )


@attrs.frozen
class InvoiceReference:
    """An invoice this one refers to: the original a return cancels (V1).

    Attributes:
        number: the referenced invoice's number.
        issue_date: its date, when given.
        uuid: its UUID, when given.
    """

    number: str
    issue_date: date | None = None
    uuid: uuid.UUID | None = None


@attrs.frozen
class InvoiceImported:
    """What the audit trail records of an imported invoice (C12): its number and where it came from.

    Attributes:
        number: the invoice number.
        source: where it was read (file and line, or an ERP id).
    """

    number: str
    source: str


@attrs.frozen(kw_only=True)
class AllowanceCharge:
    """A document-level allowance (discount) or charge: UBL ``cac:AllowanceCharge`` under the invoice (V1).

    Line allowances are on the line (:attr:`InvoiceLine.discount`); these change the
    whole document's net amount (:attr:`~crmkit.domain.invoices.invoice.Invoice.net`).

    >>> AllowanceCharge(charge=False, amount="100", reason="Promotion discount").signed
    Decimal('-100')

    Attributes:
        charge: ``True`` for a charge (adds), ``False`` for an allowance (subtracts).
        amount: the amount, not negative.
        reason: the reason as the document gives it, when it does.
        multiplier: the factor it was computed with (``MultiplierFactorNumeric``), as given.
        base_amount: the amount it was computed on, when given.

    Raises:
        ValidationError: a negative amount.
    """

    charge: bool
    amount: Decimal = attrs.field(converter=exact_amount)
    reason: str | None = None
    multiplier: Decimal | None = attrs.field(default=None, converter=exact_or_none)
    base_amount: Decimal | None = attrs.field(default=None, converter=exact_or_none)

    def __attrs_post_init__(self) -> None:
        if self.amount < 0:
            raise ValidationError("allowance_charges.amount", f"{self.amount} is negative")

    @property
    def signed(self) -> Decimal:
        """The amount as it changes the net: positive for a charge, negative for an allowance."""
        return self.amount if self.charge else -self.amount


def _rate_source(value: object) -> str:
    return currency_code(value, "exchange_rates.source")


def _rate_target(value: object) -> str:
    return currency_code(value, "exchange_rates.target")


class RateKind(enum.Enum):
    """Which exchange rate of a document (UBL ``cac:*ExchangeRate``)."""

    PRICING = "pricing"
    """``cac:PricingExchangeRate``: the document currency into the pricing currency (TRY)."""
    PAYMENT = "payment"
    """``cac:PaymentExchangeRate``."""
    PAYMENT_ALTERNATIVE = "payment_alternative"
    """``cac:PaymentAlternativeExchangeRate``: a currency the buyer may also pay in."""
    TAX = "tax"
    """``cac:TaxExchangeRate``."""


@attrs.frozen(kw_only=True)
class ExchangeRate:
    """An exchange rate a document gives: ``target = source × rate`` (UBL ``CalculationRate``).

    >>> rate = ExchangeRate(kind=RateKind.PRICING, source="USD", target="TRY", rate="32.5")
    >>> rate.convert(Decimal("10.00"), "USD", "TRY"), rate.convert(Decimal("65"), "TRY", "USD")
    (Decimal('325.000'), Decimal('2'))

    Attributes:
        kind: which rate of the document it is.
        source: the currency converted from (ISO 4217).
        target: the currency converted into.
        rate: units of ``target`` per unit of ``source``, above zero.
        day: the rate's date, when given.

    Raises:
        ValidationError: a currency that is not ISO 4217, or a rate not above zero.
    """

    kind: RateKind
    source: str = attrs.field(converter=_rate_source)
    target: str = attrs.field(converter=_rate_target)
    rate: Decimal = attrs.field(converter=exact_amount)
    day: date | None = None

    def __attrs_post_init__(self) -> None:
        if self.rate <= 0:
            raise ValidationError("exchange_rates.rate", f"{self.rate} is not above zero")

    def convert(self, amount: Decimal, from_currency: str, to_currency: str) -> Decimal | None:
        """``amount`` in ``to_currency``, unrounded; ``None`` when this rate is not between the two."""
        if (from_currency, to_currency) == (self.source, self.target):
            return amount * self.rate
        if (from_currency, to_currency) == (self.target, self.source):
            return amount / self.rate
        return None
