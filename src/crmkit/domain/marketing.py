"""Segments and campaigns (SPEC §8, M1, M2): values only, no I/O.

A :class:`SegmentFilter` is a conjunction of conditions "company field is one
of these values" over :data:`~crmkit.domain.predicates.SEGMENT_FIELDS`. It
is saved as data (:meth:`SegmentFilter.to_data`) and turned into the access
predicate algebra by :meth:`SegmentFilter.predicate`, so storage runs a
segment *and* the actor's visibility (:func:`crmkit.domain.access.visibility_predicate`)
as one query: SQL compiles both to one ``WHERE``, memory evaluates both with
:func:`~crmkit.domain.predicates.matches`.

A :class:`Campaign` sends one SMS or e-mail template to a segment's members;
each member gets one :class:`CampaignRecipient` recording what happened
(queued, or skipped for want of consent (M3) or of an address).

>>> f = SegmentFilter.of(city="İzmir", value_class=["A", "B"])
>>> from crmkit.domain.predicates import describe
>>> describe(f.predicate())
'(city in {İzmir} and value_class in {A, B})'
>>> SegmentFilter.from_data(f.to_data()) == f
True
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import aware, nonblank
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.limits import LABEL_MAX, SUBJECT_MAX, TEXT_MAX, check_text, limited
from crmkit.domain.messaging import Channel
from crmkit.domain.predicates import SEGMENT_FIELDS, Predicate, all_of, field_in

__all__ = [
    "CAMPAIGN_AGGREGATE",
    "SEGMENT_AGGREGATE",
    "Campaign",
    "CampaignId",
    "CampaignRecipient",
    "Condition",
    "RecipientStatus",
    "Segment",
    "SegmentFilter",
    "SegmentId",
]

SegmentId = NewType("SegmentId", uuid.UUID)
"""Identifies a saved segment."""
CampaignId = NewType("CampaignId", uuid.UUID)
"""Identifies a campaign."""

SEGMENT_AGGREGATE = "segment"
"""``aggregate_type`` of the audit entries of saved segments (C12)."""
CAMPAIGN_AGGREGATE = "campaign"
"""``aggregate_type`` of the audit entries of campaigns (C12; its send records are not audited one by one)."""

_ID_FIELDS = frozenset({"sales_rep", "support_rep"})


@attrs.frozen
class Condition:
    """One condition: the company's ``field`` is one of ``values`` (equality is a one-value set).

    Raises:
        ValidationError: on ``field`` for an unknown field, on ``values`` for an empty set
            or a rep value that is not an employee id.
    """

    field: str
    values: frozenset[str]

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.field, str) or self.field not in SEGMENT_FIELDS:
            raise ValidationError("field", f"{self.field!r} is not one of {sorted(SEGMENT_FIELDS)}")
        if not self.values:
            raise ValidationError("values", f"{self.field} needs at least one value")
        if self.field in _ID_FIELDS:
            try:
                canonical = frozenset(str(uuid.UUID(str(v))) for v in self.values)
            except ValueError:
                raise ValidationError("values", f"{self.field} takes employee ids") from None
            object.__setattr__(self, "values", canonical)


@attrs.frozen
class SegmentFilter:
    """Conditions combined with AND, each field at most once (M1); no condition: every company."""

    conditions: tuple[Condition, ...] = ()

    def __attrs_post_init__(self) -> None:
        fields = [c.field for c in self.conditions]
        if len(set(fields)) != len(fields):
            raise ValidationError("conditions", "each field may appear once")
        object.__setattr__(self, "conditions", tuple(sorted(self.conditions, key=lambda c: c.field)))

    @classmethod
    def of(cls, **fields: str | Iterable[str]) -> SegmentFilter:
        """A filter from ``field=value`` (equality) or ``field=[values]`` (in-set) keywords."""
        return cls.from_data(fields)

    @classmethod
    def from_data(cls, data: Mapping[str, str | Iterable[str]]) -> SegmentFilter:
        """The filter saved by :meth:`to_data` (field → list of values).

        Raises:
            ValidationError: not a mapping (``filter``); a value that is not text (an employee
                id may be a UUID), holds NUL or a lone surrogate, or is longer than a
                pick-list value (``values``) — the same on every back end.
        """
        if not isinstance(data, Mapping):
            raise ValidationError("filter", f"must map fields to values, not {type(data).__name__}")
        conditions = []
        for field, value in data.items():
            values: list[object]
            if isinstance(value, str):
                values = [value]
            elif isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
                values = list(value)
            else:
                raise ValidationError("values", f"{field}: give text or a list of texts")
            texts = [str(v) if isinstance(v, uuid.UUID) else v for v in values]  # rep ids may be UUIDs
            checked = frozenset(check_text("values", v, LABEL_MAX) for v in texts)  # same on every back end
            conditions.append(Condition(field, checked))
        return cls(tuple(conditions))

    def to_data(self) -> dict[str, list[str]]:
        """Field → sorted values: plain JSON-able data."""
        return {c.field: sorted(c.values) for c in self.conditions}

    def predicate(self, at: datetime | None = None) -> Predicate:
        """The filter in the access predicate algebra (AND of :class:`~crmkit.domain.predicates.FieldIn`).

        With ``at``, the dated fields (micro-region code, sales rep) are those valid at ``at`` (T4).
        """
        return all_of(*(field_in(c.field, c.values, at=at) for c in self.conditions))


@attrs.frozen(kw_only=True)
class Segment:
    """A saved filter over companies (M1).

    Attributes:
        id: its id.
        name: what users call it.
        filter: the conditions.
        created_by: who saved it.
        created_at: when.
        version: optimistic-concurrency version, kept by storage.
    """

    id: SegmentId
    name: str = attrs.field(validator=[limited(LABEL_MAX), nonblank])
    filter: SegmentFilter
    created_by: EmployeeId
    created_at: datetime = attrs.field(validator=aware)
    version: int = 1

    def predicate(self, at: datetime | None = None) -> Predicate:
        """The segment's companies as a predicate value (dated fields as valid at ``at``, T4)."""
        return self.filter.predicate(at)


