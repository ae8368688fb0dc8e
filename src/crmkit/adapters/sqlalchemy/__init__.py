"""The SQLAlchemy storage adapter: SQLite (embedded default), PostgreSQL, MariaDB/MySQL.

>>> from crmkit.adapters.sqlalchemy import SqlStorage
>>> storage = SqlStorage("postgresql://crm:secret@db.example/crm")
>>> storage.masked_url
'postgresql+psycopg://crm:***@db.example/crm'
"""

from __future__ import annotations

from crmkit.adapters.sqlalchemy.documents import SqlDocumentStore
from crmkit.adapters.sqlalchemy.storage import SqlStorage, SqlUnitOfWork
from crmkit.adapters.sqlalchemy.tables import metadata

__all__ = ["SqlDocumentStore", "SqlStorage", "SqlUnitOfWork", "metadata"]
