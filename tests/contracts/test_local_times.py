"""Every storage back end keeps the offset of each caller-given time (V1, issue 11 item 3).

The ``storage`` and ``clock`` fixtures of ``tests/conftest.py``: memory, SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from crmkit.testing.contracts import LocalTimesContract


class TestLocalTimes(LocalTimesContract):
    pass
