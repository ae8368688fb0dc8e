"""Every storage back end against the sales-visit contract (I11, §9).

The ``storage`` fixture of ``tests/conftest.py`` is parametrized over memory, SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from crmkit.testing.contracts import VisitStorageContract


class TestVisitStorage(VisitStorageContract):
    pass
