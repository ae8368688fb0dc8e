"""Imported invoices, returns, deliveries and sales orders in SQL (SPEC §7 V1, V2, V10).

:class:`SqlInvoiceRepository` follows :class:`crmkit.ports.invoices.InvoiceRepository`.
``add_many`` writes headers and lines through the bulk path
(:func:`~crmkit.adapters.sqlalchemy.bulk.bulk_insert`: ``executemany`` with the
statement compiled once, ``COPY`` on PostgreSQL) inside a savepoint of the
unit of work's transaction, so a batch is written whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.sqlalchemy._convert import local, offset_of, utc
from crmkit.adapters.sqlalchemy._errors import savepoint
from crmkit.adapters.sqlalchemy.bulk import bulk_insert, upsert
from crmkit.adapters.sqlalchemy.repositories import audit_row
from crmkit.adapters.sqlalchemy.tables import LABEL, NAME, audit_entries
from crmkit.adapters.sqlalchemy.tables.invoice import (
    CODE,
    KEY,
    SHORT,
    DecimalText,
    invoice_cursors,
    invoice_lines,
    invoices,
    sales_order_lines,
    sales_orders,
)
from crmkit.adapters.unit_of_work import audit_entry
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, ValidationError
from crmkit.domain.invoices import (
    AllowanceCharge,
    ExchangeRate,
    HandOverStatus,
    Invoice,
    InvoiceId,
    InvoiceImported,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    LineReversal,
    OrderLine,
    RateKind,
    SalesOrder,
    Tax,
)
from crmkit.ports.invoices import Delivery, StoredKey, check_cursor

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlInvoiceRepository"]

CHUNK = 1_000
INVOICE_AGGREGATE = "invoice"
"""``aggregate_type`` of the audit entries of imported invoices and their delivery (C12)."""
ORDER_AGGREGATE = "sales_order"
"""``aggregate_type`` of the audit entries of sales orders (C12)."""
_AUDIT_COLUMNS = ("actor_id", "at", "aggregate_type", "aggregate_id", "version", "action", "changes")
"""Most keys one ``IN (…)`` look-up sends."""

_HEADER_COLUMNS: tuple[str, ...] = tuple(
    c.key for c in invoices.columns if c.key not in ("delivered_at", "received_by", "delivered_offset")
)
_LINE_COLUMNS: tuple[str, ...] = tuple(
    c.key for c in invoice_lines.columns if c.key not in ("returned_quantity", "returned_amount")
)
_LIMITS: dict[str, int] = {"number": CODE, "store": CODE, "sales_person": CODE, "order_number": CODE}


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _taxes_json(taxes: tuple[Tax, ...]) -> str:
    """The taxes as a compact JSON array of arrays (decimals as strings, to stay exact).

    Each tax is ``[type, amount, percent, taxable, name, withholding, exemption]``, followed by
    ``per-unit amount, base quantity, base unit`` for a per-unit tax (ÖTV given per unit).
    """
    if len(taxes) == 1:  # the usual case, written without the json module
        t = taxes[0]
        if (
            t.name is None
            and t.exemption_code is None
            and t.per_unit_amount is None
            and t.type_code.isalnum()
        ):
            # ``!s``: a Decimal's str() is its exact text, and several times faster than its format().
            percent = "null" if t.percent is None else f'"{t.percent!s}"'
            base = "null" if t.taxable_amount is None else f'"{t.taxable_amount!s}"'
            held = "true" if t.withholding else "false"
            return f'[["{t.type_code}","{t.amount!s}",{percent},{base},null,{held},null]]'
    return json.dumps(
        [
            [
                t.type_code,
                str(t.amount),
                _d(t.percent),
                _d(t.taxable_amount),
                t.name,
                t.withholding,
                t.exemption_code,
            ]
            + (
                []
                if t.per_unit_amount is None
                else [str(t.per_unit_amount), _d(t.base_quantity), t.base_unit_code]
            )
            for t in taxes
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _taxes_from(text: str) -> tuple[Tax, ...]:
    taxes = []
    for code, amount, percent, taxable, name, withholding, exemption, *per_unit in json.loads(text):
        per_unit_amount, base_quantity, base_unit = per_unit if per_unit else (None, None, None)
        taxes.append(
            Tax(
                type_code=code,
                amount=Decimal(amount),
                percent=None if percent is None else Decimal(percent),
                taxable_amount=None if taxable is None else Decimal(taxable),
                name=name,
                withholding=withholding,
                exemption_code=exemption,
                per_unit_amount=None if per_unit_amount is None else Decimal(per_unit_amount),
                base_quantity=None if base_quantity is None else Decimal(base_quantity),
                base_unit_code=base_unit,
            )
        )
    return tuple(taxes)


def _refs_json(refs: tuple[InvoiceReference, ...]) -> str:
    return json.dumps(
        [[r.number, None if r.issue_date is None else r.issue_date.isoformat(), _s(r.uuid)] for r in refs],
        ensure_ascii=False,
    )


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _refs_from(text: str) -> tuple[InvoiceReference, ...]:
    import uuid
    from datetime import date

    return tuple(
        InvoiceReference(
            number, None if day is None else date.fromisoformat(day), None if ref is None else uuid.UUID(ref)
        )
        for number, day, ref in json.loads(text)
    )


def _adjustments_json(items: tuple[AllowanceCharge, ...]) -> str | None:
    """Document allowances and charges: ``[[charge, amount, reason, multiplier, base], …]`` or ``None``."""
    if not items:
        return None
    return json.dumps(
        [[i.charge, str(i.amount), i.reason, _d(i.multiplier), _d(i.base_amount)] for i in items],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _adjustments_from(text: str | None) -> tuple[AllowanceCharge, ...]:
    if not text:
        return ()
    return tuple(
        AllowanceCharge(
            charge=charge,
            amount=Decimal(amount),
            reason=reason,
            multiplier=None if multiplier is None else Decimal(multiplier),
            base_amount=None if base is None else Decimal(base),
        )
        for charge, amount, reason, multiplier, base in json.loads(text)
    )


def _rates_json(rates: tuple[ExchangeRate, ...]) -> str | None:
    """Exchange rates: ``[[kind, source, target, rate, day], …]``; ``None``: none."""
    if not rates:
        return None
    return json.dumps(
        [
            [r.kind.value, r.source, r.target, str(r.rate), None if r.day is None else r.day.isoformat()]
            for r in rates
        ],
        separators=(",", ":"),
    )


def _rates_from(text: str | None) -> tuple[ExchangeRate, ...]:
    from datetime import date

    if not text:
        return ()
    return tuple(
        ExchangeRate(
            kind=RateKind(kind),
            source=source,
            target=target,
            rate=Decimal(rate),
            day=None if day is None else date.fromisoformat(day),
        )
        for kind, source, target, rate, day in json.loads(text)
    )


def _check(value: str | None, limit: int, field: str, number: str) -> None:
    if value is not None and len(value) > limit:
        raise ValidationError(field, f"invoice {number}: {field} is longer than {limit} characters")


def _check_header(invoice: Invoice, seller_key: str, buyer_key: str) -> None:
    """Raise :class:`ValidationError` for the first text of the header longer than its column."""
    number = invoice.number
    for field, limit in _LIMITS.items():
        _check(getattr(invoice, field), limit, field, number)
    for label, party in (("seller", invoice.seller), ("buyer", invoice.buyer)):
        _check(party.name, NAME, f"{label}.name", number)
        _check(party.tax_no, SHORT, f"{label}.tax_no", number)
        _check(party.scheme, SHORT, f"{label}.scheme", number)
        _check(party.city, LABEL, f"{label}.city", number)
        _check(party.country, LABEL, f"{label}.country", number)
    _check(invoice.type_code, SHORT, "type_code", number)
    _check(invoice.profile, SHORT, "profile", number)
    _check(seller_key, KEY, "seller", number)
    _check(buyer_key, KEY, "buyer", number)


def _too_long(value: str | None, limit: int) -> bool:
    return value is not None and len(value) > limit


def _header_row(invoice: Invoice) -> tuple[Any, ...]:
    number = invoice.number
    seller, buyer, t = invoice.seller, invoice.buyer, invoice.totals
    seller_key, buyer_key = seller.key, buyer.key
    if (
        len(number) > CODE
        or _too_long(invoice.store, CODE)
        or _too_long(invoice.sales_person, CODE)
        or _too_long(invoice.order_number, CODE)
        or len(seller.name) > NAME
        or len(buyer.name) > NAME
        or _too_long(seller.tax_no, SHORT)
        or _too_long(buyer.tax_no, SHORT)
        or _too_long(seller.scheme, SHORT)
        or _too_long(buyer.scheme, SHORT)
        or _too_long(seller.city, LABEL)
        or _too_long(buyer.city, LABEL)
        or _too_long(seller.country, LABEL)
        or _too_long(buyer.country, LABEL)
        or len(invoice.type_code) > SHORT
        or _too_long(invoice.profile, SHORT)
        or len(seller_key) > KEY
        or len(buyer_key) > KEY
    ):
        _check_header(invoice, seller_key, buyer_key)  # names the field
    return (
        invoice.id,
        number,
        seller_key,
        buyer_key,
        invoice.type_code,
        invoice.profile,
        invoice.kind.value,
        utc(invoice.issued_at),
        invoice.currency,
        invoice.exchange_rate,
        seller.name,
        seller.tax_no,
        seller.scheme,
        seller.city,
        seller.country,
        buyer.name,
        buyer.tax_no,
        buyer.scheme,
        buyer.city,
        buyer.country,
        invoice.store,
        invoice.sales_person,
        invoice.order_number,
        t.line_extension,
        t.tax_exclusive,
        t.tax_inclusive,
        t.payable,
        t.allowance,
        t.charge,
        t.tax,
        t.withholding,
        t.prepaid,
        _taxes_json(invoice.taxes),
        _refs_json(invoice.references),
        invoice.source[:1000],
        len(invoice.lines),
        offset_of(invoice.issued_at),
        _adjustments_json(invoice.allowance_charges),
        _rates_json(invoice.exchange_rates),
    )


_LINE_DECIMALS = ("quantity", "unit_price", "line_extension", "discount", "charge")
_LINE_FIELDS = attrgetter(
    "number",
    "product_name",
    "product_code",
    "quantity",
    "unit_code",
    "unit_price",
    "line_extension",
    "discount",
    "charge",
    "taxes",
    "order_number",
    "order_line",
)
"""An invoice line's fields in the order of its row (one C call instead of twelve attribute reads)."""


