"""Imported invoices, returns, deliveries and sales orders in SQL (SPEC §7 V1, V2, V10).

:class:`SqlInvoiceRepository` follows :class:`crmkit.ports.invoices.InvoiceRepository`.
``add_many`` writes headers and lines through the bulk path
(:func:`~crmkit.adapters.sqlalchemy.bulk.bulk_insert`: ``executemany`` with the
statement compiled once, ``COPY`` on PostgreSQL) inside a savepoint of the
unit of work's transaction, so a batch is written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.sqlalchemy._convert import local, offset_of, utc
from crmkit.adapters.sqlalchemy._errors import savepoint
from crmkit.adapters.sqlalchemy.bulk import bulk_insert, upsert
from crmkit.adapters.sqlalchemy.invoice_codecs import (
    HEADER_COLUMNS,
    LINE_COLUMNS,
    check_length,
    header_row,
    invoice_of,
    line_of,
    line_plan,
    line_rows,
    order_line_of,
)
from crmkit.adapters.sqlalchemy.predicates import compile_predicate
from crmkit.adapters.sqlalchemy.return_references import SqlReturnReferences
from crmkit.adapters.sqlalchemy.sql_repository import change_row
from crmkit.adapters.sqlalchemy.tables import LABEL, audit_entries, companies
from crmkit.adapters.sqlalchemy.tables.invoice import (
    CODE,
    KEY,
    invoice_cursors,
    invoice_lines,
    invoices,
    sales_order_lines,
    sales_orders,
)
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, ValidationError
from crmkit.domain.invoices import (
    HandOverStatus,
    Invoice,
    InvoiceId,
    InvoiceImported,
    LineReversal,
    OrderLine,
    SalesOrder,
)
from crmkit.domain.predicates import Predicate
from crmkit.ports.invoices import Delivery, StoredKey, check_cursor

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlInvoiceRepository"]

CHUNK = 1_000
"""Most keys one ``IN (…)`` look-up sends."""
INVOICE_AGGREGATE = "invoice"
"""``aggregate_type`` of the audit entries of imported invoices and their delivery (C12)."""
ORDER_AGGREGATE = "sales_order"
"""``aggregate_type`` of the audit entries of sales orders (C12)."""
_AUDIT_COLUMNS = (
    "actor_id",
    "at",
    "at_offset",
    "aggregate_type",
    "aggregate_id",
    "version",
    "action",
    "changes",
)
"""Columns of the import's bulk-written audit rows, ``at_offset`` included (revision 0018)."""


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


_BUYER = companies.alias("buyer")
_OTHER_BUYER = companies.alias("other_buyer")


def _buyer_seen(key: Any, buyers: Predicate, strangers: bool) -> sa.ColumnElement[bool]:
    """The party ``key`` (a buyer or customer key) is visible (A8).

    ``EXISTS`` a company whose tax number it is and which matches ``buyers`` — or, with
    ``strangers``, no such company at all.
    """
    buyer, other = _BUYER, _OTHER_BUYER  # built once: an alias per query costs more than the query
    seen: sa.ColumnElement[bool] = sa.exists().where(buyer.c.tax_no == key, compile_predicate(buyers, buyer))
    if strangers:
        seen = sa.or_(seen, ~sa.exists().where(other.c.tax_no == key))
    return seen


