"""The document-store contract (C10): bytes, media type and name, by owner."""

from __future__ import annotations

import uuid

import attrs
import pytest

from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.ids import DocumentId
from crmkit.ports.documents import DocumentScan, DocumentStore

__all__ = ["DocumentStoreContract", "make_document"]


def make_document(owner: DocumentOwner, name: str = "teklif.pdf", content: bytes = b"%PDF") -> Document:
    """A document with a fresh id, attached to ``owner``."""
    return Document(DocumentId(uuid.uuid4()), owner, name, "application/pdf", content)


_COMPANY = DocumentOwner(OwnerKind.COMPANY, str(uuid.UUID(int=1)))
_EMPLOYEE = DocumentOwner(OwnerKind.EMPLOYEE, str(uuid.UUID(int=1)))


class DocumentStoreContract:
    """What every :class:`~crmkit.ports.documents.DocumentStore` must do (C10).

    Needs a ``document_store`` fixture: an empty document store.
    """

    def test_c10_the_store_satisfies_the_port(self, document_store: DocumentStore) -> None:
        """The adapter is a DocumentStore (C10)."""
        assert isinstance(document_store, DocumentStore)

    def test_c10_put_then_get_returns_the_same_bytes_name_and_type(
        self, document_store: DocumentStore
    ) -> None:
        """get(put(d)) == d, every byte value and a Turkish file name included (C10)."""
        document = Document(
            DocumentId(uuid.uuid4()),
            _COMPANY,
            "Sözleşme – Çağlayan İş Ortaklığı.pdf",
            "application/pdf",
            bytes(range(256)) * 3,
        )
        document_store.put(document)
        assert document_store.get(document.id) == document

    def test_c10_get_of_an_unknown_document_raises_not_found(self, document_store: DocumentStore) -> None:
        """get() of an id never stored raises NotFound (C10)."""
        with pytest.raises(NotFound):
            document_store.get(DocumentId(uuid.uuid4()))

    def test_c10_putting_a_taken_id_raises_duplicate(self, document_store: DocumentStore) -> None:
        """put() is not idempotent: a taken id raises Duplicate and keeps the first (C10)."""
        document = make_document(_COMPANY)
        document_store.put(document)
        with pytest.raises(Duplicate):
            document_store.put(Document(document.id, _COMPANY, "başka.txt", "text/plain", b"baska"))
        assert document_store.get(document.id) == document

    def test_c10_list_for_holds_the_owners_documents_in_storing_order(
        self, document_store: DocumentStore
    ) -> None:
        """list_for() holds only that owner's documents, in the order they were stored (C10)."""
        names = ["3-broşür.pdf", "1-teklif.pdf", "2-katalog.pdf"]
        mine = [make_document(_COMPANY, n) for n in names]
        for document in mine:
            document_store.put(document)
            document_store.put(make_document(_EMPLOYEE, "özgeçmiş.pdf"))
        assert document_store.list_for(_COMPANY) == mine
        assert len(document_store.list_for(_EMPLOYEE)) == 3
        nobody = DocumentOwner(OwnerKind.INVOICE, "yok")
        assert document_store.list_for(nobody) == []

    def test_c10_delete_removes_and_is_idempotent(self, document_store: DocumentStore) -> None:
        """delete() removes the document; deleting it again or a missing one does nothing."""
        kept, gone = make_document(_COMPANY, "kalan.pdf"), make_document(_COMPANY, "giden.pdf")
        document_store.put(kept)
        document_store.put(gone)
        document_store.delete(gone.id)
        document_store.delete(gone.id)
        document_store.delete(DocumentId(uuid.uuid4()))
        with pytest.raises(NotFound):
            document_store.get(gone.id)
        assert document_store.list_for(_COMPANY) == [kept]

    def test_m4_a_scanning_store_walks_every_document_and_rewrites_one(
        self, document_store: DocumentStore
    ) -> None:
        """``DocumentScan`` (optional, M4): each() yields all in storing order; replace() rewrites by id."""
        if not isinstance(document_store, DocumentScan):
            pytest.skip("this store cannot walk its documents (erasure reports documents_unsearched)")
        stored = [make_document(_COMPANY if n % 2 else _EMPLOYEE, f"{n:02}.pdf") for n in range(45)]
        for document in stored:
            document_store.put(document)
        assert list(document_store.each()) == stored
        new = Document(stored[7].id, _EMPLOYEE, "[erased].txt", "text/plain", b"[erased]")
        document_store.replace(new)
        document_store.replace(make_document(_COMPANY))  # a missing id: nothing happens
        assert document_store.get(stored[7].id) == attrs.evolve(new, owner=stored[7].owner)
        assert list(document_store.each()) == [*stored[:7], document_store.get(stored[7].id), *stored[8:]]
