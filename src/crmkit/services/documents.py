"""Files attached to records (C10); they follow their record's visibility (A8)."""

from __future__ import annotations

from crmkit.domain.access import Action
from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, parse_id
from crmkit.services.base import ActorRef, ServiceBase, parse_enum
from crmkit.services.guard import require_on_company
from crmkit.services.policy import actor_for
from crmkit.services.record_sight import record_sight

__all__ = ["DocumentUseCases"]


class DocumentUseCases(ServiceBase):
    """``crm.parties.attach_document`` / ``documents`` (C10).

    A company's documents follow the company's visibility (A8); attaching one
    to a company is changing it (A3).
    """

    def attach_document(
        self,
        *,
        actor: ActorRef,
        owner_kind: str | OwnerKind,
        owner_id: object,
        name: str,
        media_type: str,
        content: bytes,
    ) -> Document:
        """Store a file attached to an employee, company, contact, interaction, contract or invoice (C10)."""
        kind = parse_enum(OwnerKind, "owner_kind", owner_kind)
        regional = self._ctx.settings.regional_access
        with self._as(actor) as (uow, who):
            if kind in (OwnerKind.COMPANY, OwnerKind.CONTACT):  # a contact's file changes its company (M4)
                key = parse_id("owner_id", owner_id)
                if kind is OwnerKind.CONTACT:
                    key = uow.contacts.get(ContactId(key)).company_id
                company = uow.companies.get(CompanyId(key))
                require_on_company(uow, actor_for(uow, who, regional), Action.UPDATE, company, self._now())
            else:
                seen = record_sight(uow, who, kind.value, owner_id, regional_access=regional, at=self._now())
                seen.enforce()
        document = Document(
            id=DocumentId(self._new_id()),
            owner=DocumentOwner(kind, str(owner_id)),
            name=name,
            media_type=media_type,
            content=content,
        )
        self._ctx.documents.put(document)
        return document

    def documents(self, *, actor: ActorRef, owner_kind: str | OwnerKind, owner_id: object) -> list[Document]:
        """The files attached to a record (C10)."""
        regional = self._ctx.settings.regional_access
        with self._as(actor) as (uow, who):
            seen = record_sight(uow, who, str(owner_kind), owner_id, regional_access=regional, at=self._now())
            seen.enforce()
        owner = DocumentOwner(parse_enum(OwnerKind, "owner_kind", owner_kind), str(owner_id))
        return self._ctx.documents.list_for(owner)
