"""Shared fixtures: a fixed clock, sequential ids, and a storage per back end; hypothesis profiles.

``storage`` is parametrized over :data:`crmkit.testing.backends.BACKENDS`
(ids ``memory``, ``sqlite``, ``postgresql``, ``mysql``); server back ends
without their ``CRMKIT_TEST_*_URL`` are skipped with the reason shown.
Select one with ``-k memory``. Hypothesis profiles (``dev``, ``ci``,
``nightly``) are registered in :mod:`tests.profiles`; choose with
``HYPOTHESIS_PROFILE=ci``. SQL schemas are migrated once per process and the
per-worker server databases are dropped when the session ends
(:mod:`crmkit.testing.backends`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.ports.storage import Storage
from crmkit.testing.backends import BACKENDS, BackendUnavailable, drop_worker_databases, make_storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.profiles import PROFILE

pytest_plugins = ("pytester",)  # tests/contracts/test_mutants.py runs suites in-process

settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the ``slow`` tests first, so parallel workers start the long ones early and fill in with
    short ones, instead of one worker finishing a long test alone at the end (the README's command
    runs ``--dist loadfile``: a file's tests stay on one worker, because the examples of one
    document share their names from one block to the next)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this worker's own PostgreSQL / MariaDB databases (created on first use)."""
    drop_worker_databases()


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing still at 2026-01-01 09:00 UTC until a test advances it."""
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    """Ids 00000000-0000-4000-8000-000000000001, …002, … in order."""
    return SequentialIds()


@pytest.fixture(params=BACKENDS, ids=list(BACKENDS))
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, ids: SequentialIds
) -> Iterator[Storage]:
    """A migrated, empty storage of each back end, closed after the test."""
    kind: str = request.param
    try:
        built = make_storage(kind, tmp_path, AdapterContext(clock, ids, Settings()))
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield built
    finally:
        built.close()
