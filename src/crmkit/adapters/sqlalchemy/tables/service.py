"""SQLAlchemy Core tables of the service module (SPEC §6 S1–S8; revision 0016).

* ``service_contracts`` by company and first date;
* ``service_work_entries``: the append-only ledger, indexed by contract (the
  balance is one ``SUM`` over that index), by case and by company;
* ``service_cases`` by company, technician and open/last activity (the
  unattended list), with ``service_case_events`` keyed by ``(case_id, seq)``;
* ``service_bookings`` by technician/vehicle and start, and
  ``service_booking_locks``: one row per booked resource, updated before a
  booking is checked, so two transactions booking one vehicle queue on that
  row and the second sees the first's booking (S6);
* ``kb_articles`` and ``kb_terms`` (folded term → weight, indexed by term):
  the portable, ranked search of S7; on PostgreSQL only, a GIN index on
  :data:`ARTICLE_FTS` (revision 0022) answers the full-text match.

:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic
and ``reset_database`` see these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.invoice import _decimal
from crmkit.adapters.sqlalchemy.tables.schema import (
    DIALECT_ONLY_INDEXES,
    TABLE_OPTIONS,
    metadata,
    offset_column,
    time_type,
    uuid_type,
)

__all__ = [
    "ARTICLE_FTS",
    "ARTICLE_FTS_INDEX",
    "SERVICE_CONSTRAINT_FIELDS",
    "articles",
    "booking_locks",
    "bookings",
    "case_events",
    "cases",
    "contracts",
    "kb_terms",
    "rates",
    "work_entries",
]

contracts = sa.Table(
    "service_contracts",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("product", sa.String(100), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("allowance_minutes", sa.Integer, nullable=True),
    sa.Column("allowance_visits", sa.Integer, nullable=True),
    sa.Column("carried_minutes", sa.Integer, nullable=False),
    sa.Column("carry_over", sa.Boolean, nullable=False),
    sa.Column("price_amount", _decimal(), nullable=False),
    sa.Column("price_currency", sa.String(3), nullable=False),
    sa.Column("renewed_from", uuid_type(), nullable=True),
    sa.Column("first_response_minutes", sa.Integer, nullable=True),
    sa.Column("resolution_minutes", sa.Integer, nullable=True),
    sa.Column("created_at", time_type(), nullable=False),
    offset_column("created_at"),  # UTC offsets in seconds, revision 0023
    sa.Index(None, "company_id", "starts_on"),
    **TABLE_OPTIONS,
)
"""Service contracts (S1)."""

work_entries = sa.Table(
    "service_work_entries",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("contract_id", uuid_type(), sa.ForeignKey("service_contracts.id"), nullable=True),
    sa.Column("case_id", uuid_type(), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", time_type(), nullable=False),
    sa.Column("technician_id", uuid_type(), nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("visits", sa.Integer, nullable=False),
    sa.Column("km", _decimal(), nullable=False),
    sa.Column("metres", sa.BigInteger, nullable=False),
    sa.Column("vehicle", sa.String(100), nullable=False),
    sa.Column("product", sa.String(100), nullable=False),
    sa.Column("overage_minutes", sa.Integer, nullable=False),
    sa.Column("overage_visits", sa.Integer, nullable=False),
    sa.Column("corrects", uuid_type(), nullable=True),
    sa.Column("note", sa.String(1000), nullable=False),
    offset_column("at"),  # UTC offsets in seconds, revision 0023
    sa.Index(None, "contract_id", "at"),
    sa.Index(None, "case_id", "at"),
    sa.Index(None, "company_id", "at"),
    sa.Index(None, "technician_id", "at"),
    **TABLE_OPTIONS,
)
"""The append-only hours ledger (S3)."""

cases = sa.Table(
    "service_cases",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("company_id", uuid_type(), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("contract_id", uuid_type(), sa.ForeignKey("service_contracts.id"), nullable=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("priority", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("product", sa.String(100), nullable=False),
    sa.Column("technician_id", uuid_type(), nullable=True),
    sa.Column("workflow_key", sa.String(100), nullable=False),
    sa.Column("workflow_version", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(100), nullable=False),
    sa.Column("resolution", sa.Text(), nullable=False),
    sa.Column("opened_by", uuid_type(), nullable=False),
    sa.Column("opened_at", time_type(), nullable=False),
    sa.Column("first_response_at", time_type(), nullable=True),
    sa.Column("closed_at", time_type(), nullable=True),
    sa.Column("reopen_count", sa.Integer, nullable=False),
    sa.Column("last_activity_at", time_type(), nullable=False),
    sa.Column("invoice_ref", sa.String(100), nullable=False),
    sa.Column("resolution_met", sa.Boolean, nullable=True),
    offset_column("opened_at"),  # UTC offsets in seconds, revision 0023
    offset_column("first_response_at"),
    offset_column("closed_at"),
    offset_column("last_activity_at"),
    sa.Index(None, "company_id", "opened_at"),
    sa.Index(None, "technician_id", "opened_at"),
    sa.Index(None, "closed_at", "last_activity_at"),
    sa.Index(None, "opened_at", "id"),
    **TABLE_OPTIONS,
)
"""Service cases (S2)."""

case_events = sa.Table(
    "service_case_events",
    metadata,
    sa.Column("case_id", uuid_type(), sa.ForeignKey("service_cases.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", time_type(), nullable=False),
    sa.Column("stage", sa.String(100), nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("moved_by", uuid_type(), nullable=False),
    offset_column("at"),  # UTC offsets in seconds, revision 0023
    **TABLE_OPTIONS,
)
"""The stages each case entered (S2, S8 pauses)."""

bookings = sa.Table(
    "service_bookings",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("technician_id", uuid_type(), nullable=True),
    sa.Column("vehicle", sa.String(100), nullable=False),
    sa.Column("starts_at", time_type(), nullable=False),
    sa.Column("ends_at", time_type(), nullable=False),
    sa.Column("case_id", uuid_type(), nullable=True),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    offset_column("starts_at"),  # UTC offsets in seconds, revision 0023
    offset_column("ends_at"),
    offset_column("created_at"),
    sa.Index(None, "technician_id", "starts_at"),
    sa.Index(None, "vehicle", "starts_at"),
    sa.Index(None, "starts_at", "id"),
    **TABLE_OPTIONS,
)
"""Bookings of technicians and vehicles (S6)."""

booking_locks = sa.Table(
    "service_booking_locks",
    metadata,
    sa.Column("resource", sa.String(120), primary_key=True),
    sa.Column("claims", sa.Integer, nullable=False),
    **TABLE_OPTIONS,
)
"""One row per booked resource (``technician:<hex>``, ``vehicle:<code>``): the lock of S6."""

articles = sa.Table(
    "kb_articles",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("keywords", sa.JSON, nullable=False),
    sa.Column("search_text", sa.Text(), nullable=False),
    sa.Column("created_by", uuid_type(), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    offset_column("created_at"),  # UTC offsets in seconds, revision 0023
    **TABLE_OPTIONS,
)
"""Knowledge-base articles (S7); ``search_text`` is the folded title, keywords and body that
PostgreSQL's full-text search matches (``to_tsvector('simple', search_text)``)."""

