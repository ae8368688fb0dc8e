"""The SQLAlchemy storage adapter: SQLite (embedded default), PostgreSQL, MariaDB/MySQL.

The names below are imported on first use, so loading the built-in plugin
(:mod:`crmkit.adapters.sqlalchemy.plugin`) does not import SQLAlchemy.

>>> from crmkit.adapters.sqlalchemy import SqlStorage
>>> storage = SqlStorage("postgresql://crm:secret@db.example/crm")
>>> storage.masked_url
'postgresql+psycopg://crm:***@db.example/crm'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.documents import SqlDocumentStore
    from crmkit.adapters.sqlalchemy.storage import SqlStorage, SqlUnitOfWork
    from crmkit.adapters.sqlalchemy.tables import metadata

__all__ = ["SqlDocumentStore", "SqlStorage", "SqlUnitOfWork", "metadata"]

_HOMES = {
    "SqlDocumentStore": "crmkit.adapters.sqlalchemy.documents",
    "SqlStorage": "crmkit.adapters.sqlalchemy.storage",
    "SqlUnitOfWork": "crmkit.adapters.sqlalchemy.storage",
    "metadata": "crmkit.adapters.sqlalchemy.tables",
}


def __getattr__(name: str) -> Any:
    """Import the public names lazily."""
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