@attrs.frozen
class _LinePlan:
    """How to hand invoice lines to one dialect's driver without the bulk path's per-value work.

    Attributes:
        key: the bind processor of ``invoice_id`` (applied once per invoice), or ``None``.
        decimal_text: the amounts are stored as their text (:class:`DecimalText`, SQLite).
    """

    key: Callable[[Any], Any] | None
    decimal_text: bool


def _line_plan(dialect: Dialect) -> _LinePlan | None:
    """The plan for ``dialect``, or ``None`` when a column's bind processor is one it cannot apply."""
    types = {key: invoice_lines.c[key].type.dialect_impl(dialect) for key in _LINE_COLUMNS}
    processors = {key: kind.bind_processor(dialect) for key, kind in types.items()}
    decimal_text = all(isinstance(types[key], DecimalText) for key in _LINE_DECIMALS)
    if not decimal_text and any(processors[key] is not None for key in _LINE_DECIMALS):
        return None
    others = (key for key in _LINE_COLUMNS if key != "invoice_id" and key not in _LINE_DECIMALS)
    if any(processors[key] is not None for key in others):
        return None
    return _LinePlan(processors["invoice_id"], decimal_text)


def _line_rows(invoice: Invoice, plan: _LinePlan | None = None) -> Iterable[tuple[Any, ...]]:
    """The lines' rows; driver-ready ones (what the bind processors would make) with a ``plan``."""
    number = invoice.number
    key: Any = invoice.id
    if plan is not None and plan.key is not None:
        key = plan.key(key)
    text = plan is not None and plan.decimal_text
    for line in invoice.lines:
        (line_no, name, code, quantity, unit, price, net, discount, charge, taxes, order, order_line) = (
            _LINE_FIELDS(line)
        )
        if (
            len(name) > NAME
            or (code is not None and len(code) > CODE)
            or (unit is not None and len(unit) > SHORT)
            or (order is not None and len(order) > CODE)
            or (order_line is not None and len(order_line) > CODE)
        ):
            _check(name, NAME, "lines.product_name", number)
            _check(code, CODE, "lines.product_code", number)
            _check(unit, SHORT, "lines.unit_code", number)
            _check(order, CODE, "lines.order_number", number)
            _check(order_line, CODE, "lines.order_line", number)
        taxes_json = _taxes_json(taxes) if taxes else "[]"
        if text:  # DecimalText's bind processor: the exact text (no amount is None)
            yield (
                key,
                line_no,
                name,
                code,
                str(quantity),
                unit,
                str(price),
                str(net),
                str(discount),
                str(charge),
                taxes_json,
                order,
                order_line,
            )
        else:
            yield (
                key,
                line_no,
                name,
                code,
                quantity,
                unit,
                price,
                net,
                discount,
                charge,
                taxes_json,
                order,
                order_line,
            )


