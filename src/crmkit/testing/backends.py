"""Storage back ends for test suites: memory, SQLite, PostgreSQL, MariaDB.

Contract suites are bound to every back end through :func:`make_storage`.
PostgreSQL and MariaDB run when ``CRMKIT_TEST_POSTGRES_URL`` /
``CRMKIT_TEST_MYSQL_URL`` are set and are skipped with a visible reason
otherwise.

Schemas are migrated once per process, not once per test (ARCHITECTURE §4):

* SQLite: the Alembic revisions run once into a template file, which is
  copied into each test's folder (a file copy instead of every revision);
* PostgreSQL / MariaDB: under pytest-xdist each worker gets a database of its
  own, named from the configured one and ``PYTEST_XDIST_WORKER``
  (``crmkit_ci_gw0``), created on first use with the configured database's
  encoding and collation, migrated once, emptied between tests and dropped by
  :func:`drop_worker_databases` at the end of the session. Without xdist the
  configured database itself is used (migrated once, emptied between tests).
  Emptying the tables is faster than ``CREATE DATABASE … TEMPLATE`` on both
  servers (about 10 ms against a few hundred).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import sqlalchemy as sa

from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.storage import Storage

__all__ = [
    "BACKENDS",
    "ENV_URLS",
    "BackendUnavailable",
    "backend_url",
    "drop_worker_databases",
    "fresh",
    "make_storage",
    "prepared_url",
]

BACKENDS: tuple[str, ...] = ("memory", "sqlite", "postgresql", "mysql")
"""Back-end names, in the order tests are parametrized."""

ENV_URLS: dict[str, str] = {
    "postgresql": "CRMKIT_TEST_POSTGRES_URL",
    "mysql": "CRMKIT_TEST_MYSQL_URL",
}
"""Environment variables that enable the server back ends."""

_SQLITE_NAME = "crm.db"
_template: list[Path] = []  # the migrated SQLite template of this process
_migrated: set[str] = set()  # server URLs migrated by this process
_created: dict[str, str] = {}  # worker database URL -> configured (admin) URL


class BackendUnavailable(Exception):
    """The back end is not configured here (its environment variable is unset)."""


def backend_url(kind: str, tmp_path: Path) -> str:
    """The storage URL for a back-end name (not yet migrated).

    Under pytest-xdist a server back end's URL names this worker's own
    database, which is created on the first call.

    Raises:
        BackendUnavailable: for a server back end whose variable is not set.
    """
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / _SQLITE_NAME}"
    variable = ENV_URLS[kind]
    url = os.environ.get(variable)
    if not url:
        raise BackendUnavailable(f"{kind} tests skipped: set {variable} to run them")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def prepared_url(kind: str, tmp_path: Path) -> str:
    """The URL of a migrated database for a back-end name, migrating at most once per process.

    SQLite: a copy of the migrated template in ``tmp_path``. Servers: the
    (worker's) database, migrated on first use; its rows are *not* emptied
    here — :func:`make_storage` does that through the storage.

    Raises:
        BackendUnavailable: for a server back end whose variable is not set.
    """
    url = backend_url(kind, tmp_path)
    if kind == "sqlite":
        shutil.copyfile(_sqlite_template(), tmp_path / _SQLITE_NAME)
    elif kind in ENV_URLS and url not in _migrated:
        _migrate(url)
        _migrated.add(url)
    return url


def make_storage(kind: str, tmp_path: Path, context: AdapterContext) -> Storage:
    """A migrated, empty storage of the given kind.

    Server back ends share one database per worker, so every table is emptied
    before the storage is handed out.
    """
    url = prepared_url(kind, tmp_path)
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    storage = plugins.build("storage", url, context)
    if kind in ENV_URLS:
        from crmkit.adapters.sqlalchemy.testing import reset_database

        reset_database(storage)
    return storage


def fresh(storage: Storage) -> Storage:
    """An empty storage of the same back end, for property tests whose examples share one storage.

    A SQL storage has its tables emptied in place (no migration); any other
    storage is replaced by a new, empty ``MemoryStorage``.
    """
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

    if isinstance(storage, SqlStorage):
        from crmkit.adapters.sqlalchemy.testing import reset_database

        reset_database(storage)
        return storage
    from crmkit.adapters.memory.storage import MemoryStorage

    return MemoryStorage()


def drop_worker_databases() -> None:
    """Drop the per-worker databases this process created (call at the end of a session)."""
    for url, admin in list(_created.items()):
        _admin_execute(admin, _drop_statement(sa.make_url(url)))
        del _created[url]
        _migrated.discard(url)


def _migrate(url: str) -> None:
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

    storage = SqlStorage(url)
    try:
        storage.migrate()
    finally:
        storage.close()


def _sqlite_template() -> Path:
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="crmkit-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / _SQLITE_NAME
        _migrate(f"sqlite:///{path}")  # closing the last connection checkpoints the WAL into the file
        _template.append(path)
    return _template[0]


def _worker_database(url: str, worker: str) -> str:
    configured = sa.make_url(url)
    name = f"{configured.database}_{worker}"
    own = configured.set(database=name).render_as_string(hide_password=False)
    if own not in _created:
        _admin_execute(url, _drop_statement(sa.make_url(own)))
        _admin_execute(url, _create_statement(url, name))
        _created[own] = url
    return own


def _drop_statement(url: sa.URL) -> str:
    if url.get_backend_name() == "postgresql":
        return f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'
    return f"DROP DATABASE IF EXISTS `{url.database}`"


def _create_statement(configured: str, name: str) -> str:
    """``CREATE DATABASE`` with the configured database's encoding and collation."""
    url = sa.make_url(configured)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if url.get_backend_name() == "postgresql":
                row = connection.execute(
                    sa.text(
                        "SELECT pg_encoding_to_char(encoding), datcollate, datctype"
                        " FROM pg_database WHERE datname = current_database()"
                    )
                ).one()
                return (
                    f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING '{row[0]}'"
                    f" LC_COLLATE '{row[1]}' LC_CTYPE '{row[2]}'"
                )
            row = connection.execute(
                sa.text(
                    "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME"
                    " FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"
                )
            ).one()
            return f"CREATE DATABASE `{name}` CHARACTER SET {row[0]} COLLATE {row[1]}"
    finally:
        engine.dispose()


def _admin_execute(url: str, statement: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
