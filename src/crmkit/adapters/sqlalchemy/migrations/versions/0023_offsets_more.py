"""Every other aware time keeps its own UTC offset (issue 11 item 3, V1, M4, §9).

Revision 0018 gave appointments, reminders, consent records, the audit trail and the
outbox's ``created_at``/``due_at`` an integer ``<time>_offset`` column (the UTC offset in
seconds the time was given in). This revision does the same for every other time column
that holds a domain value, so it reads back with its own local date and wall time on
SQLite, PostgreSQL and MariaDB as it does in memory:

* caller-given times: ``outbox_messages.sent_at`` and ``delivery_at`` (a delivery report's
  time), interactions (``created_at``, ``first_response_at``, ``resolved_at``), meeting
  notes (``held_at``, ``follow_up_at``, ``created_at``), ``samples.sent_at``,
  ``opportunities.next_step_due``, ``visits.visited_at``, service bookings
  (``starts_at``, ``ends_at``, ``created_at``), ``service_work_entries.at``,
  ``service_rates.valid_from``, and the dated values of T4 — ``valid_from``/``valid_to``
  of ``customer_codes``, ``team_memberships``, ``code_links`` and ``owner_assignments``;
* times stamped from the CRM's clock, which a host may run in its own zone (the
  :class:`~crmkit.ports.clock.Clock` port allows any offset): ``erasures.at`` (M4),
  ``companies.registered_at``/``archived_at``, ``employees.hired_at``/``exit_at``,
  ``claims.requested_at``/``decided_at``, ``segments.created_at``,
  ``campaigns.created_at``, opportunities (``created_at``, ``closed_at``),
  ``opportunity_stages.entered_at``, offers (``sent_at``, ``decided_at``), service
  contracts, cases (``opened_at``, ``first_response_at``, ``closed_at``,
  ``last_activity_at``) and case events, ``kb_articles.created_at`` and
  ``plans.created_at``.

Left in UTC on purpose — stamped by the library from the clock for its own bookkeeping,
never a value a caller gave: ``point_entries.recorded_at`` (a ledger entry's business day
is its ``on_date``; the stamp only orders entries of one day), ``point_invoices.processed_at``,
``point_replies.at`` and ``invoice_cursors.updated_at``; and
``meeting_note_participants.held_at``/``follow_up_at``, copies of the note's times kept
for the per-employee queries (the note itself keeps the offsets). An appointment's
stored ``ends_at`` is likewise a query column: the value is its start (at the start's
offset, 0018) plus its duration.

The times stay stored in UTC, so every query, index and comparison is unchanged. Rows
written before this revision were read back in UTC: they get 0, which keeps exactly that.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMES: dict[str, tuple[str, ...]] = {
    "companies": ("registered_at", "archived_at"),
    "employees": ("hired_at", "exit_at"),
    "claims": ("requested_at", "decided_at"),
    "interactions": ("created_at", "first_response_at", "resolved_at"),
    "segments": ("created_at",),
    "campaigns": ("created_at",),
    "meeting_notes": ("held_at", "follow_up_at", "created_at"),
    "samples": ("sent_at",),
    "opportunities": ("created_at", "next_step_due", "closed_at"),
    "opportunity_stages": ("entered_at",),
    "offers": ("sent_at", "decided_at"),
    "visits": ("visited_at",),
    "service_contracts": ("created_at",),
    "service_work_entries": ("at",),
    "service_cases": ("opened_at", "first_response_at", "closed_at", "last_activity_at"),
    "service_case_events": ("at",),
    "service_bookings": ("starts_at", "ends_at", "created_at"),
    "kb_articles": ("created_at",),
    "service_rates": ("valid_from",),
    "plans": ("created_at",),
    "customer_codes": ("valid_from", "valid_to"),
    "team_memberships": ("valid_from", "valid_to"),
    "code_links": ("valid_from", "valid_to"),
    "owner_assignments": ("valid_from", "valid_to"),
    "outbox_messages": ("sent_at", "delivery_at"),
    "erasures": ("at",),
}
"""Table → its time columns that get a ``<time>_offset`` column."""


def upgrade() -> None:
    """Add the offset columns; existing times get 0 (UTC, as they were read so far), empty ones ``NULL``."""
    for table, times in _TIMES.items():
        offsets = [f"{time}_offset" for time in times]
        with op.batch_alter_table(table) as batch:
            for offset in offsets:
                batch.add_column(sa.Column(offset, sa.Integer, nullable=True))
        rows = sa.table(table, *(sa.column(c) for c in (*times, *offsets)))
        for time, offset in zip(times, offsets, strict=True):
            op.execute(rows.update().where(rows.c[time].is_not(None)).values({offset: 0}))


def downgrade() -> None:
    """Drop the offset columns (these times read back in UTC again)."""
    for table, times in reversed(_TIMES.items()):
        with op.batch_alter_table(table) as batch:
            for time in reversed(times):
                batch.drop_column(f"{time}_offset")
