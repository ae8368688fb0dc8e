"""The table of erasure records (SPEC M4), on the adapter's ``metadata`` (revision 0017)."""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    NOTE,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    time_type,
    uuid_type,
)

__all__ = ["ERASURE_CONSTRAINT_FIELDS", "erasures"]

erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("contact_id", uuid_type(), nullable=False, index=True),
    sa.Column("company_id", uuid_type(), nullable=False),
    sa.Column("actor_id", uuid_type(), nullable=False),
    sa.Column("at", time_type(), nullable=False),
    sa.Column("reason", sa.String(NOTE), nullable=False),
    sa.Column("report", sa.JSON, nullable=False),
    offset_column("at"),  # UTC offsets in seconds, revision 0023
    **TABLE_OPTIONS,
)
"""One row per erasure (M4): who, when, why, which contact, and ``report`` — a JSON list of
``[place, count]`` pairs. No foreign keys: the record outlives anything it names."""

ERASURE_CONSTRAINT_FIELDS: dict[str, str] = {"pk_erasures": "id"}
"""Constraint name → the domain field it guards."""
