"""Every document store against the public contract (C10): the one registered for ``memory://``
and the SQL one on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from crmkit.adapters.sqlalchemy.documents import SqlDocumentStore
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.documents import DocumentStore
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.contracts import DocumentStoreContract


@pytest.fixture
def document_store(storage: Storage, clock: FixedClock, ids: SequentialIds) -> DocumentStore:
    """The SQL store on a SQL ``storage``; the store registered for ``memory://`` beside the memory one."""
    if isinstance(storage, SqlStorage):
        return SqlDocumentStore(storage)
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    return plugins.build("documents", "memory://", AdapterContext(clock, ids, Settings()))


class TestDocumentStore(DocumentStoreContract):
    pass
