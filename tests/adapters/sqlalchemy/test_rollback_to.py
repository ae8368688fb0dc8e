"""A deadlock victim's savepoint is gone: rolling back to it must not hide the deadlock (§9, S6).

On MariaDB/InnoDB a deadlock rolls back the whole transaction, so ``ROLLBACK TO SAVEPOINT``
afterwards fails with error 1305 and used to reach callers as a raw ``OperationalError``
(seen in the concurrent-booking property). SQLite shows the same shape when the transaction
is ended under a savepoint, which is how these tests make the savepoint vanish.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError

from crmkit.adapters.sqlalchemy._errors import arose_from_lock_conflict, rollback_to


def _lock_conflict() -> OperationalError:
    return OperationalError("UPDATE t", {}, sqlite3.OperationalError("database is locked"))


def _vanished_savepoint(tmp_path: Path) -> tuple[sa.Connection, sa.NestedTransaction]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    connection = engine.connect()
    connection.begin()
    point = connection.begin_nested()
    connection.exec_driver_sql("ROLLBACK")  # the transaction ends, its savepoints with it
    return connection, point


def test_a_lost_savepoint_is_dropped_when_a_lock_conflict_caused_the_rollback(tmp_path: Path) -> None:
    connection, point = _vanished_savepoint(tmp_path)
    try:
        wrapped = RuntimeError("translated")
        wrapped.__context__ = _lock_conflict()
        rollback_to(point, wrapped)  # no error: the caller raises the conflict itself
    finally:
        connection.invalidate()


def test_a_lost_savepoint_is_reported_for_any_other_cause(tmp_path: Path) -> None:
    connection, point = _vanished_savepoint(tmp_path)
    try:
        with pytest.raises(DBAPIError):
            rollback_to(point, ValueError("not a lock conflict"))
    finally:
        connection.invalidate()


def test_lock_conflicts_are_found_through_the_context_chain() -> None:
    outer = RuntimeError("outer")
    outer.__context__ = _lock_conflict()
    assert arose_from_lock_conflict(outer)
    assert not arose_from_lock_conflict(RuntimeError("plain"))
    assert not arose_from_lock_conflict(None)
