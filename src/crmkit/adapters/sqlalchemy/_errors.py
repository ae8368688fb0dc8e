"""Driver errors → crmkit's own errors, the same way on every back end.

* a unique or primary-key violation → :class:`Duplicate` naming the field;
* a foreign-key violation → :class:`ValidationError` naming the field;
* a lock conflict (SQLite busy, a deadlock, a serialization failure) →
  :class:`ConcurrencyConflict`: someone else is writing; retry;
* a database that cannot be reached → :class:`StorageUnavailable` naming the
  URL with its password masked.

Constraints are found by name in the driver's message (PostgreSQL and MariaDB
name them; the naming convention in :mod:`.tables` makes the names stable), or
by ``table.column`` (SQLite's unique errors). SQLite does not say which foreign
key failed; the caller then probes the referenced tables (see
:func:`foreign_key_probe`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, NestedTransaction
from sqlalchemy.exc import DBAPIError, IntegrityError

from crmkit.adapters.sqlalchemy.tables import CONSTRAINT_FIELDS
from crmkit.domain.errors import (
    CrmError,
    Duplicate,
    StorageUnavailable,
    ValidationError,
)

__all__ = [
    "foreign_key_probe",
    "is_lock_conflict",
    "masked",
    "savepoint",
    "translate_integrity",
    "unavailable",
]

_BY_LENGTH = sorted(CONSTRAINT_FIELDS, key=len, reverse=True)
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+)")
# SQLSTATE / MySQL error numbers that mean "another transaction is in the way; retry".
_RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_RETRY_MYSQL_CODES = frozenset({1205, 1213})
_SQLITE_LOCKED = ("database is locked", "database table is locked", "database schema is locked")


def masked(url: sa.URL) -> str:
    """The URL as text with its password shown as ``***``."""
    return url.render_as_string(hide_password=True)


def unavailable(url: sa.URL, error: BaseException) -> StorageUnavailable:
    """The error to raise when the database at ``url`` cannot be reached."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    text = reason[0] if reason else type(error).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return StorageUnavailable(f"cannot reach the database at {masked(url)}: {text}")


_MISSING_TABLE_SQLSTATES = frozenset({"42P01"})  # PostgreSQL: undefined_table
_MISSING_TABLE_MYSQL_CODES = frozenset({1146})  # MariaDB/MySQL: ER_NO_SUCH_TABLE


def _driver_code_in(orig: object, sqlstates: frozenset[str], mysql_codes: frozenset[int]) -> bool:
    """Whether a driver error carries one of ``sqlstates`` (psycopg) or ``mysql_codes`` (PyMySQL)."""
    if getattr(orig, "sqlstate", None) in sqlstates:
        return True
    args: tuple[object, ...] = getattr(orig, "args", ())
    return bool(args) and isinstance(args[0], int) and args[0] in mysql_codes


def is_missing_table(error: DBAPIError) -> bool:
    """True when the driver says a table does not exist: the schema was never migrated."""
    orig = error.orig
    if _driver_code_in(orig, _MISSING_TABLE_SQLSTATES, _MISSING_TABLE_MYSQL_CODES):
        return True
    return "no such table" in str(orig)  # SQLite


def schema_missing(url: sa.URL, error: DBAPIError) -> StorageUnavailable:
    """The error to raise when the database at ``url`` lacks crmkit's tables: it says how to create them."""
    reason = str(error.orig).strip().splitlines()[0]
    where = masked(url)
    return StorageUnavailable(
        f"the database at {where} has no crmkit schema ({reason}): create it with "
        f"`crmkit db upgrade {where}` or crm.migrate()"
    )


def is_lock_conflict(error: DBAPIError) -> bool:
    """True when the driver reports that a concurrent transaction blocked this one."""
    orig = error.orig
    if _driver_code_in(orig, _RETRY_SQLSTATES, _RETRY_MYSQL_CODES):
        return True
    message = str(orig)
    return type(orig).__module__ == "sqlite3" and any(m in message for m in _SQLITE_LOCKED)


def translate_integrity(
    error: IntegrityError,
    table: sa.Table,
    field_of: Callable[[str], str],
    probe: Callable[[], str | None],
) -> CrmError:
    """The crmkit error for a constraint violation while writing to ``table``.

    Args:
        error: what SQLAlchemy raised.
        table: the table written to.
        field_of: column name → domain field name.
        probe: finds the foreign-key field that points nowhere, when the
            message does not say (SQLite); called only in that case.
    """
    message = str(error.orig)
    for name in _BY_LENGTH:
        if name in message:
            return _error(name.startswith("fk_"), field_of(CONSTRAINT_FIELDS[name]), table)
    found = _SQLITE_UNIQUE.search(message)
    if found:
        column = found.group(1).split(",")[0].split(".")[-1]
        return _error(False, field_of(column), table)
    if "PRIMARY" in message and "Duplicate" in message:
        return _error(False, field_of(_primary_key(table)), table)
    if "foreign key" in message.lower():
        column = probe()
        return _error(True, field_of(column) if column else table.name, table)
    return ValidationError(table.name, "the change breaks a rule of the stored data")


def _primary_key(table: sa.Table) -> str:
    return next(iter(table.primary_key.columns)).name


def _error(foreign: bool, field: str, table: sa.Table) -> CrmError:
    if foreign:
        return ValidationError(field, "refers to a record that does not exist")
    return Duplicate(field, f"this value is already taken in {table.name}")


def foreign_key_probe(
    connection: Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]
) -> str | None:
    """The first foreign-key column of ``rows`` whose value has no referenced row.

    Run after the failed statement was rolled back to its savepoint; rows of a
    self-referencing batch may point at each other.
    """
    batch = list(rows)
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        column = fk.parent.name
        wanted = {row[column] for row in batch if row.get(column) is not None}
        if fk.column.table is table:
            wanted -= {row[fk.column.name] for row in batch}
        if not wanted:
            continue
        target = fk.column
        found = set(connection.execute(sa.select(target).where(target.in_(wanted))).scalars())
        if wanted - found:
            return column
    return None


def arose_from_lock_conflict(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it arose from (``__context__``), is a lock conflict."""
    while error is not None:
        if isinstance(error, DBAPIError) and is_lock_conflict(error):
            return True
        error = error.__context__
    return False


def rollback_to(point: NestedTransaction, cause: BaseException) -> None:
    """Roll back to a savepoint because of ``cause``.

    A deadlock on MariaDB/InnoDB rolls back the victim's whole transaction, savepoints
    included, so rolling back to one afterwards fails (error 1305, "SAVEPOINT … does not
    exist") and would hide the deadlock. When ``cause`` arose from a lock conflict that
    failure is dropped: the caller raises ``cause`` (a ``ConcurrencyConflict`` once
    translated) and the unit of work is rolled back as a whole.
    """
    if not point.is_active:
        return
    try:
        point.rollback()
    except DBAPIError:
        if not arose_from_lock_conflict(cause):
            raise


@contextmanager
def savepoint(connection: Connection) -> Iterator[Connection]:
    """Run a block of writes in a savepoint: released when it succeeds, rolled back when it raises.

    A refused write then leaves the unit of work usable (PostgreSQL would otherwise
    abort the whole transaction); the caller translates the error it catches.
    """
    point = connection.begin_nested()
    try:
        yield connection
    except BaseException as error:
        rollback_to(point, error)
        raise
    point.commit()
