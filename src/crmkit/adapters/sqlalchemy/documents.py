"""Documents (C10) in the SQL database: the ``documents`` table behind the document port."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from crmkit.adapters.sqlalchemy._errors import translate_integrity, unavailable
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import documents
from crmkit.domain.documents import Document, DocumentOwner
from crmkit.domain.errors import NotFound
from crmkit.domain.ids import DocumentId

__all__ = ["SqlDocumentStore"]

_COLUMNS = (
    documents.c.id,
    documents.c.owner_kind,
    documents.c.owner_id,
    documents.c.name,
    documents.c.media_type,
    documents.c.content,
)


_BATCH = 20
"""Documents read per query while walking them all (:meth:`SqlDocumentStore.each`)."""


class SqlDocumentStore:
    """Stores documents in the same database as a :class:`SqlStorage` (C10); also a ``DocumentScan``.

    Each call is its own short transaction; the schema comes from
    :meth:`SqlStorage.migrate`.

    Args:
        storage: the SQL storage whose database (and connection pool) is used.
    """

    def __init__(self, storage: SqlStorage) -> None:
        self._storage = storage

    def _run(self, work: Any) -> Any:
        connection: Connection = self._storage.connect()
        try:
            with connection.begin():
                return work(connection)
        except DBAPIError as error:
            if error.connection_invalidated:
                raise unavailable(self._storage._url, error) from None
            raise
        finally:
            connection.close()

    def put(self, document: Document) -> None:
        """Store ``document``.

        Raises:
            Duplicate: a document with the same id exists. Not idempotent.
        """
        row = {
            "id": document.id,
            "owner_kind": document.owner.kind.value,
            "owner_id": document.owner.id,
            "name": document.name,
            "media_type": document.media_type,
            "content": document.content,
        }
        try:
            self._run(lambda c: c.execute(sa.insert(documents), row))
        except IntegrityError as error:
            raise translate_integrity(error, documents, lambda c: c, lambda: None) from None

    def get(self, document_id: DocumentId) -> Document:
        """The document with its bytes.

        Raises:
            NotFound: when no such document exists.
        """
        query = sa.select(*_COLUMNS).where(documents.c.id == document_id)
        row = self._run(lambda c: c.execute(query).first())
        if row is None:
            raise NotFound("document", document_id)
        return _document(row)

    def list_for(self, owner: DocumentOwner) -> list[Document]:
        """The owner's documents in the order they were stored."""
        query = (
            sa.select(*_COLUMNS)
            .where(documents.c.owner_kind == owner.kind.value, documents.c.owner_id == owner.id)
            .order_by(documents.c.seq)
        )
        rows = self._run(lambda c: c.execute(query).all())
        return [_document(row) for row in rows]

    def delete(self, document_id: DocumentId) -> None:
        """Remove the document; deleting a missing one is a no-op (idempotent)."""
        self._run(lambda c: c.execute(sa.delete(documents).where(documents.c.id == document_id)))

    def each(self) -> Iterator[Document]:
        """Every stored document, in storing order, :data:`_BATCH` per short read transaction."""
        after = 0
        while True:
            query = (
                sa.select(documents.c.seq, *_COLUMNS)
                .where(documents.c.seq > after)
                .order_by(documents.c.seq)
                .limit(_BATCH)
            )
            rows = self._run(partial(_all, query))
            for row in rows:
                yield _document(row)
            if len(rows) < _BATCH:
                return
            after = rows[-1].seq

    def replace(self, document: Document) -> None:
        """Store ``document``'s name, media type and content under its id; a missing id is a no-op."""
        values = {"name": document.name, "media_type": document.media_type, "content": document.content}
        self._run(
            lambda c: c.execute(sa.update(documents).where(documents.c.id == document.id).values(values))
        )


def _all(query: sa.Select[Any], connection: Connection) -> list[Any]:
    return list(connection.execute(query).all())


def _document(row: Any) -> Document:
    return Document(
        id=DocumentId(row.id),
        owner=DocumentOwner(row.owner_kind, row.owner_id),
        name=row.name,
        media_type=row.media_type,
        content=bytes(row.content),
    )
