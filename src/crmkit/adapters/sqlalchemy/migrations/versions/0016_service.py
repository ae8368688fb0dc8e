"""Service contracts, hours ledger, cases, bookings, knowledge base (issue 16, SPEC §6 S1–S8).

Eight new tables — ``service_contracts``, ``service_work_entries`` (the
append-only ledger), ``service_cases`` and ``service_case_events``,
``service_bookings`` and ``service_booking_locks`` (one lock row per booked
technician or vehicle, S6), ``kb_articles`` and ``kb_terms`` (the ranked
search index, S7) — with the indexes their queries need; no existing table
changes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
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


def _decimal() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Numeric(24, 6).with_variant(sa.String(50), "sqlite")
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DECIMAL(24, 6), name)
    return kind


def upgrade() -> None:
    """Create the service tables and their indexes."""
    op.create_table(
        "service_contracts",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("allowance_minutes", sa.Integer(), nullable=True),
        sa.Column("allowance_visits", sa.Integer(), nullable=True),
        sa.Column("carried_minutes", sa.Integer(), nullable=False),
        sa.Column("carry_over", sa.Boolean(), nullable=False),
        sa.Column("price_amount", _decimal(), nullable=False),
        sa.Column("price_currency", sa.String(3), nullable=False),
        sa.Column("renewed_from", _uuid(), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_service_contracts_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_contracts")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_service_contracts_company_id_starts_on"), "service_contracts", ["company_id", "starts_on"]
    )
    op.create_table(
        "service_work_entries",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("contract_id", _uuid(), nullable=True),
        sa.Column("case_id", _uuid(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("technician_id", _uuid(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("km", _decimal(), nullable=False),
        sa.Column("metres", sa.BigInteger(), nullable=False),
        sa.Column("vehicle", sa.String(100), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("overage_minutes", sa.Integer(), nullable=False),
        sa.Column("overage_visits", sa.Integer(), nullable=False),
        sa.Column("corrects", _uuid(), nullable=True),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["service_contracts.id"],
            name=op.f("fk_service_work_entries_contract_id_service_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_service_work_entries_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_work_entries")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_service_work_entries_case_id_at"), "service_work_entries", ["case_id", "at"])
    op.create_index(
        op.f("ix_service_work_entries_company_id_at"), "service_work_entries", ["company_id", "at"]
    )
    op.create_index(
        op.f("ix_service_work_entries_contract_id_at"), "service_work_entries", ["contract_id", "at"]
    )
    op.create_index(
        op.f("ix_service_work_entries_technician_id_at"), "service_work_entries", ["technician_id", "at"]
    )
    op.create_table(
        "service_cases",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("contract_id", _uuid(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("technician_id", _uuid(), nullable=True),
        sa.Column("workflow_key", sa.String(100), nullable=False),
        sa.Column("workflow_version", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("opened_by", _uuid(), nullable=False),
        sa.Column("opened_at", _time(), nullable=False),
        sa.Column("first_response_at", _time(), nullable=True),
        sa.Column("closed_at", _time(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", _time(), nullable=False),
        sa.Column("invoice_ref", sa.String(100), nullable=False),
        sa.Column("resolution_met", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_service_cases_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["service_contracts.id"],
            name=op.f("fk_service_cases_contract_id_service_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_cases")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_service_cases_closed_at_last_activity_at"),
        "service_cases",
        ["closed_at", "last_activity_at"],
    )
    op.create_index(
        op.f("ix_service_cases_company_id_opened_at"), "service_cases", ["company_id", "opened_at"]
    )
    op.create_index(op.f("ix_service_cases_opened_at_id"), "service_cases", ["opened_at", "id"])
    op.create_index(
        op.f("ix_service_cases_technician_id_opened_at"), "service_cases", ["technician_id", "opened_at"]
    )
    op.create_table(
        "service_case_events",
        sa.Column("case_id", _uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("moved_by", _uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_cases.id"], name=op.f("fk_service_case_events_case_id_service_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_service_case_events")),
        **_OPTIONS,
    )
    op.create_table(
        "service_bookings",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("technician_id", _uuid(), nullable=True),
        sa.Column("vehicle", sa.String(100), nullable=False),
        sa.Column("starts_at", _time(), nullable=False),
        sa.Column("ends_at", _time(), nullable=False),
        sa.Column("case_id", _uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_bookings")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_service_bookings_starts_at_id"), "service_bookings", ["starts_at", "id"])
    op.create_index(
        op.f("ix_service_bookings_technician_id_starts_at"),
        "service_bookings",
        ["technician_id", "starts_at"],
    )
    op.create_index(
        op.f("ix_service_bookings_vehicle_starts_at"), "service_bookings", ["vehicle", "starts_at"]
    )
    op.create_table(
        "service_booking_locks",
        sa.Column("resource", sa.String(120), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("resource", name=op.f("pk_service_booking_locks")),
        **_OPTIONS,
    )
    op.create_table(
        "kb_articles",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        **_OPTIONS,
    )
    op.create_table(
        "kb_terms",
        sa.Column("article_id", _uuid(), nullable=False),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.id"], name=op.f("fk_kb_terms_article_id_kb_articles")
        ),
        sa.PrimaryKeyConstraint("article_id", "term", name=op.f("pk_kb_terms")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_kb_terms_term_article_id"), "kb_terms", ["term", "article_id"])
    op.create_table(
        "service_rates",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("technician_id", _uuid(), nullable=True),
        sa.Column("vehicle", sa.String(100), nullable=False),
        sa.Column("valid_from", _time(), nullable=False),
        sa.Column("amount_amount", _decimal(), nullable=False),
        sa.Column("amount_currency", sa.String(3), nullable=False),
        sa.Column("fuel_per_km_amount", _decimal(), nullable=True),
        sa.Column("fuel_per_km_currency", sa.String(3), nullable=True),
        sa.Column("unit_e4", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_rates")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_service_rates_technician_id_valid_from"), "service_rates", ["technician_id", "valid_from"]
    )
    op.create_index(op.f("ix_service_rates_vehicle_valid_from"), "service_rates", ["vehicle", "valid_from"])


def downgrade() -> None:
    """Drop the service tables."""
    for table in [
        "service_rates",
        "kb_terms",
        "kb_articles",
        "service_booking_locks",
        "service_bookings",
        "service_case_events",
        "service_cases",
        "service_work_entries",
        "service_contracts",
    ]:
        op.drop_table(table)
