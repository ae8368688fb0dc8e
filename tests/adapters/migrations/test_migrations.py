"""Shipped Alembic migrations: no drift from the table metadata, and upgrades keep data.

Each test gets a scratch database of its own: a file on SQLite, a fresh
``crmkit_mig_<random>`` database on the PostgreSQL / MariaDB server named by
``CRMKIT_TEST_POSTGRES_URL`` / ``CRMKIT_TEST_MYSQL_URL`` (skipped with a
visible reason when unset), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy.bulk import bulk_insert
from crmkit.adapters.sqlalchemy.migrations import (
    REVISIONS,
    MigrationError,
    comparison_options,
    current,
    upgrade,
)
from crmkit.domain.text import fold

SERVER_VARIABLES = {"postgresql": "CRMKIT_TEST_POSTGRES_URL", "mysql": "CRMKIT_TEST_MYSQL_URL"}


def _server_url(kind: str) -> sa.URL:
    variable = SERVER_VARIABLES[kind]
    url = os.environ.get(variable, "")
    if not url:
        pytest.skip(f"{kind} migration tests skipped: set {variable} to run them")
    return sa.make_url(url)


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.URL]:
    """The URL of a new, empty database, dropped after the test."""
    kind: str = request.param
    if kind == "sqlite":
        yield sa.make_url(f"sqlite:///{tmp_path / 'migrations.db'}")
        return
    server = _server_url(kind)
    name = f"crmkit_mig_{uuid.uuid4().hex[:12]}"
    if kind == "postgresql":
        create = f"CREATE DATABASE {name}"
        drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    else:
        # the server's default character set and collation, as a user's new database has
        create = f"CREATE DATABASE {name}"
        drop = f"DROP DATABASE IF EXISTS {name}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(create)
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(drop)
        admin.dispose()


@pytest.fixture
def engine(scratch_url: sa.URL) -> Iterator[sa.Engine]:
    engine = sa.create_engine(scratch_url)
    if engine.dialect.name == "sqlite":
        # As the storage adapter does: foreign keys enforced on every connection.
        @sa.event.listens_for(engine, "connect")
        def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

    yield engine
    engine.dispose()


def drift(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=comparison_options(conn))
        return list(compare_metadata(context, tables.metadata))


# What MariaDB reports for a type that is the same as the one created (JSON is a
# LONGTEXT alias there, shown with or without the table's character set).
MARIADB_SAME = {("BIGINT", "BIGINT(20)"), ("INTEGER", "INTEGER(11)"), ("BOOL", "TINYINT(1)")}


def same_type(want: str, got: str) -> bool:
    return want == got or (want, got) in MARIADB_SAME or (want == "JSON" and got.startswith("LONGTEXT"))


def column_type_mismatches(engine: sa.Engine) -> list[tuple[str, str, str]]:
    """Columns whose DDL type differs from the metadata's, beyond what autogenerate compares.

    Alembic's type comparison ignores, e.g., MariaDB's fractional-second precision
    (``DATETIME`` vs ``DATETIME(6)``); comparing the compiled DDL catches it.
    """
    inspector = sa.inspect(engine)
    mismatches = []
    for table in tables.metadata.sorted_tables:
        reflected = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            want = column.type.compile(engine.dialect)
            got = reflected[column.name].compile(engine.dialect)
            if not same_type(want, got):
                mismatches.append((f"{table.name}.{column.name}", want, got))
    return mismatches


def test_head_schema_equals_the_table_metadata(engine: sa.Engine) -> None:
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == REVISIONS[-1]
    assert drift(engine) == []
    assert column_type_mismatches(engine) == []
    upgrade(engine)  # idempotent
    assert current(engine) == REVISIONS[-1]
    assert drift(engine) == []


def test_a_url_works_as_well_as_an_engine(scratch_url: sa.URL) -> None:
    upgrade(scratch_url.render_as_string(hide_password=False), revision=REVISIONS[0])
    assert current(scratch_url) == REVISIONS[0]


def test_a_schema_made_by_create_all_is_adopted_at_head(engine: sa.Engine) -> None:
    tables.metadata.create_all(engine)
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == REVISIONS[-1]
    assert drift(engine) == []


def test_an_unversioned_schema_that_differs_is_refused(engine: sa.Engine) -> None:
    tables.metadata.create_all(engine, tables=[tables.metadata.tables["companies"]])
    with pytest.raises(MigrationError, match="exist without migration history"):
        upgrade(engine)
    assert current(engine) is None


# --- upgrading a database that holds data -----------------------------------------------

COMPANIES = 2_345  # more than one back-fill page of 1,000
OTHERS = 40


def revision_1_tables(engine: sa.Engine) -> list[sa.Table]:
    """The metadata's tables that the database at revision 0001 holds, parents first.

    Read from the database, so later revisions adding tables need no change here.
    """
    existing = set(sa.inspect(engine).get_table_names())
    return [t for t in tables.metadata.sorted_tables if t.name in existing]


NAMES = ["İSTANBUL Gıda A.Ş.", "ISPARTA Gül Ltd.", "Çankaya  Şube", "ığdır", "Öz Ürün Tic."]
T0 = datetime(2024, 2, 29, 23, 59, 59, 654321, tzinfo=UTC)


LATER_COLUMNS = {"name_key", "archived_at", "code_dated", "owner_dated"}
"""Columns later revisions added to revision 0001's tables (0002: ``name_key``; 0012: ``archived_at``;
0026: ``code_dated``, ``owner_dated``),
besides every ``*_offset`` column (0018: ``audit_entries.at_offset``; 0023: companies, employees, claims)."""


def later(column: str) -> bool:
    """Whether a later revision added ``column`` to one of revision 0001's tables."""
    return column in LATER_COLUMNS or column.endswith("_offset")