def _line_of(row: Any) -> InvoiceLine:
    return InvoiceLine(
        number=row.number,
        product_name=row.product_name,
        product_code=row.product_code,
        quantity=row.quantity,
        unit_code=row.unit_code,
        unit_price=row.unit_price,
        line_extension=row.line_extension,
        discount=row.discount,
        charge=row.charge,
        taxes=_taxes_from(row.taxes),
        order_number=row.order_number,
        order_line=row.order_line,
    )


def _invoice_of(row: Any, lines: tuple[InvoiceLine, ...]) -> Invoice:
    return Invoice(
        id=InvoiceId(row.id),
        number=row.number,
        issued_at=local(row.issued_at, row.issued_offset),
        currency=row.currency,
        seller=InvoiceParty(
            row.seller_name, row.seller_tax_no, row.seller_scheme, row.seller_city, row.seller_country
        ),
        buyer=InvoiceParty(
            row.buyer_name, row.buyer_tax_no, row.buyer_scheme, row.buyer_city, row.buyer_country
        ),
        lines=lines,
        totals=InvoiceTotals(
            line_extension=row.line_extension,
            tax_exclusive=row.tax_exclusive,
            tax_inclusive=row.tax_inclusive,
            payable=row.payable,
            allowance=row.allowance,
            charge=row.charge,
            tax=row.tax,
            withholding=row.withholding,
            prepaid=row.prepaid,
        ),
        type_code=row.type_code,
        profile=row.profile,
        exchange_rate=row.exchange_rate,
        taxes=_taxes_from(row.taxes),
        references=_refs_from(row.refs),
        store=row.store,
        sales_person=row.sales_person,
        order_number=row.order_number,
        source=row.source,
        allowance_charges=_adjustments_from(row.allowance_charges),
        exchange_rates=_rates_from(row.exchange_rates),
    )


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class SqlInvoiceRepository:
    """The SQL :class:`~crmkit.ports.invoices.InvoiceRepository`, on its unit of work's transaction."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _rows(self, query: sa.Executable) -> list[Any]:
        return list(self._uow.read(query))

    def _audit(
        self, aggregate_type: str, key: object, version: int, old: object, new: object
    ) -> dict[str, Any]:
        return audit_row(
            audit_entry(
                actor=self._uow.actor,
                at=self._uow.clock.now(),
                aggregate_type=aggregate_type,
                aggregate_id=key,
                version=version,
                old=old,
                new=new,
            )
        )

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
        plan = _line_plan(connection.dialect)
        headers = [_header_row(invoice) for invoice in invoices_]
        lines = [row for invoice in invoices_ for row in _line_rows(invoice, plan)]
        audit = self._import_audit_rows(invoices_)
        try:
            with savepoint(connection):
                bulk_insert(connection, invoices, headers, columns=_HEADER_COLUMNS)
                bulk_insert(
                    connection, invoice_lines, lines, columns=_LINE_COLUMNS, prepared=plan is not None
                )
                bulk_insert(connection, audit_entries, audit, columns=_AUDIT_COLUMNS)
        except IntegrityError as error:
            message = str(error.orig)
            field = "number" if "number" in message and "invoice_lines" not in message else "id"
            raise Duplicate(
                field, f"an invoice of this batch is already stored ({message.splitlines()[0]})"
            ) from None

    def _import_audit_rows(self, invoices_: Sequence[Invoice]) -> list[tuple[Any, ...]]:
        """One ``create`` audit entry per invoice (C12): its number and source.

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
            rows.append((actor, utc(now()), INVOICE_AGGREGATE, str(i.id), 1, "create", changes))
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
        lines = tuple(_line_of(row) for row in self._rows(query))
        return _invoice_of(header[0], lines)

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
        return int(self._uow.read(sa.select(sa.func.count()).select_from(invoices)).scalar_one())

    def line_count(self) -> int:
        """How many invoice lines are stored."""
        return int(self._uow.read(sa.select(sa.func.count()).select_from(invoice_lines)).scalar_one())

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
            self._uow.read(
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
        self._uow.read(statement.values(values))

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
        self._uow.read(statement)
        delivery = Delivery(invoice, HandOverStatus.DELIVERED, at, received_by)
        self._uow.read(
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

    def undelivered(self, *, limit: int = 50, offset: int = 0) -> list[InvoiceId]:
        """Invoices not handed over yet, oldest issue first, then by id."""
        query = (
            sa.select(invoices.c.id)
            .where(invoices.c.delivered_at.is_(None))
            .order_by(invoices.c.issued_at, invoices.c.id)
            .limit(max(limit, 0))
            .offset(max(offset, 0))
        )
        return [InvoiceId(row.id) for row in self._rows(query)]

    # -- sales orders (V10) ------------------------------------------------------------
    def _order_line_rows(self, order: SalesOrder) -> list[dict[str, Any]]:
        for field, value in (("number", order.number), ("customer", order.customer)):
            _check(value, CODE if field == "number" else KEY, field, order.number)
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
        rows = self._order_line_rows(order)
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
                lines.setdefault(row.order_number, []).append(_order_line_of(row))
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
        if self._uow.read(bumped.values(version=order.version + 1)).rowcount == 0:
            raise ConcurrencyConflict("order", order.number, order.version)
        lc = sales_order_lines.c
        for row in self._order_line_rows(order):
            self._uow.read(
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
        self._uow.read(
            sa.insert(audit_entries).values(
                self._audit(ORDER_AGGREGATE, order.number, saved.version, current, saved)
            )
        )
        return saved

    def to_be_invoiced(self, *, limit: int = 50, offset: int = 0) -> list[tuple[str, OrderLine]]:
        """Order lines not fully invoiced, by order number then line id (V10), selected in the database."""
        c = sales_order_lines.c
        query = (
            sa.select(sales_order_lines)
            .where(c.pending.is_(True))
            .order_by(c.order_number, c.line_id)
            .limit(max(limit, 0))
            .offset(max(offset, 0))
        )
        return [(row.order_number, _order_line_of(row)) for row in self._rows(query)]


def _order_line_of(row: Any) -> OrderLine:
    return OrderLine(
        line_id=row.line_id,
        product_name=row.product_name,
        product_code=row.product_code,
        unit_code=row.unit_code,
        quantity=row.quantity,
        invoiced=row.invoiced,
    )
