"""Per-source resume cursors of the invoice import (issue 5 item 2).

Reserved: no schema change yet; the work that fills it is in progress.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """No schema change yet."""


def downgrade() -> None:
    """No schema change yet."""
