"""Parameters (C9), documents (C10) and the audit trail (C12)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from crmkit.domain.audit import AuditEntry
from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.ids import DocumentId, PickListName, parse_id
from crmkit.domain.parameters import PickList
from crmkit.domain.permissions import may_read_changes_by, may_set_parameters
from crmkit.services.base import ActorRef, ServiceBase, parse_enum

__all__ = ["RecordUseCases"]


class RecordUseCases(ServiceBase):
    """Pick-lists, attached documents and history."""

    def set_parameters(self, *, actor: ActorRef, name: str, values: Sequence[str]) -> PickList:
        """Create or replace a pick-list (C9); admins only."""
        with self._as(actor) as (uow, who):
            may_set_parameters(who).enforce()
            wanted = PickList(PickListName(name), tuple(values))
            current = uow.picklists.get_many([wanted.name]).get(wanted.name)
            if current is None:
                uow.picklists.add(wanted)
                return wanted
            if current.values == wanted.values:
                return current
            return uow.picklists.save(attrs.evolve(current, values=wanted.values))

    def parameters(self, *, actor: ActorRef, name: str) -> PickList:
        """One pick-list. Raises NotFound."""
        with self._as(actor) as (uow, _):
            return uow.picklists.get(PickListName(name))

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
        """Store a file attached to an employee, company, interaction, contract or invoice (C10)."""
        self._check_actor(actor)
        document = Document(
            id=DocumentId(self._new_id()),
            owner=DocumentOwner(parse_enum(OwnerKind, "owner_kind", owner_kind), str(owner_id)),
            name=name,
            media_type=media_type,
            content=content,
        )
        self._ctx.documents.put(document)
        return document

    def documents(self, *, actor: ActorRef, owner_kind: str | OwnerKind, owner_id: object) -> list[Document]:
        """The files attached to a record (C10)."""
        self._check_actor(actor)
        owner = DocumentOwner(parse_enum(OwnerKind, "owner_kind", owner_kind), str(owner_id))
        return self._ctx.documents.list_for(owner)

    def history(self, *, actor: ActorRef, aggregate_type: str, aggregate_id: object) -> list[AuditEntry]:
        """Every committed change to a record, with who made it and old → new values (C12)."""
        with self._as(actor) as (uow, _):
            return uow.audit.for_record(aggregate_type, str(aggregate_id))

    def changes_by(
        self, *, actor: ActorRef, employee: object, limit: int = 100, offset: int = 0
    ) -> list[AuditEntry]:
        """Changes one employee made (C12); admins only."""
        with self._as(actor) as (uow, who):
            may_read_changes_by(who).enforce()
            return uow.audit.by_actor(str(parse_id("employee", employee)), limit=limit, offset=offset)
