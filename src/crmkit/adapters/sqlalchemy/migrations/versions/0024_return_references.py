"""Reserved: an indexed table of the originals that return invoices cite (issue 15, V1, V8).

Placeholder in the linear chain; filled by the branch that adds the table.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet (reserved)."""


def downgrade() -> None:
    """Nothing yet (reserved)."""
