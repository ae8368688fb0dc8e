"""Per-source resume cursors of the invoice import: ``invoice_cursors`` (issue 5 item 2, V2).

One new table; no existing table changes. A row holds the last cursor whose
invoices are committed, written in the same transaction as those invoices.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}


def _time() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def _ordered(length: int) -> sa.types.TypeEngine[Any]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Create the invoice-cursor table."""
    op.create_table(
        "invoice_cursors",
        sa.Column("source", _ordered(500), nullable=False),
        sa.Column("cursor", sa.String(1000), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_invoice_cursors")),
        **_OPTIONS,
    )


def downgrade() -> None:
    """Drop the invoice-cursor table."""
    op.drop_table("invoice_cursors")
