"""Every storage back end against the interaction, appointment and reminder contract (I1, I6, I7, C12).

The ``storage`` fixture of ``tests/conftest.py`` is parametrized over memory, SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from crmkit.testing.contracts import InteractionStorageContract


class TestInteractionStorage(InteractionStorageContract):
    pass
