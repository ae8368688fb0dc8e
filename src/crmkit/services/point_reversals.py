"""What a return takes back of the points its originals earned (§7 V1, V8), for the earning job.

:func:`reversals` brings each original line's reversals up to
``proportional(earned, returned so far, sold)`` — a cumulative figure, so several
partial returns take back exactly what was earned in total and never more, and a
reversal run twice (or by the return and by its late original) adds nothing the
second time. Points already spent are taken all the same: the lot goes below zero and
the entry's reason names what is owed. The returned quantities come from the invoice
import (:mod:`crmkit.services.return_matching`), whichever of a return and its original
was imported first. When a return's quantity moves to another original (an older one it
cites arrives later, V1) the share comes back as a positive ``adjust`` entry; the matching
job and the repair (:mod:`crmkit.services.return_repair`) write their corrections as
``adjust`` entries, which the storage audits (C12).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

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


def _taken(earn: LedgerEntry, stored: Sequence[LedgerEntry]) -> tuple[int, int]:
    """What returns took of an earn entry so far (reversals and return corrections), and how many entries."""
    mine = [
        e
        for e in stored
        if (e.kind in (EntryKind.REVERSE, EntryKind.ADJUST) and e.lot == earn.id)
        or (e.kind is EntryKind.ADJUST and e.key.startswith(f"return:{earn.id}:"))
    ]
    return -sum(e.points for e in mine), len(mine)


def reversals(
    uow: UnitOfWork,
    program: Program,
    originals: Sequence[Invoice],
    staged: Sequence[LedgerEntry],
    cause: Invoice,
    now: datetime,
    new_id: Callable[[], uuid.UUID],
    *,
    correction: str | None = None,
) -> tuple[list[LedgerEntry], int]:
    """Bring each original line's reversals up (or down) to the returned share; the entries and points owed.

    Takes back with a ``reverse`` entry on the earn entry's lot; gives back (a return's
    quantity moved to another original, or a line's returned quantity went down) with a
    positive ``adjust`` entry that opens a lot like the one it gives back to. With
    ``correction`` (the reason's opening words, from the matching job and the repair) every
    entry is an ``adjust`` — audited (C12) — and a take draws on the earn entry's lot.

    Each entry's key is ``return:<earn entry>:<n>``, the n-th return entry of that lot,
    whichever path writes it: of two runs at once that read the same ledger (the earning
    of a return and a correction of its original after another import matched it, say)
    the second is refused, and runs again on what the first wrote — so a lot's return
    entries are written one after the other, each on all the ones before it.

    Args:
        uow: the earning's unit of work.
        program: the program whose entries are reversed.
        originals: the invoices whose returned lines are looked at.
        staged: entries computed in this batch, not appended yet.
        cause: the invoice being processed (the return, or the original earned after it).
        now: the recording time.
        new_id: makes entry ids.
        correction: a repair's reason prefix; ``None`` for the earning job's own reversals.
    """
    if not originals:
        return [], 0
    returned = uow.invoices.returned_quantities([o.id for o in originals])
    sources = {f"invoice:{o.id}:{line.number}" for o in originals for line in o.lines}
    stored = [e for e in uow.points.by_source(sources) if e.program == program.code]
    stored += [e for e in staged if e.source in sources and e.program == program.code]
    sold = {(str(o.id), line.number): line.quantity for o in originals for line in o.lines}
    quantity = {(str(k[0]), k[1]): q for k, q in returned.items()}
    entries: list[LedgerEntry] = []
    owed = 0
    for earn in (e for e in stored if e.kind is EntryKind.EARN):
        _, invoice_id, line_no = earn.source.split(":")
        key = (invoice_id, int(line_no))
        back = quantity.get(key, Decimal(0))
        target = proportional(earn.points, back, sold[key])
        already, count = _taken(earn, stored)
        take = target - already
        if take == 0:
            continue
        reason = f"return {cause.number}: {back} of {sold[key]} returned"
        if correction is not None:
            reason = f"{correction}; {back} of {sold[key]} returned"
        if take < 0:  # given back: a new lot like the one the points came from
            entries.append(
                LedgerEntry(
                    id=new_id(),
                    key=f"return:{earn.id}:{count}",
                    program=program.code,
                    role=earn.role,
                    party=earn.party,
                    kind=EntryKind.ADJUST,
                    points=-take,
                    reason=f"{reason}; {-take} points given back"[:500],
                    source=earn.source,
                    on=cause.issue_date,
                    recorded_at=now,
                    spendable_from=earn.spendable_from,
                    expires_on=earn.expires_on,
                    store=earn.store,
                )
            )
            continue
        ledger = uow.points.entries((program.code, earn.role, earn.party))
        remaining = next(
            (lot.remaining for lot in lots([*ledger, *staged, *entries]) if lot.id == earn.id), earn.points
        )
        short = max(0, take - max(remaining, 0))
        owed += short
        if short:
            reason += f"; {short} points were already spent and are owed"
        kind = EntryKind.REVERSE if correction is None else EntryKind.ADJUST
        entries.append(
            LedgerEntry(
                id=new_id(),
                key=f"return:{earn.id}:{count}",
                program=program.code,
                role=earn.role,
                party=earn.party,
                kind=kind,
                points=-take,
                reason=reason[:500],
                source=earn.source,
                on=cause.issue_date,
                recorded_at=now,
                lot=earn.id,
            )
        )
    return entries, owed
