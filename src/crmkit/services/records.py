"""Parameters (C9), documents (C10) and the audit trail (C12)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from crmkit.domain.access import Action, Decision
from crmkit.domain.audit import AuditEntry
from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.employees import Employee
from crmkit.domain.errors import NotFound
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, PickListName, parse_id
from crmkit.domain.interactions import INTERACTION_AGGREGATE, InteractionId
from crmkit.domain.invoices import InvoiceId
from crmkit.domain.parameters import PickList
from crmkit.domain.permissions import may_read_changes_by, may_set_parameters
from crmkit.domain.versions import require_version
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceBase, parse_enum
from crmkit.services.guard import CompanySight, require_on_company
from crmkit.services.policy import actor_for

__all__ = ["RecordUseCases"]


class RecordUseCases(ServiceBase):
    """Pick-lists, attached documents and history.

    What belongs to a company — its documents, its history and that of its
    contacts, interactions and invoices — follows the company's visibility (A8).
    """

    def _record_sight(self, uow: UnitOfWork, who: Employee, kind: str, key: object) -> Decision:
        """May ``who`` see the record ``kind``/``key`` and what belongs to it (A8)?

        A record of a company (the company, a contact, an interaction, an invoice)
        is seen exactly when its company is; a company record that no longer exists
        only by admins (A2). Other records (employees, regions…) by every active employee.
        """
        sight = CompanySight(uow, actor_for(uow, who, self._ctx.settings.regional_access), self._now())
        try:
            if kind == "company":
                return sight.company(uow.companies.get(CompanyId(parse_id("id", key))).id)
            if kind == "contact":
                return sight.company(uow.contacts.get(ContactId(parse_id("id", key))).company_id)
            if kind == INTERACTION_AGGREGATE:
                return sight.company(uow.interactions.get(InteractionId(parse_id("id", key))).company_id)
            if kind == "invoice":
                return sight.party(uow.invoices.get(InvoiceId(parse_id("id", key))).buyer.key)
        except NotFound:
            if who.position.is_admin:
                return Decision.allow(f"{who.name} is {who.position.value} and sees everything (A2)")
            return Decision.deny(f"the {kind} {key} is gone; only admins read what is left of it (A2, A8)")
        return Decision.allow(f"every active employee may see a {kind} record")

    def set_parameters(
        self, *, actor: ActorRef, name: str, values: Sequence[str], expected_version: int | None = None
    ) -> PickList:
        """Create or replace a pick-list (C9); admins only.

        ``expected_version`` is the ``version`` of the list the caller read and edited (§9):
        a list someone else replaced meanwhile is never overwritten.

        Raises:
            ConcurrencyConflict: ``expected_version`` is given and the list moved on since (or
                does not exist yet).
        """
        with self._as(actor) as (uow, who):
            may_set_parameters(who).enforce()
            wanted = PickList(PickListName(name), values)  # the converter checks the type
            current = uow.picklists.get_many([wanted.name]).get(wanted.name)
            stored = 0 if current is None else current.version
            require_version("pick-list", wanted.name, stored=stored, expected=expected_version)
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
        """Store a file attached to an employee, company, contact, interaction, contract or invoice (C10)."""
        kind = parse_enum(OwnerKind, "owner_kind", owner_kind)
        with self._as(actor) as (uow, who):
            if kind in (OwnerKind.COMPANY, OwnerKind.CONTACT):  # a contact's file changes its company (M4)
                key = parse_id("owner_id", owner_id)
                if kind is OwnerKind.CONTACT:
                    key = uow.contacts.get(ContactId(key)).company_id
                company = uow.companies.get(CompanyId(key))
                actor_view = actor_for(uow, who, self._ctx.settings.regional_access)
                require_on_company(uow, actor_view, Action.UPDATE, company, self._now())
            else:
                self._record_sight(uow, who, kind.value, owner_id).enforce()
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
        with self._as(actor) as (uow, who):
            self._record_sight(uow, who, str(owner_kind), owner_id).enforce()
        owner = DocumentOwner(parse_enum(OwnerKind, "owner_kind", owner_kind), str(owner_id))
        return self._ctx.documents.list_for(owner)

    def history(self, *, actor: ActorRef, aggregate_type: str, aggregate_id: object) -> list[AuditEntry]:
        """Every committed change to a record, with who made it and old → new values (C12)."""
        with self._as(actor) as (uow, who):
            self._record_sight(uow, who, aggregate_type, aggregate_id).enforce()
            return uow.audit.for_record(aggregate_type, str(aggregate_id))

    def changes_by(
        self, *, actor: ActorRef, employee: object, limit: int = 100, offset: int = 0
    ) -> list[AuditEntry]:
        """Changes one employee made (C12); admins only."""
        with self._as(actor) as (uow, who):
            may_read_changes_by(who).enforce()
            return uow.audit.by_actor(str(parse_id("employee", employee)), limit=limit, offset=offset)
