"""SQLAlchemy Core tables of opportunities and offers (issue 14; SPEC §5 I8, I9, I4), revision 0020.

``opportunities`` keeps each opportunity with two integer columns beside its
money and probability — ``amount_minor`` (the amount in minor units) and
``probability_bp`` (hundredths of a percent) — so the weighted forecast is an
exact integer ``SUM`` on every back end. ``opportunity_stages`` is the
append-only stage history (conversion per stage), ``offers`` the offers sent
and their outcome, ``visits`` the sales visits and their cost (I11). The link
columns of I4 on ``interactions`` (``opportunity_id``, ``task_id``) and
``reminders`` (``interaction_id``) are in
:mod:`~crmkit.adapters.sqlalchemy.tables.interaction`.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.invoice import _decimal
from crmkit.adapters.sqlalchemy.tables.schema import (
    LABEL,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    time_type,
    uuid_type,
)

__all__ = ["OPPORTUNITY_CONSTRAINT_FIELDS", "offers", "opportunities", "opportunity_stages", "visits"]

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("funnel", sa.String(LABEL), nullable=False),
    sa.Column("workflow_version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("owner_id", uuid_type(), nullable=False),
    sa.Column("owner_team_id", uuid_type(), nullable=True),
    sa.Column("dealer_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=True),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    sa.Column("stage", sa.String(100), nullable=False),
    sa.Column("stage_kind", sa.String(10), nullable=False),
    sa.Column("probability", _decimal(), nullable=False),
    sa.Column("amount_amount", _decimal(), nullable=True),
    sa.Column("amount_currency", sa.String(3), nullable=True),
    sa.Column("expected_close", sa.Date(), nullable=True),
    sa.Column("next_step", sa.String(500), nullable=False),
    sa.Column("next_step_due", time_type(), nullable=True),
    sa.Column("product", sa.String(LABEL), nullable=True),
    sa.Column("lead_source", sa.String(LABEL), nullable=True),
    sa.Column("interaction_id", uuid_type(), nullable=True),
    sa.Column("closed_at", time_type(), nullable=True),
    sa.Column("loss_reason", sa.String(LABEL), nullable=True),
    sa.Column("competitor", sa.String(LABEL), nullable=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=True),
    sa.Column("probability_bp", sa.Integer, nullable=False),
    offset_column("created_at"),  # UTC offsets in seconds, revision 0023
    offset_column("next_step_due"),
    offset_column("closed_at"),
    sa.Index(None, "owner_id", "next_step_due"),
    sa.Index(None, "company_id", "created_at"),
    sa.Index(None, "created_at", "id"),
    sa.Index(None, "closed_at"),
    sa.Index(None, "interaction_id"),
    **TABLE_OPTIONS,
)
"""Opportunities (I9); ``amount_minor`` and ``probability_bp`` are the integers the forecast sums."""

opportunity_stages = sa.Table(
    "opportunity_stages",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("opportunity_id", uuid_type(), sa.ForeignKey("opportunities.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("entered_at", time_type(), nullable=False),
    sa.Column("entered_by", uuid_type(), nullable=False),
    offset_column("entered_at"),  # UTC offsets in seconds, revision 0023
    sa.UniqueConstraint("seq", "opportunity_id"),  # seq first: SQLite names the first column
    sa.Index(None, "opportunity_id", "seq"),
    **TABLE_OPTIONS,
)
"""Each stage an opportunity entered, numbered from 1 (I9); never updated."""

offers = sa.Table(
    "offers",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("contact_id", uuid_type(), sa.ForeignKey("contacts.id"), nullable=False),
    sa.Column("template_id", uuid_type(), nullable=False),
    sa.Column("sent_by", uuid_type(), nullable=False),
    sa.Column("sent_at", time_type(), nullable=False),
    sa.Column("message_key", sa.String(LABEL), nullable=False),
    sa.Column("opportunity_id", uuid_type(), sa.ForeignKey("opportunities.id"), nullable=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("reason", sa.String(LABEL), nullable=True),
    sa.Column("decided_at", time_type(), nullable=True),
    sa.Column("decided_by", uuid_type(), nullable=True),
    offset_column("sent_at"),  # UTC offsets in seconds, revision 0023
    offset_column("decided_at"),
    sa.Index(None, "company_id", "sent_at"),
    sa.Index(None, "sent_at"),
    **TABLE_OPTIONS,
)
"""Offers sent (I8) and their outcome."""

visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("employee_id", uuid_type(), nullable=False),
    sa.Column("visited_at", time_type(), nullable=False),
    sa.Column("vehicle", sa.String(100), nullable=False),
    sa.Column("metres", sa.BigInteger, nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("labour", sa.BigInteger, nullable=False),
    sa.Column("travel", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    offset_column("visited_at"),  # UTC offsets in seconds, revision 0023
    sa.Index(None, "company_id", "visited_at"),
    sa.Index(None, "visited_at"),
    **TABLE_OPTIONS,
)
"""Sales visits (I11), priced when recorded: ``labour``/``travel`` in ten-thousandths × minutes/metres."""

OPPORTUNITY_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_visits": "id",
    "pk_opportunities": "id",
    "pk_opportunity_stages": "id",
    "pk_offers": "id",
    "fk_visits_company_id_companies": "company_id",
    "fk_opportunities_company_id_companies": "company_id",
    "fk_opportunities_dealer_id_companies": "dealer_id",
    "fk_opportunity_stages_opportunity_id_opportunities": "opportunity_id",
    "uq_opportunity_stages_seq_opportunity_id": "seq",
    "fk_offers_company_id_companies": "company_id",
    "fk_offers_contact_id_contacts": "contact_id",
    "fk_offers_opportunity_id_opportunities": "opportunity_id",
}
"""Constraint name → the domain field it guards, merged into ``CONSTRAINT_FIELDS``."""
