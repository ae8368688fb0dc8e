"""SQLAlchemy Core tables of the storage adapter (SPEC §9).

One :data:`metadata` with a naming convention, so every constraint has a
stable name: Alembic migrations are generated from it and the adapter maps a
violated constraint back to the domain field it guards (:data:`CONSTRAINT_FIELDS`).

Portable types only, with per-dialect variants where a back end needs them:

* ids are :class:`~sqlalchemy.types.Uuid` (native ``uuid`` on PostgreSQL,
  ``CHAR(32)`` elsewhere, so ids sort by their bytes everywhere — as in Python);
* times are ``DateTime(timezone=True)`` (``DATETIME(6)`` on MariaDB/MySQL);
  the adapter stores UTC and hands back aware UTC datetimes on every back end;
* names that lists are ordered by use code-point order on every back end
  (``COLLATE "C"`` on PostgreSQL, ``utf8mb4_bin`` tables on MariaDB, SQLite's
  binary default), so every adapter agrees with the in-memory one;
* search keys hold :func:`crmkit.domain.text.fold` of the name, so Turkish
  search does not depend on a database collation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

__all__ = [
    "CONSTRAINT_FIELDS",
    "audit_entries",
    "claims",
    "companies",
    "contacts",
    "documents",
    "employees",
    "metadata",
    "picklists",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint and index names: stable, so migrations and error messages can rely on them."""

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
"""Every table of the adapter; the target of the Alembic migrations."""

_MYSQL = ("mysql", "mariadb")
# The mariadb dialect reads only ``mariadb_*`` options, the mysql one only ``mysql_*``.
_TABLE_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (
        ("engine", "InnoDB"),
        ("charset", "utf8mb4"),
        ("collate", "utf8mb4_bin"),
    )
}


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def _time() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def _ordered(length: int) -> sa.types.TypeEngine[Any]:
    """A string that lists are sorted by: code-point order on every back end."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _blob() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.LargeBinary()
    for name in _MYSQL:
        kind = kind.with_variant(mysql.LONGBLOB(), name)
    return kind


def _serial() -> sa.types.TypeEngine[Any]:
    """An auto-increment key: BIGINT, but INTEGER on SQLite (its rowid alias)."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


NAME = 300
"""Longest company name, in characters (and of its folded key: 2 × this)."""
LABEL = 200
"""Longest short text: contact/employee names, segmentation values, titles."""
EMAIL = 254
"""Longest e-mail address (RFC 5321), also the portal user name."""
PHONE = 20
"""Longest phone number in E.164 form, with room to spare."""
NOTE = 1000
"""Longest free text: exit and rejection reasons."""
SECRET = 255
"""Longest password hash, document name and media type."""
KEY = 100
"""Longest aggregate key as text in the audit trail, and pick-list names."""

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", _uuid(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", _ordered(NAME), nullable=False),
    sa.Column("name_key", _ordered(2 * NAME), nullable=False, index=True),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("registered_at", _time(), nullable=False),
    sa.Column("parent_id", _uuid(), sa.ForeignKey("companies.id"), nullable=True, index=True),
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
    sa.Column("primary_contact_id", _uuid(), nullable=True),
    sa.Column("sales_rep_id", _uuid(), nullable=True, index=True),
    sa.Column("support_rep_id", _uuid(), nullable=True),
    sa.Column("pending_claim_id", _uuid(), nullable=True),
    sa.Column("referred_by_kind", sa.String(20), nullable=True),
    sa.Column("referred_by_person_name", sa.String(LABEL), nullable=True),
    sa.Column("referred_by_company_id", _uuid(), nullable=True),
    sa.Column("has_contract", sa.Boolean, nullable=False),
    sa.Column("has_invoice", sa.Boolean, nullable=False),
    sa.Column("portal_username", sa.String(EMAIL), nullable=True),
    sa.Column("portal_password_hash", sa.String(SECRET), nullable=True),
    **_TABLE_OPTIONS,
)
"""Companies (C1–C7, C11); ``name_key`` is the folded name that search matches."""

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", _uuid(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", _uuid(), sa.ForeignKey("companies.id"), nullable=False, index=True),
    sa.Column("name", _ordered(LABEL), nullable=False),
    sa.Column("title", sa.String(LABEL), nullable=True),
    sa.Column("position_type", sa.String(LABEL), nullable=True),
    sa.Column("phone", sa.String(PHONE), nullable=True),
    sa.Column("email", sa.String(EMAIL), nullable=True),
    **_TABLE_OPTIONS,
)
"""Contact persons (C4)."""

