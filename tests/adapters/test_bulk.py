"""The bulk-insert path on SQLite, PostgreSQL (COPY) and MariaDB (executemany)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from crmkit.adapters.sqlalchemy.bulk import bulk_insert, upsert

BACKEND_URL_VARIABLES = {
    "postgresql": "CRMKIT_TEST_POSTGRES_URL",
    "mysql": "CRMKIT_TEST_MYSQL_URL",
}


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals as text: proves the bulk path applies a type's bind processing."""

    impl = sa.String(60)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC, read back aware (same on every back end)."""

    impl = sa.DateTime()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):  # plain DATETIME drops microseconds there
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    kind: str = request.param
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'bulk.db'}"
    else:
        variable = BACKEND_URL_VARIABLES[kind]
        url = os.environ.get(variable, "")
        if not url:
            pytest.skip(f"{kind} tests skipped: set {variable} to run them")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def line_table(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("amount", DecimalText(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.String(50), nullable=True),
        sa.Column("state", sa.String(10), nullable=False, server_default="new"),
    )


@pytest.fixture
def tables(engine: Engine) -> Iterator[tuple[sa.Table, sa.Table]]:
    """Two identical tables: one filled by bulk_insert, one by Core insert()."""
    metadata = sa.MetaData()
    suffix = uuid.uuid4().hex[:10]
    bulk = line_table(metadata, f"bulk_a_{suffix}")
    core = line_table(metadata, f"bulk_b_{suffix}")
    metadata.create_all(engine)
    yield bulk, core
    metadata.drop_all(engine)


NAMES = ["Çay bardağı İnce", "ŞEKER ığdır", "Öğütülmüş kahve", "Ürün – özel", "ısparta gülü"]
START = datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC)


def sample_rows(count: int) -> Iterator[tuple[Any, ...]]:
    for i in range(count):
        amount = Decimal("-99999999999999.999999") if i % 7 == 0 else Decimal(i) / 8
        yield (
            i,
            f"P-{i:07d}",
            NAMES[i % len(NAMES)],
            amount,
            START + timedelta(seconds=i),
            None if i % 3 else f"not {i}",
            "done" if i % 2 else "new",
        )


def read_all(engine: Engine, table: sa.Table) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(table).order_by(table.c.id))]


def count_cursor_calls(engine: Engine) -> list[bool]:
    """Record ``executemany`` flags of every statement SQLAlchemy hands a cursor."""
    calls: list[bool] = []

    def listener(
        conn: sa.Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            calls.append(executemany)

    sa.event.listen(engine, "before_cursor_execute", listener)
    return calls


def test_rows_read_back_exactly_as_core_insert_writes_them(
    engine: Engine, tables: tuple[sa.Table, sa.Table]
) -> None:
    bulk, core = tables
    count = 2_345
    with engine.begin() as conn:
        written = bulk_insert(conn, bulk, sample_rows(count), batch_size=500)
        keys = [c.key for c in core.columns]
        conn.execute(sa.insert(core), [dict(zip(keys, row, strict=True)) for row in sample_rows(count)])
    assert written == count
    got = read_all(engine, bulk)
    assert got == read_all(engine, core)
    assert got == list(sample_rows(count))  # exact decimals, Turkish text, microseconds


def test_batches_go_to_executemany_or_copy_never_row_by_row(
    engine: Engine, tables: tuple[sa.Table, sa.Table]
) -> None:
    bulk, _ = tables
    calls = count_cursor_calls(engine)
    with engine.begin() as conn:
        bulk_insert(conn, bulk, sample_rows(2_500), batch_size=1_000)
    if engine.dialect.name == "postgresql":
        assert calls == []  # COPY goes to psycopg directly
    else:
        assert calls == [True, True, True]


def test_rows_are_consumed_lazily_batch_by_batch(engine: Engine, tables: tuple[sa.Table, sa.Table]) -> None:
    bulk, _ = tables
    consumed: list[int] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in sample_rows(10_000):
            consumed.append(row[0])
            if len(consumed) > 2_500:
                raise RuntimeError("source broke")
            yield row

    calls = count_cursor_calls(engine)
    with pytest.raises(RuntimeError, match="source broke"), engine.begin() as conn:
        bulk_insert(conn, bulk, rows(), batch_size=1_000)
    if engine.dialect.name != "postgresql":
        assert calls == [True, True]  # two full batches written before the third broke
    assert read_all(engine, bulk) == []  # and the transaction rolled them back


def test_a_duplicate_is_an_integrity_error_and_rolls_back_with_the_transaction(
    engine: Engine, tables: tuple[sa.Table, sa.Table]
) -> None:
    bulk, _ = tables
    rows = list(sample_rows(10))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        bulk_insert(conn, bulk, [*rows, rows[3]])
    assert read_all(engine, bulk) == []


def test_rolled_back_bulk_insert_leaves_nothing(engine: Engine, tables: tuple[sa.Table, sa.Table]) -> None:
    bulk, _ = tables
    with engine.connect() as conn:
        bulk_insert(conn, bulk, sample_rows(1_200), batch_size=100)
        assert conn.scalar(sa.select(sa.func.count()).select_from(bulk)) == 1_200
        conn.rollback()
    assert read_all(engine, bulk) == []


def test_joins_an_autobegun_transaction_that_the_caller_commits(
    engine: Engine, tables: tuple[sa.Table, sa.Table]
) -> None:
    bulk, _ = tables
    with engine.connect() as conn:
        assert bulk_insert(conn, bulk, sample_rows(30)) == 30
        conn.commit()
    assert len(read_all(engine, bulk)) == 30


def test_left_out_columns_get_their_server_default(engine: Engine, tables: tuple[sa.Table, sa.Table]) -> None:
    bulk, _ = tables
    columns = ["issued_at", "amount", "name", "code", "id"]  # any order, no note/state
    rows = [(START, Decimal("1.5"), "Kalem", "K-1", 1)]
    with engine.begin() as conn:
        assert bulk_insert(conn, bulk, rows, columns=columns) == 1
    assert read_all(engine, bulk) == [(1, "K-1", "Kalem", Decimal("1.5"), START, None, "new")]


def test_nothing_to_write_is_zero(engine: Engine, tables: tuple[sa.Table, sa.Table]) -> None:
    bulk, _ = tables
    with engine.begin() as conn:
        assert bulk_insert(conn, bulk, iter(())) == 0
    assert read_all(engine, bulk) == []


@pytest.mark.parametrize(
    ("columns", "rows", "batch_size", "message"),
    [
        (None, [(1, "a")], 100, "row has 2 values, expected 7"),
        (["id", "nope"], [(1, 2)], 100, r"no columns \['nope'\]"),
        (["id", "id"], [(1, 1)], 100, "listed twice"),
        (None, [], 0, "batch_size must be positive"),
    ],
)
def test_bad_calls_are_refused_with_a_clear_message(
    engine: Engine,
    tables: tuple[sa.Table, sa.Table],
    columns: list[str] | None,
    rows: Sequence[tuple[Any, ...]],
    batch_size: int,
    message: str,
) -> None:
    bulk, _ = tables
    with pytest.raises(ValueError, match=message), engine.begin() as conn:
        bulk_insert(conn, bulk, rows, columns=columns, batch_size=batch_size)


def test_a_left_out_python_side_default_is_refused() -> None:
    table = sa.Table(
        "with_default",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False, default=1),
    )
    engine = sa.create_engine("sqlite://")
    table.metadata.create_all(engine)
    refused = pytest.raises(ValueError, match=r"with_default\.version has a Python-side default")
    with refused, engine.begin() as conn:
        bulk_insert(conn, table, [(1,)], columns=["id"])
    with engine.begin() as conn:
        assert bulk_insert(conn, table, [(1, 7)]) == 1
    engine.dispose()


def test_upsert_updates_the_listed_columns_or_keeps_the_row(engine: Engine) -> None:
    """One statement meets an existing key: ``update`` columns take the new values, others stay."""
    metadata = sa.MetaData()
    table = sa.Table(
        f"upsert_{uuid.uuid4().hex[:10]}",
        metadata,
        sa.Column("key", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(20), nullable=False),
        sa.Column("kept", sa.String(20), nullable=False),
    )
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            update = upsert(table, conn.dialect, ["key"], ["value"])
            conn.execute(update, [{"key": "a", "value": "1", "kept": "ilk"}])
            conn.execute(
                update, [{"key": "a", "value": "2", "kept": "yeni"}, {"key": "b", "value": "3", "kept": "x"}]
            )
            keep = upsert(table, conn.dialect, ["key"])
            conn.execute(
                keep, [{"key": "b", "value": "9", "kept": "y"}, {"key": "c", "value": "4", "kept": "z"}]
            )
            rows = sorted(tuple(r) for r in conn.execute(sa.select(table)))
        assert rows == [("a", "2", "ilk"), ("b", "3", "x"), ("c", "4", "z")]
    finally:
        metadata.drop_all(engine)


def test_upsert_refuses_a_dialect_it_does_not_know() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("key", sa.String(5), primary_key=True))
    with pytest.raises(ValueError, match="'default' dialect"):
        upsert(table, sa.engine.default.DefaultDialect(), ["key"])
