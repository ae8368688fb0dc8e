"""Offers sent to customers and their outcome (SPEC §5 I8): values only, no I/O.

Sending an *offer* template (``crm.dispatch.send``) records an :class:`Offer`;
it is then accepted, or rejected with a reason, once (:meth:`Offer.decide`).

>>> import uuid
>>> from datetime import UTC, datetime
>>> offer = Offer(
...     id=OfferId(uuid.UUID(int=1)), company_id=CompanyId(uuid.UUID(int=2)),
...     contact_id=ContactId(uuid.UUID(int=3)), template_id=DocumentId(uuid.UUID(int=4)),
...     sent_by=EmployeeId(uuid.UUID(int=5)), sent_at=datetime(2026, 3, 2, tzinfo=UTC), message_key="k",
... )
>>> offer.decide(accepted=False, reason="Fiyat yüksek", by=offer.sent_by,
...              at=datetime(2026, 3, 9, tzinfo=UTC)).status.value
'rejected'
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import NewType

import attrs

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.fields import aware, aware_or_none
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, EmployeeId
from crmkit.domain.opportunities import LABEL_LENGTH, OpportunityId

__all__ = ["OFFER_AGGREGATE", "Offer", "OfferId", "OfferStatus"]

OfferId = NewType("OfferId", uuid.UUID)
"""Identifies an offer sent (I8)."""
OFFER_AGGREGATE = "offer"
"""``aggregate_type`` of the audit entries of offers (C12)."""


class OfferStatus(enum.StrEnum):
    """Where an offer stands (I8)."""

    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def _status(value: object) -> OfferStatus:
    try:
        return OfferStatus(str(value))
    except ValueError:
        raise ValidationError("status", f"{value!r} is not one of: sent, accepted, rejected") from None


def _reason(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("reason", f"{value!r} is not text")
    cleaned = " ".join(value.split())
    if len(cleaned) > LABEL_LENGTH:
        raise ValidationError("reason", f"is {len(cleaned)} characters long; at most {LABEL_LENGTH}")
    return cleaned or None


@attrs.frozen(kw_only=True)
class Offer:
    """An offer document sent to a customer's contact (I8).

    Attributes:
        id: its id.
        company_id: the customer.
        contact_id: the contact it was sent to.
        template_id: the offer template filled.
        sent_by: the rep who sent it.
        sent_at: when (aware).
        message_key: the outbox key of the e-mail that carried it.
        opportunity_id: the opportunity it belongs to (I9), if any.
        status: sent, accepted or rejected.
        reason: why it was rejected (required then) or a note on acceptance.
        decided_at: when the outcome was recorded.
        decided_by: who recorded it.
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: a rejection without a ``reason``, a decision
            without ``decided_at``/``decided_by`` or a sent offer with them, a naive time.
    """

    id: OfferId
    company_id: CompanyId
    contact_id: ContactId
    template_id: DocumentId
    sent_by: EmployeeId
    sent_at: datetime = attrs.field(validator=aware)
    message_key: str
    opportunity_id: OpportunityId | None = None
    status: OfferStatus = attrs.field(default=OfferStatus.SENT, converter=_status)
    reason: str | None = attrs.field(default=None, converter=_reason)
    decided_at: datetime | None = attrs.field(default=None, validator=aware_or_none)
    decided_by: EmployeeId | None = None
    version: int = 1

    def __attrs_post_init__(self) -> None:
        decided = self.status is not OfferStatus.SENT
        if decided != (self.decided_at is not None) or decided != (self.decided_by is not None):
            raise ValidationError(
                "decided_at", "an offer has a decision time and author exactly when decided"
            )
        if self.status is OfferStatus.REJECTED and self.reason is None:
            raise ValidationError("reason", "a rejected offer needs the reason (I8)")
        if self.decided_at is not None and self.decided_at < self.sent_at:
            raise ValidationError("decided_at", "an offer is decided after it is sent")

    def decide(self, *, accepted: bool, reason: str | None, by: EmployeeId, at: datetime) -> Offer:
        """This offer accepted or rejected (with ``reason``) by ``by`` at ``at`` (I8).

        Raises:
            RuleViolation: ``I8`` when it was already decided.
            ValidationError: naming ``reason`` for a rejection without one, ``accepted`` when not a bool.
        """
        if not isinstance(accepted, bool):
            raise ValidationError("accepted", f"{accepted!r} is not true or false")
        if self.status is not OfferStatus.SENT:
            raise RuleViolation("I8", f"offer {self.id} was already {self.status.value}")
        status = OfferStatus.ACCEPTED if accepted else OfferStatus.REJECTED
        return attrs.evolve(self, status=status, reason=reason, decided_at=at, decided_by=by)
