"""SQLAlchemy Core tables of issue 14 (SPEC §5 I2, I5): workflow definitions, meeting notes.

``workflows`` keeps one row per ``(key, version)``; the definition is the
JSON of :meth:`crmkit.domain.workflow.Workflow.to_data`. The interaction's
own stage lives on ``interactions`` (``stage``, ``workflow_version``).
The :mod:`crmkit.adapters.sqlalchemy.tables` package imports this module, so Alembic and
``reset_database`` see these tables (revision 0014).
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    LABEL,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    ordered_text,
    time_type,
    uuid_type,
)

__all__ = [
    "WORKFLOW_CONSTRAINT_FIELDS",
    "meeting_note_participants",
    "meeting_notes",
    "samples",
    "workflows",
]

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
    offset_column("held_at"),  # UTC offsets in seconds, revision 0023
    offset_column("follow_up_at"),
    offset_column("created_at"),
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

samples = sa.Table(
    "samples",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("product", sa.String(LABEL), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("sent_at", time_type(), nullable=False),
    sa.Column("sent_by", uuid_type(), nullable=False),
    sa.Column("contact_id", uuid_type(), sa.ForeignKey("contacts.id"), nullable=True),
    sa.Column("note", sa.Text(), nullable=False),
    offset_column("sent_at"),  # UTC offsets in seconds, revision 0023
    sa.Index(None, "company_id", "sent_at"),
    sa.Index(None, "product", "sent_at"),
    **TABLE_OPTIONS,
)
"""Samples sent to customers (I12), listed per customer and per product."""

WORKFLOW_CONSTRAINT_FIELDS: dict[str, str] = {
    "fk_meeting_notes_company_id_companies": "company_id",
    "fk_meeting_notes_contact_id_contacts": "contact_id",
    "fk_samples_company_id_companies": "company_id",
    "fk_samples_contact_id_contacts": "contact_id",
}
"""Constraint name → the domain field it guards, merged into ``CONSTRAINT_FIELDS``."""
