"""An invoice from the accounting system: the document as its source gave it (V1).

See :mod:`crmkit.domain.invoices` for an example.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import aware, nonblank
from crmkit.domain.invoices.values import (
    INVOICE_NAMESPACE,
    AllowanceCharge,
    ExchangeRate,
    InvoiceId,
    InvoiceKind,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    RateKind,
    Tax,
    currency_code,
    exact_or_none,
    kind_of,
)
from crmkit.domain.money import Money, minor_units

__all__ = ["Invoice", "invoice_id_for"]


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
    number: str = attrs.field(validator=nonblank)
    issued_at: datetime = attrs.field(validator=aware)
    currency: str = attrs.field(converter=currency_code)
    seller: InvoiceParty
    buyer: InvoiceParty
    lines: tuple[InvoiceLine, ...]
    totals: InvoiceTotals
    type_code: str = "SATIS"
    profile: str | None = None
    exchange_rate: Decimal | None = attrs.field(default=None, converter=exact_or_none)
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
        """What the invoice does: :func:`~crmkit.domain.invoices.values.kind_of` its type code and profile."""
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
