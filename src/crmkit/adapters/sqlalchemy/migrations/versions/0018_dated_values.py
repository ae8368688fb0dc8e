"""Aware times keep their own UTC offset beyond invoices (issue 11 item 3, V1).

One integer ``<time>_offset`` column (the UTC offset in seconds the caller gave the time
in) beside each caller-given time, as ``invoices.issued_offset`` has since 0011:

* ``appointments.starts_at_offset``, ``appointments.created_at_offset``;
* ``reminders.due_at_offset``, ``reminders.created_at_offset``;
* ``consent_records.at_offset``;
* ``audit_entries.at_offset``;
* ``outbox_messages.created_at_offset``, ``outbox_messages.due_at_offset``.

The times stay stored in UTC; the offset brings back the local date and time, so an
appointment at 00:30 Istanbul time reads back on its own day on every back end. Rows
written before this revision were read back in UTC: they get 0, which keeps exactly that.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OFFSETS: dict[str, tuple[str, ...]] = {
    "appointments": ("starts_at_offset", "created_at_offset"),
    "reminders": ("due_at_offset", "created_at_offset"),
    "consent_records": ("at_offset",),
    "audit_entries": ("at_offset",),
    "outbox_messages": ("created_at_offset", "due_at_offset"),
}


def upgrade() -> None:
    """Add the offset columns; existing rows get 0 (UTC, as they were read so far)."""
    for table, columns in _OFFSETS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(sa.Column(column, sa.Integer, nullable=True))
        rows = sa.table(table, *(sa.column(c) for c in columns))
        op.execute(rows.update().values(dict.fromkeys(columns, 0)))


def downgrade() -> None:
    """Drop the offset columns (times read back in UTC again)."""
    for table, columns in reversed(_OFFSETS.items()):
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column)
