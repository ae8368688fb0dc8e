"""The visibility page index covers ``archived_at`` again (issue 11, A7, C13).

Revision 0012 added ``companies.archived_at`` and every listing asks
``archived_at IS NULL`` (C13: archived companies leave listings), so the covering
index of revision 0006, ``(micro_region, name_key, id)``, stopped covering the
page: each candidate row was read from the table to test the column, and a
rep's first page + count went from 1.6 ms to 8.8 ms at 200,000 customers
(``benchmarks/bench_access.py``). This revision replaces it by
``ix_companies_visible_page (micro_region, name_key, id, archived_at)``: the page
and its count are answered from the index again. On MariaDB/MySQL ``name_key``
is indexed by its first 255 characters (key-length limit), as before.

It also indexes ``customer_codes (code, valid_from)``: the dated branch of a
listing (T4), "the customers that held one of these codes at t", searched the
whole history table without it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 03:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "ix_companies_micro_region_name_key_id"
_NEW = "ix_companies_visible_page"
_CODES = "ix_customer_codes_code_valid_from"


def upgrade() -> None:
    """Replace the page index by one that also holds ``archived_at``."""
    op.create_index(
        _NEW,
        "companies",
        ["micro_region", "name_key", "id", "archived_at"],
        mysql_length={"name_key": 255},
        mariadb_length={"name_key": 255},
    )
    op.drop_index(_OLD, table_name="companies")
    op.create_index(_CODES, "customer_codes", ["code", "valid_from"])


def downgrade() -> None:
    """Restore the index of revision 0006."""
    op.drop_index(_CODES, table_name="customer_codes")
    op.create_index(
        _OLD,
        "companies",
        ["micro_region", "name_key", "id"],
        mysql_length={"name_key": 255},
        mariadb_length={"name_key": 255},
    )
    op.drop_index(_NEW, table_name="companies")
