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

    Raises:
        TypeError: ``storage`` is not a SQL storage.
    """
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

    if not isinstance(storage, SqlStorage):
        raise TypeError(f"reset_database needs a SqlStorage, not {type(storage).__name__}")
    connection = storage.connect()
    try:
        with connection.begin():
            for table in reversed(metadata.sorted_tables):
                for fk in table.foreign_keys:
                    if fk.column.table is table:
                        connection.execute(
                            sa.update(table).where(fk.parent.is_not(None)).values({fk.parent.name: None})
                        )
                connection.execute(sa.delete(table))
    finally:
        connection.close()
