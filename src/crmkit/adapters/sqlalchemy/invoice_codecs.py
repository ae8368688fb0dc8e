"""Rows of the invoice tables ↔ invoice values: the SQL adapter's invoice row codecs (SPEC §7 V1, V10).

One way per direction (ARCHITECTURE.md §2): :func:`header_row` and
:func:`line_rows` turn an :class:`~crmkit.domain.invoices.Invoice` into the
tuples :func:`~crmkit.adapters.sqlalchemy.bulk.bulk_insert` writes, in
:data:`HEADER_COLUMNS` / :data:`LINE_COLUMNS` order. :func:`line_of` and
:func:`order_line_of` read rows through the shared
:class:`~crmkit.adapters.sqlalchemy._convert.RowMapper` (a converter hook reads
the taxes column); :func:`invoice_of` stays hand-written, because its columns
are not named after its fields (``refs`` for ``references``, ``issued_offset``
for ``issued_at``'s offset) and RowMapper maps a field to the column of its name.
Taxes, references, allowances and exchange rates are compact JSON arrays
(decimals as strings, to stay exact). Times are stored in UTC with the offset
the document gave (:func:`~crmkit.adapters.sqlalchemy._convert.local`), so they
read back with their own local date.

**The line fast path** (:class:`LinePlan`): a million-line import spends most of
its time handing values to the driver. When a dialect's bind processors for the
line columns are ones this module can apply itself (none, or SQLite's decimal
text), :func:`line_rows` yields driver-ready tuples and the bulk path skips its
per-value processing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

import attrs
from sqlalchemy.engine import Dialect

from crmkit.adapters.sqlalchemy._convert import RowMapper, converter, offset_of, utc
from crmkit.adapters.sqlalchemy.tables import LABEL, NAME
from crmkit.adapters.sqlalchemy.tables.invoice import (
    CODE,
    KEY,
    SHORT,
    DecimalText,
    invoice_lines,
    invoices,
    sales_order_lines,
)
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import (
    AllowanceCharge,
    ExchangeRate,
    Invoice,
    InvoiceLine,
    InvoiceReference,
    OrderLine,
    RateKind,
    Tax,
)

__all__ = [
    "HEADER_COLUMNS",
    "LINE_COLUMNS",
    "LinePlan",
    "check_length",
    "header_row",
    "invoice_of",
    "line_of",
    "line_plan",
    "line_rows",
    "order_line_of",
]

HEADER_COLUMNS: tuple[str, ...] = tuple(
    c.key for c in invoices.columns if c.key not in ("delivered_at", "received_by", "delivered_offset")
)
"""The ``invoices`` columns an import writes (delivery is recorded later, not imported)."""
LINE_COLUMNS: tuple[str, ...] = tuple(
    c.key for c in invoice_lines.columns if c.key not in ("returned_quantity", "returned_amount")
)
"""The ``invoice_lines`` columns an import writes (returns are recorded later, not imported)."""
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


def check_length(value: str | None, limit: int, field: str, number: str) -> None:
    """Refuse a text longer than its column.

    Raises:
        ValidationError: naming ``field`` and the invoice (or order) ``number``.
    """
    if value is not None and len(value) > limit:
        raise ValidationError(field, f"invoice {number}: {field} is longer than {limit} characters")


def _check_header(invoice: Invoice, seller_key: str, buyer_key: str) -> None:
    """Raise :class:`ValidationError` for the first text of the header longer than its column."""
    number = invoice.number
    for field, limit in _LIMITS.items():
        check_length(getattr(invoice, field), limit, field, number)
    for label, party in (("seller", invoice.seller), ("buyer", invoice.buyer)):
        check_length(party.name, NAME, f"{label}.name", number)
        check_length(party.tax_no, SHORT, f"{label}.tax_no", number)
        check_length(party.scheme, SHORT, f"{label}.scheme", number)
        check_length(party.city, LABEL, f"{label}.city", number)
        check_length(party.country, LABEL, f"{label}.country", number)
    check_length(invoice.type_code, SHORT, "type_code", number)
    check_length(invoice.profile, SHORT, "profile", number)
    check_length(seller_key, KEY, "seller", number)
    check_length(buyer_key, KEY, "buyer", number)


def _too_long(value: str | None, limit: int) -> bool:
    return value is not None and len(value) > limit


def header_row(invoice: Invoice) -> tuple[Any, ...]:
    """The ``invoices`` row of an invoice, in :data:`HEADER_COLUMNS` order.

    Raises:
        ValidationError: a text is longer than its column, naming the field.
    """
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
class LinePlan:
    """How to hand invoice lines to one dialect's driver without the bulk path's per-value work.

    Attributes:
        key: the bind processor of ``invoice_id`` (applied once per invoice), or ``None``.
        decimal_text: the amounts are stored as their text (:class:`DecimalText`, SQLite).
    """

    key: Callable[[Any], Any] | None
    decimal_text: bool


def line_plan(dialect: Dialect) -> LinePlan | None:
    """The plan for ``dialect``, or ``None`` when a column's bind processor is one it cannot apply."""
    types = {key: invoice_lines.c[key].type.dialect_impl(dialect) for key in LINE_COLUMNS}
    processors = {key: kind.bind_processor(dialect) for key, kind in types.items()}
    decimal_text = all(isinstance(types[key], DecimalText) for key in _LINE_DECIMALS)
    if not decimal_text and any(processors[key] is not None for key in _LINE_DECIMALS):
        return None
    others = (key for key in LINE_COLUMNS if key != "invoice_id" and key not in _LINE_DECIMALS)
    if any(processors[key] is not None for key in others):
        return None
    return LinePlan(processors["invoice_id"], decimal_text)


