"""The bulk-insert path: many rows, one batched driver call per batch, no per-row Core work.

SQLAlchemy Core's ``connection.execute(insert(t), [dict, ...])`` costs several
times the driver's own ``executemany``; the ORM costs far more (issue 3, item 9).
:func:`bulk_insert` keeps the rows as tuples and compiles the ``INSERT`` once:

* **SQLite, MariaDB/MySQL and other positional drivers**: the statement is
  compiled once by the connection's dialect and each batch of tuples goes to
  the DBAPI cursor's ``executemany`` (through
  :meth:`~sqlalchemy.engine.Connection.exec_driver_sql`, so SQLAlchemy's
  error wrapping and events still apply; PyMySQL turns the batch into
  multi-row ``INSERT … VALUES``).
* **PostgreSQL with psycopg 3**: ``COPY table (columns) FROM STDIN`` through
  psycopg's ``cursor.copy()`` (:mod:`crmkit.adapters.sqlalchemy.bulk_postgresql`,
  which says why).

Values pass through the columns' own bind processors (e.g. SQLAlchemy's
SQLite ``DateTime`` formatting or a ``TypeDecorator``'s
``process_bind_param``), so a row written here reads back exactly as if it had
been written by a Core ``insert()``. Python-side column defaults are *not*
applied: a column left out of ``columns`` must have a server default, be an
autoincrement key, or be nullable, and one with a Python-side ``default=`` is
refused.

A caller that already holds driver-ready values (it applied the same bind
processors itself, e.g. once per invoice for a key its lines repeat) passes
``prepared=True``: its tuples go to the driver as they are, batch by batch,
with no per-value work here.

The rows are consumed lazily, ``batch_size`` at a time, so memory stays
bounded whatever the number of rows. Everything happens inside the
connection's current transaction (begun if none is open, as any
``execute`` would); the caller commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, cast

from sqlalchemy import Column, Insert, Table, insert
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from crmkit.adapters.sqlalchemy.bulk_postgresql import copy_rows

__all__ = ["DEFAULT_BATCH_SIZE", "bulk_insert", "chunks", "upsert"]

DEFAULT_BATCH_SIZE = 10_000
"""Rows handed to the driver per ``executemany`` call (or per COPY buffer flush)."""

_Processor = Callable[[Any], Any]


def bulk_insert(
    connection: Connection,
    table: Table,
    rows: Iterable[Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    prepared: bool = False,
) -> int:
    """Insert many rows given as tuples, in batches, through the driver's fastest path.

    Args:
        connection: an open connection; the rows join its current transaction
            (one is begun if none is open) and the caller commits.
        table: the target table.
        rows: tuples (or other sequences) of values, one per entry of
            ``columns`` and in that order; consumed lazily.
        columns: the column keys the tuples fill; all of the table's columns,
            in table order, when omitted.
        batch_size: rows per driver call; bounds the memory held at once.
        prepared: the rows are tuples of driver-ready values (what the columns'
            bind processors would have made of them), in the order of
            ``columns``: they are handed to the driver unchanged, without the
            per-row count check.

    Returns:
        The number of rows written.

    Raises:
        ValueError: ``batch_size`` is not positive, a column is unknown or
            listed twice, a row has the wrong number of values, or a left-out
            column has a Python-side default this path cannot apply.
        sqlalchemy.exc.DBAPIError: whatever the database refuses (a
            duplicate key is a :class:`sqlalchemy.exc.IntegrityError`), wrapped
            the same way Core wraps it, on every back end.

    Example:
        >>> from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine
        >>> t = Table("t", MetaData(), Column("id", Integer, primary_key=True),
        ...           Column("name", String(20)))
        >>> engine = create_engine("sqlite://")
        >>> t.metadata.create_all(engine)
        >>> with engine.begin() as conn:
        ...     bulk_insert(conn, t, ((i, f"ürün {i}") for i in range(25_000)), batch_size=10_000)
        25000
        >>> engine.dispose()
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    targets = _target_columns(table, columns)
    dialect = connection.dialect
    processors = [None if prepared else _bind_processor(column, dialect) for column in targets]
    if not connection.in_transaction():
        connection.begin()
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        batches = _batches(rows, len(targets), processors, None, batch_size, prepared=prepared)
        return copy_rows(connection, table, targets, batches)
    return _executemany(connection, table, targets, processors, rows, batch_size, prepared=prepared)


def _target_columns(table: Table, keys: Sequence[str] | None) -> list[Column[Any]]:
    if keys is None:
        return list(table.columns)
    if len(set(keys)) != len(keys):
        raise ValueError(f"columns listed twice in {list(keys)!r}")
    unknown = [key for key in keys if key not in table.columns]
    if unknown:
        raise ValueError(f"table {table.name!r} has no columns {unknown!r}")
    chosen = set(keys)
    for column in table.columns:
        if column.key not in chosen and column.default is not None:
            raise ValueError(
                f"column {table.name}.{column.key} has a Python-side default, which the bulk "
                "path does not apply: list it in columns and give its value"
            )
    return [table.columns[key] for key in keys]


