"""Return locks: concurrent matchings of one seller's returns take turns (issue 15, V1, V8).

``return_locks`` has one row per seller (the seller of the originals; the buyer of
the returns). Every return matching — the invoice import's, the one after its commit
and the matching job — writes the rows of its sellers first thing in its
transaction: a second matching of the same seller waits until the first commits
and then reads what it wrote, so an import holding a return and another holding
its original cannot miss each other for good. Rows are made on demand: nothing
to back-fill.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 06:50:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in ("mysql", "mariadb")
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}


def upgrade() -> None:
    """Create ``return_locks``."""
    op.create_table(
        "return_locks",
        sa.Column("seller_key", sa.String(320), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seller_key", name=op.f("pk_return_locks")),
        **_OPTIONS,
    )


def downgrade() -> None:
    """Drop ``return_locks``."""
    op.drop_table("return_locks")
