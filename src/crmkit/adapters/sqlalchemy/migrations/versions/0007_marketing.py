"""Segments and campaigns: ``segments``, ``campaigns``, ``campaign_recipients`` (issue 6 item 7, M1, M2).

Three new tables; no existing table changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 14:05:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def _time() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def _ordered(length: int) -> sa.types.TypeEngine[Any]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Create the segment, campaign and campaign-recipient tables."""
    op.create_table(
        "segments",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", _ordered(300), nullable=False),
        sa.Column("filter", sa.Text(), nullable=False),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        **_OPTIONS,
    )
    op.create_table(
        "campaigns",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("segment_id", _uuid(), nullable=False),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("skipped_no_consent", sa.Integer(), nullable=False),
        sa.Column("skipped_no_address", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"], name=op.f("fk_campaigns_segment_id_segments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_campaigns_segment_id"), "campaigns", ["segment_id"])
    op.create_table(
        "campaign_recipients",
        sa.Column("campaign_id", _uuid(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("contact_id", _uuid(), nullable=True),
        sa.Column("address", sa.String(254), nullable=True),
        sa.Column("message_id", _uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_recipients_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "company_id", name=op.f("pk_campaign_recipients")),
        **_OPTIONS,
    )


def downgrade() -> None:
    """Drop the segment, campaign and campaign-recipient tables."""
    op.drop_table("campaign_recipients")
    op.drop_index(op.f("ix_campaigns_segment_id"), table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_table("segments")
