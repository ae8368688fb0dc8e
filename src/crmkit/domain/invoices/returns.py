"""Returns (*iade*): which lines of the original invoices a return takes back (V1).

A return may arrive before the invoice it cancels (an ERP export is not in
document order). What no known original could take back then **waits**: each
:class:`ReturnReference` names an original the return cites by its identity
(the original's seller — the return's buyer — and number), one of the return's
lines, and how much of that line waits. When the original is imported,
:func:`settle` gives it what waits, so returned quantities (and the points
a return reverses, V8) do not depend on the order of the import.

:func:`settle` is the one rule that decides what each return takes back, from the
stored invoices alone (so the same whatever came first): returns in the order of
their issue time, number and id; each line to the originals it cites, **oldest
issue time first, then number**, each up to what it has left.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from crmkit.domain.invoices.invoice import Invoice
from crmkit.domain.invoices.values import InvoiceId, InvoiceLine

__all__ = [
    "LineReversal",
    "ReturnReference",
    "Settlement",
    "references_of",
    "settle",
]


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
        waiting: the part of that line's quantity no original took back yet (0: all matched); on a
            reference to an original not imported yet, the whole line (part of it may move there).
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


_Z = Decimal(0)


@attrs.frozen
class Settlement:
    """What a group of returns takes back of its originals, decided by :func:`settle` (V1, V8).

    Attributes:
        returned: per original line ``(invoice id, line number)``: (quantity, net amount) returned.
        waiting: per return, per line, what no stored original took back (lines with nothing left out).
        refused: returns of ``new`` that take back more than their cited originals have left, when
            every original the group's returns cite is known (else a return waiting for a missing
            one may still move to it and leave room).
        excess: per return, the lines (with quantities) that take back more than their cited originals,
            all stored, have left: not reversed, named in warnings.
        missing: per return, the identities it cites that are not in ``originals``.
    """

    returned: dict[tuple[InvoiceId, int], tuple[Decimal, Decimal]]
    waiting: dict[InvoiceId, dict[int, Decimal]]
    refused: dict[InvoiceId, str]
    excess: dict[InvoiceId, dict[int, Decimal]]
    missing: dict[InvoiceId, set[tuple[str, str]]]

    def waits(self, ret: Invoice, number: str, line: InvoiceLine) -> Decimal:
        """What of ``ret``'s ``line`` waits on its reference to the original ``number``.

        For an original not known yet, the whole line (some of it may still move there: it
        is older than one that gave it now, say); for a known one, what no original took.
        """
        if (ret.buyer.key, number) in self.missing.get(ret.id, set()):
            return abs(line.quantity)
        return self.waiting.get(ret.id, {}).get(line.number, _Z)


def _when(invoice: Invoice) -> tuple[object, str, str]:
    return (invoice.issued_at, invoice.number, str(invoice.id))


def settle(
    returns: Iterable[Invoice],
    originals: dict[tuple[str, str], Invoice],
    new: frozenset[InvoiceId] = frozenset(),
) -> Settlement:
    """Match returns to the originals they cite in one order that does not depend on the import (V1, V8).

    Returns are taken by issue time, number and id; each return line goes to the lines of
    the same product on its cited originals that are in ``originals`` (keyed by seller key
    and number; the original's seller is the return's buyer), **oldest issue time first,
    then number**, each up to what it has left after the returns before. What no cited
    original can take waits while one of them is missing; when all are known it is excess
    (a stored return) or the return is refused (one of ``new``, not stored yet, as before).

    >>> from datetime import datetime, timezone
    >>> from crmkit.domain.invoices import (InvoiceLine, InvoiceParty, InvoiceReference, InvoiceTotals,
    ...     invoice_id_for)
    >>> def inv(number, day, qty, cites=()):
    ...     line = InvoiceLine(number=1, product_name="Kombi", product_code="K", quantity=Decimal(qty),
    ...                        unit_price=Decimal(5), line_extension=Decimal(5 * qty))
    ...     a, b = InvoiceParty("S", tax_no="9205121120"), InvoiceParty("B", tax_no="1234567890")
    ...     seller, buyer = (b, a) if cites else (a, b)
    ...     return Invoice(id=invoice_id_for(seller.key, number), number=number,
    ...         issued_at=datetime(2026, 3, day, tzinfo=timezone.utc), currency="TRY", seller=seller,
    ...         buyer=buyer, lines=(line,),
    ...         totals=InvoiceTotals.of(Decimal(5 * qty), payable=Decimal(5 * qty)),
    ...         type_code="IADE" if cites else "SATIS", references=tuple(InvoiceReference(c) for c in cites))
    >>> a1, a2 = inv("A1", 5, 2), inv("A2", 3, 2)   # A2 is the older
    >>> ret = inv("R1", 9, 3, cites=("A1", "A2"))
    >>> done = settle([ret], {("9205121120", "A1"): a1, ("9205121120", "A2"): a2})
    >>> sorted((k[0] == a2.id, q) for k, (q, _) in done.returned.items())
    [(False, Decimal('1')), (True, Decimal('2'))]
    >>> settle([ret], {("9205121120", "A1"): a1}).waiting == {ret.id: {1: Decimal(1)}}
    True
    """
    returned: dict[tuple[InvoiceId, int], tuple[Decimal, Decimal]] = {}
    quantities: dict[tuple[InvoiceId, int], Decimal] = {}
    done = Settlement(returned, {}, {}, {}, {})
    ordered = sorted(returns, key=_when)
    for ret in ordered:
        absent = {(ret.buyer.key, r.number) for r in ret.references} - originals.keys()
        if absent:
            done.missing[ret.id] = absent
    for ret in ordered:
        cited = [(ret.buyer.key, n) for n in dict.fromkeys(ref.number for ref in ret.references)]
        known = sorted((originals[c] for c in cited if c in originals), key=_when)
        missing = ret.id in done.missing
        wanted = {line.number: abs(line.quantity) for line in ret.lines}
        reversals, left, unknown = _allocate(ret, wanted, known, quantities)
        if left and not done.missing and ret.id in new and set(left) - unknown:
            line = next(ln for ln in ret.lines if ln.number in set(left) - unknown)
            done.refused[ret.id] = (
                f"return {ret.number} line {line.number} takes back {abs(line.quantity)} of"
                f" {line.product_name!r}, more than the cancelled invoices have left"
            )
            continue
        for r in reversals:
            key = (r.original, r.line_number)
            quantity, amount = returned.get(key, (Decimal(0), Decimal(0)))
            returned[key] = (quantity + r.quantity, amount + r.amount)
            quantities[key] = quantity + r.quantity
        if left:
            (done.waiting if missing else done.excess)[ret.id] = left
    return done
