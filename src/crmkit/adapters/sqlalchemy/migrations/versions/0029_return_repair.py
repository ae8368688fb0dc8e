"""Reserved for issue 15's return-matching repair work.

Reserved (no-op) so that parallel branches each fill their own revision in one
linear chain; the branch that owns it replaces this body.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 06:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet (reserved)."""


def downgrade() -> None:
    """Nothing yet (reserved)."""
