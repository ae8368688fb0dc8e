"""Companies say whether they have dated codes or owners (issue 11, T4, A1, A3, A7).

``companies.code_dated`` is true exactly when the company has a row in
``customer_codes``, ``companies.owner_dated`` when it has one in
``owner_assignments``; the storage sets them in the transaction that adds such a
row (rows are never deleted). With them:

* a single-record decision about a company that never moved (most companies)
  reads its code and owner from the row already loaded, with no history query;
* a visibility listing is two disjoint ``SELECT`` statements joined by ``UNION ALL``: the
  companies without dated codes, answered from the page index alone, and the few
  with dated codes, answered from ``customer_codes (code, valid_from)``.

The page index ``ix_companies_visible_page`` gains ``code_dated`` as its last
column, so the first branch stays covering. Existing rows are back-filled.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 06:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_companies_visible_page"
_LENGTH = {"name_key": 255}


def upgrade() -> None:
    """Add and back-fill the two flags; the page index covers ``code_dated``."""
    for name in ("code_dated", "owner_dated"):
        op.add_column("companies", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE companies SET code_dated = TRUE WHERE id IN (SELECT company_id FROM customer_codes)")
    op.execute(
        "UPDATE companies SET owner_dated = TRUE WHERE id IN (SELECT company_id FROM owner_assignments)"
    )
    op.drop_index(_INDEX, table_name="companies")
    op.create_index(
        _INDEX,
        "companies",
        ["micro_region", "name_key", "id", "archived_at", "code_dated"],
        mysql_length=_LENGTH,
        mariadb_length=_LENGTH,
    )


def downgrade() -> None:
    """Back to revision 0025's index and no flags."""
    op.drop_index(_INDEX, table_name="companies")
    op.create_index(
        _INDEX,
        "companies",
        ["micro_region", "name_key", "id", "archived_at"],
        mysql_length=_LENGTH,
        mariadb_length=_LENGTH,
    )
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("owner_dated")
        batch.drop_column("code_dated")
