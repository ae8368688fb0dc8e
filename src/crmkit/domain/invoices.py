"""Invoices from the accounting system (SPEC §7 V1, V2, V10).

An :class:`Invoice` is what an invoice source (UBL-TR e-Fatura/e-Arşiv XML,
CSV, an ERP plugin) hands over: a header, lines, document taxes and totals.
It is a frozen value; the import use case stores it as it came.

Profiles (``TICARIFATURA`` …) and type codes (``SATIS``, ``IADE`` …) are kept as
the open strings the source gave, since GİB keeps adding codes;
:func:`kind_of` sorts them into the few :class:`InvoiceKind` values the rules
need. Amounts are ``Decimal`` in the invoice's currency, never floats.

:func:`check_totals` holds the arithmetic rules: the lines add up to the
line-extension total (a mismatch raises :class:`InvoiceTotalsMismatch` naming
the invoice and the figures); softer inconsistencies come back as warnings.

>>> from datetime import UTC, date, datetime
>>> line = InvoiceLine(number=1, product_name="Kalem", quantity=Decimal(2),
...                    unit_price=Decimal("2.50"), line_extension=Decimal("5.00"))
>>> invoice = Invoice(
...     id=invoice_id_for("1234567890", "ABC2026000000001"), number="ABC2026000000001",
...     issued_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), currency="TRY",
...     seller=InvoiceParty("Satıcı A.Ş.", tax_no="1234567890"), buyer=InvoiceParty("Alıcı"),
...     lines=(line,), totals=InvoiceTotals.of(Decimal("5.00"), payable=Decimal("5.00")))
>>> check_totals(invoice)
()
>>> invoice.payable
Money(amount=Decimal('5.00'), currency='TRY')
"""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
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
    "HandOverStatus",
    "Invoice",
    "InvoiceId",
    "InvoiceImported",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceParty",
    "InvoiceReference",
    "InvoiceTotals",
    "InvoiceTotalsMismatch",
    "LineReversal",
    "OrderLine",
    "RateKind",
    "SalesOrder",
    "Tax",
    "TaxAmountMismatch",
    "check_totals",
    "invoice_id_for",
    "kind_of",
    "match_return",
    "party_key",
    "tax_number_checksum_ok",
]

InvoiceId = NewType("InvoiceId", uuid.UUID)
"""Identifies an invoice: its document UUID (ETTN), or one derived from seller and number."""

INVOICE_NAMESPACE = uuid.UUID("6f1c3a52-3b1e-4f0e-9a53-0c6f2d7b9e41")
"""Namespace of the UUIDs derived for invoices whose source gives none (:func:`invoice_id_for`)."""

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


