"""SQLAlchemy Core tables of issue 14 (SPEC §5 I2, I5): workflow definitions, meeting notes.

``workflows`` keeps one row per ``(key, version)``; the definition is the
JSON of :meth:`crmkit.domain.workflow.Workflow.to_data`. The interaction's
own stage lives on ``interactions`` (``stage``, ``workflow_version``).
:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables (revision 0014).
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables import _TABLE_OPTIONS, LABEL, _ordered, _time, _uuid, metadata

__all__ = ["meeting_note_participants", "meeting_notes", "workflows"]

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("key", _ordered(LABEL), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("definition", sa.Text(), nullable=False),
    **_TABLE_OPTIONS,
)
"""Workflow definitions (I2, I9), one row per version; rows are never updated."""

meeting_notes = sa.Table(
    "meeting_notes",
    metadata,
    sa.Column("id", _uuid(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", _uuid(), sa.ForeignKey("companies.id"), nullable=False, index=True),
    sa.Column("contact_id", _uuid(), sa.ForeignKey("contacts.id"), nullable=False),
    sa.Column("held_at", _time(), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("follow_up_at", _time(), nullable=True),
    sa.Column("appointment_id", _uuid(), nullable=True),
    sa.Column("created_by", _uuid(), nullable=False),
    sa.Column("created_at", _time(), nullable=False),
    **_TABLE_OPTIONS,
)
"""Meeting notes (I5)."""

meeting_note_participants = sa.Table(
    "meeting_note_participants",
    metadata,
    sa.Column("note_id", _uuid(), sa.ForeignKey("meeting_notes.id"), primary_key=True),
    sa.Column("employee_id", _uuid(), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("held_at", _time(), nullable=False),
    sa.Column("follow_up_at", _time(), nullable=True),
    sa.Index(None, "employee_id", "held_at"),
    sa.Index(None, "employee_id", "follow_up_at"),
    **_TABLE_OPTIONS,
)
"""Who took part in each note, in order; ``held_at``/``follow_up_at`` copied for the per-employee queries."""
