"""Outbox delivery reports and e-mail attachments (issue 6 items 1, 2).

Reserved: no schema change yet; the work that fills it is in progress.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """No schema change yet."""


def downgrade() -> None:
    """No schema change yet."""
