"""Returns matched to the originals they cancel, whichever is imported first (§7 V1, V8).

Part of the invoice import (``invoice_import``), in the
transaction that stores a batch:

1. **Returns imported before** an invoice of the batch: the storage's return
   references (migration 0024) are looked up by the batch's identities (seller,
   number) — one index look-up per thousand invoices — and what waits of each
   such return is taken back from the newly imported originals
   (``match_waiting``): never more than an original
   has left; what it cannot take is named in the warnings.
2. **Returns of the batch**: matched to the originals they cite that are stored
   or in the batch (``match_return``; a return that
   takes back more than its known originals have left is refused, as before). A
   return that cites originals not imported yet gives the known ones what they
   can take and the rest **waits** for the missing ones.

Every return of the batch stores its references, so a later original finds it.
The returned quantities it records are what the earning job reverses points by
(V8): an original earned after its returns gives back their share, for all three
parties, whatever the order of the import.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import (
    Invoice,
    InvoiceId,
    LineReversal,
    ReturnReference,
    match_return,
    match_waiting,
    references_of,
)
from crmkit.ports.storage import UnitOfWork

__all__ = ["Imported", "ReturnMatch", "match_returns"]


@attrs.frozen
class Imported:
    """An invoice of the batch being imported, with where it was read and its warnings (appended to).

    Attributes:
        invoice: the invoice.
        location: where it was read, prefixed to its warnings.
        warnings: the invoice's warnings; matching adds to them.
    """

    invoice: Invoice
    location: str
    warnings: list[str]


@attrs.define
class ReturnMatch:
    """What matching a batch's returns decided; the import writes it with the batch.

    Attributes:
        refused: returns of the batch refused, by id, with the reason.
        reversals: quantities the originals' lines give back (earlier and new returns).
        references: the references of the batch's returns not refused.
        waiting: stored references whose waiting quantity changed.
    """

    refused: dict[InvoiceId, str] = attrs.Factory(dict)
    reversals: list[LineReversal] = attrs.Factory(list)
    references: list[ReturnReference] = attrs.Factory(list)
    waiting: list[ReturnReference] = attrs.Factory(list)


def match_returns(uow: UnitOfWork, batch: Sequence[Imported]) -> ReturnMatch:
    """Match the batch's originals to earlier returns, and the batch's returns to their originals."""
    found = ReturnMatch()
    in_batch = {(i.invoice.seller_key, i.invoice.number): i for i in batch}
    returned: dict[tuple[InvoiceId, int], Decimal] = {}  # given back within this batch
    _earlier_returns(uow, in_batch, returned, found)
    for item in batch:
        if item.invoice.is_return:
            _new_return(uow, item, in_batch, returned, found)
    return found


def _add(returned: dict[tuple[InvoiceId, int], Decimal], reversals: Sequence[LineReversal]) -> None:
    for r in reversals:
        key = (r.original, r.line_number)
        returned[key] = returned.get(key, Decimal(0)) + r.quantity


def _cited(ret: Invoice) -> list[str]:
    return list(dict.fromkeys(ref.number for ref in ret.references))


def _earlier_returns(
    uow: UnitOfWork,
    in_batch: dict[tuple[str, str], Imported],
    returned: dict[tuple[InvoiceId, int], Decimal],
    found: ReturnMatch,
) -> None:
    """What stored returns wait for of this batch's invoices: taken back from them now."""
    waiting: dict[InvoiceId, dict[int, Decimal]] = {}
    for ref in uow.invoices.waiting_returns(in_batch):
        waiting.setdefault(ref.return_id, {})[ref.line_number] = ref.waiting
    returns = sorted((uow.invoices.get(r) for r in waiting), key=lambda r: (r.issued_at, r.number, r.id))
    for ret in returns:
        arrived = [in_batch[(ret.buyer.key, n)] for n in _cited(ret) if (ret.buyer.key, n) in in_batch]
        originals = [a.invoice for a in arrived]
        reversals, left = match_waiting(ret, waiting[ret.id], originals, returned)
        _add(returned, reversals)
        found.reversals.extend(reversals)
        found.waiting.extend(
            ReturnReference(ret.buyer.key, n, ret.id, line, left.get(line, Decimal(0)))
            for n in _cited(ret)
            for line in waiting[ret.id]
        )
        if left:
            missing = _missing(uow, ret, in_batch)
            for line in ret.lines:
                if left.get(line.number):
                    rest = (
                        f"waits for {', '.join(missing)}"
                        if missing
                        else "is more than the invoices it cancels have left; it is not reversed"
                    )
                    arrived[0].warnings.append(
                        f"{arrived[0].location}: return {ret.number} line {line.number}: {left[line.number]}"
                        f" of {line.product_name!r} (imported before {arrived[0].invoice.number}) {rest}"
                    )


def _missing(uow: UnitOfWork, ret: Invoice, in_batch: dict[tuple[str, str], Imported]) -> list[str]:
    """The numbers ``ret`` cites that are neither stored nor in the batch."""
    numbers = [n for n in _cited(ret) if (ret.buyer.key, n) not in in_batch]
    stored = {(k.seller_key, k.number) for k in uow.invoices.known((), numbers)} if numbers else set()
    return [n for n in numbers if (ret.buyer.key, n) not in stored]


def _new_return(
    uow: UnitOfWork,
    item: Imported,
    in_batch: dict[tuple[str, str], Imported],
    returned: dict[tuple[InvoiceId, int], Decimal],
    found: ReturnMatch,
) -> None:
    """Match a return of the batch to its known originals; what the missing ones must give waits."""
    ret = item.invoice
    seller = ret.buyer.key  # the original's seller is the return's buyer
    originals: list[Invoice] = []
    missing: list[str] = []
    for number in _cited(ret):
        batch_original = in_batch.get((seller, number))
        original = batch_original.invoice if batch_original else uow.invoices.by_number(seller, number)
        if original is None:
            missing.append(number)
            item.warnings.append(
                f"{item.location}: return {ret.number}: the invoice it cancels, {number} of {seller},"
                " is not imported yet; what it takes back waits for it"
            )
        else:
            originals.append(original)
    so_far = uow.invoices.returned_quantities([o.id for o in originals]) if originals else {}
    for key, quantity in returned.items():
        so_far[key] = so_far.get(key, Decimal(0)) + quantity
    everything = {line.number: abs(line.quantity) for line in ret.lines}
    if missing:
        reversals, left = match_waiting(ret, everything, originals, so_far)
    else:
        try:
            reversals, warnings = match_return(ret, originals, so_far)
        except ValidationError as error:
            found.refused[ret.id] = error.reason
            return
        item.warnings.extend(f"{item.location}: {w}" for w in warnings)
        left = {}
    _add(returned, reversals)
    found.reversals.extend(reversals)
    found.references.extend(references_of(ret, left))
