"""Helpers of the SQL adapter's tests: database snapshots and a statement log."""

from __future__ import annotations

from collections.abc import Callable
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


def plans(storage: SqlStorage, run: Callable[[Any], object], table: str) -> list[str]:
    """The database's plans of the SELECTs reading ``table`` that ``run(uow)`` sends.

    One line per statement, its plan rows joined by ``" | "``: ``EXPLAIN QUERY PLAN`` on
    SQLite, ``EXPLAIN`` with sequential scans switched off on PostgreSQL (so a usable
    index is always chosen on a small table).
    """
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if f"FROM {table}" in statement and statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    sa.event.listen(storage.engine, "before_cursor_execute", record)
    try:
        with storage.unit_of_work() as uow:
            run(uow)
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", record)
    found = []
    with storage.engine.connect() as conn:
        explain = "EXPLAIN QUERY PLAN "
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN "
        for statement, parameters in sent:
            rows = conn.exec_driver_sql(explain + statement, parameters).all()
            found.append(" | ".join(str(row[-1]) for row in rows))
    return found
