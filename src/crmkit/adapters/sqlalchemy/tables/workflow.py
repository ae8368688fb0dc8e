"""SQLAlchemy Core tables of issue 14 (SPEC §5 I2, I5): workflow definitions, meeting notes.

``workflows`` keeps one row per ``(key, version)``; the definition is the
JSON of :meth:`crmkit.domain.workflow.Workflow.to_data`. The interaction's
own stage lives on ``interactions`` (``stage``, ``workflow_version``).
:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables (revision 0014).
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    LABEL,
    TABLE_OPTIONS,
    metadata,
    ordered_text,
    time_type,
    uuid_type,
)

__all__ = ["WORKFLOW_CONSTRAINT_FIELDS", "meeting_note_participants", "meeting_notes", "workflows"]

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("key", ordered_text(LABEL), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("definition", sa.Text(), nullable=False),
    **TABLE_OPTIONS,
)
"""Workflow definitions (I2, I9), one row per version; rows are never updated."""

meeting_notes = sa.Table(
    "meeting_notes",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False, index=True),
    sa.Column("contact_id", uuid_type(), sa.ForeignKey("contacts.id"), nullable=False),
    sa.Column("held_at", time_type(), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("follow_up_at", time_type(), nullable=True),
    sa.Column("appointment_id", uuid_type(), nullable=True),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    **TABLE_OPTIONS,
)
"""Meeting notes (I5)."""

meeting_note_participants = sa.Table(
    "meeting_note_participants",
    metadata,
    sa.Column("note_id", uuid_type(), sa.ForeignKey("meeting_notes.id"), primary_key=True),
    sa.Column("employee_id", uuid_type(), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("held_at", time_type(), nullable=False),
    sa.Column("follow_up_at", time_type(), nullable=True),
    sa.Index(None, "employee_id", "held_at"),
    sa.Index(None, "employee_id", "follow_up_at"),
    **TABLE_OPTIONS,
)
"""Who took part in each note, in order; ``held_at``/``follow_up_at`` copied for the per-employee queries."""

WORKFLOW_CONSTRAINT_FIELDS: dict[str, str] = {}
"""Constraint name → the domain field it guards (none here: keys are named by the repository)."""
