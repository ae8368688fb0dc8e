"""Invoices kept whole: their own UTC offsets, allowances and charges, exchange rates (issue 11 items 3, 4).

* ``invoices.issued_offset``, ``invoices.delivered_offset`` and
  ``sales_orders.ordered_offset``: the UTC offset (seconds) the document gave
  its time in. The times stay stored in UTC; the offset brings back the local
  date, so an invoice issued at 00:30 Istanbul time reads back on its own day
  (V1). Rows written before this revision get +03:00 (Europe/Istanbul since
  September 2016, the default zone of every built-in source).
* ``invoices.allowance_charges`` and ``invoices.exchange_rates``: document-level
  ``cac:AllowanceCharge`` and the exchange rates a document gives, as small JSON
  arrays (``NULL``: none).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ISTANBUL = 3 * 3600


def upgrade() -> None:
    """Add the offset and document columns; give existing rows Istanbul's offset."""
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("issued_offset", sa.Integer, nullable=True))
        batch.add_column(sa.Column("delivered_offset", sa.Integer, nullable=True))
        batch.add_column(sa.Column("allowance_charges", sa.Text, nullable=True))
        batch.add_column(sa.Column("exchange_rates", sa.Text, nullable=True))
    with op.batch_alter_table("sales_orders") as batch:
        batch.add_column(sa.Column("ordered_offset", sa.Integer, nullable=True))
    invoices = sa.table(
        "invoices", sa.column("issued_offset"), sa.column("delivered_at"), sa.column("delivered_offset")
    )
    op.execute(invoices.update().values(issued_offset=_ISTANBUL))
    op.execute(
        invoices.update().where(invoices.c.delivered_at.is_not(None)).values(delivered_offset=_ISTANBUL)
    )
    orders = sa.table("sales_orders", sa.column("ordered_offset"))
    op.execute(orders.update().values(ordered_offset=_ISTANBUL))


def downgrade() -> None:
    """Drop the columns (the offsets and document details are lost)."""
    with op.batch_alter_table("sales_orders") as batch:
        batch.drop_column("ordered_offset")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("exchange_rates")
        batch.drop_column("allowance_charges")
        batch.drop_column("delivered_offset")
        batch.drop_column("issued_offset")
