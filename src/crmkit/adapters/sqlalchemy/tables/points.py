"""SQLAlchemy Core tables of loyalty points (§7 V3–V8, issue 15).

Programs, products, rules, campaigns and tiers are small configuration stored
as JSON under ``(kind, key)`` in ``point_config``; the ledger, processed
invoices, serials, phones, tier changes and replies have their own tables.
:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    PHONE,
    TABLE_OPTIONS,
    metadata,
    ordered_text,
    serial_type,
    time_type,
    uuid_type,
)

__all__ = [
    "POINT_CONSTRAINT_FIELDS",
    "UNPREFIXED",
    "point_balances",
    "point_config",
    "point_days",
    "point_entries",
    "point_invoices",
    "point_phones",
    "point_replies",
    "point_serials",
    "point_tier_changes",
]

CODE = 40
"""Longest program, campaign, tier or serial code."""
PARTY = 200
"""Longest party key."""

point_config = sa.Table(
    "point_config",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("key", ordered_text(300), primary_key=True),
    sa.Column("program", sa.String(CODE), nullable=True, index=True),
    sa.Column("data", sa.Text(), nullable=False),
    **TABLE_OPTIONS,
)
"""Programs, products, rule versions, campaigns and tiers as JSON (V3, V8)."""

UNPREFIXED = "substr(entry_key, 1, length(source) + 1) <> source || ':'"
"""The entries of ``ix_point_entries_source`` (SQLite, PostgreSQL): keys that do not begin with
their source and ``:``. A query must repeat it word for word for SQLite to use the index."""

point_entries = sa.Table(
    "point_entries",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("entry_key", ordered_text(200), nullable=False, unique=True),
    sa.Column("program", sa.String(CODE), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("party", ordered_text(PARTY), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("points", sa.BigInteger(), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("source", ordered_text(300), nullable=False),
    sa.Column("on_date", sa.Date(), nullable=False),
    sa.Column("recorded_at", time_type(), nullable=False),
    sa.Column("spendable_from", sa.Date(), nullable=True),
    sa.Column("expires_on", sa.Date(), nullable=True),
    sa.Column("store", sa.String(100), nullable=True),
    sa.Column("lot", uuid_type(), nullable=True),
    sa.Index("ix_point_entries_party", "program", "role", "party", "on_date", "recorded_at", "id"),
    sa.Index(
        "ix_point_entries_source",
        "source",
        sqlite_where=sa.text(UNPREFIXED),
        postgresql_where=sa.text(UNPREFIXED),
    ),
    sa.Index(
        "ix_point_entries_expires_on",
        "expires_on",
        sqlite_where=sa.text("expires_on IS NOT NULL"),
        postgresql_where=sa.text("expires_on IS NOT NULL"),
    ),
    **TABLE_OPTIONS,
)
"""The append-only ledger (V4): rows are only ever inserted.

Its indexes and the reads that use each: the primary key ``id``; the unique
``entry_key`` (idempotent appends, ``known_keys``); ``ix_point_entries_party``
(statements, pages, window sums);
``ix_point_entries_source`` (a return's reversals, ``by_source``); and
``ix_point_entries_expires_on`` (the expiry job's ``expiring``). On SQLite and
PostgreSQL the last two are partial (migration 0027): the source index holds only
the entries whose key does not begin with their source and ``:`` (the others,
every invoice line's earn entry, are found by a range of the unique key), and
the expiry index only entries that expire. ``entry_key`` and ``source`` compare in
code-point order on every back end (``COLLATE "C"`` on PostgreSQL), so that range
is exact whatever the database's collation.
"""

point_balances = sa.Table(
    "point_balances",
    metadata,
    sa.Column("program", sa.String(CODE), primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),
    sa.Column("party", ordered_text(PARTY), primary_key=True),
    sa.Column("balance", sa.BigInteger(), nullable=False),
    **TABLE_OPTIONS,
)
"""Each party's balance, kept equal to the sum of its entries by the same insert (a balance in O(1))."""

point_days = sa.Table(
    "point_days",
    metadata,
    sa.Column("program", sa.String(CODE), primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),
    sa.Column("party", ordered_text(PARTY), primary_key=True),
    sa.Column("on_date", sa.Date(), primary_key=True),
    sa.Column("points", sa.BigInteger(), nullable=False),
    **TABLE_OPTIONS,
)
"""Each party's points summed per day, kept by the insert that appends entries (migration 0021).

A balance on a day (a statement's opening and closing) sums at most one row per
day instead of every entry; a property keeps it equal to the entries' sums.
"""

point_invoices = sa.Table(
    "point_invoices",
    metadata,
    sa.Column("invoice_id", uuid_type(), primary_key=True),
    sa.Column("processed_at", time_type(), nullable=False),
    **TABLE_OPTIONS,
)
"""Invoices whose points were credited or reversed: each is processed once."""

point_serials = sa.Table(
    "point_serials",
    metadata,
    sa.Column("serial", sa.String(CODE), primary_key=True),
    sa.Column("program", sa.String(CODE), nullable=False),
    sa.Column("product", sa.String(100), nullable=False),
    sa.Column("used_by", sa.String(PARTY), nullable=True),
    sa.Column("used_at", sa.Date(), nullable=True),
    **TABLE_OPTIONS,
)
"""Issued serial numbers (V7); ``used_by`` is set once."""

point_phones = sa.Table(
    "point_phones",
    metadata,
    sa.Column("phone", sa.String(PHONE), primary_key=True),
    sa.Column("program", sa.String(CODE), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("party", ordered_text(PARTY), nullable=False),
    sa.Index("ix_point_phones_party", "program", "role", "party"),
    **TABLE_OPTIONS,
)
"""Mobile numbers registered to parties (V5–V7)."""

point_tier_changes = sa.Table(
    "point_tier_changes",
    metadata,
    sa.Column("id", serial_type(), primary_key=True, autoincrement=True),
    sa.Column("program", sa.String(CODE), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("party", ordered_text(PARTY), nullable=False),
    sa.Column("on_date", sa.Date(), nullable=False),
    sa.Column("old", sa.String(CODE), nullable=True),
    sa.Column("new", sa.String(CODE), nullable=True),
    sa.Column("earned", sa.BigInteger(), nullable=False),
    sa.Column("upgrade", sa.Boolean(), nullable=False),
    sa.Index("ix_point_tier_changes_party", "program", "role", "party"),
    **TABLE_OPTIONS,
)
"""Recorded tier upgrades and downgrades (V8)."""

point_replies = sa.Table(
    "point_replies",
    metadata,
    sa.Column("id", serial_type(), primary_key=True, autoincrement=True),
    sa.Column("phone", sa.String(PHONE), nullable=False),
    sa.Column("at", time_type(), nullable=False),
    sa.Index("ix_point_replies_phone", "phone", "at"),
    **TABLE_OPTIONS,
)
"""Replies sent per number, for the reply rate limit (V6, V7)."""

POINT_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_point_entries": "id",
    "uq_point_entries_entry_key": "key",
    "pk_point_invoices": "invoice",
    "pk_point_serials": "serial",
    "pk_point_config": "code",
}
"""Constraint name → the field it guards, for the point tables."""