def line_rows(invoice: Invoice, plan: LinePlan | None = None) -> Iterable[tuple[Any, ...]]:
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
            check_length(name, NAME, "lines.product_name", number)
            check_length(code, CODE, "lines.product_code", number)
            check_length(unit, SHORT, "lines.unit_code", number)
            check_length(order, CODE, "lines.order_number", number)
            check_length(order_line, CODE, "lines.order_line", number)
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


converter.register_structure_hook_func(lambda t: t == tuple[Tax, ...], lambda v, _: _taxes_from(v))
# A line's taxes column is a JSON array: this hook lets lines go through the shared RowMapper.
_lines = RowMapper(InvoiceLine, invoice_lines)
_order_lines = RowMapper(OrderLine, sales_order_lines)


def line_of(row: Sequence[Any]) -> InvoiceLine:
    """An invoice line from a ``select(invoice_lines)`` row (the shared generated loader)."""
    return _lines.from_values(row)


converter.register_structure_hook_func(
    lambda t: t == tuple[InvoiceReference, ...], lambda v, _: _refs_from(v)
)
converter.register_structure_hook_func(
    lambda t: t == tuple[AllowanceCharge, ...], lambda v, _: _adjustments_from(v)
)
converter.register_structure_hook_func(lambda t: t == tuple[ExchangeRate, ...], lambda v, _: _rates_from(v))
# The header's JSON arrays (references, allowances and charges, exchange rates) load through these hooks.
_headers = RowMapper(
    Invoice,
    invoices,
    nested={"seller": "seller_", "buyer": "buyer_", "totals": ""},
    unstored=("lines",),
    columns={"references": "refs"},
    offset_columns={"issued_at": "issued_offset"},
)
"""Invoice headers ↔ rows by the shared generated loader; the lines come from ``invoice_lines``."""


def invoice_of(row: Any, lines: tuple[InvoiceLine, ...]) -> Invoice:
    """An invoice from its ``invoices`` row (``row._mapping`` or a row of it) and its lines.

    ``issued_at`` reads back at the offset it was issued in (V1).
    """
    return _headers.from_row(getattr(row, "_mapping", row), lines=lines)


def order_line_of(row: Sequence[Any]) -> OrderLine:
    """An order line from a ``select(sales_order_lines)`` row (the shared generated loader)."""
    return _order_lines.from_values(row)
