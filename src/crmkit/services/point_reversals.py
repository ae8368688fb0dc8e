"""What a return takes back of the points its originals earned (§7 V1, V8), for the earning job.

:func:`reversals` brings each original line's reversals up to
``proportional(earned, returned so far, sold)`` — a cumulative figure, so several
partial returns take back exactly what was earned in total and never more, and a
reversal run twice (or by the return and by its late original) adds nothing the
second time. Points already spent are taken all the same: the lot goes below zero and
the entry's reason names what is owed. The returned quantities come from the invoice
import (:mod:`crmkit.services.return_matching`), whichever of a return and its original
was imported first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from crmkit.domain.invoices import Invoice
from crmkit.domain.point_ledger import EntryKind, LedgerEntry, lots
from crmkit.domain.points import Program, proportional
from crmkit.ports.storage import UnitOfWork

__all__ = ["originals_of", "reversals"]


def originals_of(uow: UnitOfWork, ret: Invoice) -> list[Invoice]:
    """The stored invoices a return cites (their seller is the return's buyer)."""
    found: list[Invoice] = []
    for ref in ret.references:
        original = uow.invoices.by_number(ret.buyer.key, ref.number)
        if original is not None:
            found.append(original)
    return found


def reversals(
    uow: UnitOfWork,
    program: Program,
    originals: Sequence[Invoice],
    staged: Sequence[LedgerEntry],
    cause: Invoice,
    now: datetime,
    new_id: Callable[[], uuid.UUID],
) -> tuple[list[LedgerEntry], int]:
    """Bring each original line's reversals up to the returned share; the entries and the owed points.

    Args:
        uow: the earning's unit of work.
        program: the program whose entries are reversed.
        originals: the invoices whose returned lines are looked at.
        staged: entries computed in this batch, not appended yet.
        cause: the invoice being processed (the return, or the original earned after it).
        now: the recording time.
        new_id: makes entry ids.
    """
    if not originals:
        return [], 0
    returned = uow.invoices.returned_quantities([o.id for o in originals])
    if not returned:
        return [], 0
    sources = {f"invoice:{o.id}:{n}" for (o_id, n) in returned for o in originals if o.id == o_id}
    stored = [e for e in uow.points.by_source(sources) if e.program == program.code]
    stored += [e for e in staged if e.source in sources and e.program == program.code]
    sold = {(o.id, line.number): line.quantity for o in originals for line in o.lines}
    entries: list[LedgerEntry] = []
    owed = 0
    for earn in (e for e in stored if e.kind is EntryKind.EARN):
        _, invoice_id, line_no = earn.source.split(":")
        key = next(k for k in returned if str(k[0]) == invoice_id and k[1] == int(line_no))
        target = proportional(earn.points, returned[key], sold[key])
        already = -sum(e.points for e in stored if e.lot == earn.id and e.kind is EntryKind.REVERSE)
        take = target - already
        if take <= 0:
            continue
        ledger = uow.points.entries((program.code, earn.role, earn.party))
        remaining = next(
            (lot.remaining for lot in lots([*ledger, *staged]) if lot.id == earn.id), earn.points
        )
        short = max(0, take - max(remaining, 0))
        owed += short
        reason = f"return {cause.number}: {returned[key]} of {sold[key]} returned"
        if short:
            reason += f"; {short} points were already spent and are owed"
        entries.append(
            LedgerEntry(
                id=new_id(),
                key=f"reverse:{earn.id}:{target}",
                program=program.code,
                role=earn.role,
                party=earn.party,
                kind=EntryKind.REVERSE,
                points=-take,
                reason=reason[:500],
                source=earn.source,
                on=cause.issue_date,
                recorded_at=now,
                lot=earn.id,
            )
        )
    return entries, owed
