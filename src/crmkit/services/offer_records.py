"""Recording the offers ``crm.dispatch`` sends (SPEC §5 I8), apart from ``crm.offers``.

Kept apart so the dispatch (and the follow-ups built on it) need not import
the interaction use cases that ``crm.offers`` builds on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from crmkit.domain.dispatch import DocumentKind
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import DocumentId, EmployeeId, parse_id
from crmkit.domain.offers import Offer, OfferId
from crmkit.domain.opportunities import OpportunityId
from crmkit.domain.parties import Contact
from crmkit.ports.storage import UnitOfWork

__all__ = ["record_offer"]


def record_offer(
    uow: UnitOfWork,
    kind: DocumentKind,
    message_key: str,
    contact: Contact,
    sent_by: EmployeeId,
    template: DocumentId,
    opportunity: object | None,
    now: datetime,
    new_id: Callable[[], uuid.UUID],
) -> Offer | None:
    """Record the offer a dispatch sends (I8); ``None`` for any other kind of document.

    Raises:
        ValidationError: naming ``opportunity`` when it is unknown, of another company, or
            given for a document that is not an offer.
    """
    linked: OpportunityId | None = None
    if opportunity is not None:
        if kind is not DocumentKind.OFFER:
            raise ValidationError(
                "opportunity", f"only an offer belongs to an opportunity, not a {kind.value}"
            )
        key = OpportunityId(parse_id("opportunity", opportunity))
        try:
            found = uow.opportunities.get(key)
        except NotFound:
            raise ValidationError("opportunity", f"there is no opportunity {key}") from None
        if found.company_id != contact.company_id:
            raise ValidationError("opportunity", "the opportunity is at another company (I8)")
        linked = found.id
    if kind is not DocumentKind.OFFER:
        return None
    offer = Offer(
        id=OfferId(new_id()),
        company_id=contact.company_id,
        contact_id=contact.id,
        template_id=template,
        sent_by=sent_by,
        sent_at=now,
        message_key=message_key,
        opportunity_id=linked,
    )
    uow.offers.add(offer)
    return offer