class SqlInvoiceRepository(SqlReturnReferences):
    """The SQL :class:`~crmkit.ports.invoices.InvoiceRepository`, on its unit of work's transaction.

    Return references (V1, V8) come from :class:`SqlReturnReferences`.
    """

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _rows(self, query: sa.Executable) -> list[Any]:
        return list(self._uow.execute(query))

    def _audit(
        self, aggregate_type: str, key: object, version: int, old: object, new: object
    ) -> dict[str, Any]:
        return change_row(self._uow, aggregate_type, key, version, old, new)

    # -- invoices --------------------------------------------------------------------
    def add_many(self, invoices_: Sequence[Invoice]) -> None:
        """Write the invoices and their lines in one savepoint through the bulk path.

        Raises:
            Duplicate: an id or a seller + number is stored already; nothing of the batch is written.
            ValidationError: a text is longer than its column, naming the field.
        """
        if not invoices_:
            return
        connection = self._uow.connection
        plan = line_plan(connection.dialect)
        headers = [header_row(invoice) for invoice in invoices_]
        lines = [row for invoice in invoices_ for row in line_rows(invoice, plan)]
        audit = self._import_audit_rows(invoices_)
        try:
            with savepoint(connection):
                bulk_insert(connection, invoices, headers, columns=HEADER_COLUMNS)
                bulk_insert(connection, invoice_lines, lines, columns=LINE_COLUMNS, prepared=plan is not None)
                bulk_insert(connection, audit_entries, audit, columns=_AUDIT_COLUMNS)
        except IntegrityError as error:
            message = str(error.orig)
            field = "number" if "number" in message and "invoice_lines" not in message else "id"
            raise Duplicate(
                field, f"an invoice of this batch is already stored ({message.splitlines()[0]})"
            ) from None

    def _import_audit_rows(self, invoices_: Sequence[Invoice]) -> list[tuple[Any, ...]]:
        """One ``create`` audit entry per invoice (C12): its number and source, at the clock's offset.

        The first entry is built the general way; when its changes are the plain
        ``number`` and ``source`` texts (they always are for an :class:`InvoiceImported`),
        the others are filled in the same shape without flattening each one again.
        """
        first = invoices_[0]
        row = self._audit(INVOICE_AGGREGATE, first.id, 1, None, InvoiceImported(first.number, first.source))
        rows = [tuple(row[c] for c in _AUDIT_COLUMNS)]
        if row["changes"] != [["number", None, first.number], ["source", None, first.source]]:
            for i in invoices_[1:]:  # pragma: no cover - the audit trail records them differently
                row = self._audit(INVOICE_AGGREGATE, i.id, 1, None, InvoiceImported(i.number, i.source))
                rows.append(tuple(row[c] for c in _AUDIT_COLUMNS))
            return rows
        actor, now = row["actor_id"], self._uow.clock.now
        for i in invoices_[1:]:
            changes = [["number", None, i.number], ["source", None, i.source]]
            at = now()  # stored with its offset, so it reads back as written (revision 0018; issue 11)
            rows.append((actor, utc(at), offset_of(at), INVOICE_AGGREGATE, str(i.id), 1, "create", changes))
        return rows

    def get(self, invoice: InvoiceId) -> Invoice:
        """The invoice with this id.

        Raises:
            NotFound: when there is none.
        """
        header = self._rows(sa.select(invoices).where(invoices.c.id == invoice))
        if not header:
            raise NotFound("invoice", invoice)
        query = (
            sa.select(invoice_lines)
            .where(invoice_lines.c.invoice_id == invoice)
            .order_by(invoice_lines.c.number)
        )
        lines = tuple(line_of(row) for row in self._rows(query))
        return invoice_of(header[0], lines)

    def known(self, ids: Iterable[InvoiceId], numbers: Iterable[str]) -> list[StoredKey]:
        """Stored invoices with one of these ids or numbers (one query per thousand keys)."""
        wanted_ids, wanted_numbers = list(dict.fromkeys(ids)), list(dict.fromkeys(numbers))
        found: dict[InvoiceId, StoredKey] = {}
        columns = (invoices.c.id, invoices.c.seller_key, invoices.c.number)
        for chunk in _chunks(wanted_ids):
            for row in self._rows(sa.select(*columns).where(invoices.c.id.in_(chunk))):
                found[row.id] = StoredKey(InvoiceId(row.id), row.seller_key, row.number)
        for chunk in _chunks(wanted_numbers):
            for row in self._rows(sa.select(*columns).where(invoices.c.number.in_(chunk))):
                found[row.id] = StoredKey(InvoiceId(row.id), row.seller_key, row.number)
        return list(found.values())

    def by_number(self, seller_key: str, number: str) -> Invoice | None:
        """The invoice this seller issued under this number, or ``None``."""
        query = sa.select(invoices.c.id).where(
            invoices.c.number == number, invoices.c.seller_key == seller_key
        )
        rows = self._rows(query)
        return self.get(InvoiceId(rows[0].id)) if rows else None

    def count(self) -> int:
        """How many invoices are stored."""
        return int(self._uow.execute(sa.select(sa.func.count()).select_from(invoices)).scalar_one())

    def line_count(self) -> int:
        """How many invoice lines are stored."""
        return int(self._uow.execute(sa.select(sa.func.count()).select_from(invoice_lines)).scalar_one())

    # -- returns ---------------------------------------------------------------------
    def returned_quantities(self, invoices_: Iterable[InvoiceId]) -> dict[tuple[InvoiceId, int], Decimal]:
        """Quantities returned so far per ``(invoice id, line number)``."""
        found: dict[tuple[InvoiceId, int], Decimal] = {}
        c = invoice_lines.c
        for chunk in _chunks(list(dict.fromkeys(invoices_))):
            query = sa.select(c.invoice_id, c.number, c.returned_quantity).where(
                c.invoice_id.in_(chunk), c.returned_quantity.is_not(None)
            )
            for row in self._rows(query):
                if row.returned_quantity:
                    found[(InvoiceId(row.invoice_id), row.number)] = row.returned_quantity
        return found

    def returned_amounts(self, invoice: InvoiceId) -> dict[int, tuple[Decimal, Decimal]]:
        """What returns took back from one invoice: line number → (quantity, amount)."""
        c = invoice_lines.c
        query = (
            sa.select(c.number, c.returned_quantity, c.returned_amount)
            .where(c.invoice_id == invoice, c.returned_quantity.is_not(None))
            .order_by(c.number)
        )
        return {
            row.number: (row.returned_quantity, row.returned_amount)
            for row in self._rows(query)
            if row.returned_quantity
        }

    def record_reversals(self, reversals: Sequence[LineReversal]) -> None:
        """Add returned quantities and amounts to the original lines (read, add in Python, write).

        Raises:
            NotFound: a reversal names a line that is not stored.
        """
        c = invoice_lines.c
        for reversal in reversals:
            where = (c.invoice_id == reversal.original, c.number == reversal.line_number)
            rows = self._rows(
                sa.select(c.returned_quantity, c.returned_amount).where(*where).with_for_update()
            )
            if not rows:
                raise NotFound("invoice line", f"{reversal.original}/{reversal.line_number}")
            quantity = (rows[0].returned_quantity or Decimal(0)) + reversal.quantity
            amount = (rows[0].returned_amount or Decimal(0)) + reversal.amount
            self._uow.execute(
                sa.update(invoice_lines)
                .where(*where)
                .values(returned_quantity=quantity, returned_amount=amount)
            )

    # -- resume cursors (V2) -----------------------------------------------------------
    def cursor(self, source: str) -> str | None:
        """The resume cursor stored for ``source``, or ``None``."""
        c = invoice_cursors.c
        rows = self._rows(sa.select(c.cursor).where(c.source == source))
        return str(rows[0].cursor) if rows else None

    def save_cursor(self, source: str, cursor: str) -> None:
        """Store ``source``'s resume cursor in this transaction: one upsert statement.

        Two imports of the same new source at once both store their cursor: the
        second waits for the first's row (PostgreSQL, MariaDB) and then overwrites
        it; the last to commit wins. Either cursor is safe to resume from, because
        re-reading what is stored already only finds duplicates (V2).

        Raises:
            ValidationError: an empty or too long source or cursor.
        """
        check_cursor(source, cursor)
        values = {"source": source, "cursor": cursor, "updated_at": utc(self._uow.clock.now())}
        statement = upsert(
            invoice_cursors, self._uow.connection.dialect, ["source"], ["cursor", "updated_at"]
        )
        self._uow.execute(statement.values(values))

    # -- delivery (V10) ----------------------------------------------------------------
    def mark_delivered(self, invoice: InvoiceId, at: datetime, received_by: str | None) -> Delivery:
        """Record that the original was handed over.

        Raises:
            NotFound: when the invoice is not stored.
            ValidationError: ``received_by`` is too long.
        """
        if received_by is not None and len(received_by) > LABEL:
            raise ValidationError("received_by", f"is longer than {LABEL} characters")
        before = self.delivery(invoice)
        statement = (
            sa.update(invoices)
            .where(invoices.c.id == invoice)
            .values(delivered_at=utc(at), delivered_offset=offset_of(at), received_by=received_by)
        )
        self._uow.execute(statement)
        delivery = Delivery(invoice, HandOverStatus.DELIVERED, at, received_by)
        self._uow.execute(
            sa.insert(audit_entries).values(self._audit(INVOICE_AGGREGATE, invoice, 1, before, delivery))
        )
        return delivery

    def delivery(self, invoice: InvoiceId) -> Delivery:
        """The invoice's delivery state.

        Raises:
            NotFound: when the invoice is not stored.
        """
        c = invoices.c
        rows = self._rows(sa.select(c.delivered_at, c.delivered_offset, c.received_by).where(c.id == invoice))
        if not rows:
            raise NotFound("invoice", invoice)
        at = rows[0].delivered_at
        if at is None:
            return Delivery(invoice, HandOverStatus.PENDING)
        return Delivery(
            invoice, HandOverStatus.DELIVERED, local(at, rows[0].delivered_offset), rows[0].received_by
        )

    def undelivered(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        buyers: Predicate | None = None,
        strangers: bool = True,
    ) -> list[InvoiceId]:
        """Invoices not handed over yet, oldest issue first, then by id.

        ``buyers`` is compiled into the query (A8): ``EXISTS`` a company whose tax number is
        the buyer key and which matches it — or, with ``strangers``, no such company at all.
        """
        where: sa.ColumnElement[bool] = invoices.c.delivered_at.is_(None)
        if buyers is not None:
            where = sa.and_(where, _buyer_seen(invoices.c.buyer_key, buyers, strangers))
        query = (
            sa.select(invoices.c.id)
            .where(where)
            .order_by(invoices.c.issued_at, invoices.c.id)
            .limit(max(limit, 0))
            .offset(max(offset, 0))
        )
        return [InvoiceId(row.id) for row in self._rows(query)]

    # -- sales orders (V10) ------------------------------------------------------------
    def _orderline_rows(self, order: SalesOrder) -> list[dict[str, Any]]:
        for field, value in (("number", order.number), ("customer", order.customer)):
            check_length(value, CODE if field == "number" else KEY, field, order.number)
        return [
            {
                "order_number": order.number,
                "line_id": line.line_id,
                "position": position,
                "product_name": line.product_name,
                "product_code": line.product_code,
                "unit_code": line.unit_code,
                "quantity": line.quantity,
                "invoiced": line.invoiced,
                "pending": line.to_be_invoiced,
            }
            for position, line in enumerate(order.lines)
        ]

    def add_order(self, order: SalesOrder) -> None:
        """Store a new sales order.

        Raises:
            Duplicate: the number is taken.
        """
        rows = self._orderline_rows(order)
        try:
            with savepoint(self._uow.connection) as connection:
                connection.execute(
                    sa.insert(sales_orders),
                    {
                        "number": order.number,
                        "version": order.version,
                        "customer": order.customer,
                        "ordered_at": utc(order.ordered_at),
                        "ordered_offset": offset_of(order.ordered_at),
                    },
                )
                if rows:
                    connection.execute(sa.insert(sales_order_lines), rows)
                connection.execute(
                    sa.insert(audit_entries),
                    self._audit(ORDER_AGGREGATE, order.number, order.version, None, order),
                )
        except IntegrityError:
            raise Duplicate("number", f"order {order.number} already exists") from None

    def orders(self, numbers: Iterable[str]) -> dict[str, SalesOrder]:
        """The orders with these numbers; unknown ones are left out."""
        wanted = list(dict.fromkeys(numbers))
        found: dict[str, SalesOrder] = {}
        for chunk in _chunks(wanted):
            heads = self._rows(sa.select(sales_orders).where(sales_orders.c.number.in_(chunk)))
            if not heads:
                continue
            c = sales_order_lines.c
            query = (
                sa.select(sales_order_lines)
                .where(c.order_number.in_(chunk))
                .order_by(c.order_number, c.position)
            )
            lines: dict[str, list[OrderLine]] = {}
            for row in self._rows(query):
                lines.setdefault(row.order_number, []).append(order_line_of(row))
            for head in heads:
                found[head.number] = SalesOrder(
                    number=head.number,
                    customer=head.customer,
                    ordered_at=local(head.ordered_at, head.ordered_offset),
                    lines=tuple(lines.get(head.number, ())),
                    version=head.version,
                )
        return {number: found[number] for number in wanted if number in found}

    def save_order(self, order: SalesOrder) -> SalesOrder:
        """Store a changed order (conditional ``UPDATE`` on the version); returns it with ``version + 1``.

        Raises:
            ConcurrencyConflict: a stale copy; nothing is written.
            NotFound: never added.
        """
        c = sales_orders.c
        current = self.orders([order.number]).get(order.number)
        if current is None:
            raise NotFound("order", order.number)
        bumped = sa.update(sales_orders).where(c.number == order.number, c.version == order.version)
        if self._uow.execute(bumped.values(version=order.version + 1)).rowcount == 0:
            raise ConcurrencyConflict("order", order.number, order.version)
        lc = sales_order_lines.c
        for row in self._orderline_rows(order):
            self._uow.execute(
                sa.update(sales_order_lines)
                .where(lc.order_number == order.number, lc.line_id == row["line_id"])
                .values(invoiced=row["invoiced"], pending=row["pending"])
            )
        saved = SalesOrder(
            number=order.number,
            customer=order.customer,
            ordered_at=order.ordered_at,
            lines=order.lines,
            version=order.version + 1,
        )
        self._uow.execute(
            sa.insert(audit_entries).values(
                self._audit(ORDER_AGGREGATE, order.number, saved.version, current, saved)
            )
        )
        return saved

    def to_be_invoiced(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        buyers: Predicate | None = None,
        strangers: bool = True,
    ) -> list[tuple[str, OrderLine]]:
        """Order lines not fully invoiced, by order number then line id (V10), selected in the database.

        ``buyers`` filters by the order's customer in the same query (A8).
        """
        c = sales_order_lines.c
        where: sa.ColumnElement[bool] = c.pending.is_(True)
        if buyers is not None:
            order = sales_orders.alias("line_order")
            seen = _buyer_seen(order.c.customer, buyers, strangers)
            where = sa.and_(where, sa.exists().where(order.c.number == c.order_number, seen))
        query = (
            sa.select(sales_order_lines)
            .where(where)
            .order_by(c.order_number, c.line_id)
            .limit(max(limit, 0))
            .offset(max(offset, 0))
        )
        return [(row.order_number, order_line_of(row)) for row in self._rows(query)]
