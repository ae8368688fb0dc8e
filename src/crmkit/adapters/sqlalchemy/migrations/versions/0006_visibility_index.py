"""A covering index for the access-policy page: companies (micro_region, name_key, id) (issue 4, A7).

``crm.customers.visible`` asks for ``micro_region IN (…) ORDER BY name_key, id LIMIT n``
and the count of the same set; with this index both are answered from the index and
only the page's rows are read from the table (measured in ``benchmarks/bench_access.py``).
On MariaDB/MySQL ``name_key`` is indexed by its first 255 characters (key-length limit).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``ix_companies_micro_region_name_key_id``."""
    op.create_index(
        "ix_companies_micro_region_name_key_id",
        "companies",
        ["micro_region", "name_key", "id"],
        mysql_length={"name_key": 255},
        mariadb_length={"name_key": 255},
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_companies_micro_region_name_key_id", table_name="companies")
