"""Samples sent to customers: ``crm.samples`` (SPEC §5 I12; §3 A3, A6, A7).

Sending a sample is decided as recording an interaction at the company (A3,
A6); the contact, when named, must be one of that company's. Listings per
customer ask the policy about the company; listings per product run the
actor's visibility predicate in the storage (A7).
"""

from __future__ import annotations

from datetime import datetime

from crmkit.domain.access import Action, InteractionResource, decide, visibility_predicate
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.periods import require_aware
from crmkit.domain.samples import Sample, SampleId
from crmkit.services.base import ActorRef
from crmkit.services.customers import facts_of
from crmkit.services.guard import require_active_company
from crmkit.services.interactions import known_company, known_contact, visible_company
from crmkit.services.policy import PolicyUseCases

__all__ = ["SampleUseCases"]


class SampleUseCases(PolicyUseCases):
    """Record and list samples (I12)."""

    def send(
        self,
        *,
        actor: ActorRef,
        company: object,
        product: str,
        quantity: int = 1,
        contact: object | None = None,
        sent_at: datetime | None = None,
        note: str = "",
    ) -> Sample:
        """Record samples of ``product`` sent to ``company`` (I12).

        Raises:
            ValidationError: naming ``company``, ``contact`` (unknown or of another company),
                ``product``, ``quantity`` or ``sent_at``; nothing is stored.
            PermissionDenied: with the policy's reason; nothing is stored.
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            found = known_company(uow, "company", company)
            decide(
                who, Action.CREATE, InteractionResource(company=facts_of(uow, found, now), owner_id=by), now
            ).enforce()
            require_active_company(found)  # C13
            person = None if contact is None else known_contact(uow, "contact", contact, found.id, "I12").id
            sample = Sample(
                id=SampleId(self._new_id()),
                company_id=found.id,
                product=product,
                quantity=quantity,
                sent_at=now if sent_at is None else require_aware("sent_at", sent_at),
                sent_by=by,
                contact_id=person,
                note=note,
            )
            uow.samples.add(sample)
            return sample

    def for_company(
        self, *, actor: ActorRef, company: object, limit: int = 200, offset: int = 0
    ) -> list[Sample]:
        """A customer's samples, newest first, when the actor may see the company (A1, A2, A6).

        Raises:
            ValidationError: naming ``company`` when there is none.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._work(None) as uow:
            found = visible_company(uow, self._actor(uow, actor), company, now)
            return uow.samples.for_company(found.id, limit=limit, offset=offset)

    def for_product(
        self, *, actor: ActorRef, product: str, limit: int = 200, offset: int = 0
    ) -> list[Sample]:
        """Samples of ``product`` at the companies the actor may see, newest first (A7)."""
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            name = " ".join(str(product).split())
            return uow.samples.for_product(visibility_predicate(who, now), name, limit=limit, offset=offset)
