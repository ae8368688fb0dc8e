"""Dated customer codes (T4) and turnover plans (Q1) (issue 11 item 2, issue 13).

Three new tables: ``customer_codes`` (a customer's micro-region code for a
half-open period), ``plans`` (one row per plan version) and ``plan_lines``
(monthly amounts per scope value). No existing table changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
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


def _ordered(length: int) -> sa.types.TypeEngine[Any]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _decimal() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Numeric(24, 6, asdecimal=True).with_variant(sa.String(50), "sqlite")
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DECIMAL(24, 6), name)
    return kind


def upgrade() -> None:
    """Create the dated customer codes and the plan tables."""
    op.create_table(
        "customer_codes",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("code", sa.String(200), nullable=False),
        sa.Column("valid_from", _time(), nullable=False),
        sa.Column("valid_to", _time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_customer_codes_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_codes")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_customer_codes_company_id_valid_from"), "customer_codes", ["company_id", "valid_from"]
    )
    op.create_table(
        "plans",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", _ordered(200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("scope_type", sa.String(30), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("supersedes", _uuid(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("created_by", _uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_plans_year"), "plans", ["year"])
    op.create_table(
        "plan_lines",
        sa.Column("plan_id", _uuid(), nullable=False),
        sa.Column("scope", _ordered(200), nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("amount", _decimal(), nullable=False),
        sa.Column("quantity", _decimal(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_lines_plan_id_plans")),
        sa.PrimaryKeyConstraint("plan_id", "scope", "month", name=op.f("pk_plan_lines")),
        **_OPTIONS,
    )


def downgrade() -> None:
    """Drop the tables, children first."""
    for table in ("plan_lines", "plans", "customer_codes"):
        op.drop_table(table)
