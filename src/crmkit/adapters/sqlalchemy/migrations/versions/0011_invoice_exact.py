"""Invoice documents kept whole: issue offset, allowances, exchange rates (issue 11 items 3, 4).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for issue 11 items 3-4 so parallel work keeps one linear history."""


def downgrade() -> None:
    """Nothing yet."""
