"""The document port (C10): files attached to records live here, never in domain objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from crmkit.domain.documents import Document, DocumentOwner
from crmkit.domain.ids import DocumentId

__all__ = ["DocumentScan", "DocumentStore"]


@runtime_checkable
class DocumentStore(Protocol):
    """Stores documents (bytes + media type + name) attached to an owner record."""

    def put(self, document: Document) -> None:
        """Store ``document``.

        Raises:
            Duplicate: when a document with the same id exists. Not idempotent.
        """
        ...

    def get(self, document_id: DocumentId) -> Document:
        """The document with its bytes.

        Raises:
            NotFound: when no such document exists.
        """
        ...

    def list_for(self, owner: DocumentOwner) -> list[Document]:
        """The owner's documents in the order they were stored."""
        ...

    def delete(self, document_id: DocumentId) -> None:
        """Remove the document; deleting a missing one is a no-op (idempotent)."""
        ...


@runtime_checkable
class DocumentScan(Protocol):
    """A document store that can walk all its documents and rewrite one (M4: erasure looks inside).

    Optional: a store without it still works everywhere else; an erasure then
    reports that other documents were not searched (``documents_unsearched``).
    """

    def each(self) -> Iterator[Document]:
        """Every stored document, in storing order, read a few at a time (never all at once)."""
        ...

    def replace(self, document: Document) -> None:
        """Store ``document``'s name, media type and content under its id; a missing id is a no-op."""
        ...