ARTICLE_FTS = sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), articles.c.search_text)
"""The full-text vector of an article on PostgreSQL: the expression of the GIN index
:data:`ARTICLE_FTS_INDEX`, which a query must repeat to be answered from it."""

ARTICLE_FTS_INDEX = "ix_kb_articles_search_fts"
"""PostgreSQL only (S7, revision 0022): a GIN index on :data:`ARTICLE_FTS`. It is not an
:class:`~sqlalchemy.schema.Index` of the metadata — Alembic's comparison would ask the other dialects
for it (``ddl_if`` is ignored there) — but DDL run after ``kb_articles`` is created on PostgreSQL;
:data:`~crmkit.adapters.sqlalchemy.tables.schema.DIALECT_ONLY_INDEXES` lists it so the comparison
skips it where it exists."""

sa.event.listen(
    articles,
    "after_create",
    sa.DDL(  # type: ignore[no-untyped-call]  # SQLAlchemy leaves DDL.__init__ untyped
        f"CREATE INDEX {ARTICLE_FTS_INDEX} ON kb_articles"
        " USING gin (to_tsvector('simple'::regconfig, search_text))"
    ).execute_if(dialect="postgresql"),
)
DIALECT_ONLY_INDEXES.add(ARTICLE_FTS_INDEX)

rates = sa.Table(
    "service_rates",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("technician_id", uuid_type(), nullable=True),
    sa.Column("vehicle", sa.String(100), nullable=False),
    sa.Column("valid_from", time_type(), nullable=False),
    sa.Column("amount_amount", _decimal(), nullable=False),
    sa.Column("amount_currency", sa.String(3), nullable=False),
    sa.Column("fuel_per_km_amount", _decimal(), nullable=True),
    sa.Column("fuel_per_km_currency", sa.String(3), nullable=True),
    sa.Column("unit_e4", sa.BigInteger, nullable=False),
    offset_column("valid_from"),  # UTC offsets in seconds, revision 0023
    sa.Index(None, "technician_id", "valid_from"),
    sa.Index(None, "vehicle", "valid_from"),
    **TABLE_OPTIONS,
)
"""Dated rates (S4); ``unit_e4`` is the hour's or km's price incl. fuel in ten-thousandths."""

kb_terms = sa.Table(
    "kb_terms",
    metadata,
    sa.Column("article_id", uuid_type(), sa.ForeignKey("kb_articles.id"), primary_key=True),
    sa.Column("term", sa.String(100), primary_key=True),
    sa.Column("weight", sa.Integer, nullable=False),
    sa.Index(None, "term", "article_id"),
    **TABLE_OPTIONS,
)
"""Each article's folded terms and their weights (S7): the portable search index."""

SERVICE_CONSTRAINT_FIELDS: dict[str, str] = {
    "fk_service_contracts_company_id_companies": "company_id",
    "fk_service_work_entries_company_id_companies": "company_id",
    "fk_service_work_entries_contract_id_service_contracts": "contract_id",
    "fk_service_cases_company_id_companies": "company_id",
    "fk_service_cases_contract_id_service_contracts": "contract_id",
    "fk_service_case_events_case_id_service_cases": "case_id",
    "pk_service_case_events": "seq",
    "pk_service_contracts": "id",
    "pk_service_work_entries": "id",
    "pk_service_cases": "id",
    "pk_service_bookings": "id",
    "pk_kb_articles": "id",
    "pk_service_rates": "id",
}
"""Constraint name → the domain field it guards."""
