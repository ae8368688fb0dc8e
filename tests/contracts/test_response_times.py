"""Every storage back end against the response-time KPI contract (I3).

The ``storage`` fixture of ``tests/conftest.py`` is parametrized over memory, SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from crmkit.testing.contracts.response_times import ResponseKpiContract


class TestResponseKpis(ResponseKpiContract):
    pass
