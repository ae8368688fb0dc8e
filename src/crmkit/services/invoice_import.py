"""Importing invoices from an invoice source: batches, duplicates, returns, orders (SPEC §7 V1, V2, V10).

The import half of :class:`~crmkit.services.invoices.Invoices` (which adds reading,
delivery and sales orders); see :mod:`crmkit.services.invoices` for what an import guarantees.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import attrs

from crmkit.domain.errors import Duplicate, ValidationError
from crmkit.domain.fields import tax_number_checksum_ok
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.invoices import (
    Invoice,
    InvoiceId,
    SalesOrder,
    check_totals,
)
from crmkit.ports.invoices import (
    CURSOR_MAX,
    InvoiceSource,
    SourceRecord,
    StoredKey,
    check_cursor,
)
from crmkit.ports.storage import UnitOfWork
from crmkit.services.actuals import record_sales
from crmkit.services.base import ServiceBase, ServiceContext
from crmkit.services.return_matching import (
    Imported,
    ReturnMatch,
    match_returns,
    rematch_in,
)
from crmkit.services.status_moves import mark_buyers_potential

__all__ = ["DEFAULT_BATCH_LINES", "ImportReport", "InvoiceImport", "Rejection"]

DEFAULT_BATCH_LINES = 25_000
"""About how many invoice lines one import transaction writes."""


@attrs.frozen
class Rejection:
    """An invoice (or a record that could not become one) that was not imported.

    Attributes:
        location: where it was read (``inbox/a.xml``, ``sales.csv:12-14``).
        reason: why, fit to show to a user.
        number: the invoice number, when it was read that far.
    """

    location: str
    reason: str
    number: str | None = None


@attrs.define
class ImportReport:
    """What an import did (V2).

    Attributes:
        source: the source's URL.
        imported: invoices newly stored.
        lines: their lines.
        duplicates: invoices skipped because they were stored already.
        rejected: invoices (or records) refused, with reasons.
        warnings: what was odd but did not stop an invoice.
        cursor: the last record whose outcome is committed; pass it as ``since`` to resume.
    """

    source: str
    imported: int = 0
    lines: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = attrs.Factory(list)
    warnings: list[str] = attrs.Factory(list)
    cursor: str | None = None


@attrs.define
class _Pending:
    record: SourceRecord
    invoice: Invoice
    warnings: list[str]


def _storable(cursor: str) -> bool:
    """Whether a storage keeps this cursor (see :func:`~crmkit.ports.invoices.check_cursor`)."""
    return 0 < len(cursor) <= CURSOR_MAX


def _no_hook(invoice: Invoice, warnings: tuple[str, ...]) -> None:
    """Do nothing with an imported invoice (no plugin manager wired)."""


@functools.lru_cache(maxsize=4096)
def _checksum_ok(number: str) -> bool:
    """:func:`tax_number_checksum_ok`, remembered: an import meets the same parties again and again."""
    return tax_number_checksum_ok(number)


_LENGTHS = {"VKN": 10, "TCKN": 11}
"""How many digits a number labelled with this scheme has."""


def _tax_number_problem(scheme: str | None, number: str) -> str | None:
    """Why a party's Turkish tax number is wrong, or ``None``: checked as what its scheme says it is.

    A ``VKN`` has 10 digits, a ``TCKN`` 11; an unlabelled 10- or 11-digit number is
    checked as the one its length makes it. Other schemes are not Turkish numbers.
    """
    length = _LENGTHS.get(scheme or "")
    if length is None:
        if scheme not in (None, "TAX") or not number.isdigit() or len(number) not in (10, 11):
            return None
        label = "tax number"
    else:
        label = scheme or ""
        if not number.isascii() or not number.isdigit() or len(number) != length:
            return f"{label} {number} is not {length} digits"
    return None if _checksum_ok(number) else f"{label} {number} fails its checksum"


def _tax_warnings(invoice: Invoice, location: str) -> list[str]:
    warnings = []
    for role, party in (("seller", invoice.seller), ("buyer", invoice.buyer)):
        if party.tax_no is None:
            continue
        problem = _tax_number_problem(party.scheme, party.tax_no)
        if problem is not None:
            warnings.append(f"{location}: invoice {invoice.number}: {role} {problem}")
    return warnings


class InvoiceImport(ServiceBase):
    """Invoice import use cases (V1, V2, V10); :class:`~crmkit.services.invoices.Invoices` adds the rest.

    Args:
        context: the injected ports.
        sources: builds an invoice source from a URL (the plugin registry's ``invoice_source``).
        on_imported: called with each newly imported invoice and its warnings, after its batch commits.
        batch_lines: about how many lines one import transaction writes.
    """

    def __init__(
        self,
        context: ServiceContext,
        *,
        sources: Callable[[str], InvoiceSource] | None = None,
        on_imported: Callable[[Invoice, tuple[str, ...]], None] = _no_hook,
        batch_lines: int = DEFAULT_BATCH_LINES,
    ) -> None:
        super().__init__(context)
        self._sources = sources
        self._on_imported = on_imported
        self._batch_lines = max(batch_lines, 1)

    # -- import (V1, V2) ---------------------------------------------------------------
    def import_from(
        self,
        source: str | InvoiceSource,
        *,
        actor: object,
        since: str | None = None,
        resume: bool = True,
        name: str | None = None,
    ) -> ImportReport:
        """Import every invoice of ``source`` after its stored cursor (or after ``since``).

        The storage keeps each source's resume cursor under ``name`` (default: the
        source's URL), written in the same transaction as the invoices it covers (V2):
        an import starts after the last record whose outcome was committed — by the
        last successful import, or by the batches an interrupted one committed.

        Args:
            source: a URL (``ubl-tr:///srv/inbox``, ``csv:///sales.csv``) or a ready source.
            actor: the employee running the import (must be active).
            since: start after this cursor instead of the stored one.
            resume: ``False`` reads the source from its start (the stored cursor is
                still updated); duplicates are then skipped as always.
            name: the key the cursor is stored under, when not the source's URL.

        Returns:
            The report: imported, duplicates, rejected with reasons, warnings, cursor.

        Raises:
            PermissionDenied: the actor is unknown or may not act.
            UnknownAdapter: no source is registered for the URL's scheme.
            ValidationError: the source cannot be opened, ``since`` (or the stored
                cursor) is not its cursor, or ``name`` is empty or too long.
        """
        if isinstance(source, str):
            if self._sources is None:
                raise ValidationError("source", "no invoice sources are wired; pass an InvoiceSource")
            source = self._sources(source)
        key = source.url if name is None else name
        try:
            check_cursor(key, "-")
        except ValidationError as error:
            raise ValidationError("name", f"the cursor key {key[:60]!r}…: {error.reason}") from None
        with self._ctx.storage.unit_of_work(None) as uow:
            self._acting(uow, actor)
            start = since if since is not None or not resume else uow.invoices.cursor(key)
        return self.import_records(source.read(start), actor=actor, source=source.url, cursor_key=key)

    def import_records(
        self,
        records: Iterable[SourceRecord],
        *,
        actor: object,
        source: str = "",
        cursor_key: str | None = None,
    ) -> ImportReport:
        """Import records already read from a source (see :meth:`import_from`).

        With ``cursor_key``, each committed batch also stores the cursor of its last
        record under that key, in the same transaction (V2).
        """
        return self._import(records, actor, source, cursor_key)

    def _import(
        self, records: Iterable[SourceRecord], actor: object, source: str, cursor_key: str | None
    ) -> ImportReport:
        report = ImportReport(source=source)
        batch: list[_Pending] = []
        lines = 0
        last_cursor: str | None = None
        stored: str | None = None  # the cursor committed by this run
        try:
            for record in records:
                last_cursor = record.cursor
                if cursor_key is not None and not _storable(record.cursor):
                    report.warnings.append(
                        f"{record.location}: cursor {record.cursor[:60]!r}… is empty or longer than"
                        f" {CURSOR_MAX} characters: not stored, the next import will not resume from here"
                    )
                    cursor_key = None  # stop storing cursors for this run; what is stored stays valid
                pending = self._check(record, report)
                if pending is None:
                    if not batch:
                        report.cursor = record.cursor
                    continue
                batch.append(pending)
                lines += len(pending.invoice.lines)
                if lines >= self._batch_lines:
                    self._flush(batch, actor, report, cursor_key, record.cursor)
                    report.cursor = stored = record.cursor
                    batch, lines = [], 0
            if batch:
                self._flush(batch, actor, report, cursor_key, last_cursor)
                stored = last_cursor
            if cursor_key is not None and last_cursor is not None and last_cursor != stored:
                # only rejected records since the last batch: they are reported, move past them
                with self._work(EmployeeId(parse_id("actor", actor))) as uow:
                    uow.invoices.save_cursor(cursor_key, last_cursor)
        except BaseException as error:
            error.add_note(
                f"invoice import from {source or 'records'} stopped after {report.imported} new invoices;"
                f" every invoice is stored whole or not at all; resume with since={report.cursor!r}"
                + ("" if cursor_key is None else " (or import again: the stored cursor resumes there)")
            )
            raise
        if last_cursor is not None:
            report.cursor = last_cursor
        return report

    def _check(self, record: SourceRecord, report: ImportReport) -> _Pending | None:
        invoice = record.invoice
        if invoice is None:
            report.rejected.append(Rejection(record.location, record.error or "unreadable"))
            return None
        try:
            warnings = list(check_totals(invoice))
        except ValidationError as error:
            report.rejected.append(Rejection(record.location, error.reason, invoice.number))
            return None
        located = [w if w.startswith(record.location) else f"{record.location}: {w}" for w in warnings]
        warnings = [*record.warnings, *located, *_tax_warnings(invoice, record.location)]
        return _Pending(record, invoice, warnings)

    def _flush(
        self,
        batch: list[_Pending],
        actor: object,
        report: ImportReport,
        cursor_key: str | None,
        cursor: str | None,
    ) -> None:
        touched = ReturnMatch()  # what the batch's return matching touched (V1, V8)
        try:
            outcome = self._write(batch, actor, cursor_key, cursor, touched)
        except (Duplicate, ValidationError):
            # Someone else stored one of these meanwhile, or one is refused by the storage
            # (a text too long): go one invoice per transaction so the others still import.
            outcome = []
            for pending in batch:
                last = pending is batch[-1]  # the batch's cursor also covers rejected records after it
                try:
                    outcome += self._write(
                        [pending], actor, cursor_key, cursor if last else pending.record.cursor, touched
                    )
                except ValidationError as error:
                    outcome.append((pending, error.reason))
        after = self._rematch(actor, touched)
        report.warnings.extend(after.warnings)
        changed = touched.changed | after.changed
        self._report(outcome, report)
        batch_done = getattr(self._on_imported, "batch_done", None)  # issue 15: a hook that earns per batch
        if batch_done is not None:
            report.warnings.extend(batch_done() or ())  # e.g. a program of another currency (V3)
        returns_changed = getattr(self._on_imported, "returns_changed", None)  # issue 15: points follow
        if returns_changed is not None and changed:
            # the stored originals this batch's matching moved; the originals the hook earned are
            # read again by the hook itself after its commit, under their sellers' return locks,
            # moved onto or off by another import meanwhile (``ReturnRepair.recheck``, V8)
            returns_changed(sorted(changed))

    def _rematch(self, actor: object, touched: ReturnMatch) -> ReturnMatch:
        """After the batch's commit: settle again the returns of its sellers (V1, V8).

        Two imports at once, one with a return and the other with its original, do not see
        each other's uncommitted rows; whichever commits last settles the group here, after
        both committed, under the seller's lock (``return_matching.rematch``).
        One look-up per thousand invoices finds whether any stored return cites the batch.
        """
        identities = touched.identities
        if not identities:
            return ReturnMatch()
        employee = EmployeeId(parse_id("actor", actor))
        with self._work(employee) as uow:
            cited = {(r.seller_key, r.number) for r in uow.invoices.references_citing(identities)}
        sellers = {seller for seller, _ in cited} | touched.sellers
        if not sellers:
            return ReturnMatch()
        # a fresh unit of work: the sellers' lock comes first
        return rematch_in(lambda: self._work(employee), {i for i in identities if i[0] in sellers})

    def _report(self, outcome: list[tuple[_Pending, str]], report: ImportReport) -> None:
        for pending, status in outcome:
            if status == "imported":
                report.imported += 1
                report.lines += len(pending.invoice.lines)
                report.warnings.extend(pending.warnings)
                self._on_imported(pending.invoice, tuple(pending.warnings))
            elif status == "duplicate":
                report.duplicates += 1
                report.warnings.extend(w for w in pending.warnings if "duplicate" in w)
            else:
                report.rejected.append(Rejection(pending.record.location, status, pending.invoice.number))

    def _write(
        self,
        batch: list[_Pending],
        actor: object,
        cursor_key: str | None = None,
        cursor: str | None = None,
        touched: ReturnMatch | None = None,
    ) -> list[tuple[_Pending, str]]:
        """Store one batch (and the cursor it reaches) in one transaction; returns each invoice's outcome."""
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            self._acting(uow, actor)
            outcome = self._classify(uow, batch)
            new = [p for p, status in outcome if status == "imported"]
            # returns and their originals, whichever came first (V1, V8; return references, 0024)
            match = match_returns(uow, [Imported(p.invoice, p.record.location, p.warnings) for p in new])
            outcome = [(p, match.refused.get(p.invoice.id, status)) for p, status in outcome]
            imported = [p for p, status in outcome if status == "imported"]
            stored = [p.invoice for p in imported]
            uow.invoices.add_many(stored)
            buyers = uow.companies.by_tax_nos(_buyer_numbers(stored))  # read once for both below
            record_sales(uow, stored, self._ctx.settings.timezone, buyers)  # Q5 summary
            mark_buyers_potential(uow, stored, self._now(), buyers)  # C5 (issue 14)
            if match.reversals:
                uow.invoices.record_reversals(match.reversals)
            if touched is not None:  # over the batch's tries: a rolled-back one only adds look-ups
                touched.changed |= match.changed
                touched.identities |= match.identities
                touched.sellers |= match.sellers
            uow.invoices.add_return_references(match.references)
            uow.invoices.set_waiting(match.waiting)
            self._mark_orders(uow, imported)
            if cursor_key is not None and cursor is not None:
                uow.invoices.save_cursor(cursor_key, cursor)
        return outcome

    def _classify(self, uow: UnitOfWork, batch: list[_Pending]) -> list[tuple[_Pending, str]]:
        known = uow.invoices.known([p.invoice.id for p in batch], [p.invoice.number for p in batch])
        by_id = {k.id: k for k in known}
        by_key = {(k.seller_key, k.number): k for k in known}
        outcome: list[tuple[_Pending, str]] = []
        holders: dict[InvoiceId, str] = {}  # UUID → the file of this batch that took it
        for pending in batch:
            invoice = pending.invoice
            key = (invoice.seller_key, invoice.number)
            stored = by_id.get(invoice.id)
            if stored is not None and (stored.seller_key, stored.number) != key:
                holder = holders.get(invoice.id) or uow.invoices.get(invoice.id).source or "an earlier import"
                outcome.append(
                    (
                        pending,
                        f"invoice {invoice.number}: its UUID {invoice.id} is already used by invoice"
                        f" {stored.number} of seller {stored.seller_key}, held by {holder}; an invoice is"
                        " identified by its UUID (V1, V2), so this document is not imported",
                    )
                )
                continue
            if stored is not None or key in by_key:
                if stored is None:
                    pending.warnings.append(
                        f"{pending.record.location}: duplicate invoice {invoice.number}"
                        f" of {invoice.seller_key} arrived with another UUID ({invoice.id});"
                        " the stored one is kept"
                    )
                outcome.append((pending, "duplicate"))
                continue
            by_id[invoice.id] = StoredKey(invoice.id, invoice.seller_key, invoice.number)
            holders[invoice.id] = invoice.source or pending.record.location
            by_key[key] = by_id[invoice.id]
            outcome.append((pending, "imported"))
        return outcome

    def _mark_orders(self, uow: UnitOfWork, imported: list[_Pending]) -> None:
        """Mark the order lines the imported invoices deliver as invoiced (V10)."""
        numbers = {line.order_number for p in imported for line in p.invoice.lines if line.order_number}
        if not numbers:
            return
        orders = uow.invoices.orders(numbers)
        changed: dict[str, SalesOrder] = {}
        for pending in imported:
            invoice = pending.invoice
            for line in invoice.lines:
                if line.order_number is None:
                    continue
                order = changed.get(line.order_number) or orders.get(line.order_number)
                if order is None:
                    pending.warnings.append(
                        f"{pending.record.location}: invoice {invoice.number} line {line.number}:"
                        f" order {line.order_number} is not known"
                    )
                    continue
                updated, matched = order.invoiced_by(line, invoice.sign)
                if matched is None:
                    pending.warnings.append(
                        f"{pending.record.location}: invoice {invoice.number} line {line.number}:"
                        f" {line.product_name!r} is not on order {order.number}"
                    )
                    continue
                changed[order.number] = updated
        for order in changed.values():
            uow.invoices.save_order(order)


def _buyer_numbers(invoices: list[Invoice]) -> set[str]:
    """The buyers' tax numbers as given and as matching keys (what C5 and the Q5 summary look up)."""
    numbers = {invoice.buyer.key for invoice in invoices}
    return numbers | {invoice.buyer.tax_no for invoice in invoices if invoice.buyer.tax_no}
