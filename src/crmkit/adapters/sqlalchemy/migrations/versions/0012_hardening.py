"""Dated company codes, archived companies, erasure records (issue 11 items 1, 2, 5, 8, 9).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for issue 11 items 1-2, 5, 8-9 so parallel work keeps one linear history."""


def downgrade() -> None:
    """Nothing yet."""
