"""Reserved: more aware times keep their offset (issue 11 item 3, V1, M4).

Placeholder in the linear chain; filled by the branch that adds the columns.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet (reserved)."""


def downgrade() -> None:
    """Nothing yet (reserved)."""
