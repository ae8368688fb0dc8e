"""Engines for the three supported back ends, built the same way from a URL.

* ``sqlite:///crm.db`` — the embedded default: WAL journal, foreign keys on,
  a busy timeout, and real ``BEGIN``/``SAVEPOINT`` handling (the pysqlite
  driver's own transaction management is switched off, as SQLAlchemy's
  documentation recommends, so savepoints work).
* ``postgresql+psycopg://…`` (psycopg 3).
* ``mariadb+pymysql://…`` or ``mysql+pymysql://…``.

A URL without a driver gets the one crmkit is tested with
(``postgresql://`` → psycopg, ``mysql://``/``mariadb://`` → PyMySQL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError

from crmkit.domain.errors import ValidationError

__all__ = ["BUSY_TIMEOUT_MS", "DEFAULT_DRIVERS", "make_engine", "parse_url"]

BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another one before giving up, in milliseconds."""

DEFAULT_DRIVERS: dict[str, str] = {
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
"""The driver used when a URL names none."""


def parse_url(url: str) -> sa.URL:
    """Parse a storage URL, filling in the default driver.

    Raises:
        ValidationError: naming ``url`` when it cannot be parsed, or names an
            in-memory SQLite database (each connection would see its own).
    """
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        raise ValidationError("url", f"{url!r} is not a database URL") from None
    if parsed.drivername in DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=DEFAULT_DRIVERS[parsed.drivername])
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValidationError(
            "url",
            "an in-memory SQLite database is private to one connection, so units of work "
            "could not share it; use 'memory://' or a file such as 'sqlite:///crm.db'",
        )
    return parsed


def make_engine(url: sa.URL, **options: Any) -> Engine:
    """An engine for ``url``; SQLite gets its pragmas and explicit transactions.

    Nothing connects until the engine is first used.
    """
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **options)


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin): the driver's own
    # implicit transactions break SAVEPOINT and would run reads outside them.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")
