"""Helpers of the SQL adapter's tests: database snapshots and a statement log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import metadata


def snapshot(storage: SqlStorage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: compares database states."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with storage.engine.connect() as connection:
        for table in metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            state[table.name] = [tuple(row) for row in connection.execute(query)]
    return state


class StatementLog:
    """Records the SQL statements an engine sends to its driver."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, bool]] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self.statements.append((" ".join(statement.split()), bool(rest[-1])))

    def __enter__(self) -> StatementLog:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def starting(self, prefix: str) -> list[tuple[str, bool]]:
        """The recorded statements whose text starts with ``prefix`` (case-insensitive)."""
        return [s for s in self.statements if s[0].upper().startswith(prefix.upper())]
