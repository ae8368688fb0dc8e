"""Interactions, appointments and reminders (issue 4 item 3, I1, I3, I6, I7, M2, A3, A4).

Three new tables — ``interactions``, ``appointments``, ``reminders`` — with
the indexes their queries need (company, owner, campaign, assignee + start,
assignee + due time); no existing table changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
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
    """Create the interaction, appointment and reminder tables and their indexes."""
    op.create_table(
        "interactions",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_id", _uuid(), nullable=True),
        sa.Column("campaign_id", _uuid(), nullable=True),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("owner_id", _uuid(), nullable=False),
        sa.Column("owner_team_id", _uuid(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("first_response_at", _time(), nullable=True),
        sa.Column("resolved_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_interactions_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_interactions_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_interactions_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_interactions_contact_id"), "interactions", ["contact_id"])
    op.create_index(
        op.f("ix_interactions_company_id_created_at"), "interactions", ["company_id", "created_at"]
    )
    op.create_index(op.f("ix_interactions_owner_id_created_at"), "interactions", ["owner_id", "created_at"])
    op.create_index(
        op.f("ix_interactions_campaign_id_created_at"), "interactions", ["campaign_id", "created_at"]
    )
    op.create_index(op.f("ix_interactions_created_at_id"), "interactions", ["created_at", "id"])
    op.create_table(
        "appointments",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("starts_at", _time(), nullable=False),
        sa.Column("ends_at", _time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("assignee_id", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_appointments_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_appointments_company_id"), "appointments", ["company_id"])
    op.create_index(
        op.f("ix_appointments_assignee_id_starts_at"), "appointments", ["assignee_id", "starts_at"]
    )
    op.create_index(op.f("ix_appointments_starts_at_id"), "appointments", ["starts_at", "id"])
    op.create_table(
        "reminders",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("due_at", _time(), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("assignee_id", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_reminders_assignee_id_due_at"), "reminders", ["assignee_id", "due_at"])


def downgrade() -> None:
    """Drop the reminder, appointment and interaction tables (their indexes go with them)."""
    op.drop_table("reminders")
    op.drop_table("appointments")
    op.drop_table("interactions")
