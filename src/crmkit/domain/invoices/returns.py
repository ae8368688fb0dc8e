"""Returns (*iade*): which lines of the original invoices a return takes back (V1)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices.invoice import Invoice
from crmkit.domain.invoices.values import InvoiceId, InvoiceLine

__all__ = ["LineReversal", "match_return"]


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
