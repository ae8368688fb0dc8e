"""SQLAlchemy Core tables of interactions, appointments and reminders (SPEC §5 I1, I3, I6, I7; M2).

Indexed for the queries the services run (revision 0008):

* interactions by company, by owner and by campaign, each newest first, and
  all of them newest first (the listing joined to ``companies`` under the
  access predicate, A7);
* appointments by assignee and start (double bookings, "my appointments")
  and by start (the shared agenda); ``ends_at`` is stored beside
  ``minutes`` so an overlap test is two comparisons;
* reminders by assignee and due time.

:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    LABEL,
    NOTE,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    time_type,
    uuid_type,
)

__all__ = ["INTERACTION_CONSTRAINT_FIELDS", "appointments", "interactions", "reminders"]

SUBJECT = 500
"""Longest interaction subject, in characters."""

interactions = sa.Table(
    "interactions",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("category", sa.String(LABEL), nullable=False),
    sa.Column("subject", sa.String(SUBJECT), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("contact_id", uuid_type(), sa.ForeignKey("contacts.id"), nullable=True, index=True),
    sa.Column("campaign_id", uuid_type(), sa.ForeignKey("campaigns.id"), nullable=True),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("owner_id", uuid_type(), nullable=False),
    sa.Column("owner_team_id", uuid_type(), nullable=True),
    sa.Column("created_at", time_type(), nullable=False),
    sa.Column("first_response_at", time_type(), nullable=True),
    sa.Column("resolved_at", time_type(), nullable=True),
    sa.Column("stage", sa.String(100), nullable=True),  # I2, revision 0014
    sa.Column("workflow_version", sa.Integer, nullable=True),
    sa.Column("response_seconds", sa.Integer, nullable=True),  # I3, revision 0014
    sa.Column("resolution_seconds", sa.Integer, nullable=True),
    # S1, S8: the service contract cited, revision 0022
    sa.Column("contract_id", uuid_type(), sa.ForeignKey("service_contracts.id"), nullable=True),
    sa.Column("opportunity_id", uuid_type(), nullable=True),  # I4 links, revision 0020
    sa.Column("task_id", uuid_type(), nullable=True),
    offset_column("created_at"),  # UTC offsets in seconds, revision 0023
    offset_column("first_response_at"),
    offset_column("resolved_at"),
    sa.Index(None, "company_id", "created_at"),
    sa.Index(None, "owner_id", "created_at"),
    sa.Index(None, "campaign_id", "created_at"),
    sa.Index(None, "created_at", "id"),
    sa.Index(None, "owner_id", "first_response_at", "created_at"),  # unanswered ones (I10), revision 0014
    sa.Index(None, "contract_id", "created_at"),  # a contract's interactions (S8), revision 0022
    **TABLE_OPTIONS,
)
"""Interactions (I1, I3, M2)."""

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False, index=True),
    sa.Column("starts_at", time_type(), nullable=False),
    sa.Column("ends_at", time_type(), nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("description", sa.String(NOTE), nullable=False),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("assignee_id", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    sa.Column("starts_at_offset", sa.Integer, nullable=True),  # its UTC offset in seconds, revision 0018
    sa.Column("created_at_offset", sa.Integer, nullable=True),  # its UTC offset in seconds, revision 0018
    sa.Index(None, "assignee_id", "starts_at"),
    sa.Index(None, "starts_at", "id"),
    **TABLE_OPTIONS,
)
"""Appointments (I6); ``ends_at`` is ``starts_at`` plus ``minutes``, kept for the overlap test.
Times are stored in UTC; ``*_offset`` is the UTC offset (seconds) they were given in, so they read
back with their own local date and time (V1, revision 0018; ``NULL``: UTC)."""

reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("due_at", time_type(), nullable=False),
    sa.Column("text", sa.String(NOTE), nullable=False),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("assignee_id", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column(
        "interaction_id", uuid_type(), nullable=True
    ),  # I4: a task made from an interaction, revision 0020
    sa.Column("due_at_offset", sa.Integer, nullable=True),  # its UTC offset in seconds, revision 0018
    sa.Column("created_at_offset", sa.Integer, nullable=True),  # its UTC offset in seconds, revision 0018
    sa.Index(None, "assignee_id", "due_at"),
    sa.Index(None, "due_at"),  # the agenda's e-mail job (I7), revision 0014
    **TABLE_OPTIONS,
)
"""Reminders (I7); ``*_offset`` as for appointments."""

INTERACTION_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_interactions": "id",
    "pk_appointments": "id",
    "pk_reminders": "id",
    "fk_interactions_company_id_companies": "company_id",
    "fk_interactions_contact_id_contacts": "contact_id",
    "fk_interactions_campaign_id_campaigns": "campaign_id",
    "fk_interactions_contract_id_service_contracts": "contract_id",
    "fk_appointments_company_id_companies": "company_id",
}
"""Constraint name → the domain field it guards."""
