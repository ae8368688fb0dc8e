"""Invoices from the accounting system (SPEC §7 V1, V2, V10).

An :class:`~crmkit.domain.invoices.invoice.Invoice` is what an invoice source (UBL-TR e-Fatura/e-Arşiv XML,
CSV, an ERP plugin) hands over: a header, lines, document taxes and totals.
It is a frozen value; the import use case stores it as it came.

Profiles (``TICARIFATURA`` …) and type codes (``SATIS``, ``IADE`` …) are kept as
the open strings the source gave, since GİB keeps adding codes;
:func:`~crmkit.domain.invoices.values.kind_of` sorts them into the few
:class:`~crmkit.domain.invoices.values.InvoiceKind` values the rules need.
Amounts are ``Decimal`` in the invoice's currency, never floats.

:func:`~crmkit.domain.invoices.totals.check_totals` holds the arithmetic rules:
the lines add up to the line-extension total (a mismatch raises
:class:`~crmkit.domain.invoices.totals.InvoiceTotalsMismatch` naming the
invoice and the figures); softer inconsistencies come back as warnings.

One concept per module: :mod:`~crmkit.domain.invoices.values` (the parts of a
document), :mod:`~crmkit.domain.invoices.invoice`,
:mod:`~crmkit.domain.invoices.totals`, :mod:`~crmkit.domain.invoices.returns`,
:mod:`~crmkit.domain.invoices.orders`; every name is importable from here.

>>> from datetime import UTC, date, datetime
>>> from decimal import Decimal
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

from crmkit.domain.invoices.invoice import Invoice, invoice_id_for
from crmkit.domain.invoices.orders import HandOverStatus, OrderLine, SalesOrder
from crmkit.domain.invoices.returns import (
    LineReversal,
    ReturnReference,
    Settlement,
    references_of,
    settle,
)
from crmkit.domain.invoices.totals import InvoiceTotalsMismatch, TaxAmountMismatch, check_totals
from crmkit.domain.invoices.values import (
    INVOICE_NAMESPACE,
    SCT,
    VAT,
    AllowanceCharge,
    ExchangeRate,
    InvoiceId,
    InvoiceImported,
    InvoiceKind,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    RateKind,
    Tax,
    kind_of,
    party_key,
)

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
    "ReturnReference",
    "SalesOrder",
    "Settlement",
    "Tax",
    "TaxAmountMismatch",
    "check_totals",
    "invoice_id_for",
    "kind_of",
    "party_key",
    "references_of",
    "settle",
]
