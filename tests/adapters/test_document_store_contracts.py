"""The document stores registered for ``memory://`` against the public contract (C10)."""

from __future__ import annotations

import pytest

from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.documents import DocumentStore
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.contracts import DocumentStoreContract


@pytest.fixture
def document_store(clock: FixedClock, ids: SequentialIds) -> DocumentStore:
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    return plugins.build("documents", "memory://", AdapterContext(clock, ids, Settings()))


class TestMemoryDocumentStore(DocumentStoreContract):
    pass
