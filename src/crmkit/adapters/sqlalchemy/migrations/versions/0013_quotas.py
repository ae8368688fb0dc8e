"""Targets, quotas, goals and the monthly actuals summary (issue 13, SPEC §4).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for issue 13 so parallel work keeps one linear history."""


def downgrade() -> None:
    """Nothing yet."""
