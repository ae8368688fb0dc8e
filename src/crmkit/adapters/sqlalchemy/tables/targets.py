"""SQLAlchemy Core tables of dated customer codes and turnover plans (T4, Q1), on the one ``metadata``.

* ``customer_codes`` — a customer's micro-region code for a half-open period (T4);
* ``target_actuals`` — the monthly actuals summary (Q5, revision 0019): signed net
  sales per scope key, kept by the invoice import in the same transaction;
* ``plans`` — one row per plan version (Q1), ``plan_lines`` — its twelve monthly
  amounts (and quantities) per scope value, one row per scope value and month.

:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables (revision 0013).
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.invoice import _decimal
from crmkit.adapters.sqlalchemy.tables.schema import (
    LABEL,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    ordered_text,
    time_type,
    uuid_type,
)

__all__ = [
    "TARGET_CONSTRAINT_FIELDS",
    "customer_codes",
    "goals",
    "plan_lines",
    "plans",
    "quotas",
    "target_actuals",
]

customer_codes = sa.Table(
    "customer_codes",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("code", sa.String(LABEL), nullable=False),
    sa.Column("valid_from", time_type(), nullable=False),
    sa.Column("valid_to", time_type(), nullable=True),
    offset_column("valid_from"),  # UTC offsets in seconds, revision 0023
    offset_column("valid_to"),
    sa.Index(None, "company_id", "valid_from"),
    sa.Index(None, "code", "valid_from"),
    **TABLE_OPTIONS,
)
"""Customers' dated micro-region codes (T3, T4); ``(code, valid_from)`` answers the dated branch of a
visibility listing, "which customers held one of these codes at t" (revision 0025)."""

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", ordered_text(LABEL), nullable=False),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("scope_type", sa.String(30), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("supersedes", uuid_type(), nullable=True),
    sa.Column("created_at", time_type(), nullable=False),
    sa.Column("created_by", uuid_type(), nullable=True),
    offset_column("created_at"),  # UTC offsets in seconds, revision 0023
    **TABLE_OPTIONS,
)
"""Turnover plan versions (Q1)."""

plan_lines = sa.Table(
    "plan_lines",
    metadata,
    sa.Column("plan_id", uuid_type(), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("scope", ordered_text(LABEL), primary_key=True),
    sa.Column("month", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("amount", _decimal(), nullable=False),
    sa.Column("quantity", _decimal(), nullable=True),
    **TABLE_OPTIONS,
)
"""A plan's monthly target per scope value (Q1)."""

target_actuals = sa.Table(
    "target_actuals",
    metadata,
    sa.Column("kind", sa.String(30), primary_key=True),
    sa.Column("scope", ordered_text(LABEL), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("month", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("rate", sa.String(40), primary_key=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Index(None, "kind", "year"),
    **TABLE_OPTIONS,
)
"""Monthly actuals per scope key (Q5): amounts and quantities in millionths; ``rate`` text, ``""``: none."""

quotas = sa.Table(
    "quotas",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("scope", sa.String(20), nullable=False),
    sa.Column("value", ordered_text(LABEL), nullable=False),
    sa.Column("direction", sa.String(20), nullable=False),
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("period_index", sa.Integer, nullable=False),
    sa.Column("amount", _decimal(), nullable=True),
    sa.Column("quantity", _decimal(), nullable=True),
    sa.Column("currency", sa.String(3), nullable=False),
    **TABLE_OPTIONS,
)
"""Sales quotas (Q2): per product, category, brand or member; sales or purchasing; month, quarter or year."""

goals = sa.Table(
    "goals",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("employee_id", uuid_type(), sa.ForeignKey("employees.id"), nullable=False, index=True),
    sa.Column("metric", sa.String(40), nullable=False),
    sa.Column("target", sa.Integer, nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    **TABLE_OPTIONS,
)
"""Non-sales goals of employees (Q3): a metric, a target number and a date range."""

TARGET_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_customer_codes": "id",
    "fk_customer_codes_company_id_companies": "company_id",
    "pk_plans": "id",
    "pk_plan_lines": "scope",
    "fk_plan_lines_plan_id_plans": "plan_id",
    "pk_target_actuals": "scope",
    "pk_quotas": "id",
    "pk_goals": "id",
    "fk_goals_employee_id_employees": "employee_id",
}
"""Constraint name → the field it guards, merged into ``tables.CONSTRAINT_FIELDS``."""
