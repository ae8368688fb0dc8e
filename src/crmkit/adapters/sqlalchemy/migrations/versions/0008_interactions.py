"""Interactions, appointments and reminders (issue 4 item 3, I1, I6, I7, A3, A4).

Reserved: no schema change yet; the work that fills it is in progress.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """No schema change yet."""


def downgrade() -> None:
    """No schema change yet."""
