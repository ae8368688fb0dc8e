"""An in-memory document store (C10): bytes, media type and name, by owner."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import attrs

from crmkit.domain.documents import Document, DocumentOwner
from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.ids import DocumentId

__all__ = ["MemoryDocumentStore"]


class MemoryDocumentStore:
    """Keeps documents in a dictionary; a :class:`~crmkit.ports.documents.DocumentStore` and ``DocumentScan``.

    Thread-safe. Documents are frozen values, so the ones handed out cannot
    change what is stored.

    Args:
        url: the URL it was built from (``memory://``).
    """

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._lock = threading.Lock()
        self._documents: dict[DocumentId, Document] = {}  # insertion order = storing order

    def put(self, document: Document) -> None:
        """Store ``document``.

        Raises:
            Duplicate: naming ``id`` when a document with the same id exists.
        """
        with self._lock:
            if document.id in self._documents:
                raise Duplicate("id", f"document {document.id} already exists")
            self._documents[document.id] = document

    def get(self, document_id: DocumentId) -> Document:
        """The document with its bytes.

        Raises:
            NotFound: when no such document exists.
        """
        with self._lock:
            try:
                return self._documents[document_id]
            except KeyError:
                raise NotFound("document", document_id) from None

    def list_for(self, owner: DocumentOwner) -> list[Document]:
        """The owner's documents in the order they were stored."""
        with self._lock:
            return [d for d in self._documents.values() if d.owner == owner]

    def delete(self, document_id: DocumentId) -> None:
        """Remove the document; deleting a missing one does nothing (idempotent)."""
        with self._lock:
            self._documents.pop(document_id, None)

    def each(self) -> Iterator[Document]:
        """Every stored document, in storing order (a snapshot taken at the call)."""
        with self._lock:
            found = list(self._documents.values())
        yield from found

    def replace(self, document: Document) -> None:
        """Store ``document``'s name, media type and content under its id; a missing id is a no-op."""
        with self._lock:
            stored = self._documents.get(document.id)
            if stored is not None:
                self._documents[document.id] = attrs.evolve(
                    stored, name=document.name, media_type=document.media_type, content=document.content
                )
