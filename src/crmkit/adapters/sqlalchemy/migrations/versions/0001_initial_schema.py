"""Initial schema: companies, contacts, employees, claims, pick lists, audit trail, documents.

Everything of the first release except the Turkish search key of companies,
which revision 0002 adds (and back-fills). The column types are written out
here, not imported from ``tables.py``: a revision is a frozen record of the
schema at one point in time.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:18:07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
# The mariadb dialect reads only ``mariadb_*`` table options, the mysql one only
# ``mysql_*``: give both, or a fresh MariaDB gets its default (case-insensitive) collation.
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in ("mysql", "mariadb")
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
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
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _blob() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.LargeBinary()
    for name in _MYSQL:
        kind = kind.with_variant(mysql.LONGBLOB(), name)
    return kind


def _serial() -> sa.types.TypeEngine[Any]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create every table of the first release (``companies.name_key`` comes in 0002)."""
    op.create_table(
        "companies",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", _ordered(300), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("registered_at", _time(), nullable=False),
        sa.Column("parent_id", _uuid(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tax_no", sa.String(11), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("sector", sa.String(200), nullable=True),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("city", sa.String(200), nullable=True),
        sa.Column("district", sa.String(200), nullable=True),
        sa.Column("size", sa.String(200), nullable=True),
        sa.Column("value_class", sa.String(200), nullable=True),
        sa.Column("micro_region", sa.String(200), nullable=True),
        sa.Column("sales_region", sa.String(200), nullable=True),
        sa.Column("primary_contact_id", _uuid(), nullable=True),
        sa.Column("sales_rep_id", _uuid(), nullable=True),
        sa.Column("support_rep_id", _uuid(), nullable=True),
        sa.Column("pending_claim_id", _uuid(), nullable=True),
        sa.Column("referred_by_kind", sa.String(20), nullable=True),
        sa.Column("referred_by_person_name", sa.String(200), nullable=True),
        sa.Column("referred_by_company_id", _uuid(), nullable=True),
        sa.Column("has_contract", sa.Boolean(), nullable=False),
        sa.Column("has_invoice", sa.Boolean(), nullable=False),
        sa.Column("portal_username", sa.String(254), nullable=True),
        sa.Column("portal_password_hash", sa.String(255), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["companies.id"], name=op.f("fk_companies_parent_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("tax_no", name=op.f("uq_companies_tax_no")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_companies_micro_region"), "companies", ["micro_region"])
    op.create_index(op.f("ix_companies_parent_id"), "companies", ["parent_id"])
    op.create_index(op.f("ix_companies_sales_rep_id"), "companies", ["sales_rep_id"])

    op.create_table(
        "contacts",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("name", _ordered(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("position_type", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_contacts_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_contacts_company_id"), "contacts", ["company_id"])

    op.create_table(
        "employees",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", _ordered(200), nullable=False),
        sa.Column("position", sa.String(20), nullable=False),
        sa.Column("hired_at", _time(), nullable=False),
        sa.Column("firm_id", _uuid(), nullable=True),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("manager_id", _uuid(), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("login", sa.String(200), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("exit_reason", sa.String(1000), nullable=True),
        sa.Column("exit_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(["firm_id"], ["companies.id"], name=op.f("fk_employees_firm_id_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("login", name=op.f("uq_employees_login")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_employees_firm_id"), "employees", ["firm_id"])

    op.create_table(
        "claims",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("claimant_id", _uuid(), nullable=False),
        sa.Column("requested_at", _time(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", _uuid(), nullable=True),
        sa.Column("decided_at", _time(), nullable=True),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_claims_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_claims_company_id"), "claims", ["company_id"])
    op.create_index(op.f("ix_claims_status"), "claims", ["status"])

    op.create_table(
        "picklists",
        sa.Column("name", _ordered(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_picklists")),
        **_OPTIONS,
    )

    op.create_table(
        "audit_entries",
        sa.Column("id", _serial(), autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=True),
        sa.Column("at", _time(), nullable=False),
        sa.Column("aggregate_type", sa.String(50), nullable=False),
        sa.Column("aggregate_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_audit_entries_aggregate_type_aggregate_id_at_id"),
        "audit_entries",
        ["aggregate_type", "aggregate_id", "at", "id"],
    )
    op.create_index(op.f("ix_audit_entries_actor_id_at_id"), "audit_entries", ["actor_id", "at", "id"])

    op.create_table(
        "documents",
        sa.Column("seq", _serial(), autoincrement=True, nullable=False),
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("owner_kind", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("content", _blob(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_documents")),
        sa.UniqueConstraint("id", name=op.f("uq_documents_id")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_documents_owner_kind_owner_id_seq"), "documents", ["owner_kind", "owner_id", "seq"]
    )


def downgrade() -> None:
    """Drop every table (all data is lost)."""
    for table in (
        "documents",
        "audit_entries",
        "picklists",
        "claims",
        "employees",
        "contacts",
        "companies",
    ):
        op.drop_table(table)
