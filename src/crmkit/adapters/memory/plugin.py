"""Registers the in-memory adapters under the ``memory://`` scheme, through the plugin hooks.

Built-in adapters register exactly like third-party ones (see
:mod:`crmkit.hookspecs`); :data:`crmkit.plugins.DEFAULT_PLUGINS` lists this module.
"""

from __future__ import annotations

from crmkit.adapters.memory.documents import MemoryDocumentStore
from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.hookspecs import (
    AdapterContext,
    DocumentStoreFactory,
    Register,
    StorageFactory,
    hookimpl,
)

__all__ = [
    "crmkit_register_document_stores",
    "crmkit_register_storage",
    "make_document_store",
    "make_storage",
]

SCHEME = "memory"
"""The URL scheme of the in-memory adapters."""


def make_storage(url: str, context: AdapterContext) -> MemoryStorage:
    """Build an empty :class:`MemoryStorage` for ``url``, stamping audit entries with the CRM's clock."""
    return MemoryStorage(url, clock=context.clock)


def make_document_store(url: str, context: AdapterContext) -> MemoryDocumentStore:
    """Build an empty :class:`MemoryDocumentStore` for ``url``."""
    return MemoryDocumentStore(url)


@hookimpl
def crmkit_register_storage(register: Register[StorageFactory]) -> None:
    """Offer :class:`MemoryStorage` for ``memory://`` URLs."""
    register(SCHEME, make_storage)


@hookimpl
def crmkit_register_document_stores(register: Register[DocumentStoreFactory]) -> None:
    """Offer :class:`MemoryDocumentStore` for ``memory://`` URLs (C10)."""
    register(SCHEME, make_document_store)
