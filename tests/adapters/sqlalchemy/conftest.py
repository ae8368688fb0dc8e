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
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.testing.backends import BackendUnavailable, backend_url, make_storage
from crmkit.testing.clock import FixedClock, SequentialIds

SQL_BACKENDS = ("sqlite", "postgresql", "mysql")


@pytest.fixture(params=SQL_BACKENDS, ids=list(SQL_BACKENDS))
def sql_storage(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, ids: SequentialIds
) -> Iterator[SqlStorage]:
    """A migrated, empty :class:`SqlStorage` on each SQL back end, closed afterwards."""
    try:
        built = make_storage(request.param, tmp_path, AdapterContext(clock, ids, Settings()))
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    assert isinstance(built, SqlStorage)
    yield built
    built.close()


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
