"""The SQL document store against the public DocumentStore contract (SPEC C10), per back end."""

from __future__ import annotations

import pytest

from crmkit.adapters.sqlalchemy.documents import SqlDocumentStore
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.ports.documents import DocumentStore
from crmkit.testing.contracts import DocumentStoreContract


@pytest.fixture
def document_store(sql_storage: SqlStorage) -> DocumentStore:
    return SqlDocumentStore(sql_storage)


class TestSqlDocumentStore(DocumentStoreContract):
    pass