def revision_1_table(table: sa.Table) -> sa.TableClause:
    """``table`` as revision 0001 has it (no ``companies.name_key``…), with the adapter's types."""
    columns = [sa.column(c.name, c.type) for c in table.columns if not later(c.name)]
    return sa.table(table.name, *columns)


def value(column: sa.Column[Any], i: int, company_ids: list[uuid.UUID]) -> Any:
    """A value of the column's type for row ``i``; NULL in every third nullable column."""
    name, kind = column.name, column.type
    if column.foreign_keys:
        if column.nullable and i % 3 == 0:
            return None
        return company_ids[i * 7 % len(company_ids)] if name != "parent_id" else company_ids[i - 1]
    if column.nullable and i % 3 == 0 and not column.primary_key:
        return None
    if isinstance(kind, sa.Uuid):
        return uuid.uuid5(uuid.NAMESPACE_OID, f"{column.table.name}.{name}.{i}")
    if isinstance(kind, sa.Boolean):
        return i % 2 == 0
    if isinstance(kind, sa.Integer):
        return i + 1
    if isinstance(kind, sa.DateTime):
        return T0 + timedelta(minutes=i)
    if isinstance(kind, sa.JSON):
        return [["name", f"eski {i}", f"yeni {i}"], {"şehir": "İzmir", "n": i}]
    if isinstance(kind, sa.LargeBinary):
        return bytes(range(256)) * (i % 4 + 1)
    if isinstance(kind, sa.String):
        length = kind.length or 50
        if name in ("tax_no", "login"):
            return f"{i:0{min(length, 10)}d}"
        text = f"{NAMES[i % len(NAMES)]} {i}"
        return text[:length]
    raise AssertionError(f"no sample value for {column.table.name}.{name}: {kind!r}")


def fill_revision_1(engine: sa.Engine, revision_1: list[sa.Table]) -> None:
    companies = tables.metadata.tables["companies"]
    company_ids = [value(companies.c.id, i, []) for i in range(COMPANIES)]
    with engine.begin() as conn:
        for table in revision_1:
            old = revision_1_table(table)
            count = COMPANIES if table.name == "companies" else OTHERS
            if table.name == "companies":
                parent = [c.name for c in old.columns].index("parent_id")

                def row(i: int, t: sa.Table = table, parent: int = parent) -> tuple[Any, ...]:
                    values = [value(c, i, company_ids) for c in t.columns if not later(c.name)]
                    if i == 0:
                        values[parent] = None  # the root of the company tree
                    return tuple(values)

                rows = (row(i) for i in range(count))
            else:
                rows = (
                    tuple(value(c, i, company_ids) for c in table.columns if not later(c.name))
                    for i in range(count)
                )
            bulk_insert(
                conn,
                table,
                rows,
                columns=[c.name for c in old.columns],
                batch_size=700,
            )


