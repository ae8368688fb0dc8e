"""Who sees a record and what belongs to it — its documents, its history (A8, A2)."""

from __future__ import annotations

from datetime import datetime

from crmkit.domain.access import Decision
from crmkit.domain.employees import Employee
from crmkit.domain.errors import NotFound
from crmkit.domain.ids import CompanyId, ContactId, parse_id
from crmkit.domain.interactions import INTERACTION_AGGREGATE, InteractionId
from crmkit.domain.invoices import InvoiceId
from crmkit.ports.storage import UnitOfWork
from crmkit.services.guard import CompanySight
from crmkit.services.policy import actor_for

__all__ = ["record_sight"]


def record_sight(
    uow: UnitOfWork, who: Employee, kind: str, key: object, *, regional_access: bool, at: datetime
) -> Decision:
    """May ``who`` see the record ``kind``/``key`` and what belongs to it at ``at`` (A8)?

    A record of a company (the company, a contact, an interaction, an invoice)
    is seen exactly when its company is; a company record that no longer exists
    only by admins (A2). Other records (employees, regions…) by every active employee.
    """
    sight = CompanySight(uow, actor_for(uow, who, regional_access), at)
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
