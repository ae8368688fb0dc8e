"""The territory contract (T1–T5, A7) bound to every back end: memory, SQLite, PostgreSQL, MariaDB."""

from __future__ import annotations

from crmkit.testing.contracts.territory import TerritoryContract


class TestTerritory(TerritoryContract):
    """Uses the parametrized ``storage`` fixture of ``tests/conftest.py``."""