def snapshot(engine: sa.Engine, revision_1: list[sa.Table]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every revision-0001 table, in primary-key order."""
    result: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in revision_1:
            old = revision_1_table(table)
            order = [old.c[c.name] for c in table.primary_key.columns]
            rows = conn.execute(sa.select(old).order_by(*order)).mappings()
            result[table.name] = [dict(r) for r in rows]
    return result


def test_upgrading_from_revision_1_with_rows_keeps_every_row(engine: sa.Engine) -> None:
    upgrade(engine, revision=REVISIONS[0])
    assert current(engine) == REVISIONS[0]
    revision_1 = revision_1_tables(engine)
    assert {t.name for t in revision_1} >= {"companies", "contacts", "audit_entries", "documents"}
    fill_revision_1(engine, revision_1)
    before = snapshot(engine, revision_1)
    assert len(before["companies"]) == COMPANIES
    assert all(len(rows) == OTHERS for name, rows in before.items() if name != "companies")

    upgrade(engine)

    assert current(engine) == REVISIONS[-1]
    assert snapshot(engine, revision_1) == before
    companies = tables.metadata.tables["companies"]
    with engine.connect() as conn:
        keys = conn.execute(sa.select(companies.c.name, companies.c.name_key)).all()
    assert len(keys) == COMPANIES
    assert all(key == fold(name) for name, key in keys)
    assert {key.split()[0] for _, key in keys} >= {"istanbul", "isparta", "igdir", "cankaya"}
    audit = tables.metadata.tables["audit_entries"]
    with engine.connect() as conn:  # 0018: rows read in UTC so far keep exactly that
        assert set(conn.execute(sa.select(audit.c.at_offset)).scalars()) == {0}
        # 0023: so do the other times; a time that is NULL has no offset
        for table in revision_1:
            for column in table.columns:
                if isinstance(column.type, sa.DateTime) and f"{column.name}_offset" in table.c:
                    offset = table.c[f"{column.name}_offset"]
                    found = set(conn.execute(sa.select(column.is_(None), offset)).all())
                    assert found <= {(True, None), (False, 0)}, (column, found)
        assert set(conn.execute(sa.select(companies.c.registered_at_offset)).scalars()) == {0}
    assert drift(engine) == []
    assert column_type_mismatches(engine) == []


def test_sqlite_foreign_keys_are_enforced_again_after_an_upgrade(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fk.db'}", poolclass=sa.pool.StaticPool)

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    upgrade(engine, revision=REVISIONS[0])
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        contacts = tables.metadata.tables["contacts"]
        with pytest.raises(sa.exc.IntegrityError):
            conn.execute(
                contacts.insert().values(
                    id=uuid.uuid4(), version=1, company_id=uuid.uuid4(), name="Yetim Kişi"
                )
            )
    engine.dispose()


def test_revisions_constant_lists_the_whole_script_history_in_order() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from crmkit.adapters.sqlalchemy.migrations import SCRIPT_LOCATION

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, "migration history must not branch"
    assert tuple(reversed([r.revision for r in script.walk_revisions()])) == REVISIONS


def test_mariadb_tables_get_binary_collation_whatever_the_database_default(engine: sa.Engine) -> None:
    """Lists sort in code-point order on every back end, so MariaDB tables must be utf8mb4_bin."""
    if engine.dialect.name not in ("mysql", "mariadb"):
        pytest.skip("table collations are a MariaDB/MySQL matter")
    upgrade(engine)
    with engine.connect() as conn:
        collations: dict[str, str] = dict(
            conn.execute(
                sa.text(
                    "SELECT table_name, table_collation FROM information_schema.tables"
                    " WHERE table_schema = DATABASE() AND table_name <> 'alembic_version'"
                )
            ).all()
        )
    assert collations and set(collations.values()) == {"utf8mb4_bin"}, collations


def test_0026_back_fills_the_dated_flags_from_the_histories(engine: sa.Engine) -> None:
    """Revision 0026: ``code_dated`` / ``owner_dated`` are true exactly for companies with history (T4)."""
    upgrade(engine, revision="0025")
    meta = tables.metadata.tables
    flags = {"code_dated", "owner_dated"}
    company_ids = [value(meta["companies"].c.id, i, []) for i in range(3)]
    with engine.begin() as conn:
        for table_name, count in (("companies", 3), ("employees", 1), ("customer_codes", 1)):
            table = meta[table_name]
            columns = [c for c in table.columns if c.name not in flags]
            rows = [{c.name: value(c, i, company_ids) for c in columns} for i in range(count)]
            for row in rows:
                row.pop("parent_id", None)
            if table_name == "customer_codes":
                rows[0]["company_id"] = company_ids[0]
            conn.execute(sa.table(table_name, *(sa.column(c.name, c.type) for c in columns)).insert(), rows)
        owners = meta["owner_assignments"]
        employee = conn.execute(sa.select(meta["employees"].c.id)).scalar_one()
        row = {c.name: value(c, 0, company_ids) for c in owners.columns}
        conn.execute(owners.insert(), row | {"company_id": company_ids[1], "employee_id": employee})
    upgrade(engine)
    companies = meta["companies"]
    with engine.connect() as conn:
        found = dict.fromkeys(company_ids, (False, False)) | {
            r.id: (bool(r.code_dated), bool(r.owner_dated))
            for r in conn.execute(sa.select(companies.c.id, companies.c.code_dated, companies.c.owner_dated))
        }
    assert [found[c] for c in company_ids] == [(True, False), (False, True), (False, False)]
