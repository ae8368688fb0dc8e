"""The arithmetic rules of an invoice: lines add up, per-unit taxes, soft inconsistencies as warnings (V1)."""

from __future__ import annotations

import functools
from decimal import Decimal

from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices.invoice import Invoice
from crmkit.domain.money import minor_units

__all__ = ["InvoiceTotalsMismatch", "TaxAmountMismatch", "check_totals"]


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
        than rounding, a tax-exclusive total that is not line extension − allowances +
        charges, a tax-inclusive total that is not tax-exclusive + taxes, a
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
    else:
        warnings.extend(_check_tax_exclusive(invoice, net, slack))
    taxes = sum((invoice.owed(t) for t in invoice.taxes if not t.withholding), Decimal(0))
    if invoice.taxes and abs(totals.tax_exclusive + taxes - totals.tax_inclusive) > _tolerance(
        invoice.currency, len(invoice.taxes)
    ):
        warnings.append(
            f"invoice {invoice.number}: tax-exclusive {totals.tax_exclusive} + taxes {taxes}"
            f" ≠ tax-inclusive {totals.tax_inclusive}"
        )
    return tuple(warnings)


def _check_tax_exclusive(invoice: Invoice, net: Decimal, slack: Decimal) -> list[str]:
    """Tax-exclusive against line extension − ``AllowanceTotalAmount`` + ``ChargeTotalAmount`` (V1).

    For a document without allowance/charge entries. GİB's ``ISTISNA-1.xml`` states
    26475 for lines of 22425 with nothing to explain the 4050. An allowance total that
    only reports line discounts the lines already took (the lines' ``net`` sum) passes too.
    """
    totals = invoice.totals
    expected = totals.line_extension - totals.allowance + totals.charge
    tolerance = max(slack, _tolerance(invoice.currency, 2))
    if abs(expected - totals.tax_exclusive) <= tolerance or abs(net - totals.tax_exclusive) <= tolerance:
        return []
    return [
        f"invoice {invoice.number}: tax-exclusive {totals.tax_exclusive} ≠ line extension"
        f" {totals.line_extension} − allowances {totals.allowance} + charges {totals.charge} = {expected};"
        f" nothing in the document explains the difference of {totals.tax_exclusive - expected}"
    ]


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
