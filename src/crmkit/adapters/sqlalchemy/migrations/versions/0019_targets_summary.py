"""Monthly actuals summary, sales quotas and non-sales goals (issue 13, Q2, Q3, Q5).

Three new tables: ``target_actuals`` (signed net sales per scope key — kind,
scope value, year, month, currency, rate — in millionths, kept by the invoice
import in the same transaction), ``quotas`` (Q2) and ``goals`` (Q3). No
existing table changes. A database that already holds invoices fills the
summary with ``crm.targets.rebuild_actuals``.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
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


def _ordered(length: int) -> sa.types.TypeEngine[Any]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _decimal() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Numeric(24, 6, asdecimal=True).with_variant(sa.String(50), "sqlite")
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DECIMAL(24, 6), name)
    return kind


def upgrade() -> None:
    """Create the summary, quota and goal tables."""
    op.create_table(
        "target_actuals",
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("scope", _ordered(200), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "scope", "year", "month", "currency", "rate", name=op.f("pk_target_actuals")
        ),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_target_actuals_kind_year"), "target_actuals", ["kind", "year"])
    op.create_table(
        "quotas",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("value", _ordered(200), nullable=False),
        sa.Column("direction", sa.String(20), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("amount", _decimal(), nullable=True),
        sa.Column("quantity", _decimal(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_quotas_year"), "quotas", ["year"])
    op.create_table(
        "goals",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("employee_id", _uuid(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_goals_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_goals_employee_id"), "goals", ["employee_id"])


def downgrade() -> None:
    """Drop the tables."""
    for table in ("goals", "quotas", "target_actuals"):
        op.drop_table(table)
