"""Workflows, working calendars, interaction workflow, offers, opportunities (issue 14, SPEC §5).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for issue 14 so parallel work keeps one linear history."""


def downgrade() -> None:
    """Nothing yet."""
