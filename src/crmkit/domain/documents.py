"""Documents attached to records (C10): values only; bytes live behind the document port."""

from __future__ import annotations

import enum

import attrs

from crmkit.domain.fields import nonblank
from crmkit.domain.ids import DocumentId

__all__ = ["Document", "DocumentOwner", "OwnerKind"]


class OwnerKind(enum.StrEnum):
    """What a document can be attached to (C10)."""

    EMPLOYEE = "employee"
    COMPANY = "company"
    CONTACT = "contact"  # M4: erased with the contact
    INTERACTION = "interaction"
    CONTRACT = "contract"
    INVOICE = "invoice"
    REGION = "region"
    TEMPLATE = "template"  # issue 14 (I8): a dispatch template; its owner id is the document kind


@attrs.frozen
class DocumentOwner:
    """The record a document belongs to."""

    kind: OwnerKind = attrs.field(converter=OwnerKind)
    id: str


@attrs.frozen
class Document:
    """A stored file: its name, media type, owner and bytes (C10).

    The domain objects never hold a document; they hold its :class:`~crmkit.domain.ids.DocumentId`.
    """

    id: DocumentId
    owner: DocumentOwner
    name: str = attrs.field(validator=nonblank)
    media_type: str = attrs.field(validator=nonblank)
    content: bytes = attrs.field(repr=False)

    @property
    def size(self) -> int:
        """The number of bytes."""
        return len(self.content)
