"""Outbox and consent history: ``outbox_messages``, ``consent_records`` (issue 6).

Two new tables; no existing table changes. ``outbox_messages`` is indexed on
``(state, due_at)`` for the dispatcher's claims (and unique on ``key``);
``consent_records`` on ``(channel, address, at)`` (M3).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
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


def upgrade() -> None:
    """Create the outbox and consent tables."""
    op.create_table(
        "outbox_messages",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("due_at", _time(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("uncertain_attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(64), nullable=True),
        sa.Column("provider_id", sa.String(100), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("sent_at", _time(), nullable=True),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("contact_id", _uuid(), nullable=True),
        sa.Column("campaign_id", _uuid(), nullable=True),
        sa.Column("recipient_type", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_outbox_messages_state_due_at"), "outbox_messages", ["state", "due_at"])

    op.create_table(
        "consent_records",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("contact_id", _uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_consent_records_channel_address_at"), "consent_records", ["channel", "address", "at"]
    )


def downgrade() -> None:
    """Drop the outbox and consent tables."""
    op.drop_table("consent_records")
    op.drop_table("outbox_messages")