def _bind_processor(column: Column[Any], dialect: Dialect) -> _Processor | None:
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return cast(_Processor | None, processor)


def chunks(items: Sequence[Any], size: int = 1000) -> Iterator[Sequence[Any]]:
    """``items`` cut into slices of at most ``size`` (the bound parameters of one ``IN (…)`` query)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _batches(
    rows: Iterable[Sequence[Any]],
    width: int,
    processors: Sequence[_Processor | None],
    order: Sequence[int] | None,
    batch_size: int,
    *,
    prepared: bool = False,
) -> Iterator[list[Any]]:
    """Lists of at most ``batch_size`` driver-ready tuples (processed, reordered, checked).

    ``prepared`` rows (tuples already driver-ready, in the driver's order) are only cut into batches.
    """
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    if prepared and isinstance(rows, list) and len(rows) <= batch_size:
        if rows:
            yield rows
        return
    iterator = iter(rows)
    while True:
        chunk = list(islice(iterator, batch_size))
        if not chunk:
            return
        if prepared:
            yield chunk
            continue
        batch: list[tuple[Any, ...]] = []
        append = batch.append
        for row in chunk:
            if len(row) != width:
                raise ValueError(f"row has {len(row)} values, expected {width}: {row!r}")
            if converting:
                values = list(row)
                for index, process in converting:
                    value = values[index]
                    if value is not None:
                        values[index] = process(value)
                row = values
            append(tuple(row) if order is None else tuple(row[i] for i in order))
        yield batch


def _executemany(
    connection: Connection,
    table: Table,
    targets: Sequence[Column[Any]],
    processors: Sequence[_Processor | None],
    rows: Iterable[Sequence[Any]],
    batch_size: int,
    *,
    prepared: bool = False,
) -> int:
    keys = [column.key for column in targets]
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=keys)
    sql = compiled.string
    # Names the dialect gave the bind parameters, in the order it expects them.
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    if sorted(names) != sorted(keys):  # pragma: no cover - a dialect we have not met
        raise ValueError(f"unexpected bind parameters {names!r} for columns {keys!r}")
    order = [keys.index(name) for name in names]
    if order == list(range(len(keys))):
        order_or_none: list[int] | None = None
    else:  # pragma: no cover - no supported dialect reorders an INSERT's columns
        order_or_none = order
    escaped = compiled.escaped_bind_names
    param_names = [escaped.get(name, name) for name in names]
    written = 0
    if prepared and order_or_none is not None:  # pragma: no cover - as above
        prepared = False  # reorder (and count) the values; the processors are off already
    for batch in _batches(rows, len(keys), processors, order_or_none, batch_size, prepared=prepared):
        if compiled.positional:
            connection.exec_driver_sql(sql, batch)
        else:
            connection.exec_driver_sql(sql, [dict(zip(param_names, row, strict=True)) for row in batch])
        written += len(batch)
    return written


def upsert(table: Table, dialect: Dialect, key: Sequence[str], update: Sequence[str] = ()) -> Insert:
    """An ``INSERT`` that meets an existing row with the same ``key`` without failing.

    The existing row's ``update`` columns take the new values; with no ``update``
    the row is left as it is (insert-if-absent). One statement, so it is race-safe:
    a second transaction inserting the same key waits for the first's row and
    then updates (or keeps) it, where a look-up followed by an insert would fail
    on the key. Pass the values to ``execute`` (one row or many).

    Raises:
        ValueError: a dialect other than PostgreSQL, SQLite, MySQL or MariaDB.
    """
    name = dialect.name
    if name == "postgresql":
        pg = postgresql.insert(table)
        if not update:
            return pg.on_conflict_do_nothing(index_elements=list(key))
        new = {c: pg.excluded[c] for c in update}
        return pg.on_conflict_do_update(index_elements=list(key), set_=new)
    if name == "sqlite":  # the same clauses, from SQLite's own construct
        lite = sqlite.insert(table)
        if not update:
            return lite.on_conflict_do_nothing(index_elements=list(key))
        changed = {c: lite.excluded[c] for c in update}
        return lite.on_conflict_do_update(index_elements=list(key), set_=changed)
    if name in ("mysql", "mariadb"):
        mine = mysql.insert(table)
        # MySQL has no "do nothing": setting the key to itself changes nothing.
        return mine.on_duplicate_key_update({column: mine.inserted[column] for column in update or key[:1]})
    raise ValueError(f"no upsert for the {name!r} dialect")
