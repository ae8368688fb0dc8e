"""Every storage back end against the service storage contract (S1–S3, S6–S8, A7, C12).

The ``storage`` fixture of ``tests/conftest.py`` is parametrized over memory, SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from crmkit.testing.contracts.service import ServiceStorageContract


class TestServiceStorage(ServiceStorageContract):
    pass
