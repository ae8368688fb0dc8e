"""The return jobs: match waiting returns, repair what older versions matched wrongly (§7 V1, V8; C12).

System operations (A8: run by the import and by scheduled jobs, not by an employee):

* :meth:`ReturnRepair.correct` brings the points of originals whose returned
  quantities changed to what they should give back, for the three parties — the
  invoice import calls it after each batch for the originals its matching moved.
* :meth:`ReturnRepair.recheck` re-reads, under the sellers' ``return_locks``, the
  returned quantities of originals just earned and corrects those a concurrent
  matching may have moved — the earning job calls it after each committed batch.
* :meth:`ReturnRepair.match_waiting` — **the matching job**: every return that waits
  for an original now stored is settled (:func:`~crmkit.services.return_matching.rematch`)
  and its originals' points corrected. The import already does this after each
  commit; the job is the safety net for a process that stopped between a commit and
  that step. Run it on a schedule.
* :meth:`ReturnRepair.repair` — **the repair**: every stored return is settled again
  from the stored invoices (by ``crmkit.domain.invoices.settle``: returns by issue
  time and number, each to its cited originals oldest first, never more than an
  original sold, V8), the originals' returned quantities are set to that, and every
  cited original's points are compared with what its returned quantities take back.
  The difference is appended as ``adjust`` entries (a take draws on the earned lot, a
  give-back opens a lot like it), with the returns in the reason and the original's
  line as source, and audited (C12); no entry is edited. It mends what versions
  before migration 0024 left: a return imported before its original reversed
  nothing, and one citing several originals was split by arrival order.

All three are idempotent: a second run reads the corrections of the first and
appends nothing; two runs at once write the same entry keys and the second is refused
and finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from crmkit.domain.errors import ConcurrencyConflict, Duplicate
from crmkit.domain.invoices import Invoice, InvoiceId
from crmkit.domain.point_ledger import EntryKind
from crmkit.services.base import ServiceBase
from crmkit.services.point_reversals import reversals
from crmkit.services.return_matching import TRIES, rematch_in

__all__ = ["RepairReport", "ReturnRepair"]

_PAGE = 1000


@attrs.define
class RepairReport:
    """What a return job did.

    Attributes:
        sellers: sellers whose returns were settled again.
        lines: original lines whose returned quantity changed.
        originals: originals whose points were looked at.
        taken: points taken back by the corrections.
        given: points given back by the corrections.
        owed: points taken back that were already spent.
        warnings: returns that take back more than their originals have left.
    """

    sellers: int = 0
    lines: int = 0
    originals: int = 0
    taken: int = 0
    given: int = 0
    owed: int = 0
    warnings: list[str] = attrs.Factory(list)

    def add(self, other: RepairReport) -> None:
        """Add another report's counts and warnings to this one."""
        for field in attrs.fields(RepairReport):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _when(invoice: Invoice) -> tuple[object, str, str]:
    return (invoice.issued_at, invoice.number, str(invoice.id))