employees = sa.Table(
    "employees",
    metadata,
    sa.Column("id", _uuid(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", _ordered(LABEL), nullable=False),
    sa.Column("position", sa.String(20), nullable=False),
    sa.Column("hired_at", _time(), nullable=False),
    sa.Column("firm_id", _uuid(), sa.ForeignKey("companies.id"), nullable=True, index=True),
    sa.Column("department", sa.String(LABEL), nullable=True),
    sa.Column("manager_id", _uuid(), nullable=True),
    sa.Column("email", sa.String(EMAIL), nullable=True),
    sa.Column("phone", sa.String(PHONE), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("login", sa.String(LABEL), nullable=True, unique=True),
    sa.Column("password_hash", sa.String(SECRET), nullable=True),
    sa.Column("exit_reason", sa.String(NOTE), nullable=True),
    sa.Column("exit_at", _time(), nullable=True),
    **_TABLE_OPTIONS,
)
"""Employees (C8); ``firm_id`` is ``NULL`` for the host company's staff."""

claims = sa.Table(
    "claims",
    metadata,
    sa.Column("id", _uuid(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", _uuid(), sa.ForeignKey("companies.id"), nullable=False, index=True),
    sa.Column("claimant_id", _uuid(), nullable=False),
    sa.Column("requested_at", _time(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("decided_by", _uuid(), nullable=True),
    sa.Column("decided_at", _time(), nullable=True),
    sa.Column("reason", sa.String(NOTE), nullable=True),
    **_TABLE_OPTIONS,
)
"""Ownership claims (C6)."""

picklists = sa.Table(
    "picklists",
    metadata,
    sa.Column("name", _ordered(KEY), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("values", sa.JSON, nullable=False),
    **_TABLE_OPTIONS,
)
"""Parameter lists (C9); ``values`` is a JSON array of the values in order."""

audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("id", _serial(), primary_key=True, autoincrement=True),
    sa.Column("actor_id", sa.String(KEY), nullable=True),
    sa.Column("at", _time(), nullable=False),
    sa.Column("aggregate_type", sa.String(50), nullable=False),
    sa.Column("aggregate_id", sa.String(KEY), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Index(None, "aggregate_type", "aggregate_id", "at", "id"),
    sa.Index(None, "actor_id", "at", "id"),
    **_TABLE_OPTIONS,
)
"""The audit trail (C12): one row per committed change; ``changes`` is a JSON list of
``[field, old, new]`` triples. No foreign keys: a record's history outlives its actor."""

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("seq", _serial(), primary_key=True, autoincrement=True),
    sa.Column("id", _uuid(), nullable=False, unique=True),
    sa.Column("owner_kind", sa.String(20), nullable=False),
    sa.Column("owner_id", sa.String(KEY), nullable=False),
    sa.Column("name", sa.String(SECRET), nullable=False),
    sa.Column("media_type", sa.String(SECRET), nullable=False),
    sa.Column("content", _blob(), nullable=False),
    sa.Index(None, "owner_kind", "owner_id", "seq"),
    **_TABLE_OPTIONS,
)
"""Documents (C10): bytes, media type and name; ``seq`` keeps the order they were stored."""

CONSTRAINT_FIELDS: dict[str, str] = {
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

# The interaction, appointment and reminder tables (I1, I6, I7) are defined in their own module,
# on this metadata; it adds its constraints to CONSTRAINT_FIELDS.
from crmkit.adapters.sqlalchemy import interaction_tables as _interactions  # noqa: E402, F401

# The invoice and sales-order tables (issue 5) are defined in their own module, on this
# metadata; it adds its constraints to CONSTRAINT_FIELDS.
from crmkit.adapters.sqlalchemy import invoice_tables as _invoices  # noqa: E402, F401

# The segment and campaign tables (M1, M2) are defined in their own module, on this metadata.
from crmkit.adapters.sqlalchemy import marketing_tables as _marketing  # noqa: E402, F401

# The outbox and consent tables (issue 6) are defined in their own module, on this metadata.
from crmkit.adapters.sqlalchemy import outbox_tables as _outbox  # noqa: E402, F401

# The service tables (issue 16: S1-S8) are defined in their own module, on this metadata;
# it adds its constraints to CONSTRAINT_FIELDS.
from crmkit.adapters.sqlalchemy import service_tables as _service  # noqa: E402, F401

# The territory tables (T1–T5) are defined in their own module, on this metadata;
# it adds its constraints to CONSTRAINT_FIELDS.
from crmkit.adapters.sqlalchemy import territory_tables as _territory  # noqa: E402, F401

# The workflow tables (issue 14: I2) are defined in their own module, on this metadata.
from crmkit.adapters.sqlalchemy import workflow_tables as _workflow  # noqa: E402, F401
