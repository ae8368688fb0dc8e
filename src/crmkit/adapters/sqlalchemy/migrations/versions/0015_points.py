"""Loyalty points: programs, rules, ledger, serials (issue 15, SPEC §7 V3-V8).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for issue 15 so parallel work keeps one linear history."""


def downgrade() -> None:
    """Nothing yet."""
