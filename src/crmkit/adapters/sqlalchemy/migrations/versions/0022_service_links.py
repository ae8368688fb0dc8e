"""Reserved: service links and indexes (issue 16).

This revision keeps the single linear chain while that work is built on its
own branch; until it lands the revision changes nothing.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet (reserved)."""


def downgrade() -> None:
    """Nothing yet (reserved)."""
