"""Helpers for test suites that run against a shared SQL database."""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.ports.storage import Storage

__all__ = ["reset_database"]


def reset_database(storage: Storage) -> None:
    """Empty every table of a migrated :class:`~crmkit.adapters.sqlalchemy.SqlStorage`.

    Tables are emptied children first; self-references (a company's parent)
    are cleared before the rows go, because MariaDB checks them row by row.
    One query first finds the tables that hold rows, so a test that touched
    three tables pays for three deletes, not one per table (this runs before
    every test and every example on the server back ends).

    Raises:
        TypeError: ``storage`` is not a SQL storage.
    """
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

    if not isinstance(storage, SqlStorage):
        raise TypeError(f"reset_database needs a SqlStorage, not {type(storage).__name__}")
    connection = storage.connect()
    try:
        with connection.begin():
            filled = _filled_tables(connection)
            for table in reversed(metadata.sorted_tables):
                if table.name not in filled:
                    continue
                for fk in table.foreign_keys:
                    if fk.column.table is table:
                        connection.execute(
                            sa.update(table).where(fk.parent.is_not(None)).values({fk.parent.name: None})
                        )
                connection.execute(sa.delete(table))
    finally:
        connection.close()


def _filled_tables(connection: sa.Connection) -> set[str]:
    """The names of the tables that hold at least one row, in one round trip."""
    probes = [
        sa.select(sa.literal(table.name).label("name")).where(sa.exists().select_from(table))
        for table in metadata.sorted_tables
    ]
    return set(connection.execute(sa.union_all(*probes)).scalars())