class ReturnRepair(ServiceBase):
    """The return jobs and the points' corrections (system operations; see the module)."""

    def correct(self, originals: Iterable[InvoiceId], *, why: str = "matched again") -> RepairReport:
        """Bring these originals' points to what their returned quantities take back (idempotent).

        Args:
            originals: stored original invoices.
            why: the opening of the corrections' reasons, after the returns' numbers.
        """
        report = RepairReport()
        ids = sorted(set(originals))
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            try:
                report.add(self._correct(chunk, why))
            except Duplicate:  # another run wrote some of these meanwhile: one by one, on what it did
                for one in chunk:
                    try:
                        report.add(self._correct([one], why))
                    except Duplicate:  # pragma: no cover - a third run at once; its work stands
                        continue
        return report

    def recheck(
        self, originals: Sequence[Invoice], returned: Iterable[InvoiceId] = (), *, why: str
    ) -> RepairReport:
        """After an earning commit: correct the originals a concurrent matching moved (V1, V8).

        A matching that moves a return onto (or off) an original while another unit of work
        earns it corrects the points before the earn commits, so it sees none. This reads the
        originals' returned quantities again in a unit of work that first takes their sellers'
        ``return_locks`` (waiting for a matching holding one) and corrects every original that has
        any, and those in ``returned`` (what the earning read as returned), by :meth:`correct`.

        Args:
            originals: the original invoices just earned (committed).
            returned: the ones the earning took returns back from.
            why: the opening of the corrections' reasons.
        """
        ids = [i.id for i in originals]
        if not ids:
            return RepairReport()
        for attempt in range(TRIES):  # memory refuses the commit when a matching committed meanwhile
            try:
                with self._work(None) as uow:
                    uow.invoices.lock_returns({i.seller_key for i in originals})
                    moved = {key[0] for key in uow.invoices.returned_quantities(ids)}
                break
            except ConcurrencyConflict:
                if attempt == TRIES - 1:
                    raise
        return self.correct(moved | set(returned), why=why)

    def _correct(self, ids: Sequence[InvoiceId], why: str) -> RepairReport:
        report = RepairReport()
        with self._work(None) as uow:
            programs = uow.points.programs()
            for invoice_id in ids:
                original = uow.invoices.get(invoice_id)
                citing = uow.invoices.references_citing([(original.seller_key, original.number)])
                returns = sorted((uow.invoices.get(r) for r in {c.return_id for c in citing}), key=_when)
                cause = returns[-1] if returns else original
                names = ", ".join(r.number for r in returns[:5]) + ("…" if len(returns) > 5 else "")
                report.originals += 1
                for program in programs:
                    entries, owed = reversals(
                        uow, program, [original], [], cause, self._now(), self._new_id,
                        correction=f"returns {names or 'none'} {why}",
                    )  # fmt: skip
                    uow.points.append(entries)
                    report.owed += owed
                    for e in entries:
                        if e.kind is EntryKind.ADJUST and e.points > 0:
                            report.given += e.points
                        else:
                            report.taken -= e.points
        return report

    def _settle(self, identities: Iterable[tuple[str, str]], why: str) -> tuple[RepairReport, set[InvoiceId]]:
        """Settle each seller's groups in its own unit of work (its lock first); the changed originals."""
        by_seller: dict[str, set[tuple[str, str]]] = {}
        for identity in identities:
            by_seller.setdefault(identity[0], set()).add(identity)
        report = RepairReport()
        changed: set[InvoiceId] = set()
        for seller in sorted(by_seller):
            found = rematch_in(lambda: self._work(None), by_seller[seller])
            report.sellers += 1
            report.lines += len(found.reversals)
            report.warnings += found.warnings
            changed |= found.changed
        return report, changed

    def _references(self, *, waiting: bool) -> set[tuple[str, str]]:
        """The identities the stored references cite (only those with a quantity waiting, or all)."""
        found: set[tuple[str, str]] = set()
        after = None
        with self._work(None) as uow:
            while True:
                page = uow.invoices.reference_page(after, limit=_PAGE, waiting=waiting)
                found.update((r.seller_key, r.number) for r in page)
                if len(page) < _PAGE:
                    return found
                last = page[-1]
                after = (last.seller_key, last.number, last.return_id, last.line_number)

    def _stored(self, identities: set[tuple[str, str]]) -> dict[tuple[str, str], InvoiceId]:
        """Which of ``identities`` are stored invoices, by identity."""
        numbers = sorted({number for _, number in identities})
        with self._work(None) as uow:
            keys = uow.invoices.known((), numbers) if numbers else []
        return {(k.seller_key, k.number): k.id for k in keys if (k.seller_key, k.number) in identities}

    def match_waiting(self) -> RepairReport:
        """The matching job: settle every return waiting for an original that is now stored (idempotent)."""
        stored = self._stored(self._references(waiting=True))
        report, changed = self._settle(stored, "matched by the matching job")
        report.add(self.correct(changed, why="matched by the matching job"))
        return report

    def repair(self) -> RepairReport:
        """The repair: settle every stored return again and correct every cited original's points."""
        cited = self._references(waiting=False)
        report, _ = self._settle(cited, "repaired")
        report.add(self.correct(self._stored(cited).values(), why="repaired"))
        return report
