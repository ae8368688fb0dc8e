"""SQLAlchemy Core tables of segments, campaigns and campaign recipients (SPEC §8 M1, M2).

A segment's filter is stored as JSON text (:meth:`~crmkit.domain.marketing.SegmentFilter.to_data`);
its members are never stored, they are queried with the access predicate.
:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    EMAIL,
    LABEL,
    NAME,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    ordered_text,
    time_type,
    uuid_type,
)

__all__ = ["MARKETING_CONSTRAINT_FIELDS", "campaign_recipients", "campaigns", "segments"]

SUBJECT = 500
"""Longest e-mail subject stored, in characters."""

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(LABEL), nullable=False),
    sa.Column("name_key", ordered_text(NAME), nullable=False),
    sa.Column("filter", sa.Text(), nullable=False),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    offset_column("created_at"),  # UTC offsets in seconds, revision 0023
    **TABLE_OPTIONS,
)
"""Saved segments (M1); ``name_key`` is the folded name lists are ordered by."""

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("name", sa.String(LABEL), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("subject", sa.String(SUBJECT), nullable=False),
    sa.Column("segment_id", uuid_type(), sa.ForeignKey("segments.id"), nullable=False, index=True),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    sa.Column("queued", sa.Integer, nullable=False),
    sa.Column("skipped_no_consent", sa.Integer, nullable=False),
    sa.Column("skipped_no_address", sa.Integer, nullable=False),
    offset_column("created_at"),  # UTC offsets in seconds, revision 0023
    **TABLE_OPTIONS,
)
"""Campaigns and their counts (M2)."""

campaign_recipients = sa.Table(
    "campaign_recipients",
    metadata,
    sa.Column("campaign_id", uuid_type(), sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("company_id", uuid_type(), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("contact_id", uuid_type(), nullable=True),
    sa.Column("address", sa.String(EMAIL), nullable=True),
    sa.Column("message_id", uuid_type(), nullable=True),
    **TABLE_OPTIONS,
)
"""One send record per campaign member (M2)."""

MARKETING_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_segments": "id",
    "pk_campaigns": "id",
    "fk_campaigns_segment_id_segments": "segment_id",
    "pk_campaign_recipients": "company_id",
}
"""Constraint name → the domain field it guards."""
