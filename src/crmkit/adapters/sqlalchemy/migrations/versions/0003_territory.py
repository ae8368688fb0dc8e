"""Territory: regions with their closure table, sales teams, dated memberships, code links, owners (issue 4).

Six new tables for SPEC §2 (T1–T5). ``region_closure`` holds every
(ancestor, descendant) pair of the region tree so subtree and "under a
region" queries are single indexed joins. Dated rows carry a half-open
``valid_from`` / ``valid_to`` (T4). No existing table changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
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


def _dated(table: str) -> list[sa.Column[Any]]:
    """The half-open validity columns of a dated table (T4); ``table`` only documents the call."""
    return [sa.Column("valid_from", _time(), nullable=False), sa.Column("valid_to", _time(), nullable=True)]


def upgrade() -> None:
    """Create the territory tables."""
    op.create_table(
        "regions",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", _ordered(200), nullable=False),
        sa.Column("parent_id", _uuid(), nullable=True),
        sa.Column("manager_id", _uuid(), nullable=True),
        sa.Column("partner_id", _uuid(), nullable=True),
        sa.Column("branch", sa.String(200), nullable=True),
        sa.Column("notes", sa.String(1000), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["regions.id"], name=op.f("fk_regions_parent_id_regions")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["companies.id"], name=op.f("fk_regions_partner_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_regions_parent_id"), "regions", ["parent_id"])

    op.create_table(
        "region_closure",
        sa.Column("ancestor_id", _uuid(), nullable=False),
        sa.Column("descendant_id", _uuid(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ancestor_id"], ["regions.id"], name=op.f("fk_region_closure_ancestor_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["descendant_id"], ["regions.id"], name=op.f("fk_region_closure_descendant_id_regions")
        ),
        sa.PrimaryKeyConstraint("ancestor_id", "descendant_id", name=op.f("pk_region_closure")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_region_closure_descendant_id_depth"), "region_closure", ["descendant_id", "depth"]
    )

    op.create_table(
        "sales_teams",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", _ordered(200), nullable=False),
        sa.Column("region_id", _uuid(), nullable=False),
        sa.Column("specialisation", sa.String(30), nullable=False),
        sa.Column("focus", sa.String(200), nullable=True),
        sa.Column("leader_id", _uuid(), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_sales_teams_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_teams")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_sales_teams_region_id"), "sales_teams", ["region_id"])

    op.create_table(
        "team_memberships",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("team_id", _uuid(), nullable=False),
        sa.Column("employee_id", _uuid(), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        *_dated("team_memberships"),
        sa.ForeignKeyConstraint(
            ["team_id"], ["sales_teams.id"], name=op.f("fk_team_memberships_team_id_sales_teams")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_team_memberships_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_memberships")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_team_memberships_employee_id_valid_from"), "team_memberships", ["employee_id", "valid_from"]
    )
    op.create_index(
        op.f("ix_team_memberships_team_id_valid_from"), "team_memberships", ["team_id", "valid_from"]
    )

    op.create_table(
        "code_links",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("team_id", _uuid(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        *_dated("code_links"),
        sa.ForeignKeyConstraint(
            ["team_id"], ["sales_teams.id"], name=op.f("fk_code_links_team_id_sales_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_links")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_code_links_team_id_valid_from"), "code_links", ["team_id", "valid_from"])
    op.create_index(op.f("ix_code_links_code_valid_from"), "code_links", ["code", "valid_from"])

    op.create_table(
        "owner_assignments",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("employee_id", _uuid(), nullable=False),
        *_dated("owner_assignments"),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_owner_assignments_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_owner_assignments_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_assignments")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_owner_assignments_company_id_valid_from"), "owner_assignments", ["company_id", "valid_from"]
    )


def downgrade() -> None:
    """Drop the territory tables, children first."""
    for table in (
        "owner_assignments",
        "code_links",
        "team_memberships",
        "sales_teams",
        "region_closure",
        "regions",
    ):
        op.drop_table(table)
