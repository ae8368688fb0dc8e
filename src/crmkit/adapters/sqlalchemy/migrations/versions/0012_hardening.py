"""Archived companies (issue 11 item 1, C13).

``companies`` gains ``archived_at``: set when a company something refers to
is archived instead of deleted; archived companies leave listings and
searches and take no new records, and an admin may restore them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in ("mysql", "mariadb"):
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def upgrade() -> None:
    """Add ``companies.archived_at`` (C13)."""
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("archived_at", _time(), nullable=True))


def downgrade() -> None:
    """Drop ``companies.archived_at``."""
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("archived_at")
