"""Tables of companies, contacts, employees, claims, pick-lists, documents, audit (§1, C9, C10, C12)."""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    EMAIL,
    KEY,
    LABEL,
    NAME,
    NOTE,
    PHONE,
    SECRET,
    TABLE_OPTIONS,
    blob_type,
    metadata,
    offset_column,
    ordered_text,
    serial_type,
    time_type,
    uuid_type,
)

__all__ = [
    "PARTY_CONSTRAINT_FIELDS",
    "audit_entries",
    "claims",
    "companies",
    "contacts",
    "documents",
    "employees",
    "picklists",
]

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", ordered_text(NAME), nullable=False),
    sa.Column("name_key", ordered_text(2 * NAME), nullable=False, index=True),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("registered_at", time_type(), nullable=False),
    sa.Column("parent_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=True, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("tax_no", sa.String(11), nullable=True, unique=True),
    sa.Column("email", sa.String(EMAIL), nullable=True),
    sa.Column("phone", sa.String(PHONE), nullable=True),
    sa.Column("sector", sa.String(LABEL), nullable=True),
    sa.Column("category", sa.String(LABEL), nullable=True),
    sa.Column("city", sa.String(LABEL), nullable=True),
    sa.Column("district", sa.String(LABEL), nullable=True),
    sa.Column("size", sa.String(LABEL), nullable=True),
    sa.Column("value_class", sa.String(LABEL), nullable=True),
    sa.Column("micro_region", sa.String(LABEL), nullable=True, index=True),
    sa.Column("sales_region", sa.String(LABEL), nullable=True),
    sa.Column("primary_contact_id", uuid_type(), nullable=True),
    sa.Column("sales_rep_id", uuid_type(), nullable=True, index=True),
    sa.Column("support_rep_id", uuid_type(), nullable=True),
    sa.Column("pending_claim_id", uuid_type(), nullable=True),
    sa.Column("referred_by_kind", sa.String(20), nullable=True),
    sa.Column("referred_by_person_name", sa.String(LABEL), nullable=True),
    sa.Column("referred_by_company_id", uuid_type(), nullable=True),
    sa.Column("has_contract", sa.Boolean, nullable=False),
    sa.Column("has_invoice", sa.Boolean, nullable=False),
    sa.Column("portal_username", sa.String(EMAIL), nullable=True),
    sa.Column("portal_password_hash", sa.String(SECRET), nullable=True),
    sa.Column("archived_at", time_type(), nullable=True),
    offset_column("registered_at"),  # UTC offsets in seconds, revision 0023
    offset_column("archived_at"),
    # kept by the storage, not the domain (revision 0026): true once a dated code / owner row exists
    sa.Column("code_dated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("owner_dated", sa.Boolean, nullable=False, server_default=sa.false()),
    **TABLE_OPTIONS,
)
"""Companies (C1–C7, C11, C13); ``name_key`` is the folded name that search matches.

``code_dated`` / ``owner_dated`` say the company has rows in ``customer_codes`` /
``owner_assignments`` (T4): the history repositories set them when they add one (revision 0026).
They are no domain field: a company that never moved is answered from its own columns without
reading the histories, and a listing's branch of such companies reads the page index alone."""

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False, index=True),
    sa.Column("name", ordered_text(LABEL), nullable=False),
    sa.Column("title", sa.String(LABEL), nullable=True),
    sa.Column("position_type", sa.String(LABEL), nullable=True),
    sa.Column("phone", sa.String(PHONE), nullable=True),
    sa.Column("email", sa.String(EMAIL), nullable=True),
    **TABLE_OPTIONS,
)
"""Contact persons (C4)."""

employees = sa.Table(
    "employees",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", ordered_text(LABEL), nullable=False),
    sa.Column("position", sa.String(20), nullable=False),
    sa.Column("hired_at", time_type(), nullable=False),
    sa.Column("firm_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=True, index=True),
    sa.Column("department", sa.String(LABEL), nullable=True),
    sa.Column("manager_id", uuid_type(), nullable=True),
    sa.Column("email", sa.String(EMAIL), nullable=True),
    sa.Column("phone", sa.String(PHONE), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("login", sa.String(LABEL), nullable=True, unique=True),
    sa.Column("password_hash", sa.String(SECRET), nullable=True),
    sa.Column("exit_reason", sa.String(NOTE), nullable=True),
    sa.Column("exit_at", time_type(), nullable=True),
    offset_column("hired_at"),  # UTC offsets in seconds, revision 0023
    offset_column("exit_at"),
    **TABLE_OPTIONS,
)
"""Employees (C8); ``firm_id`` is ``NULL`` for the host company's staff."""

claims = sa.Table(
    "claims",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False, index=True),
    sa.Column("claimant_id", uuid_type(), nullable=False),
    sa.Column("requested_at", time_type(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("decided_by", uuid_type(), nullable=True),
    sa.Column("decided_at", time_type(), nullable=True),
    sa.Column("reason", sa.String(NOTE), nullable=True),
    offset_column("requested_at"),  # UTC offsets in seconds, revision 0023
    offset_column("decided_at"),
    **TABLE_OPTIONS,
)
"""Ownership claims (C6)."""

picklists = sa.Table(
    "picklists",
    metadata,
    sa.Column("name", ordered_text(KEY), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("values", sa.JSON, nullable=False),
    **TABLE_OPTIONS,
)
"""Parameter lists (C9); ``values`` is a JSON array of the values in order."""

audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("id", serial_type(), primary_key=True, autoincrement=True),
    sa.Column("actor_id", sa.String(KEY), nullable=True),
    sa.Column("at", time_type(), nullable=False),
    sa.Column("aggregate_type", sa.String(50), nullable=False),
    sa.Column("aggregate_id", sa.String(KEY), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("at_offset", sa.Integer, nullable=True),  # its UTC offset in seconds, revision 0018
    sa.Index(None, "aggregate_type", "aggregate_id", "at", "id"),
    sa.Index(None, "actor_id", "at", "id"),
    **TABLE_OPTIONS,
)
"""The audit trail (C12): one row per committed change; ``changes`` is a JSON list of
``[field, old, new]`` triples. No foreign keys: a record's history outlives its actor."""

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("seq", serial_type(), primary_key=True, autoincrement=True),
    sa.Column("id", uuid_type(), nullable=False, unique=True),
    sa.Column("owner_kind", sa.String(20), nullable=False),
    sa.Column("owner_id", sa.String(KEY), nullable=False),
    sa.Column("name", sa.String(SECRET), nullable=False),
    sa.Column("media_type", sa.String(SECRET), nullable=False),
    sa.Column("content", blob_type(), nullable=False),
    sa.Index(None, "owner_kind", "owner_id", "seq"),
    **TABLE_OPTIONS,
)
"""Documents (C10): bytes, media type and name; ``seq`` keeps the order they were stored."""

PARTY_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_companies": "id",
    "pk_contacts": "id",
    "pk_employees": "id",
    "pk_claims": "id",
    "pk_picklists": "name",
    "pk_documents": "seq",
    "uq_companies_tax_no": "tax_no",
    "uq_employees_login": "login",
    "uq_documents_id": "id",
    "fk_companies_parent_id_companies": "parent_id",
    "fk_contacts_company_id_companies": "company_id",
    "fk_employees_firm_id_companies": "firm_id",
    "fk_claims_company_id_companies": "company_id",
}
"""Constraint name → the domain field it guards; errors name the field, not the constraint."""
