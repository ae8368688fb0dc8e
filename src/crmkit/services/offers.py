"""Offers and their outcome: ``crm.offers`` (SPEC §5 I8; §4 Q6; §3 A3, A8).

``crm.dispatch.send`` records an :class:`~crmkit.domain.offers.Offer` when the
template sent is an offer (:func:`crmkit.services.offer_records.record_offer`, in the same unit of work as
the e-mail and the C5 move). A rep then records the customer's answer:
accepted, or rejected with a reason — once; a second decision is a
:class:`~crmkit.domain.errors.RuleViolation` (I8). Deciding is changing the
offer: the policy decides as for an interaction owned by the sending rep
(A3). Listings follow the company's visibility (A8); offers given and
accepted per rep are part of ``crm.opportunities.activity`` (Q6).
"""

from __future__ import annotations

from crmkit.domain.access import Action, InteractionResource, decide
from crmkit.domain.ids import parse_id
from crmkit.domain.offers import OFFER_AGGREGATE, Offer, OfferId
from crmkit.services.base import ActorRef
from crmkit.services.customers import facts_of
from crmkit.services.interactions import check_version, visible_company
from crmkit.services.policy import PolicyUseCases

__all__ = ["OfferUseCases"]


class OfferUseCases(PolicyUseCases):
    """Record an offer's outcome and list a customer's offers (I8)."""

    def _decide(
        self, actor: ActorRef, offer: object, accepted: bool, reason: str | None, version: int | None
    ) -> Offer:
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.offers.get(OfferId(parse_id("offer", offer)))
            company = uow.companies.get(current.company_id)
            resource = InteractionResource(company=facts_of(uow, company, now), owner_id=current.sent_by)
            decide(who, Action.UPDATE, resource, now).enforce()
            check_version(OFFER_AGGREGATE, current.id, current.version, version)
            decided = current.decide(accepted=accepted, reason=reason, by=who.employee.id, at=now)
            return uow.offers.save(decided)

    def accept(
        self, *, actor: ActorRef, offer: object, note: str | None = None, version: int | None = None
    ) -> Offer:
        """Record that the customer accepted ``offer`` (I8), with an optional note.

        Raises:
            NotFound: no such offer.
            RuleViolation: ``I8`` when it was already accepted or rejected; nothing is written.
            PermissionDenied: with the policy's reason (A3); nothing is written.
            ConcurrencyConflict: ``version`` is stale.
        """
        return self._decide(actor, offer, True, note, version)

    def reject(self, *, actor: ActorRef, offer: object, reason: str, version: int | None = None) -> Offer:
        """Record that the customer rejected ``offer`` and why (I8).

        Raises:
            NotFound: no such offer.
            ValidationError: naming ``reason`` when it is blank; nothing is written.
            RuleViolation: ``I8`` when it was already decided; nothing is written.
            PermissionDenied: with the policy's reason (A3); nothing is written.
        """
        return self._decide(actor, offer, False, reason, version)

    def for_company(
        self, *, actor: ActorRef, company: object, limit: int = 200, offset: int = 0
    ) -> list[Offer]:
        """A customer's offers, newest first, when the actor may see the company (A8).

        Raises:
            ValidationError: naming ``company`` when there is none.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._work(None) as uow:
            found = visible_company(uow, self._actor(uow, actor), company, now)
            return uow.offers.for_company(found.id, limit=limit, offset=offset)
