"""SQLAlchemy Core tables of imported invoices and sales orders (SPEC §7 V1, V2, V10).

On the adapter's one ``metadata``; :mod:`crmkit.adapters.sqlalchemy.tables`
imports this module so Alembic and ``reset_database`` see the tables.

* Amounts and quantities are exact decimals: ``NUMERIC(24, 6)`` on PostgreSQL
  and MariaDB, and decimal *text* on SQLite, whose NUMERIC would go through
  binary floats (:class:`DecimalText`).
* An invoice is unique by id (its UUID) and by ``(number, seller_key)``; the
  latter's index also serves the duplicate look-up by number (V2).
* A line's taxes, and a document's taxes and references, are small JSON
  arrays kept as text (never queried by SQL; read back whole).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

from crmkit.adapters.sqlalchemy.tables.schema import (
    LABEL,
    NAME,
    TABLE_OPTIONS,
    metadata,
    ordered_text,
    time_type,
    uuid_type,
)
from crmkit.ports.invoices import CURSOR_MAX, SOURCE_MAX

__all__ = [
    "INVOICE_CONSTRAINT_FIELDS",
    "DecimalText",
    "invoice_cursors",
    "invoice_lines",
    "invoices",
    "return_locks",
    "return_references",
    "sales_order_lines",
    "sales_orders",
]

CODE = 100
"""Longest invoice number, order number, product or dealer code."""
KEY = 320
"""Longest party matching key (a tax number, or ``name:`` and a name)."""
SHORT = 40
"""Longest type code, profile, unit code, tax number or scheme."""
SOURCE = SOURCE_MAX
"""Longest name of an invoice source whose resume cursor is stored (its URL, or a name the caller gives)."""
CURSOR = CURSOR_MAX
"""Longest stored resume cursor."""


class DecimalText(sa.types.TypeDecorator[Decimal]):
    """An exact ``Decimal`` kept as its text (SQLite's NUMERIC would go through float)."""

    impl = sa.String(50)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        """Store the decimal's exact text."""
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Read the text back as the same ``Decimal``."""
        return None if value is None else Decimal(value)

    def bind_processor(self, dialect: Dialect) -> Callable[[Decimal | None], str | None]:
        """One plain function per value (the bulk path calls it a million times)."""
        return _text_or_none

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Decimal | None]:
        """Read the text back as the same ``Decimal``."""
        return _decimal_or_none


def _text_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _decimal() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Numeric(24, 6, asdecimal=True).with_variant(DecimalText(), "sqlite")
    for name in ("mysql", "mariadb"):  # MariaDB reports NUMERIC columns as DECIMAL
        kind = kind.with_variant(mysql.DECIMAL(24, 6), name)
    return kind


def _party(prefix: str) -> list[sa.Column[Any]]:
    return [
        sa.Column(f"{prefix}_name", sa.String(NAME), nullable=False),
        sa.Column(f"{prefix}_tax_no", sa.String(SHORT), nullable=True),
        sa.Column(f"{prefix}_scheme", sa.String(SHORT), nullable=True),
        sa.Column(f"{prefix}_city", sa.String(LABEL), nullable=True),
        sa.Column(f"{prefix}_country", sa.String(LABEL), nullable=True),
    ]


invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("number", sa.String(CODE), nullable=False),
    sa.Column("seller_key", sa.String(KEY), nullable=False),
    sa.Column("buyer_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("type_code", sa.String(SHORT), nullable=False),
    sa.Column("profile", sa.String(SHORT), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("issued_at", time_type(), nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("exchange_rate", _decimal(), nullable=True),
    *_party("seller"),
    *_party("buyer"),
    sa.Column("store", sa.String(CODE), nullable=True),
    sa.Column("sales_person", sa.String(CODE), nullable=True),
    sa.Column("order_number", sa.String(CODE), nullable=True),
    sa.Column("line_extension", _decimal(), nullable=False),
    sa.Column("tax_exclusive", _decimal(), nullable=False),
    sa.Column("tax_inclusive", _decimal(), nullable=False),
    sa.Column("payable", _decimal(), nullable=False),
    sa.Column("allowance", _decimal(), nullable=False),
    sa.Column("charge", _decimal(), nullable=False),
    sa.Column("tax", _decimal(), nullable=False),
    sa.Column("withholding", _decimal(), nullable=False),
    sa.Column("prepaid", _decimal(), nullable=False),
    sa.Column("taxes", sa.Text, nullable=False),
    sa.Column("refs", sa.Text, nullable=False),
    sa.Column("source", sa.String(1000), nullable=False),
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("delivered_at", time_type(), nullable=True),
    sa.Column("received_by", sa.String(LABEL), nullable=True),
    sa.Column("issued_offset", sa.Integer, nullable=True),
    sa.Column("delivered_offset", sa.Integer, nullable=True),
    sa.Column("allowance_charges", sa.Text, nullable=True),
    sa.Column("exchange_rates", sa.Text, nullable=True),
    sa.UniqueConstraint("number", "seller_key"),
    **TABLE_OPTIONS,
)
"""Invoice headers and totals (V1); ``delivered_at`` tracks the original's delivery (V10).

Times are stored in UTC; ``*_offset`` is the UTC offset in seconds the document gave
(``NULL``: UTC), so a time reads back with its own local date on every back end.
``allowance_charges`` and ``exchange_rates`` are JSON arrays (``NULL``: none)."""

invoice_lines = sa.Table(
    "invoice_lines",
    metadata,
    sa.Column("invoice_id", uuid_type(), sa.ForeignKey("invoices.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("product_name", sa.String(NAME), nullable=False),
    sa.Column("product_code", sa.String(CODE), nullable=True),
    sa.Column("quantity", _decimal(), nullable=False),
    sa.Column("unit_code", sa.String(SHORT), nullable=True),
    sa.Column("unit_price", _decimal(), nullable=False),
    sa.Column("line_extension", _decimal(), nullable=False),
    sa.Column("discount", _decimal(), nullable=False),
    sa.Column("charge", _decimal(), nullable=False),
    sa.Column("taxes", sa.Text, nullable=False),
    sa.Column("order_number", sa.String(CODE), nullable=True),
    sa.Column("order_line", sa.String(CODE), nullable=True),
    sa.Column("returned_quantity", _decimal(), nullable=True),
    sa.Column("returned_amount", _decimal(), nullable=True),
    **TABLE_OPTIONS,
)
"""Invoice lines; ``returned_*`` is what later returns took back (V1), ``NULL`` for nothing."""

return_references = sa.Table(
    "return_references",
    metadata,
    sa.Column("number", sa.String(CODE), primary_key=True),
    sa.Column("seller_key", sa.String(KEY), primary_key=True),
    sa.Column("return_id", uuid_type(), sa.ForeignKey("invoices.id"), primary_key=True),
    sa.Column("line_number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("waiting", _decimal(), nullable=False),
    **TABLE_OPTIONS,
)
"""What returns cite (V1, V8; migration 0024): one row per cited original and return line.

The key leads with the original's identity (``number``, ``seller_key`` — the return's
buyer), so an imported original finds the returns that cite it with one index look-up,
however many invoices one seller has. ``waiting`` is the part of the return line no
original took back yet (the whole line on a row citing an original not imported yet):
a return imported before its original waits here for it."""

return_locks = sa.Table(
    "return_locks",
    metadata,
    sa.Column("seller_key", sa.String(KEY), primary_key=True),
    sa.Column("turns", sa.Integer, nullable=False),
    **TABLE_OPTIONS,
)
"""One row per seller whose originals returns were matched to (V1, V8; migration 0029).

