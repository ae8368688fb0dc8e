"""Returns matched to the originals they cancel, whichever is imported first (§7 V1, V8).

One rule decides what a return takes back: ``settle`` (``crmkit.domain.invoices``),
from the stored invoices alone — returns by issue time, number and id; each line to
its cited originals **oldest issue time first, then number**, each up to what it has
left. The outcome depends on which invoices are stored, never on the order or the
batching of their import (nor on which of two concurrent imports commits first).

1. **In the import's transaction** (:func:`match_returns`): the batch's originals and
   returns, the stored returns that cite them (the return references of migration
   0024: one index look-up per thousand invoices) and the originals those cite form a
   group, which is settled again; the stored originals' returned quantities move by
   the difference, and each reference keeps what still waits for an original not
   imported yet. A new return that takes back more than its originals have left is
   refused when every original its group cites is known (else a return waiting for
   a missing one may still move there and leave room: it is kept, and named in the
   warnings while too much).
2. **After the commit** (:func:`rematch`, called by the import for its batch and by
   the matching job ``ReturnRepair.match_waiting``): the same, in a unit of
   work that first writes the sellers' ``return_locks`` rows (migration 0029). Two
   imports running at once, one holding a return and the other its original, cannot
   see each other's uncommitted rows; but whichever commits last settles the group
   after both committed, and two such settlements of one seller take turns on the lock
   — so a return never waits for an original that is stored.

Every changed original is named (``changed``) so its points are brought to what it
should have given back (:mod:`crmkit.services.point_reversals`, V8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal

import attrs

from crmkit.domain.errors import ConcurrencyConflict
from crmkit.domain.invoices import (
    Invoice,
    InvoiceId,
    LineReversal,
    ReturnReference,
    Settlement,
    settle,
)
from crmkit.ports.storage import UnitOfWork

__all__ = [
    "Group",
    "Imported",
    "ReturnMatch",
    "group_of",
    "match_returns",
    "rematch",
    "rematch_in",
]

TRIES = 5
"""How often :func:`rematch_in` runs a matching that met another one of the same seller."""

_ZERO = Decimal(0)


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
    """What matching decided; the import (or :func:`rematch`) writes it.

    Attributes:
        refused: returns of the batch refused, by id, with the reason.
        reversals: signed changes of the originals' returned quantities and amounts.
        references: the references of the batch's returns not refused.
        waiting: stored references whose waiting quantity changed.
        changed: stored originals whose returned quantities changed (their points follow, V8).
        returns: per changed original, the returns that cite it (they name the points' corrections).
        warnings: what matching noticed outside the batch (:func:`rematch`).
        identities: the batch's originals and what its returns cite (seller key, number).
        sellers: the buyers of the batch's returns (the sellers of what they cite).
    """

    refused: dict[InvoiceId, str] = attrs.Factory(dict)
    reversals: list[LineReversal] = attrs.Factory(list)
    references: list[ReturnReference] = attrs.Factory(list)
    waiting: list[ReturnReference] = attrs.Factory(list)
    changed: set[InvoiceId] = attrs.Factory(set)
    returns: dict[InvoiceId, list[Invoice]] = attrs.Factory(dict)
    warnings: list[str] = attrs.Factory(list)
    identities: set[tuple[str, str]] = attrs.Factory(set)
    sellers: set[str] = attrs.Factory(set)


@attrs.define
class Group:
    """Returns and the originals they cite, closed under "cites" and "is cited by" (one seller's).

    Attributes:
        returns: the returns, by id.
        originals: the cited originals that are stored (or in the batch), by identity.
        references: the stored references of the stored returns.
    """

    returns: dict[InvoiceId, Invoice] = attrs.Factory(dict)
    originals: dict[tuple[str, str], Invoice] = attrs.Factory(dict)
    references: list[ReturnReference] = attrs.Factory(list)


def _cited(ret: Invoice) -> list[tuple[str, str]]:
    return [(ret.buyer.key, n) for n in dict.fromkeys(ref.number for ref in ret.references)]


def group_of(
    uow: UnitOfWork,
    start: Iterable[tuple[str, str]],
    batch_originals: dict[tuple[str, str], Invoice] | None = None,
    batch_returns: Sequence[Invoice] = (),
) -> Group:
    """The returns citing ``start`` (stored, or of the batch), their originals, and so on until closed."""
    batch_originals = batch_originals or {}
    group = Group(returns={r.id: r for r in batch_returns})
    asked: set[tuple[str, str]] = set()
    looked: set[tuple[str, str]] = set()
    frontier = set(start)
    while frontier:
        asked |= frontier
        found = uow.invoices.references_citing(frontier)
        group.references += found
        for return_id in sorted({r.return_id for r in found} - group.returns.keys()):
            group.returns[return_id] = uow.invoices.get(return_id)
        cited = {c for r in group.returns.values() for c in _cited(r)}
        for identity in sorted(cited - looked):
            looked.add(identity)
            original = batch_originals.get(identity) or uow.invoices.by_number(*identity)
            if original is not None:
                group.originals[identity] = original
        frontier = cited - asked
    return group


def _differences(
    uow: UnitOfWork, group: Group, settled: Settlement, found: ReturnMatch, new: set[InvoiceId]
) -> None:
    """The returned quantities' and the references' changes from what is stored to ``settled``."""
    citing: dict[tuple[str, str], list[Invoice]] = {}
    for ret in group.returns.values():
        if ret.id not in settled.refused:
            for identity in _cited(ret):
                citing.setdefault(identity, []).append(ret)
    for identity, original in sorted(group.originals.items()):
        stored = {} if original.id in new else uow.invoices.returned_amounts(original.id)
        for line in original.lines:
            was = stored.get(line.number, (_ZERO, _ZERO))
            now = settled.returned.get((original.id, line.number), (_ZERO, _ZERO))
            if was != now:
                moved = LineReversal(original.id, line.number, now[0] - was[0], now[1] - was[1])
                found.reversals.append(moved)
                if original.id not in new:
                    found.changed.add(original.id)
                    found.returns[original.id] = citing.get(identity, [])
    for ref in group.references:
        ret = group.returns[ref.return_id]
        cited = next((ln for ln in ret.lines if ln.number == ref.line_number), None)
        left = _ZERO if cited is None else settled.waits(ret, ref.number, cited)
        if left != ref.waiting:
            found.waiting.append(attrs.evolve(ref, waiting=left))


def _excess_warnings(ret: Invoice, settled: Settlement) -> list[str]:
    lines = {line.number: line for line in ret.lines}
    return [
        f"return {ret.number} line {n}: {q} of {lines[n].product_name!r} is more than the invoices it cancels"
        " have left (or is on none of them); it is not reversed"
        for n, q in sorted(settled.excess.get(ret.id, {}).items())
    ]


def match_returns(uow: UnitOfWork, batch: Sequence[Imported]) -> ReturnMatch:
    """Settle the groups of the batch's originals and returns (in the import's transaction)."""
    found = ReturnMatch()
    originals: dict[tuple[str, str], Imported] = {}
    returns: list[Imported] = []
    for item in batch:  # each invoice's kind and identity worked out once
        invoice = item.invoice
        if invoice.is_return:
            returns.append(item)
            found.identities.update(_cited(invoice))
            found.sellers.add(invoice.buyer.key)
        else:
            originals[(invoice.seller_key, invoice.number)] = item
    found.identities.update(originals)
    group = group_of(
        uow, found.identities, {k: i.invoice for k, i in originals.items()}, [i.invoice for i in returns]
    )
    if not group.returns:
        return found
    new = {i.invoice.id for i in batch}
    settled = settle(group.returns.values(), group.originals, frozenset(i.invoice.id for i in returns))
    found.refused = dict(settled.refused)
    _differences(uow, group, settled, found, new)
    for item in returns:
        ret = item.invoice
        if ret.id in settled.refused:
            continue
        for seller, number in _cited(ret):
            if (seller, number) not in group.originals:
                item.warnings.append(
                    f"{item.location}: return {ret.number}: the invoice it cancels, {number} of {seller},"
                    " is not imported yet; what it takes back waits for it"
                )
        found.references.extend(
            ReturnReference(seller, number, ret.id, line.number, settled.waits(ret, number, line))
            for seller, number in _cited(ret)
            for line in ret.lines
        )
    for ret in sorted(group.returns.values(), key=lambda r: (r.issued_at, r.number)):
        if ret.id in settled.refused or ret.id not in settled.excess:
            continue
        holder = next(
            (i for i in batch if i.invoice.id == ret.id),
            next((originals[c] for c in _cited(ret) if c in originals), None),
        )
        if holder is not None:
            holder.warnings.extend(f"{holder.location}: {w}" for w in _excess_warnings(ret, settled))
    return found


def rematch(uow: UnitOfWork, identities: Iterable[tuple[str, str]]) -> ReturnMatch:
    """Settle the stored groups of ``identities`` again and write what changed (after a commit, or a job).

    Its unit of work first writes the sellers' ``return_locks`` rows (migration 0029):
    call it on a fresh unit of work, before anything else is read, so that a second
    matching of the same seller waits for the first and then reads what it committed.
    """
    wanted = set(identities)
    found = ReturnMatch()
    if not wanted:
        return found
    uow.invoices.lock_returns({seller for seller, _ in wanted})
    group = group_of(uow, wanted)
    if not group.returns:
        return found
    settled = settle(group.returns.values(), group.originals)
    _differences(uow, group, settled, found, set())
    if found.reversals:
        uow.invoices.record_reversals(found.reversals)
    uow.invoices.set_waiting(found.waiting)
    if found.changed:
        for ret in group.returns.values():
            found.warnings.extend(_excess_warnings(ret, settled))
    return found


def rematch_in(
    work: Callable[[], AbstractContextManager[UnitOfWork]], identities: Iterable[tuple[str, str]]
) -> ReturnMatch:
    """:func:`rematch` in a fresh unit of work from ``work``, again when it met a concurrent one.

    Raises:
        ConcurrencyConflict: it met another matching ``TRIES`` times running.
    """
    wanted = set(identities)
    for attempt in range(TRIES):
        try:
            with work() as uow:
                return rematch(uow, wanted)
        except ConcurrencyConflict:
            if attempt == TRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
