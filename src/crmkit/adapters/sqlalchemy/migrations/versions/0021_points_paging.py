"""Points statement paging (issue 15, SPEC §7 V4, V8): daily totals and the statement's index.

* ``point_days``: each party's points summed per day, kept by the same insert that
  appends ledger entries (so a balance on any day is a sum over at most one row per
  day, not over the entries), back-filled here from the stored ledger.
* ``ix_point_entries_party`` now covers the statement's order
  ``(program, role, party, on_date, recorded_at, id)``, so a page of a statement is
  one index range read from its cursor.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}


def _ordered(length: int) -> sa.types.TypeEngine[Any]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Create ``point_days`` from the ledger and widen the party index to the statement's order."""
    op.create_table(
        "point_days",
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("party", _ordered(200), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("program", "role", "party", "on_date", name=op.f("pk_point_days")),
        **_OPTIONS,
    )
    op.execute(
        "INSERT INTO point_days (program, role, party, on_date, points)"
        " SELECT program, role, party, on_date, SUM(points) FROM point_entries"
        " GROUP BY program, role, party, on_date"
    )
    op.drop_index("ix_point_entries_party", table_name="point_entries")
    op.create_index(
        "ix_point_entries_party",
        "point_entries",
        ["program", "role", "party", "on_date", "recorded_at", "id"],
    )


def downgrade() -> None:
    """Drop ``point_days`` and restore the narrower party index."""
    op.drop_index("ix_point_entries_party", table_name="point_entries")
    op.create_index("ix_point_entries_party", "point_entries", ["program", "role", "party", "on_date"])
    op.drop_table("point_days")
