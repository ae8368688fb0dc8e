"""Imported invoices and sales orders (issue 5): invoices, invoice_lines, sales_orders, sales_order_lines.

Four new tables; no existing table changes. Amounts are ``NUMERIC(24, 6)``,
kept as exact decimal text on SQLite (V1, V2, V10).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}
CODE, KEY, SHORT, NAME, LABEL = 100, 320, 40, 300, 200


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def _time() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def _decimal() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Numeric(24, 6).with_variant(sa.String(50), "sqlite")
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DECIMAL(24, 6), name)
    return kind


def _ordered(length: int) -> sa.types.TypeEngine[Any]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _party(prefix: str) -> list[sa.Column[Any]]:
    return [
        sa.Column(f"{prefix}_name", sa.String(NAME), nullable=False),
        sa.Column(f"{prefix}_tax_no", sa.String(SHORT), nullable=True),
        sa.Column(f"{prefix}_scheme", sa.String(SHORT), nullable=True),
        sa.Column(f"{prefix}_city", sa.String(LABEL), nullable=True),
        sa.Column(f"{prefix}_country", sa.String(LABEL), nullable=True),
    ]


def upgrade() -> None:
    """Create the invoice and sales-order tables."""
    op.create_table(
        "invoices",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("number", sa.String(CODE), nullable=False),
        sa.Column("seller_key", sa.String(KEY), nullable=False),
        sa.Column("buyer_key", sa.String(KEY), nullable=False),
        sa.Column("type_code", sa.String(SHORT), nullable=False),
        sa.Column("profile", sa.String(SHORT), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("issued_at", _time(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("exchange_rate", _decimal(), nullable=True),
        *_party("seller"),
        *_party("buyer"),
        sa.Column("store", sa.String(CODE), nullable=True),
        sa.Column("sales_person", sa.String(CODE), nullable=True),
        sa.Column("order_number", sa.String(CODE), nullable=True),
        *(
            sa.Column(name, _decimal(), nullable=False)
            for name in (
                "line_extension",
                "tax_exclusive",
                "tax_inclusive",
                "payable",
                "allowance",
                "charge",
                "tax",
                "withholding",
                "prepaid",
            )
        ),
        sa.Column("taxes", sa.Text(), nullable=False),
        sa.Column("refs", sa.Text(), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("delivered_at", _time(), nullable=True),
        sa.Column("received_by", sa.String(LABEL), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", "seller_key", name=op.f("uq_invoices_number_seller_key")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_invoices_buyer_key"), "invoices", ["buyer_key"])
    op.create_index(op.f("ix_invoices_issued_at"), "invoices", ["issued_at"])
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", _uuid(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("product_name", sa.String(NAME), nullable=False),
        sa.Column("product_code", sa.String(CODE), nullable=True),
        sa.Column("quantity", _decimal(), nullable=False),
        sa.Column("unit_code", sa.String(SHORT), nullable=True),
        sa.Column("unit_price", _decimal(), nullable=False),
        sa.Column("line_extension", _decimal(), nullable=False),
        sa.Column("discount", _decimal(), nullable=False),
        sa.Column("charge", _decimal(), nullable=False),
        sa.Column("taxes", sa.Text(), nullable=False),
        sa.Column("order_number", sa.String(CODE), nullable=True),
        sa.Column("order_line", sa.String(CODE), nullable=True),
        sa.Column("returned_quantity", _decimal(), nullable=True),
        sa.Column("returned_amount", _decimal(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("invoice_id", "number", name=op.f("pk_invoice_lines")),
        **_OPTIONS,
    )
    op.create_table(
        "sales_orders",
        sa.Column("number", _ordered(CODE), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(KEY), nullable=False),
        sa.Column("ordered_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_sales_orders")),
        **_OPTIONS,
    )
    op.create_table(
        "sales_order_lines",
        sa.Column("order_number", _ordered(CODE), nullable=False),
        sa.Column("line_id", _ordered(CODE), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_name", sa.String(NAME), nullable=False),
        sa.Column("product_code", sa.String(CODE), nullable=True),
        sa.Column("unit_code", sa.String(SHORT), nullable=True),
        sa.Column("quantity", _decimal(), nullable=False),
        sa.Column("invoiced", _decimal(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_number"],
            ["sales_orders.number"],
            name=op.f("fk_sales_order_lines_order_number_sales_orders"),
        ),
        sa.PrimaryKeyConstraint("order_number", "line_id", name=op.f("pk_sales_order_lines")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_sales_order_lines_pending_order_number_line_id"),
        "sales_order_lines",
        ["pending", "order_number", "line_id"],
    )


def downgrade() -> None:
    """Drop the invoice and sales-order tables."""
    op.drop_table("sales_order_lines")
    op.drop_table("sales_orders")
    op.drop_table("invoice_lines")
    op.drop_table("invoices")
