"""The schema every table module shares: metadata, naming convention, column types, lengths (SPEC §9).

One :data:`metadata` with a naming convention, so every constraint has a
stable name: Alembic migrations are generated from it and the adapter maps a
violated constraint back to the domain field it guards (:data:`CONSTRAINT_FIELDS`).

Portable types only, with per-dialect variants where a back end needs them:

* ids are :class:`~sqlalchemy.types.Uuid` (native ``uuid`` on PostgreSQL,
  ``CHAR(32)`` elsewhere, so ids sort by their bytes everywhere — as in Python);
* times are ``DateTime(timezone=True)`` (``DATETIME(6)`` on MariaDB/MySQL) holding UTC;
  beside a time a caller or the clock gives, :func:`offset_column` keeps the UTC offset it
  was given in, so it reads back at that offset on every back end (V1, revisions 0018, 0023);
* names that lists are ordered by use code-point order on every back end
  (``COLLATE "C"`` on PostgreSQL, ``utf8mb4_bin`` tables on MariaDB, SQLite's
  binary default), so every adapter agrees with the in-memory one;
* search keys hold :func:`crmkit.domain.text.fold` of the name, so Turkish
  search does not depend on a database collation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from crmkit.domain.limits import EMAIL_MAX, LABEL_MAX, NAME_MAX, NOTE_MAX, PHONE_MAX

__all__ = [
    "DIALECT_ONLY_INDEXES",
    "EMAIL",
    "KEY",
    "LABEL",
    "NAME",
    "NAMING_CONVENTION",
    "NOTE",
    "PHONE",
    "SECRET",
    "TABLE_OPTIONS",
    "UTC_TIMES",
    "blob_type",
    "metadata",
    "offset_column",
    "ordered_text",
    "serial_type",
    "time_type",
    "uuid_type",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint and index names: stable, so migrations and error messages can rely on them."""

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
"""Every table of the adapter; the target of the Alembic migrations."""

DIALECT_ONLY_INDEXES: set[str] = set()
"""Indexes one dialect has beyond the metadata, made by DDL after their table is created and by
their migration (e.g. PostgreSQL's GIN index of the knowledge base, S7); the schema comparison
skips them (:func:`crmkit.adapters.sqlalchemy.migrations.comparison_options`)."""

_MYSQL = ("mysql", "mariadb")
# The mariadb dialect reads only ``mariadb_*`` options, the mysql one only ``mysql_*``.
TABLE_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (
        ("engine", "InnoDB"),
        ("charset", "utf8mb4"),
        ("collate", "utf8mb4_bin"),
    )
}
"""Options of every table on MariaDB/MySQL: InnoDB, utf8mb4, binary (code-point) collation."""


def uuid_type() -> sa.types.TypeEngine[Any]:
    """An id: native ``uuid`` on PostgreSQL, ``CHAR(32)`` elsewhere (ids sort by their bytes everywhere)."""
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def time_type() -> sa.types.TypeEngine[Any]:
    """An aware time: ``timestamptz``, ``DATETIME(6)`` on MariaDB/MySQL (the adapter stores UTC)."""
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def offset_column(time_column: str) -> sa.Column[int]:
    """The integer column ``<time_column>_offset``: the UTC offset, in seconds, the time was given in.

    The time itself is stored in UTC; the adapter's ``RowMapper`` writes the offset beside it
    and reads the time back at it, so the local date and wall time survive storage (V1).
    ``NULL`` (no time, or a row older than its revision) reads back in UTC.
    """
    return sa.Column(f"{time_column}_offset", sa.Integer, nullable=True)


UTC_TIMES: dict[str, str] = {
    "point_entries.recorded_at": "the ledger's own stamp from the clock; an entry's business day is on_date",
    "point_invoices.processed_at": "when the earning job took an invoice: bookkeeping, never read back",
    "point_replies.at": "when a PUAN reply was sent: rate limiting, never read back",
    "invoice_cursors.updated_at": "when an import source's cursor moved: bookkeeping",
    "meeting_note_participants.held_at": "a query copy of meeting_notes.held_at, which keeps the offset",
    "meeting_note_participants.follow_up_at": "a query copy of meeting_notes.follow_up_at",
    "appointments.ends_at": "a query column: the value is starts_at (at its offset) plus the duration",
}
"""The time columns with no offset column beside them, and why (V1; revision 0023): each is a
library's own UTC stamp, or a copy or derivation of a time that keeps its offset elsewhere.
Every other time column has one (a test checks it)."""


def ordered_text(length: int) -> sa.types.TypeEngine[Any]:
    """A string that lists are sorted by: code-point order on every back end."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def blob_type() -> sa.types.TypeEngine[Any]:
    """Bytes: ``LONGBLOB`` on MariaDB/MySQL, the portable large binary elsewhere."""
    kind: sa.types.TypeEngine[Any] = sa.LargeBinary()
    for name in _MYSQL:
        kind = kind.with_variant(mysql.LONGBLOB(), name)
    return kind


def serial_type() -> sa.types.TypeEngine[Any]:
    """An auto-increment key: BIGINT, but INTEGER on SQLite (its rowid alias)."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


NAME = NAME_MAX
"""Longest company name, in characters (and of its folded key: 2 × this); checked in the domain."""
LABEL = LABEL_MAX
"""Longest short text: contact/employee names, segmentation values, titles."""
EMAIL = EMAIL_MAX
"""Longest e-mail address (RFC 5321), also the portal user name."""
PHONE = PHONE_MAX
"""Longest phone number in E.164 form, with room to spare."""
NOTE = NOTE_MAX
"""Longest free text: exit and rejection reasons."""
SECRET = 255
"""Longest password hash, document name and media type."""
KEY = 100
"""Longest aggregate key as text in the audit trail, and pick-list names."""
