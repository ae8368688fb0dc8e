"""Loyalty points: programs, rules, ledger, serials (issue 15, SPEC §7 V3-V8).

Eight new tables (``point_config``, ``point_entries``, ``point_balances``, ``point_invoices``,
``point_serials``, ``point_phones``, ``point_tier_changes``, ``point_replies``);
no existing table changes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
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


def _serial() -> sa.types.TypeEngine[Any]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the point tables."""
    op.create_table(
        "point_config",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", _ordered(300), nullable=False),
        sa.Column("program", sa.String(40), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_point_config")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_point_config_program"), "point_config", ["program"])
    op.create_table(
        "point_entries",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("entry_key", sa.String(200), nullable=False),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("party", _ordered(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", _time(), nullable=False),
        sa.Column("spendable_from", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("store", sa.String(100), nullable=True),
        sa.Column("lot", _uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_entries")),
        sa.UniqueConstraint("entry_key", name=op.f("uq_point_entries_entry_key")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_point_entries_source"), "point_entries", ["source"])
    op.create_index(op.f("ix_point_entries_expires_on"), "point_entries", ["expires_on"])
    op.create_index("ix_point_entries_party", "point_entries", ["program", "role", "party", "on_date"])
    op.create_table(
        "point_balances",
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("party", _ordered(200), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("program", "role", "party", name=op.f("pk_point_balances")),
        **_OPTIONS,
    )
    op.create_table(
        "point_invoices",
        sa.Column("invoice_id", _uuid(), nullable=False),
        sa.Column("processed_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_point_invoices")),
        **_OPTIONS,
    )
    op.create_table(
        "point_serials",
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("used_by", sa.String(200), nullable=True),
        sa.Column("used_at", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_point_serials")),
        **_OPTIONS,
    )
    op.create_table(
        "point_phones",
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("party", _ordered(200), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_point_phones")),
        **_OPTIONS,
    )
    op.create_index("ix_point_phones_party", "point_phones", ["program", "role", "party"])
    op.create_table(
        "point_tier_changes",
        sa.Column("id", _serial(), autoincrement=True, nullable=False),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("party", _ordered(200), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("old", sa.String(40), nullable=True),
        sa.Column("new", sa.String(40), nullable=True),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("upgrade", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_tier_changes")),
        **_OPTIONS,
    )
    op.create_index("ix_point_tier_changes_party", "point_tier_changes", ["program", "role", "party"])
    op.create_table(
        "point_replies",
        sa.Column("id", _serial(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_replies")),
        **_OPTIONS,
    )
    op.create_index("ix_point_replies_phone", "point_replies", ["phone", "at"])


def downgrade() -> None:
    """Drop the point tables."""
    for table in (
        "point_replies",
        "point_tier_changes",
        "point_phones",
        "point_serials",
        "point_invoices",
        "point_balances",
        "point_entries",
        "point_config",
    ):
        op.drop_table(table)
