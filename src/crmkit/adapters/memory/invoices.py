"""Invoices, returns, deliveries and sales orders in memory (SPEC §7 V1, V2, V10).

Follows :class:`crmkit.ports.invoices.InvoiceRepository`. Writes are staged in
the unit of work; :meth:`MemoryInvoiceRepository.verify` re-checks them under
the storage lock at commit and :meth:`~MemoryInvoiceRepository.apply` makes
them visible all at once.

A few lines over the house's 500: it is one port's memory binding (invoices, their
return references and locks share the staged writes and the commit check).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import CompanyId
from crmkit.domain.invoices import (
    HandOverStatus,
    Invoice,
    InvoiceId,
    InvoiceImported,
    InvoiceKind,
    LineReversal,
    OrderLine,
    ReturnReference,
    SalesOrder,
)
from crmkit.domain.parties import Company
from crmkit.domain.predicates import Predicate, Purchase, matches
from crmkit.ports.invoices import Delivery, StoredKey, check_cursor

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from crmkit.adapters.memory.repositories import MemoryRepository
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["INVOICE_AGGREGATE", "ORDER_AGGREGATE", "InvoiceTables", "MemoryInvoiceRepository"]

INVOICE_AGGREGATE = "invoice"
"""``aggregate_type`` of the audit entries of imported invoices and their delivery (C12)."""
ORDER_AGGREGATE = "sales_order"
"""``aggregate_type`` of the audit entries of sales orders (C12)."""

_ZERO = Decimal(0)
_RefKey = tuple[str, str, InvoiceId, int]


@attrs.define
class InvoiceTables:
    """The committed invoice data of one :class:`~crmkit.adapters.memory.storage.MemoryStorage`."""

    invoices: dict[InvoiceId, Invoice] = attrs.Factory(dict)
    numbers: dict[tuple[str, str], InvoiceId] = attrs.Factory(dict)
    returned: dict[tuple[InvoiceId, int], tuple[Decimal, Decimal]] = attrs.Factory(dict)
    deliveries: dict[InvoiceId, Delivery] = attrs.Factory(dict)
    orders: dict[str, SalesOrder] = attrs.Factory(dict)
    cursors: dict[str, str] = attrs.Factory(dict)
    references: dict[_RefKey, Decimal] = attrs.Factory(dict)
    return_turns: dict[str, int] = attrs.Factory(dict)
    """Per seller, how many return matchings committed (the memory twin of ``return_locks``)."""
    """Return references (V1, V8): (original seller, number, return, return line) → what waits."""

    def clear(self) -> None:
        """Drop everything (the storage was closed)."""
        for table in (self.invoices, self.numbers, self.returned, self.deliveries, self.orders, self.cursors):
            table.clear()
        self.references.clear()


class MemoryInvoiceRepository:
    """The in-memory :class:`~crmkit.ports.invoices.InvoiceRepository`."""

    def __init__(self, uow: MemoryUnitOfWork, tables: InvoiceTables, lock: threading.RLock) -> None:
        self._uow = uow
        self._tables = tables
        self._lock = lock
        self.discard()

    # -- reading ---------------------------------------------------------------------
    def _invoice(self, key: InvoiceId) -> Invoice | None:
        found = self._new.get(key)
        if found is not None:
            return found
        with self._lock:
            return self._tables.invoices.get(key)

    def get(self, invoice: InvoiceId) -> Invoice:
        """The invoice with this id.

        Raises:
            NotFound: when there is none.
        """
        self._uow.check_usable()
        found = self._invoice(invoice)
        if found is None:
            raise NotFound("invoice", invoice)
        return found

    def known(self, ids: Iterable[InvoiceId], numbers: Iterable[str]) -> list[StoredKey]:
        """Stored invoices with one of these ids or numbers."""
        self._uow.check_usable()
        wanted_ids, wanted_numbers = set(ids), set(numbers)
        with self._lock:
            merged = {**self._tables.invoices, **self._new}
        return [
            StoredKey(i.id, i.seller_key, i.number)
            for i in merged.values()
            if i.id in wanted_ids or i.number in wanted_numbers
        ]

    def by_number(self, seller_key: str, number: str) -> Invoice | None:
        """The invoice this seller issued under this number, or ``None``."""
        self._uow.check_usable()
        key = self._new_numbers.get((seller_key, number))
        if key is None:
            with self._lock:
                key = self._tables.numbers.get((seller_key, number))
        return None if key is None else self._invoice(key)

    def count(self) -> int:
        """How many invoices this unit of work sees."""
        self._uow.check_usable()
        with self._lock:
            return len(self._tables.invoices) + len(self._new)

    def line_count(self) -> int:
        """How many invoice lines this unit of work sees."""
        self._uow.check_usable()
        with self._lock:
            stored = sum(len(i.lines) for i in self._tables.invoices.values())
        return stored + sum(len(i.lines) for i in self._new.values())

    def _merged_returned(self) -> dict[tuple[InvoiceId, int], tuple[Decimal, Decimal]]:
        """Committed returned quantities plus this unit of work's staged additions."""
        with self._lock:
            merged = dict(self._tables.returned)
        for key, (quantity, amount) in self._new_returned.items():
            old_quantity, old_amount = merged.get(key, (_ZERO, _ZERO))
            merged[key] = (old_quantity + quantity, old_amount + amount)
        return merged

    def purchases(self) -> dict[str, list[Purchase]]:
        """Net purchase lines per buyer key: ``(local issue date, product code)`` (segments, M1).

        A line counts when its invoice is not a return and its quantity less what later
        returns took back is above zero: the memory twin of the SQL ``EXISTS``.
        """
        self._uow.check_usable()
        with self._lock:
            merged = {**self._tables.invoices, **self._new}
        returned = self._merged_returned()
        found: dict[str, list[Purchase]] = {}
        for invoice in merged.values():
            if invoice.kind is InvoiceKind.RETURN:
                continue
            day = invoice.issue_date
            for line in invoice.lines:
                back = returned.get((invoice.id, line.number), (_ZERO, _ZERO))[0]
                if line.quantity - back > 0:
                    found.setdefault(invoice.buyer.key, []).append((day, line.product_code))
        return found

    def returned_quantities(self, invoices: Iterable[InvoiceId]) -> dict[tuple[InvoiceId, int], Decimal]:
        """Quantities returned so far per ``(invoice id, line number)``."""
        self._uow.check_usable()
        wanted = set(invoices)
        return {key: qty for key, (qty, _) in self._merged_returned().items() if key[0] in wanted and qty}

    def returned_amounts(self, invoice: InvoiceId) -> dict[int, tuple[Decimal, Decimal]]:
        """What returns took back from one invoice: line number → (quantity, amount)."""
        self._uow.check_usable()
        merged = self._merged_returned()
        return {line: value for (key, line), value in sorted(merged.items()) if key == invoice and value[0]}

    def delivery(self, invoice: InvoiceId) -> Delivery:
        """The invoice's delivery state (V10).

        Raises:
            NotFound: when the invoice is not stored.
        """
        self._uow.check_usable()
        self.get(invoice)
        found = self._new_deliveries.get(invoice)
        if found is None:
            with self._lock:
                found = self._tables.deliveries.get(invoice)
        return found if found is not None else Delivery(invoice, HandOverStatus.PENDING)

    def undelivered(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        buyers: Predicate | None = None,
        strangers: bool = True,
    ) -> list[InvoiceId]:
        """Invoices not handed over yet, oldest issue first, then by id; ``buyers`` filters by buyer (A8)."""
        self._uow.check_usable()
        with self._lock:
            merged = {**self._tables.invoices, **self._new}
            delivered = set(self._tables.deliveries) | set(self._new_deliveries)
        kept = self._buyer_filter(buyers, strangers)
        pending = sorted(
            (i for i in merged.values() if i.id not in delivered and kept(i.buyer.key)),
            key=lambda i: (i.issued_at, i.id),
        )
        start = max(offset, 0)
        return [i.id for i in pending[start : start + max(limit, 0)]]

    def _buyer_filter(self, buyers: Predicate | None, strangers: bool) -> Callable[[str | None], bool]:
        """Buyer key → kept: its company (by tax number) matches ``buyers``; else ``strangers`` (A8)."""
        if buyers is None:
            return lambda _: True
        from crmkit.adapters.memory.territory import Histories, company_facts  # it builds on the repositories

        companies: MemoryRepository[Company, CompanyId] = getattr(self._uow, "companies")  # noqa: B009
        rows = companies._rows()
        parents = {c.id: c.parent_id for c in rows}
        dated = Histories.read(self._uow)
        by_tax = {c.tax_no: c for c in rows if c.tax_no}
        seen = {tax: matches(buyers, company_facts(c, parents, dated)) for tax, c in by_tax.items()}
        return lambda key: seen.get(key, strangers) if key is not None else strangers

    def orders(self, numbers: Iterable[str]) -> dict[str, SalesOrder]:
        """The orders with these numbers; unknown ones are left out."""
        self._uow.check_usable()
        found: dict[str, SalesOrder] = {}
        for number in dict.fromkeys(numbers):
            order = self._order(number)
            if order is not None:
                found[number] = order
        return found

    def _order(self, number: str) -> SalesOrder | None:
        if number in self._new_orders:
            return self._new_orders[number]
        with self._lock:
            return self._tables.orders.get(number)

    def to_be_invoiced(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        buyers: Predicate | None = None,
        strangers: bool = True,
    ) -> list[tuple[str, OrderLine]]:
        """Order lines not fully invoiced, by order number then line id (V10); ``buyers`` filters (A8)."""
        self._uow.check_usable()
        with self._lock:
            merged = {**self._tables.orders, **self._new_orders}
        kept = self._buyer_filter(buyers, strangers)
        rows = sorted(
            (
                (number, line)
                for number, order in merged.items()
                if kept(order.customer)
                for line in order.to_be_invoiced
            ),
            key=lambda row: (row[0], row[1].line_id),
        )
        start = max(offset, 0)
        return rows[start : start + max(limit, 0)]

    def cursor(self, source: str) -> str | None:
        """The resume cursor this unit of work sees for ``source``."""
        self._uow.check_usable()
        if source in self._new_cursors:
            return self._new_cursors[source]
        with self._lock:
            return self._tables.cursors.get(source)

    # -- writing ---------------------------------------------------------------------
    def save_cursor(self, source: str, cursor: str) -> None:
        """Stage ``source``'s resume cursor (V2).

        Raises:
            ValidationError: an empty or too long source or cursor.
        """
        self._uow.check_usable()
        check_cursor(source, cursor)
        self._new_cursors[source] = cursor

    def add_many(self, invoices: Sequence[Invoice]) -> None:
        """Stage new invoices; when one is refused, none is staged.

        Raises:
            Duplicate: an id or a seller + number is taken.
        """
        self._uow.check_usable()
        batch_ids: set[InvoiceId] = set()
        batch_keys: set[tuple[str, str]] = set()
        for invoice in invoices:
            key = (invoice.seller_key, invoice.number)
            if invoice.id in batch_ids or self._invoice(invoice.id) is not None:
                raise Duplicate("id", f"invoice {invoice.id} already exists")
            if key in batch_keys or self.by_number(*key) is not None:
                raise Duplicate("number", f"invoice {invoice.number} of {invoice.seller_key} already exists")
            batch_ids.add(invoice.id)
            batch_keys.add(key)
        for invoice in invoices:
            self._new[invoice.id] = invoice
            self._new_numbers[(invoice.seller_key, invoice.number)] = invoice.id
            self._uow.record_change(
                INVOICE_AGGREGATE, invoice.id, 1, None, InvoiceImported(invoice.number, invoice.source)
            )

    def record_reversals(self, reversals: Sequence[LineReversal]) -> None:
        """Stage returned quantities and amounts on the original lines.

        Raises:
            NotFound: a reversal names a line that is not stored.
        """
        self._uow.check_usable()
        for reversal in reversals:
            original = self.get(reversal.original)
            if all(line.number != reversal.line_number for line in original.lines):
                raise NotFound("invoice line", f"{reversal.original}/{reversal.line_number}")
        for reversal in reversals:
            key = (reversal.original, reversal.line_number)
            quantity, amount = self._new_returned.get(key, (_ZERO, _ZERO))
            self._new_returned[key] = (quantity + reversal.quantity, amount + reversal.amount)

    def add_return_references(self, references: Sequence[ReturnReference]) -> None:
        """Stage the references of new returns.

        Raises:
            Duplicate: a reference is stored or staged already.
        """
        self._uow.check_usable()
        keys = [(r.seller_key, r.number, r.return_id, r.line_number) for r in references]
        with self._lock:
            taken = [k for k in keys if k in self._tables.references or k in self._new_references]
        if taken or len(set(keys)) != len(keys):
            raise Duplicate("return_id", f"return {(taken or keys)[0][2]} is referenced already")
        for key, reference in zip(keys, references, strict=True):
            self._new_references[key] = reference.waiting
            self._added_references.add(key)

    def waiting_returns(self, originals: Iterable[tuple[str, str]]) -> list[ReturnReference]:
        """The references with something waiting that cite one of ``originals``."""
        self._uow.check_usable()
        wanted = set(originals)
        with self._lock:
            merged = {**self._tables.references, **self._new_references}
        return [
            ReturnReference(seller, number, return_id, line, waiting)
            for (seller, number, return_id, line), waiting in sorted(merged.items())
            if waiting > 0 and (seller, number) in wanted
        ]

    def set_waiting(self, references: Sequence[ReturnReference]) -> None:
        """Stage the new ``waiting`` of stored (or staged) references; unknown keys are ignored."""
        self._uow.check_usable()
        for r in references:
            key = (r.seller_key, r.number, r.return_id, r.line_number)
            with self._lock:
                known = key in self._tables.references
            if known or key in self._new_references:
                self._new_references[key] = r.waiting

    def _merged_references(self) -> dict[_RefKey, Decimal]:
        with self._lock:
            return {**self._tables.references, **self._new_references}

    def references_citing(self, originals: Iterable[tuple[str, str]]) -> list[ReturnReference]:
        """Every reference that cites one of ``originals``, by key."""
        self._uow.check_usable()
        wanted = set(originals)
        return [
            ReturnReference(seller, number, return_id, line, waiting)
            for (seller, number, return_id, line), waiting in sorted(self._merged_references().items())
            if (seller, number) in wanted
        ]

    def reference_page(
        self, after: _RefKey | None = None, *, limit: int = 1000, waiting: bool = False
    ) -> list[ReturnReference]:
        """Up to ``limit`` references after the key ``after``, by key (only waiting ones with ``waiting``)."""
        self._uow.check_usable()
        found: list[ReturnReference] = []
        for key, left in sorted(self._merged_references().items()):
            if (after is not None and key <= after) or (waiting and left <= 0):
                continue
            found.append(ReturnReference(key[0], key[1], key[2], key[3], left))
            if len(found) >= max(limit, 1):
                break
        return found

    def lock_returns(self, sellers: Iterable[str]) -> None:
        """Note the sellers' turns: the commit is refused if another matching of one committed meanwhile.

        Memory units of work hold no locks; the second of two matchings at once fails with
        ``ConcurrencyConflict`` and the matching runs again on what the first committed.
        """
        self._uow.check_usable()
        with self._lock:
            for seller in sellers:
                self._turns[seller] = self._tables.return_turns.get(seller, 0)

    def mark_delivered(self, invoice: InvoiceId, at: datetime, received_by: str | None) -> Delivery:
        """Stage the delivery of an invoice's original (V10).

        Raises:
            NotFound: when the invoice is not stored.
        """
        self._uow.check_usable()
        before = self.delivery(invoice)
        delivery = Delivery(invoice, HandOverStatus.DELIVERED, at, received_by)
        self._new_deliveries[invoice] = delivery
        self._uow.record_change(INVOICE_AGGREGATE, invoice, 1, before, delivery)
        return delivery

    def add_order(self, order: SalesOrder) -> None:
        """Stage a new sales order.

        Raises:
            Duplicate: the number is taken.
        """
        self._uow.check_usable()
        if self._order(order.number) is not None:
            raise Duplicate("number", f"order {order.number} already exists")
        self._new_orders[order.number] = order
        self._order_base.setdefault(order.number, None)
        self._uow.record_change(ORDER_AGGREGATE, order.number, order.version, None, order)

    def save_order(self, order: SalesOrder) -> SalesOrder:
        """Stage a changed order; returns it with ``version + 1``.

        Raises:
            ConcurrencyConflict: a stale copy.
            NotFound: never added.
        """
        self._uow.check_usable()
        current = self._order(order.number)
        if current is None:
            raise NotFound("order", order.number)
        if current.version != order.version:
            raise ConcurrencyConflict("order", order.number, order.version)
        saved = attrs.evolve(order, version=order.version + 1)
        self._new_orders[order.number] = saved
        self._order_base.setdefault(order.number, current.version)
        self._uow.record_change(ORDER_AGGREGATE, order.number, saved.version, current, saved)
        return saved

    # -- the unit of work's side -----------------------------------------------------
    def verify(self) -> None:
        """Re-check staged writes against committed data; call under the storage lock.

        Raises:
            Duplicate: another unit of work committed the same invoice or order first.
            ConcurrencyConflict: another unit of work saved the same order first.
        """
        tables = self._tables
        for invoice in self._new.values():
            if invoice.id in tables.invoices:
                raise Duplicate("id", f"invoice {invoice.id} already exists")
            if (invoice.seller_key, invoice.number) in tables.numbers:
                raise Duplicate("number", f"invoice {invoice.number} of {invoice.seller_key} already exists")
        for key in self._added_references:
            if key in tables.references:
                raise Duplicate("return_id", f"return {key[2]} is referenced already")
        for seller, turn in self._turns.items():
            if tables.return_turns.get(seller, 0) != turn:
                raise ConcurrencyConflict("return matching", seller, turn)
        for number, base in self._order_base.items():
            stored = tables.orders.get(number)
            if base is None and stored is not None:
                raise Duplicate("number", f"order {number} already exists")
            if base is not None and (stored is None or stored.version != base):
                raise ConcurrencyConflict("order", number, base)

    def apply(self) -> None:
        """Make the staged writes visible; call under the lock after :meth:`verify`."""
        tables = self._tables
        tables.invoices.update(self._new)
        tables.numbers.update(self._new_numbers)
        for key, (quantity, amount) in self._new_returned.items():
            old_quantity, old_amount = tables.returned.get(key, (_ZERO, _ZERO))
            tables.returned[key] = (old_quantity + quantity, old_amount + amount)
        tables.deliveries.update(self._new_deliveries)
        tables.orders.update(self._new_orders)
        tables.cursors.update(self._new_cursors)
        tables.references.update(self._new_references)
        for seller, turn in self._turns.items():
            tables.return_turns[seller] = turn + 1
        self.discard()

    def discard(self) -> None:
        """Forget every staged write."""
        self._new: dict[InvoiceId, Invoice] = {}
        self._new_numbers: dict[tuple[str, str], InvoiceId] = {}
        self._new_returned: dict[tuple[InvoiceId, int], tuple[Decimal, Decimal]] = {}  # additions
        self._new_deliveries: dict[InvoiceId, Delivery] = {}
        self._new_orders: dict[str, SalesOrder] = {}
        self._order_base: dict[str, int | None] = {}
        self._new_cursors: dict[str, str] = {}
        self._new_references: dict[_RefKey, Decimal] = {}  # added or changed: the new waiting
        self._added_references: set[_RefKey] = set()
        self._turns: dict[str, int] = {}  # sellers whose return matching this unit of work holds