@attrs.frozen(kw_only=True)
class Campaign:
    """An SMS or e-mail template sent to a segment through the outbox (M2).

    Attributes:
        id: its id.
        name: what users call it.
        channel: SMS or e-mail.
        body: the text (SMS) or the e-mail body.
        subject: the e-mail subject (empty for SMS).
        segment_id: the segment it targets.
        created_by: who sent it; he reaches only the customers he may see (§3).
        created_at: when it was sent.
        queued: recipients enqueued.
        skipped_no_consent: members skipped for want of granted consent (M3).
        skipped_no_address: members without a phone number / e-mail address.
    """

    id: CampaignId
    name: str = attrs.field(validator=[limited(LABEL_MAX), nonblank])
    channel: Channel
    body: str = attrs.field(validator=[limited(TEXT_MAX), nonblank])
    subject: str = attrs.field(default="", validator=limited(SUBJECT_MAX))
    segment_id: SegmentId
    created_by: EmployeeId
    created_at: datetime = attrs.field(validator=aware)
    queued: int = 0
    skipped_no_consent: int = 0
    skipped_no_address: int = 0

    def __attrs_post_init__(self) -> None:
        if self.channel not in (Channel.SMS, Channel.EMAIL):
            raise ValidationError("channel", "a campaign goes by SMS or e-mail")
        if self.channel is Channel.EMAIL and not self.subject.strip():
            raise ValidationError("subject", "an e-mail campaign needs a subject")


class RecipientStatus(enum.Enum):
    """What a campaign did for one member (M2)."""

    QUEUED = "queued"
    SKIPPED_NO_CONSENT = "skipped_no_consent"
    SKIPPED_NO_ADDRESS = "skipped_no_address"


@attrs.frozen(kw_only=True)
class CampaignRecipient:
    """One member's send record (M2).

    Attributes:
        campaign_id: the campaign.
        company_id: the member company.
        status: queued or why it was skipped.
        contact_id: the primary contact reached, if any.
        address: the phone number or e-mail address used (``None`` when there was none).
        message_id: the outbox message, when queued.
    """

    campaign_id: CampaignId
    company_id: CompanyId
    status: RecipientStatus
    contact_id: ContactId | None = None
    address: str | None = None
    message_id: uuid.UUID | None = None
