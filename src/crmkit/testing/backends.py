"""Storage back ends for test suites: memory, SQLite, PostgreSQL, MariaDB.

Contract suites are bound to every back end through :func:`make_storage`.
PostgreSQL and MariaDB run when ``CRMKIT_TEST_POSTGRES_URL`` /
``CRMKIT_TEST_MYSQL_URL`` are set and are skipped with a visible reason
otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.storage import Storage

__all__ = ["BACKENDS", "ENV_URLS", "BackendUnavailable", "backend_url", "make_storage"]

BACKENDS: tuple[str, ...] = ("memory", "sqlite", "postgresql", "mysql")
"""Back-end names, in the order tests are parametrized."""

ENV_URLS: dict[str, str] = {
    "postgresql": "CRMKIT_TEST_POSTGRES_URL",
    "mysql": "CRMKIT_TEST_MYSQL_URL",
}
"""Environment variables that enable the server back ends."""


class BackendUnavailable(Exception):
    """The back end is not configured here (its environment variable is unset)."""


def backend_url(kind: str, tmp_path: Path) -> str:
    """The storage URL for a back-end name.

    Raises:
        BackendUnavailable: for a server back end whose variable is not set.
    """
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.db'}"
    variable = ENV_URLS[kind]
    url = os.environ.get(variable)
    if not url:
        raise BackendUnavailable(f"{kind} tests skipped: set {variable} to run them")
    return url


def make_storage(kind: str, tmp_path: Path, context: AdapterContext) -> Storage:
    """A migrated, empty storage of the given kind.

    Server back ends share one database per run, so every table is emptied
    before the storage is handed out.
    """
    url = backend_url(kind, tmp_path)
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    storage = plugins.build("storage", url, context)
    storage.migrate()
    if kind in ENV_URLS:
        from crmkit.adapters.sqlalchemy.testing import reset_database

        reset_database(storage)
    return storage
