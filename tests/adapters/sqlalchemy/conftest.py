"""Fixtures of the SQL adapter's own tests: one migrated, empty SQL storage per back end.

``sql_storage`` is parametrized over ``sqlite``, ``postgresql`` and ``mysql``
(the in-memory back end has nothing to say about SQL); server back ends run
when ``CRMKIT_TEST_POSTGRES_URL`` / ``CRMKIT_TEST_MYSQL_URL`` are set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.testing.backends import ENV_URLS, BackendUnavailable, backend_url, prepared_url
from crmkit.testing.clock import FixedClock

SQL_BACKENDS = ("sqlite", "postgresql", "mysql")


@pytest.fixture(params=SQL_BACKENDS, ids=list(SQL_BACKENDS))
def sql_storage(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[SqlStorage]:
    """A migrated, empty :class:`SqlStorage` on each SQL back end, closed afterwards.

    Built directly (as :func:`crmkit.testing.backends.make_storage` does, minus
    the plugin lookup, which ``test_storage`` covers) so these tests depend on
    this adapter alone; the schema comes from the per-process template.
    """
    try:
        url = prepared_url(request.param, tmp_path)
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    storage = SqlStorage(url, clock=clock)
    try:
        if request.param in ENV_URLS:
            reset_database(storage)
        yield storage
    finally:
        storage.close()


@pytest.fixture
def sql_url(sql_storage: SqlStorage) -> str:
    """The URL of ``sql_storage``."""
    return sql_storage.url


@pytest.fixture
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """The configured URL of a back end, or skip."""

    def url(kind: str) -> str:
        try:
            return backend_url(kind, tmp_path)
        except BackendUnavailable as exc:
            pytest.skip(str(exc))

    return url
