"""Points ledger's expiry index holds only entries that expire (issue 15 item 9; SPEC §7 V4, V8).

``ix_point_entries_expires_on`` indexed every ledger entry, though the expiry job's
only query (``expiring``: ``expires_on <= :day AND lot IS NULL AND points > 0``)
never matches an entry without an expiry date: earns of a program without
``expiry_days``, redemptions, reversals, adjustments and expiries themselves. On
SQLite and PostgreSQL it becomes a partial index ``WHERE expires_on IS NOT NULL``
(both planners prove the predicate from the query's ``expires_on <= :day``), so
appending such an entry writes no entry into it; MariaDB/MySQL have no partial
indexes and keep the full one.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 06:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_point_entries_expires_on"
_EXPIRES = "expires_on IS NOT NULL"


def upgrade() -> None:
    """Rebuild the expiry index as a partial index over the entries that expire (SQLite, PostgreSQL)."""
    if op.get_bind().dialect.name not in ("sqlite", "postgresql"):
        return  # no partial indexes: the full index stays
    op.drop_index(_INDEX, table_name="point_entries")
    op.create_index(
        _INDEX,
        "point_entries",
        ["expires_on"],
        sqlite_where=sa.text(_EXPIRES),
        postgresql_where=sa.text(_EXPIRES),
    )


def downgrade() -> None:
    """Restore the full expiry index."""
    if op.get_bind().dialect.name not in ("sqlite", "postgresql"):
        return
    op.drop_index(_INDEX, table_name="point_entries")
    op.create_index(_INDEX, "point_entries", ["expires_on"])
