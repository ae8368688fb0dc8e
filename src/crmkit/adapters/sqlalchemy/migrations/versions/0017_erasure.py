"""M4 erasure records (issue 11 item 9): the ``erasures`` table.

One row per erasure on request — who erased which contact, when, why, and
the report of what was erased where. No existing table changes: the erasure
itself rewrites rows of the existing tables in place.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}


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


def upgrade() -> None:
    """Create ``erasures`` and its index on the contact."""
    op.create_table(
        "erasures",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("contact_id", _uuid(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("actor_id", _uuid(), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_erasures_contact_id"), "erasures", ["contact_id"])


def downgrade() -> None:
    """Drop ``erasures``."""
    op.drop_index(op.f("ix_erasures_contact_id"), table_name="erasures")
    op.drop_table("erasures")
