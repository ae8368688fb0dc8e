"""The tables of erasure records (SPEC M4), on the adapter's ``metadata`` (revisions 0017, 0028)."""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    NOTE,
    SECRET,
    TABLE_OPTIONS,
    blob_type,
    metadata,
    offset_column,
    time_type,
    uuid_type,
)

__all__ = ["ERASURE_CONSTRAINT_FIELDS", "erasure_documents", "erasures"]

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
    sa.Column("others", sa.JSON, nullable=True),  # revision 0028
    **TABLE_OPTIONS,
)
"""One row per erasure (M4): who, when, why, which contact, and ``report`` — a JSON list of
``[place, count]`` pairs; ``others`` — the same person's other contact records erased with
it (a JSON list of ids; ``NULL`` before revision 0028: none). No foreign keys: the record
outlives anything it names."""

erasure_documents = sa.Table(
    "erasure_documents",
    metadata,
    sa.Column("erasure_id", uuid_type(), sa.ForeignKey("erasures.id"), primary_key=True),
    sa.Column("document_id", uuid_type(), primary_key=True),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("state", sa.String(10), nullable=False, index=True),
    sa.Column("name", sa.String(SECRET), nullable=True),
    sa.Column("media_type", sa.String(SECRET), nullable=True),
    sa.Column("content", blob_type(), nullable=True),
    **TABLE_OPTIONS,
)
"""The documents an erasure deletes or rewrites (M4, C10; revision 0028): written ``pending``
in the erasure's transaction, ``done`` once the document store has them. A rewrite's new
name, type and content wait here (they hold no erased value) and are dropped when done."""

ERASURE_CONSTRAINT_FIELDS: dict[str, str] = {"pk_erasures": "id", "pk_erasure_documents": "document_id"}
"""Constraint name → the domain field it guards."""