The return matching writes its sellers' rows first thing in its transaction, so two
matchings of one seller's returns (two imports, an import and the job) take turns: the
second waits for the first to commit and then reads what it wrote."""

invoice_cursors = sa.Table(
    "invoice_cursors",
    metadata,
    sa.Column("source", ordered_text(SOURCE), primary_key=True),
    sa.Column("cursor", sa.String(CURSOR), nullable=False),
    sa.Column("updated_at", time_type(), nullable=False),
    **TABLE_OPTIONS,
)
"""The last committed resume cursor of each invoice source (V2), written with the invoices it covers."""

sales_orders = sa.Table(
    "sales_orders",
    metadata,
    sa.Column("number", ordered_text(CODE), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("customer", sa.String(KEY), nullable=False),
    sa.Column("ordered_at", time_type(), nullable=False),
    sa.Column("ordered_offset", sa.Integer, nullable=True),
    **TABLE_OPTIONS,
)
"""Sales orders (V10)."""

sales_order_lines = sa.Table(
    "sales_order_lines",
    metadata,
    sa.Column("order_number", ordered_text(CODE), sa.ForeignKey("sales_orders.number"), primary_key=True),
    sa.Column("line_id", ordered_text(CODE), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("product_name", sa.String(NAME), nullable=False),
    sa.Column("product_code", sa.String(CODE), nullable=True),
    sa.Column("unit_code", sa.String(SHORT), nullable=True),
    sa.Column("quantity", _decimal(), nullable=False),
    sa.Column("invoiced", _decimal(), nullable=False),
    sa.Column("pending", sa.Boolean, nullable=False),
    sa.Index(None, "pending", "order_number", "line_id"),
    **TABLE_OPTIONS,
)
"""The lines of sales orders and what was invoiced of each; ``pending``: "to be invoiced" (V10)."""

INVOICE_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_invoices": "id",
    "uq_invoices_number_seller_key": "number",
    "pk_invoice_lines": "lines",
    "fk_invoice_lines_invoice_id_invoices": "invoice_id",
    "pk_invoice_cursors": "source",
    "pk_return_references": "return_id",
    "fk_return_references_return_id_invoices": "return_id",
    "pk_sales_orders": "number",
    "pk_sales_order_lines": "lines",
    "fk_sales_order_lines_order_number_sales_orders": "order_number",
}
"""Constraint name → the domain field it guards."""
