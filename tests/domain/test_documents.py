"""Documents are values behind a port, never inside domain objects (C10)."""

from __future__ import annotations

import uuid

import attrs
import pytest

from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.employees import Employee
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import DocumentId
from crmkit.domain.parties import Company


def test_c10_documents_attach_to_the_records_the_spec_lists() -> None:
    kinds = {k.value for k in OwnerKind}
    assert {"employee", "company", "interaction", "contract", "invoice"} <= kinds


def test_c10_a_document_is_bytes_media_type_and_name() -> None:
    owner = DocumentOwner("company", "c-1")
    doc = Document(DocumentId(uuid.UUID(int=1)), owner, "sözleşme.pdf", "application/pdf", b"%PDF")
    assert owner.kind is OwnerKind.COMPANY
    assert doc.size == 4
    assert doc.name == "sözleşme.pdf"
    assert "%PDF" not in repr(doc)


@pytest.mark.parametrize("field", ["name", "media_type"])
def test_c10_name_and_media_type_are_required(field: str) -> None:
    values = {"name": "a.pdf", "media_type": "application/pdf", field: " "}
    with pytest.raises(ValidationError) as info:
        Document(
            DocumentId(uuid.UUID(int=1)),
            DocumentOwner(OwnerKind.EMPLOYEE, "e-1"),
            content=b"",
            **values,
        )
    assert info.value.field == field


@pytest.mark.parametrize("entity", [Company, Employee])
def test_c10_entities_hold_no_file_contents(entity: type) -> None:
    for field in attrs.fields(entity):
        assert field.type not in (bytes, "bytes"), field.name
