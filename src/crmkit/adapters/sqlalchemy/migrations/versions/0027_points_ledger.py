"""Points ledger: two partial indexes, so an invoice line's earn entry writes neither (issue 15 item 9).

SPEC §7 V4, V8. Appending a million invoice lines writes three million ledger
entries, and each of the ledger's indexes is paid on every one of them. Two of
them now hold only the entries their reads can ask for (SQLite and PostgreSQL;
MariaDB/MySQL have no partial indexes and keep both whole):

* ``ix_point_entries_source`` (a return's reversals, ``by_source``) holds only the
  entries whose key does not begin with their source and ``:``. An invoice line's
  earn entry is keyed ``<source>:<program>:<role>`` from now on, so it is found by
  a range read of the unique key instead; entries written before (keyed
  ``earn:…``), reversals, redemptions and the rest stay in the index.
* ``ix_point_entries_expires_on`` (the expiry job's ``expiring``) holds only the
  entries that expire: ``WHERE expires_on IS NOT NULL``.

On PostgreSQL ``entry_key`` and ``source`` take ``COLLATE "C"`` (code-point order,
as SQLite's and MariaDB's binary collations), so the key range of a source is
exact whatever the database's collation and the index's predicate compares the
two under one collation.

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

_TABLE = "point_entries"
_PARTIAL = {
    "ix_point_entries_source": ("source", "substr(entry_key, 1, length(source) + 1) <> source || ':'"),
    "ix_point_entries_expires_on": ("expires_on", "expires_on IS NOT NULL"),
}
_COLUMNS = {"entry_key": 200, "source": 300}


def _partial() -> bool:
    return op.get_bind().dialect.name in ("sqlite", "postgresql")


def _collate(collation: str | None) -> None:
    """Give ``entry_key`` and ``source`` this collation (PostgreSQL; ``None``: the database's)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in _COLUMNS.items():
        collate = "" if collation is None else f' COLLATE "{collation}"'
        op.execute(f"ALTER TABLE {_TABLE} ALTER COLUMN {column} TYPE VARCHAR({length}){collate}")


def upgrade() -> None:
    """Rebuild the source and expiry indexes as partial indexes (SQLite, PostgreSQL)."""
    if not _partial():
        return  # no partial indexes: both stay whole
    for name in _PARTIAL:
        op.drop_index(name, table_name=_TABLE)
    _collate("C")
    for name, (column, where) in _PARTIAL.items():
        op.create_index(name, _TABLE, [column], sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade() -> None:
    """Restore the whole indexes (and the database's collation on PostgreSQL)."""
    if not _partial():
        return
    for name in _PARTIAL:
        op.drop_index(name, table_name=_TABLE)
    _collate(None)
    for name, (column, _) in _PARTIAL.items():
        op.create_index(name, _TABLE, [column])
