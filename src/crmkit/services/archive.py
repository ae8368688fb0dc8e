"""Archive, restore and delete companies (C13).

A company something refers to — contacts, child companies, claims,
interactions, an invoice or contract, consents given for its addresses, or
any change in its audit trail after its registration — is archived instead
of deleted: it leaves listings and searches, takes no new records and keeps
its history; an admin may restore it. Only a company nothing refers to is
deleted outright. The access policy's ``delete`` decision says who may
archive or delete (A3: an employee only a company he owns); restoring is for
admins (A2).
"""

from __future__ import annotations

from crmkit.domain.access import Action
from crmkit.domain.ids import CompanyId, parse_id
from crmkit.domain.messaging import Channel
from crmkit.domain.parties import Company
from crmkit.domain.permissions import may_restore_company
from crmkit.domain.predicates import EVERYTHING
from crmkit.domain.versions import require_version
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceBase
from crmkit.services.guard import require_on_company
from crmkit.services.policy import actor_for

__all__ = ["ArchiveUseCases", "references_to"]


def references_to(uow: UnitOfWork, company: Company) -> dict[str, int]:
    """What refers to ``company``, by kind, counted through the storage ports (C13); empty: nothing."""
    found = {
        "contacts": len(uow.contacts.for_company(company.id)),
        "companies": len(uow.companies.children(company.id)),
        "claims": len(uow.claims.for_company(company.id)),
        "interactions": uow.interactions.count_visible(EVERYTHING, company=company.id),
        "invoices": int(company.has_invoice),
        "contracts": int(company.has_contract),
        "audit trail": max(len(uow.audit.for_record("company", str(company.id))) - 1, 0),
    }
    consents = 0
    for channel, address in ((Channel.EMAIL, company.email), (Channel.SMS, company.phone)):
        if address is not None:
            consents += len(uow.consents.history(channel, address))
    found["consents"] = consents
    return {kind: count for kind, count in found.items() if count}


class ArchiveUseCases(ServiceBase):
    """``crm.parties.archive_company`` / ``restore_company`` / ``delete_company`` (C13)."""

    def _load(self, uow: UnitOfWork, company: object, expected_version: int | None) -> Company:
        current = uow.companies.get(CompanyId(parse_id("company", company)))
        require_version("company", current.id, stored=current.version, expected=expected_version)
        return current

    def archive_company(
        self, *, actor: ActorRef, company: object, expected_version: int | None = None
    ) -> Company:
        """Archive a company (C13) when the policy lets ``actor`` delete it (A3); idempotent.

        Raises:
            PermissionDenied: with the policy's reason.
            ConcurrencyConflict: ``expected_version`` is given and the company moved on.
        """
        with self._as(actor) as (uow, who):
            current = self._load(uow, company, expected_version)
            policy_actor = actor_for(uow, who, self._ctx.settings.regional_access)
            require_on_company(uow, policy_actor, Action.DELETE, current, self._now())
            archived = current.archive(self._now())
            return current if archived is current else uow.companies.save(archived)

    def restore_company(
        self, *, actor: ActorRef, company: object, expected_version: int | None = None
    ) -> Company:
        """Bring an archived company back into listings; admins only (C13, A2).

        Raises:
            PermissionDenied: the actor is no admin.
            ConcurrencyConflict: ``expected_version`` is given and the company moved on.
        """
        with self._as(actor) as (uow, who):
            may_restore_company(who).enforce()
            current = self._load(uow, company, expected_version)
            return current if not current.is_archived else uow.companies.save(current.restore())

    def delete_company(
        self, *, actor: ActorRef, company: object, expected_version: int | None = None
    ) -> Company | None:
        """Delete a company outright when nothing refers to it, else archive it (C13).

        Returns:
            ``None`` when it was deleted; the archived company when something refers to it.

        Raises:
            PermissionDenied: the policy refuses ``delete`` (A3), with its reason.
            ConcurrencyConflict: ``expected_version`` is given and the company moved on.
        """
        with self._as(actor) as (uow, who):
            current = self._load(uow, company, expected_version)
            policy_actor = actor_for(uow, who, self._ctx.settings.regional_access)
            require_on_company(uow, policy_actor, Action.DELETE, current, self._now())
            if references_to(uow, current):
                archived = current.archive(self._now())
                return current if archived is current else uow.companies.save(archived)
            uow.companies.delete(current)
            return None