def _text(field: str) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(_: object, __: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(field, "must not be empty")

    return check


def _amount(value: object) -> Decimal:
    """:func:`~crmkit.domain.money.to_decimal`, with a fast path for a finite ``Decimal`` (the import's)."""
    if type(value) is Decimal and value.is_finite():
        return value
    return to_decimal(value)


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else _amount(value)


def tax_number_checksum_ok(tax_no: str) -> bool:
    """Whether a Turkish VKN (10 digits) or TCKN (11 digits) passes its checksum.

    Other identifiers (foreign ids, ``TESISATNO``) are not tax numbers: ``False``.

    >>> tax_number_checksum_ok("9205121120"), tax_number_checksum_ok("1288331521")
    (True, False)
    >>> tax_number_checksum_ok("10000000146"), tax_number_checksum_ok("12345678901")
    (True, False)
    """
    if not tax_no.isascii() or not tax_no.isdigit():
        return False
    digits = [int(c) for c in tax_no]
    if len(digits) == 10:
        total = 0
        for i, d in enumerate(digits[:9]):
            p = (d + 10 - (i + 1)) % 10
            total += 9 if p == 9 else (p * 2 ** (10 - (i + 1))) % 9
        return (10 - total % 10) % 10 == digits[9]
    if len(digits) == 11 and digits[0] != 0:
        odd, even = sum(digits[0:9:2]), sum(digits[1:8:2])
        return (odd * 7 - even) % 10 == digits[9] and sum(digits[:10]) % 10 == digits[10]
    return False


@attrs.frozen(kw_only=True)
class Tax:
    """One tax on a line or a document total: a percent of a base, or an amount per unit.

    Most taxes are a percent (KDV 20 %). ÖTV on fuel, alcohol, tobacco and the
    like is often an amount per unit instead (UBL ``cbc:PerUnitAmount``, e.g.
    1.9985 TRY per kilogram, with ``cbc:BaseUnitMeasure``): then ``percent`` is
    ``None`` and the tax amount is quantity ÷ ``base_quantity`` ×
    ``per_unit_amount`` (:func:`check_totals` checks it on lines).

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
    amount: Decimal = attrs.field(converter=_amount)
    percent: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    taxable_amount: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    name: str | None = None
    withholding: bool = False
    exemption_code: str | None = None
    per_unit_amount: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    base_quantity: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
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
    quantity: Decimal = attrs.field(converter=_amount)
    unit_price: Decimal = attrs.field(converter=_amount)
    line_extension: Decimal = attrs.field(converter=_amount)
    unit_code: str | None = None
    product_code: str | None = None
    discount: Decimal = attrs.field(default=Decimal(0), converter=_amount)
    charge: Decimal = attrs.field(default=Decimal(0), converter=_amount)
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

    line_extension: Decimal = attrs.field(converter=_amount)
    tax_exclusive: Decimal = attrs.field(converter=_amount)
    tax_inclusive: Decimal = attrs.field(converter=_amount)
    payable: Decimal = attrs.field(converter=_amount)
    allowance: Decimal = attrs.field(default=Decimal(0), converter=_amount)
    charge: Decimal = attrs.field(default=Decimal(0), converter=_amount)
    tax: Decimal = attrs.field(default=Decimal(0), converter=_amount)
    withholding: Decimal = attrs.field(default=Decimal(0), converter=_amount)
    prepaid: Decimal = attrs.field(default=Decimal(0), converter=_amount)

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


class HandOverStatus(enum.Enum):
    """Whether the original invoice was handed to the customer (V10)."""

    PENDING = "pending"
    DELIVERED = "delivered"


@attrs.frozen(kw_only=True)
class AllowanceCharge:
    """A document-level allowance (discount) or charge: UBL ``cac:AllowanceCharge`` under the invoice (V1).

    Line allowances are on the line (:attr:`InvoiceLine.discount`); these change the
    whole document's net amount (:attr:`Invoice.net`).

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
    amount: Decimal = attrs.field(converter=_amount)
    reason: str | None = None
    multiplier: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    base_amount: Decimal | None = attrs.field(default=None, converter=_optional_decimal)

    def __attrs_post_init__(self) -> None:
        if self.amount < 0:
            raise ValidationError("allowance_charges.amount", f"{self.amount} is negative")

    @property
    def signed(self) -> Decimal:
        """The amount as it changes the net: positive for a charge, negative for an allowance."""
        return self.amount if self.charge else -self.amount


def _rate_source(value: object) -> str:
    return _currency(value, "exchange_rates.source")


def _rate_target(value: object) -> str:
    return _currency(value, "exchange_rates.target")


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
    rate: Decimal = attrs.field(converter=_amount)
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


def _aware(_: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(attribute.name, f"{value!r} has no time zone")


def _currency(value: object, field: str = "currency") -> str:
    code = value.upper() if isinstance(value, str) else value
    if code not in CURRENCIES:
        raise ValidationError(field, f"{value!r} is not an ISO 4217 currency code")
    return str(code)


@attrs.frozen(kw_only=True)
class Invoice:
    """An invoice from the accounting system (V1).

    Attributes:
        id: the document UUID (ETTN); :func:`invoice_id_for` derives one when the source has none.
        number: the invoice number (``GIB2009000000011``), unique per seller.
        issued_at: issue date and time (aware; midnight in the source's zone when no time was given).
        currency: ISO 4217 code of the document.
        seller: who issued it.
        buyer: who it was issued to.
        lines: the lines, in order.
        totals: the document totals.
        type_code: the source's type code (``SATIS``, ``IADE``, ``TEVKIFAT``, ``380`` …).
        profile: the UBL-TR profile (``TICARIFATURA``, ``EARSIVFATURA`` …), when any.
        exchange_rate: TRY per unit of ``currency`` for a foreign-currency invoice, when given.
        taxes: the document's tax subtotals, withheld parts included (``withholding=True``).
        references: invoices this one refers to; a return names what it cancels (V1).
        store: the dealer/store that sold, when the source says.
        sales_person: the sales person's code, when the source says.
        order_number: the order the invoice delivers (V10), when given.
        source: where it was read from (file and line, or an ERP id), for reports.
        allowance_charges: document-level allowances and charges; they change :attr:`net`.
        exchange_rates: the exchange rates the document gives (pricing, payment alternative …).
    """

    id: InvoiceId
    number: str = attrs.field(validator=_text("number"))
    issued_at: datetime = attrs.field(validator=_aware)
    currency: str = attrs.field(converter=_currency)
    seller: InvoiceParty
    buyer: InvoiceParty
    lines: tuple[InvoiceLine, ...]
    totals: InvoiceTotals
    type_code: str = "SATIS"
    profile: str | None = None
    exchange_rate: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    taxes: tuple[Tax, ...] = ()
    references: tuple[InvoiceReference, ...] = ()
    store: str | None = None
    sales_person: str | None = None
    order_number: str | None = None
    source: str = ""
    allowance_charges: tuple[AllowanceCharge, ...] = ()
    exchange_rates: tuple[ExchangeRate, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise ValidationError("lines", f"invoice {self.number} has no lines")
        numbers = {line.number for line in self.lines}
        if len(numbers) != len(self.lines):
            raise ValidationError("lines", f"invoice {self.number} numbers two lines the same")
        if self.kind is InvoiceKind.RETURN and not self.references:
            raise ValidationError(
                "references", f"return invoice {self.number} does not name the invoice it cancels (V1)"
            )

    @property
    def kind(self) -> InvoiceKind:
        """What the invoice does (:func:`kind_of` of its type code and profile)."""
        return kind_of(self.type_code, self.profile)

    @property
    def is_return(self) -> bool:
        """Whether the invoice reverses earlier ones (V1)."""
        return self.kind is InvoiceKind.RETURN

    @property
    def sign(self) -> int:
        """``-1`` for a return (its quantities and amounts count against sales), else ``1``."""
        return -1 if self.is_return else 1

    @property
    def issue_date(self) -> date:
        """The issue date as written on the invoice."""
        return self.issued_at.date()

    @property
    def seller_key(self) -> str:
        """The seller's matching key; with :attr:`number` it identifies the invoice."""
        return self.seller.key

    @property
    def payable(self) -> Money:
        """What the buyer pays."""
        return Money(self.totals.payable, self.currency)

    @property
    def net(self) -> Money:
        """The net amount before taxes: the lines' total, less document allowances, plus charges.

        What targets and points are computed from (V1).
        """
        adjusted = self.totals.line_extension
        for item in self.allowance_charges:
            adjusted += item.signed
        return Money(adjusted, self.currency)

    def net_in(self, currency: str) -> Money | None:
        """:attr:`net` in another currency through the document's own exchange rate, or ``None``.

        The pricing rate is used first, then any other rate between the two currencies,
        then :attr:`exchange_rate` (TRY per unit). Rounded to the currency's minor unit.
        """
        return self.convert(self.net.amount, currency)

    def convert(self, amount: Decimal, currency: str) -> Money | None:
        """An amount of this document in ``currency`` through its own exchange rates, or ``None``."""
        code = currency.upper()
        if code == self.currency:
            return Money(amount, code)
        exact: Decimal | None = None
        for rate in sorted(self.exchange_rates, key=lambda r: r.kind is not RateKind.PRICING):
            exact = rate.convert(amount, self.currency, code)
            if exact is not None:
                break
        if exact is None and code == "TRY" and self.exchange_rate is not None:
            exact = amount * self.exchange_rate
        if exact is None:
            return None
        return Money(exact.quantize(Decimal(1).scaleb(-minor_units(code))), code)

    def owed(self, tax: Tax) -> Decimal:
        """What a document tax actually owes: nothing for an exempt one (V1).

        A tax carrying an exemption code on a document whose tax total is zero
        (*istisna*) owes nothing, whatever amount its subtotal computed.
        """
        if tax.exemption_code is not None and self.totals.tax == 0:
            return Decimal(0)
        return tax.amount

    def tax(self, type_code: str) -> Money:
        """What the document owes of one tax type (non-withheld), e.g. ``invoice.tax(VAT)``.

        Exempt subtotals count nothing (:meth:`owed`).
        """
        amounts = (self.owed(t) for t in self.taxes if t.type_code == type_code and not t.withholding)
        return Money(sum(amounts, Decimal(0)), self.currency)

    @property
    def withheld(self) -> Money:
        """The tax withheld by the buyer (*tevkifat*)."""
        return Money(sum((t.amount for t in self.taxes if t.withholding), Decimal(0)), self.currency)


def invoice_id_for(seller_key: str, number: str) -> InvoiceId:
    """The id of an invoice whose source gives no UUID: stable for the same seller and number.

    >>> invoice_id_for("1288331521", "A1") == invoice_id_for("1288331521", "A1")
    True
    """
    return InvoiceId(uuid.uuid5(INVOICE_NAMESPACE, f"{seller_key}\x1f{number.strip()}"))


class InvoiceTotalsMismatch(ValidationError):
    """The lines of an invoice do not add up to its line-extension total.

    Attributes:
        number: the invoice's number.
        expected: the total the document states.
        actual: what its lines add up to.
    """

    def __init__(self, number: str, expected: Decimal, actual: Decimal) -> None:
        super().__init__(
            "totals.line_extension",
            f"invoice {number}: the lines add up to {actual}, the document states {expected}",
        )
        self.number = number
        self.expected = expected
        self.actual = actual


class TaxAmountMismatch(ValidationError):
    """A per-unit tax of a line does not come to quantity × per-unit amount (ÖTV, V1).

    Attributes:
        number: the invoice's number.
        line: the line's number.
        expected: quantity ÷ base quantity × per-unit amount.
        actual: the tax amount the line states.
    """

    def __init__(self, number: str, line: int, type_code: str, expected: Decimal, actual: Decimal) -> None:
        super().__init__(
            "lines.taxes",
            f"invoice {number} line {line}: tax {type_code} is {actual}, but quantity × per-unit amount"
            f" is {expected}",
        )
        self.number = number
        self.line = line
        self.expected = expected
        self.actual = actual


@functools.lru_cache(maxsize=1024)
def _tolerance(currency: str, lines: int) -> Decimal:
    """Rounding slack: half a minor unit per line (amounts are rounded line by line)."""
    return Decimal(1).scaleb(-minor_units(currency)) / 2 * max(lines, 1)


def check_totals(invoice: Invoice) -> tuple[str, ...]:
    """Check an invoice's arithmetic; return soft inconsistencies as warnings.

    The hard rules (V1): the lines' net amounts add up to ``totals.line_extension``,
    and a line's per-unit tax (ÖTV given as ``PerUnitAmount``) is its quantity ÷
    base quantity × per-unit amount, within half a minor unit.
    GİB's 2009 samples state the *gross* line total there (before line
    discounts, which go to ``AllowanceTotalAmount``); that is accepted with a
    warning when ``tax_exclusive`` is the net sum.

    Returns:
        Warnings: a line whose quantity × price − discount + charge is off by more
        than rounding, a tax-inclusive total that is not tax-exclusive + taxes, a
        per-unit tax whose unit is not the line's (not checked), a document-level
        per-unit tax that is not the lines' quantity × per-unit amount.

    Raises:
        InvoiceTotalsMismatch: the lines do not add up, naming the invoice and both figures.
        TaxAmountMismatch: a line's per-unit tax is not quantity × per-unit amount.
    """
    warnings: list[str] = []
    totals = invoice.totals
    slack = _tolerance(invoice.currency, 1)
    net = sum((line.line_extension for line in invoice.lines), Decimal(0))
    if abs(net - totals.line_extension) > slack:
        gross = sum((ln.line_extension + ln.discount - ln.charge for ln in invoice.lines), Decimal(0))
        if abs(gross - totals.line_extension) <= slack and abs(net - totals.tax_exclusive) <= slack:
            warnings.append(
                f"invoice {invoice.number}: LineExtensionAmount {totals.line_extension} is the gross line"
                f" total before line discounts; the lines' net total is {net}"
            )
        else:
            raise InvoiceTotalsMismatch(invoice.number, totals.line_extension, net)
    for line in invoice.lines:
        computed = line.quantity * line.unit_price
        if line.discount or line.charge:  # mostly both zero: two Decimal operations fewer per line
            computed = computed - line.discount + line.charge
        if abs(computed - line.line_extension) > slack:
            warnings.append(
                f"invoice {invoice.number} line {line.number}: {line.quantity} × {line.unit_price}"
                f" − {line.discount} + {line.charge} = {computed}, the line states {line.line_extension}"
            )
    warnings.extend(_check_per_unit_taxes(invoice, slack))
    if invoice.allowance_charges:
        adjusted = invoice.net.amount
        if abs(adjusted - totals.tax_exclusive) > _tolerance(
            invoice.currency, len(invoice.allowance_charges)
        ):
            warnings.append(
                f"invoice {invoice.number}: lines {totals.line_extension} with the document's allowances"
                f" and charges come to {adjusted}, the tax-exclusive total is {totals.tax_exclusive}"
            )
    taxes = sum((invoice.owed(t) for t in invoice.taxes if not t.withholding), Decimal(0))
    if invoice.taxes and abs(totals.tax_exclusive + taxes - totals.tax_inclusive) > _tolerance(
        invoice.currency, len(invoice.taxes)
    ):
        warnings.append(
            f"invoice {invoice.number}: tax-exclusive {totals.tax_exclusive} + taxes {taxes}"
            f" ≠ tax-inclusive {totals.tax_inclusive}"
        )
    return tuple(warnings)


def _check_per_unit_taxes(invoice: Invoice, slack: Decimal) -> list[str]:
    """Per-unit taxes against quantity × per-unit amount: lines strictly, the document as a warning."""
    warnings: list[str] = []
    per_unit_codes: set[str] = set()
    for line in invoice.lines:
        for tax in line.taxes:
            if tax.per_unit_amount is None:
                continue
            per_unit_codes.add(tax.type_code)
            if tax.base_unit_code and line.unit_code and tax.base_unit_code != line.unit_code:
                warnings.append(
                    f"invoice {invoice.number} line {line.number}: tax {tax.type_code} is per"
                    f" {tax.base_unit_code}, the line counts {line.unit_code}; not checked"
                )
                continue
            exact = abs(line.quantity) * tax.per_unit_amount / (tax.base_quantity or 1)
            if abs(tax.amount - exact) > slack:
                raise TaxAmountMismatch(invoice.number, line.number, tax.type_code, exact, tax.amount)
    units = {line.unit_code for line in invoice.lines}
    for tax in invoice.taxes:
        if tax.per_unit_amount is None or tax.type_code in per_unit_codes or len(units) != 1:
            continue  # lines carry it (checked above), or their quantities are not of one unit
        quantity = sum((abs(line.quantity) for line in invoice.lines), Decimal(0))
        exact = quantity * tax.per_unit_amount / (tax.base_quantity or 1)
        if abs(tax.amount - exact) > slack:
            warnings.append(
                f"invoice {invoice.number}: tax {tax.type_code} is {tax.amount}, but the lines'"
                f" quantity {quantity} × per-unit amount {tax.per_unit_amount} is {exact}"
            )
    return warnings


@attrs.frozen
class LineReversal:
    """What a return line takes back from a line of the original invoice (V1).

    Attributes:
        original: the original invoice's id.
        line_number: the original line's number.
        quantity: the quantity returned (positive).
        amount: the net amount returned (positive).
    """

    original: InvoiceId
    line_number: int
    quantity: Decimal
    amount: Decimal


def _same_product(a: InvoiceLine, b: InvoiceLine) -> bool:
    if a.product_code and b.product_code:
        return a.product_code.strip() == b.product_code.strip()
    return " ".join(a.product_name.split()).casefold() == " ".join(b.product_name.split()).casefold()


def match_return(
    ret: Invoice, originals: Iterable[Invoice], returned: dict[tuple[InvoiceId, int], Decimal]
) -> tuple[list[LineReversal], list[str]]:
    """Match a return's lines to the lines of the invoices it cancels (V1).

    Each return line goes to the first original line of the same product
    (same code, else same name) that still has quantity left, across the
    originals in the order given.

    Args:
        ret: the return invoice.
        originals: the invoices it references that are known.
        returned: quantities already returned per ``(invoice id, line number)``.

    Returns:
        The reversals, and warnings for return lines no original line can take.

    Raises:
        ValidationError: a return line takes back more than was sold and not yet returned.
    """
    candidates = [(o, line) for o in originals for line in o.lines]
    left = {
        (o.id, ln.number): ln.quantity - returned.get((o.id, ln.number), Decimal(0)) for o, ln in candidates
    }
    reversals: list[LineReversal] = []
    warnings: list[str] = []
    for line in ret.lines:
        matches = [(o, ln) for o, ln in candidates if _same_product(ln, line)]
        if not matches:
            if candidates:
                warnings.append(
                    f"return {ret.number} line {line.number}: {line.product_name!r} is on none of the"
                    " invoices it cancels"
                )
            continue
        want = abs(line.quantity)
        for original, ln in matches:
            take = min(want, left[(original.id, ln.number)])
            if take <= 0:
                continue
            share = (line.line_extension * take / abs(line.quantity)) if line.quantity else Decimal(0)
            reversals.append(LineReversal(original.id, ln.number, take, abs(share)))
            left[(original.id, ln.number)] -= take
            want -= take
            if want == 0:
                break
        if want > 0:
            raise ValidationError(
                "lines",
                f"return {ret.number} line {line.number} takes back {abs(line.quantity)} of"
                f" {line.product_name!r}, more than the cancelled invoices have left",
            )
    return reversals, warnings


@attrs.frozen(kw_only=True)
class OrderLine:
    """One product of a sales order (V10).

    Attributes:
        line_id: the line's id within the order (``"1"``).
        product_name: the product's name.
        quantity: how many were ordered.
        product_code: the product's code, when known.
        unit_code: the unit, when known.
        invoiced: how many were invoiced so far (returns subtract).
    """

    line_id: str
    product_name: str
    quantity: Decimal = attrs.field(converter=_amount)
    product_code: str | None = None
    unit_code: str | None = None
    invoiced: Decimal = attrs.field(default=Decimal(0), converter=_amount)

    @property
    def to_be_invoiced(self) -> bool:
        """``True`` while less than the ordered quantity has been invoiced (V10)."""
        return self.invoiced < self.quantity

    @property
    def remaining(self) -> Decimal:
        """The quantity still to be invoiced (never negative)."""
        return max(self.quantity - self.invoiced, Decimal(0))


@attrs.frozen(kw_only=True)
class SalesOrder:
    """Products sold to a customer under one order number (V10).

    Attributes:
        number: the order number, unique.
        customer: the customer's matching key (:func:`party_key`).
        ordered_at: when the order was taken (aware).
        lines: the ordered products.
        version: optimistic-locking version.
    """

    number: str = attrs.field(validator=_text("number"))
    customer: str
    ordered_at: datetime = attrs.field(validator=_aware)
    lines: tuple[OrderLine, ...]
    version: int = 1

    def __attrs_post_init__(self) -> None:
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValidationError("lines", f"order {self.number} lists a line id twice")

    @property
    def to_be_invoiced(self) -> tuple[OrderLine, ...]:
        """The lines not (fully) invoiced yet (V10)."""
        return tuple(line for line in self.lines if line.to_be_invoiced)

    def invoiced_by(self, line: InvoiceLine, sign: int) -> tuple[SalesOrder, str | None]:
        """The order after an invoice line delivered (``sign=1``) or a return took back (``-1``) some.

        The order line is the one named by ``line.order_line``, else the first
        one of the same product with quantity left.

        Returns:
            The updated order and the matched line id (``None``: no line matched, order unchanged).
        """
        chosen: OrderLine | None = None
        if line.order_line is not None:
            chosen = next((ol for ol in self.lines if ol.line_id == line.order_line), None)
        if chosen is None:
            same = [ol for ol in self.lines if _order_matches(ol, line)]
            chosen = next((ol for ol in same if ol.to_be_invoiced or sign < 0), same[0] if same else None)
        if chosen is None:
            return self, None
        updated = attrs.evolve(chosen, invoiced=chosen.invoiced + sign * abs(line.quantity))
        lines = tuple(updated if ol is chosen else ol for ol in self.lines)
        return attrs.evolve(self, lines=lines), chosen.line_id


def _order_matches(order_line: OrderLine, line: InvoiceLine) -> bool:
    if order_line.product_code and line.product_code:
        return order_line.product_code.strip() == line.product_code.strip()
    return (
        " ".join(order_line.product_name.split()).casefold() == " ".join(line.product_name.split()).casefold()
    )
