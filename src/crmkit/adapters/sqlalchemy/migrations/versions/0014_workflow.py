"""Workflows as data, the interaction's stage, response times, meeting notes (issue 14, SPEC §5 I2, I3, I5).

A new ``workflows`` table (one row per ``(key, version)``, the definition as
JSON text) and four nullable columns on ``interactions``: ``stage`` and
``workflow_version`` (I2), ``response_seconds`` and ``resolution_seconds``
(I3, working time). Existing interactions keep ``NULL``. An index on
``reminders.due_at`` serves the agenda's e-mail job (I7), one on
``interactions (owner_id, first_response_at, created_at)`` the daily task
list's unanswered interactions (I10). Two tables hold meeting notes (I5):
``meeting_notes`` and ``meeting_note_participants``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
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
    """Create ``workflows``; add ``stage`` and ``workflow_version`` to ``interactions``."""
    op.create_table(
        "workflows",
        sa.Column("key", _ordered(200), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", "version", name=op.f("pk_workflows")),
        **_OPTIONS,
    )
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("stage", sa.String(100), nullable=True))
        batch.add_column(sa.Column("workflow_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("response_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolution_seconds", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_reminders_due_at"), "reminders", ["due_at"])
    op.create_index(
        op.f("ix_interactions_owner_id_first_response_at_created_at"),
        "interactions",
        ["owner_id", "first_response_at", "created_at"],
    )
    _meeting_notes()


def _meeting_notes() -> None:
    """The meeting notes of I5 and their participants."""
    op.create_table(
        "meeting_notes",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("contact_id", _uuid(), nullable=False),
        sa.Column("held_at", _time(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("follow_up_at", _time(), nullable=True),
        sa.Column("appointment_id", _uuid(), nullable=True),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_meeting_notes_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_meeting_notes_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_notes")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_meeting_notes_company_id"), "meeting_notes", ["company_id"])
    op.create_table(
        "meeting_note_participants",
        sa.Column("note_id", _uuid(), nullable=False),
        sa.Column("employee_id", _uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("held_at", _time(), nullable=False),
        sa.Column("follow_up_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"], ["meeting_notes.id"], name=op.f("fk_meeting_note_participants_note_id_meeting_notes")
        ),
        sa.PrimaryKeyConstraint("note_id", "employee_id", name=op.f("pk_meeting_note_participants")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_meeting_note_participants_employee_id_held_at"),
        "meeting_note_participants",
        ["employee_id", "held_at"],
    )
    op.create_index(
        op.f("ix_meeting_note_participants_employee_id_follow_up_at"),
        "meeting_note_participants",
        ["employee_id", "follow_up_at"],
    )


def downgrade() -> None:
    """Drop the reminders' due-time index, the interaction's new columns and ``workflows``."""
    op.drop_table("meeting_note_participants")
    op.drop_table("meeting_notes")
    op.drop_index(op.f("ix_reminders_due_at"), table_name="reminders")
    op.drop_index(op.f("ix_interactions_owner_id_first_response_at_created_at"), table_name="interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("resolution_seconds")
        batch.drop_column("response_seconds")
        batch.drop_column("workflow_version")
        batch.drop_column("stage")
    op.drop_table("workflows")
