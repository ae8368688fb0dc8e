"""The PostgreSQL fast path of the bulk insert: ``COPY … FROM STDIN`` through psycopg 3.

Why a path of its own: on PostgreSQL, ``executemany`` of an ``INSERT`` is one
round trip per row or, batched as multi-row ``VALUES``, still a statement the
server parses and plans per batch; ``COPY`` streams the rows in PostgreSQL's
own copy format into one command, with no per-row statement at all. For the
invoice import (V1, V2: a million lines in transactions of about 25,000) it is
the difference between the database and Python being the slow side (see
docs/performance.md). Core has no ``COPY`` construct, so it is written here
against psycopg's ``cursor.copy()``, with the identifiers quoted by the
dialect and psycopg's errors wrapped as SQLAlchemy's, like every other
statement. :func:`crmkit.adapters.sqlalchemy.bulk.bulk_insert` chooses it for
the ``postgresql+psycopg`` dialect and hands it batches of driver-ready rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Column, Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

__all__ = ["copy_rows"]


def copy_rows(
    connection: Connection,
    table: Table,
    targets: Sequence[Column[Any]],
    batches: Iterable[Sequence[Sequence[Any]]],
) -> int:
    """Write the rows of ``batches`` (values in ``targets`` order, bind-processed) with one ``COPY``.

    Inside the connection's current transaction. Returns how many rows were written.

    Raises:
        DBAPIError: what the server refused (a duplicate key, a bad value), as for any statement.
    """
    import psycopg  # only reached with the psycopg dialect, so the driver is installed

    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    column_list = ", ".join(preparer.format_column(column) for column in targets)
    # COPY has no Core construct; the identifiers are quoted by the dialect itself.
    sql = f"COPY {preparer.format_table(table)} ({column_list}) FROM STDIN"
    raw = cast(psycopg.Connection[Any], connection.connection.driver_connection)
    written = 0
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for batch in batches:
                for row in batch:
                    copy.write_row(row)
                written += len(batch)
    except psycopg.Error as error:
        raise DBAPIError.instance(sql, None, error, psycopg.Error, dialect=dialect) from error
    return written
