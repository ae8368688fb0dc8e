"""The outbox and consent repositories on every storage back end (issue 6 items 2 and 6)."""

from __future__ import annotations

from crmkit.testing.contracts.messaging import OutboxRepositoryContract


class TestOutboxRepository(OutboxRepositoryContract):
    """Bound to the parametrized ``storage`` fixture: memory, SQLite, PostgreSQL, MariaDB."""
