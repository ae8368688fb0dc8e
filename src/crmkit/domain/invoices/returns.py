"""Returns (*iade*): which lines of the original invoices a return takes back (V1).

A return may arrive before the invoice it cancels (an ERP export is not in
document order). What no known original could take back then **waits**: each
:class:`ReturnReference` names an original the return cites by its identity
(the original's seller — the return's buyer — and number), one of the return's
lines, and how much of that line waits. When the original is imported,
:func:`match_waiting` gives it what waits, so returned quantities (and the points
a return reverses, V8) do not depend on the order of the import.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices.invoice import Invoice
from crmkit.domain.invoices.values import InvoiceId, InvoiceLine

__all__ = ["LineReversal", "ReturnReference", "match_return", "match_waiting", "references_of"]


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


@attrs.frozen
class ReturnReference:
    """A line of a return and an original it cites, with what of the line waits for an original (V1).

    Attributes:
        seller_key: the cited original's seller (the return's buyer key).
        number: the cited original's number.
        return_id: the return invoice.
        line_number: the return's line.
        waiting: the part of that line's quantity no original took back yet (0: all matched).
    """

    seller_key: str
    number: str
    return_id: InvoiceId
    line_number: int
    waiting: Decimal


def references_of(ret: Invoice, waiting: dict[int, Decimal]) -> list[ReturnReference]:
    """One reference per cited original and return line, with the line's ``waiting`` quantity (else 0).

    >>> from datetime import datetime, timezone
    >>> from crmkit.domain.invoices import (InvoiceLine, InvoiceParty, InvoiceReference, InvoiceTotals,
    ...     invoice_id_for)
    >>> line = InvoiceLine(number=1, product_name="Kombi", quantity=Decimal(1),
    ...                    unit_price=Decimal(5), line_extension=Decimal(5))
    >>> ret = Invoice(id=invoice_id_for("1", "R1"), number="R1",
    ...     issued_at=datetime(2026, 3, 2, tzinfo=timezone.utc), currency="TRY",
    ...     seller=InvoiceParty("Alıcı"), buyer=InvoiceParty("Satıcı", tax_no="9205121120"),
    ...     lines=(line,), totals=InvoiceTotals.of(Decimal(5), payable=Decimal(5)), type_code="IADE",
    ...     references=(InvoiceReference("A1"), InvoiceReference("A1"), InvoiceReference("A2")))
    >>> [(r.number, r.line_number, r.waiting) for r in references_of(ret, {1: Decimal(1)})]
    [('A1', 1, Decimal('1')), ('A2', 1, Decimal('1'))]
    """
    numbers = dict.fromkeys(ref.number for ref in ret.references)
    return [
        ReturnReference(ret.buyer.key, number, ret.id, line.number, waiting.get(line.number, Decimal(0)))
        for number in numbers
        for line in ret.lines
    ]


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
    wanted = {line.number: abs(line.quantity) for line in ret.lines}
    reversals, left, unknown = _allocate(ret, wanted, originals, returned)
    warnings = [
        f"return {ret.number} line {line.number}: {line.product_name!r} is on none of the invoices it cancels"
        for line in ret.lines
        if line.number in unknown
    ]
    for line in ret.lines:
        if left.get(line.number) and line.number not in unknown:
            raise ValidationError(
                "lines",
                f"return {ret.number} line {line.number} takes back {abs(line.quantity)} of"
                f" {line.product_name!r}, more than the cancelled invoices have left",
            )
    return reversals, warnings


def match_waiting(
    ret: Invoice,
    wanted: dict[int, Decimal],
    originals: Iterable[Invoice],
    returned: dict[tuple[InvoiceId, int], Decimal],
) -> tuple[list[LineReversal], dict[int, Decimal]]:
    """Give originals what waits of a return's lines, as far as they have quantity left (V1).

    Like :func:`match_return` (same product, originals in the order given) but for
    ``wanted`` quantities per return line, and never refusing: a return that cites
    originals not imported yet takes back what the known ones can give and the rest
    keeps waiting.

    Returns:
        The reversals, and what still waits per return line (lines with nothing left are left out).
    """
    reversals, left, _ = _allocate(ret, wanted, originals, returned)
    return reversals, left


def _allocate(
    ret: Invoice,
    wanted: dict[int, Decimal],
    originals: Iterable[Invoice],
    returned: dict[tuple[InvoiceId, int], Decimal],
) -> tuple[list[LineReversal], dict[int, Decimal], set[int]]:
    """Each return line's ``wanted`` quantity to the first original lines of its product with some left.

    Returns the reversals, what is left per return line (> 0 only) and the return lines
    whose product is on none of the originals (when there are any).
    """
    candidates = [(o, line) for o in originals for line in o.lines]
    left = {
        (o.id, ln.number): ln.quantity - returned.get((o.id, ln.number), Decimal(0)) for o, ln in candidates
    }
    reversals: list[LineReversal] = []
    rest: dict[int, Decimal] = {}
    unknown: set[int] = set()
    for line in ret.lines:
        want = wanted.get(line.number, Decimal(0))
        if want <= 0:
            continue
        matches = [(o, ln) for o, ln in candidates if _same_product(ln, line)]
        if not matches and candidates:
            unknown.add(line.number)
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
            rest[line.number] = want
    return reversals, rest, unknown
