"""The document port (C10): files attached to records live here, never in domain objects."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from crmkit.domain.documents import Document, DocumentOwner
from crmkit.domain.ids import DocumentId

__all__ = ["DocumentStore"]


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
