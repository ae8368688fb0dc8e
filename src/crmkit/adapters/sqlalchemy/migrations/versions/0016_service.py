"""Service contracts, cases, hours ledger, bookings, knowledge base (issue 16, SPEC §6).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for issue 16 so parallel work keeps one linear history."""


def downgrade() -> None:
    """Nothing yet."""
