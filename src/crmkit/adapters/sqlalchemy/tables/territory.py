"""SQLAlchemy Core tables of the territory (SPEC §2, T1–T5), on the adapter's one ``metadata``.

The region tree is kept twice: ``regions.parent_id`` (the truth) and the
**closure table** ``region_closure`` — one row per (ancestor, descendant)
pair, a region being its own ancestor at depth 0. Subtree, ancestor and
"customers under a region" queries are then single indexed joins; moving a
subtree rewrites only the pairs that cross its border. Measured against a
recursive CTE in ``benchmarks/bench_access.py`` (docs/performance.md).

Dated rows store their validity as ``valid_from`` / ``valid_to`` (``NULL``:
open-ended), half-open (T4). :mod:`crmkit.adapters.sqlalchemy.tables` imports
this module, so Alembic and ``reset_database`` see these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.party import companies
from crmkit.adapters.sqlalchemy.tables.schema import (
    LABEL,
    NOTE,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    ordered_text,
    time_type,
    uuid_type,
)

__all__ = [
    "TERRITORY_CONSTRAINT_FIELDS",
    "VISIBILITY_INDEX",
    "code_links",
    "owner_assignments",
    "region_closure",
    "regions",
    "sales_teams",
    "team_memberships",
]

CODE = 50
"""Longest micro-region code."""

VISIBILITY_INDEX = sa.Index(
    "ix_companies_visible_page",
    companies.c.micro_region,
    companies.c.name_key,
    companies.c.id,
    companies.c.archived_at,
    companies.c.code_dated,
    mysql_length={"name_key": 255},
    mariadb_length={"name_key": 255},
)
"""Covers the visibility page (A7): ``micro_region IN (…) AND archived_at IS NULL ORDER BY name_key,
id`` and its count are answered from the index, and only the rows of the page are read from the
table (revisions 0006 and 0025: the trailing ``archived_at`` keeps the index covering since C13
hides archived companies from listings; revision 0026's ``code_dated`` keeps it covering for the
branch of companies without dated codes, T4). On MariaDB/MySQL the folded name is indexed by its first
255 characters (the key-length limit)."""

regions = sa.Table(
    "regions",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", ordered_text(LABEL), nullable=False),
    sa.Column("parent_id", uuid_type(), sa.ForeignKey("regions.id"), nullable=True, index=True),
    sa.Column("manager_id", uuid_type(), nullable=True),
    sa.Column("partner_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=True),
    sa.Column("branch", sa.String(LABEL), nullable=True),
    sa.Column("notes", sa.String(NOTE), nullable=True),
    **TABLE_OPTIONS,
)
"""Sales regions (T1); ``parent_id`` is ``NULL`` for a top region."""

region_closure = sa.Table(
    "region_closure",
    metadata,
    sa.Column("ancestor_id", uuid_type(), sa.ForeignKey("regions.id"), primary_key=True),
    sa.Column("descendant_id", uuid_type(), sa.ForeignKey("regions.id"), primary_key=True),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Index(None, "descendant_id", "depth"),
    **TABLE_OPTIONS,
)
"""Every (ancestor, descendant) pair of the region tree, with the distance between them (T5)."""

sales_teams = sa.Table(
    "sales_teams",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", ordered_text(LABEL), nullable=False),
    sa.Column("region_id", uuid_type(), sa.ForeignKey("regions.id"), nullable=False, index=True),
    sa.Column("specialisation", sa.String(30), nullable=False),
    sa.Column("focus", sa.String(LABEL), nullable=True),
    sa.Column("leader_id", uuid_type(), nullable=True),
    **TABLE_OPTIONS,
)
"""Sales teams (T2)."""

team_memberships = sa.Table(
    "team_memberships",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("team_id", uuid_type(), sa.ForeignKey("sales_teams.id"), nullable=False),
    sa.Column("employee_id", uuid_type(), sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("role", sa.String(30), nullable=False),
    sa.Column("valid_from", time_type(), nullable=False),
    sa.Column("valid_to", time_type(), nullable=True),
    offset_column("valid_from"),  # UTC offsets in seconds, revision 0023
    offset_column("valid_to"),
    sa.Index(None, "employee_id", "valid_from"),
    sa.Index(None, "team_id", "valid_from"),
    **TABLE_OPTIONS,
)
"""Dated team memberships (T2, T4)."""

code_links = sa.Table(
    "code_links",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("team_id", uuid_type(), sa.ForeignKey("sales_teams.id"), nullable=False),
    sa.Column("code", sa.String(CODE), nullable=False),
    sa.Column("valid_from", time_type(), nullable=False),
    sa.Column("valid_to", time_type(), nullable=True),
    offset_column("valid_from"),  # UTC offsets in seconds, revision 0023
    offset_column("valid_to"),
    sa.Index(None, "team_id", "valid_from"),
    sa.Index(None, "code", "valid_from"),
    **TABLE_OPTIONS,
)
"""Dated links of micro-region codes to teams (T3, T4)."""

owner_assignments = sa.Table(
    "owner_assignments",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("employee_id", uuid_type(), sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("valid_from", time_type(), nullable=False),
    sa.Column("valid_to", time_type(), nullable=True),
    offset_column("valid_from"),  # UTC offsets in seconds, revision 0023
    offset_column("valid_to"),
    sa.Index(None, "company_id", "valid_from"),
    **TABLE_OPTIONS,
)
"""Dated customer owners (T4)."""

TERRITORY_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_regions": "id",
    "pk_sales_teams": "id",
    "pk_team_memberships": "id",
    "pk_code_links": "id",
    "pk_owner_assignments": "id",
    "fk_regions_parent_id_regions": "parent_id",
    "fk_regions_partner_id_companies": "partner_id",
    "fk_sales_teams_region_id_regions": "region_id",
    "fk_team_memberships_team_id_sales_teams": "team_id",
    "fk_team_memberships_employee_id_employees": "employee_id",
    "fk_code_links_team_id_sales_teams": "team_id",
    "fk_owner_assignments_company_id_companies": "company_id",
    "fk_owner_assignments_employee_id_employees": "employee_id",
}
"""Constraint name → the domain field it guards, merged into ``CONSTRAINT_FIELDS`` by the package."""
