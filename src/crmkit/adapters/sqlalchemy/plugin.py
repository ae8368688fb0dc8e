"""Built-in plugin: the SQL storage and document store by URL scheme.

Serves ``sqlite``, ``postgresql``, ``mysql`` and ``mariadb`` URLs through the
same hooks a third-party plugin uses.

SQLAlchemy is imported only when a factory runs, so loading the plugin is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmkit.hookspecs import (
    AdapterContext,
    DocumentStoreFactory,
    Register,
    StorageFactory,
    hookimpl,
)

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.documents import SqlDocumentStore
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

__all__ = ["SCHEMES", "crmkit_register_document_stores", "crmkit_register_storage"]

SCHEMES: tuple[str, ...] = ("sqlite", "postgresql", "mysql", "mariadb")
"""The URL schemes this adapter serves (a ``+driver`` suffix is allowed)."""


def _storage(url: str, context: AdapterContext) -> SqlStorage:
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

    return SqlStorage(url, clock=context.clock)


def _documents(url: str, context: AdapterContext) -> SqlDocumentStore:
    from crmkit.adapters.sqlalchemy.documents import SqlDocumentStore
    from crmkit.adapters.sqlalchemy.storage import SqlStorage
    from crmkit.adapters.urls import mask_password

    storage = context.storage
    if isinstance(storage, SqlStorage) and storage.url == mask_password(url):  # its url is masked
        return SqlDocumentStore(storage)
    return SqlDocumentStore(SqlStorage(url, clock=context.clock))


@hookimpl
def crmkit_register_storage(register: Register[StorageFactory]) -> None:
    """Offer :class:`~crmkit.adapters.sqlalchemy.storage.SqlStorage` for every SQL scheme."""
    for scheme in SCHEMES:
        register(scheme, _storage)


@hookimpl
def crmkit_register_document_stores(register: Register[DocumentStoreFactory]) -> None:
    """Offer the ``documents`` table as a document store for every SQL scheme (C10)."""
    for scheme in SCHEMES:
        register(scheme, _documents)
