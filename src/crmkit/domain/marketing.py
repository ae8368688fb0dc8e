"""Segments and campaigns (SPEC §8, M1, M2): values only, no I/O.

A :class:`SegmentFilter` is a conjunction of conditions "company field is one
of these values" over :data:`~crmkit.domain.predicates.SEGMENT_FIELDS`. It
is saved as data (:meth:`SegmentFilter.to_data`) and turned into the access
predicate algebra by :meth:`SegmentFilter.predicate`, so storage runs a
segment *and* the actor's visibility (:func:`crmkit.domain.access.visibility_predicate`)
as one query: SQL compiles both to one ``WHERE``, memory evaluates both with
:func:`~crmkit.domain.predicates.matches`.

A filter may also hold :class:`PurchaseCondition` values over purchase history
(seed 001: "who bought a product some time ago?"): "bought product / category /
brand X (or anything) between D1 and D2" and "has not bought X (or anything)
since D", AND-ed with the field conditions. Dates are the invoices' own local
issue dates, both ends inclusive; "bought" is net of returns (a line whose
quantity was fully taken back by later returns is no purchase). Categories and
brands are turned into product codes through the product catalogue each time
the segment is run (:meth:`SegmentFilter.predicate`), so a product added to a
category later is covered; a category covers its subcategories (``"A/B"`` is
under ``"A"``), as the targets' category scopes do.

>>> from crmkit.domain.predicates import describe
>>> g = SegmentFilter.of(city="İzmir", purchases=[{"bought": True, "what": "product",
...     "values": ["P-1"], "from": "2026-01-01", "to": "2026-03-31"}])
>>> describe(g.predicate())
'(city in {İzmir} and bought {P-1} in 2026-01-01..2026-03-31)'
>>> SegmentFilter.from_data(g.to_data()) == g
True

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
from datetime import date, datetime
from typing import Any, NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import aware, nonblank
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.limits import LABEL_MAX, SUBJECT_MAX, TEXT_MAX, check_text, limited
from crmkit.domain.messaging import Channel
from crmkit.domain.plan_actual import CATEGORY_SEPARATOR
from crmkit.domain.points import Product
from crmkit.domain.predicates import SEGMENT_FIELDS, Predicate, Purchased, all_of, field_in

__all__ = [
    "CAMPAIGN_AGGREGATE",
    "SEGMENT_AGGREGATE",
    "Campaign",
    "CampaignId",
    "CampaignRecipient",
    "Condition",
    "PurchaseCondition",
    "PurchaseScope",
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


class PurchaseScope(enum.Enum):
    """What a :class:`PurchaseCondition` looks for on invoice lines (M1)."""

    ANYTHING = "anything"
    PRODUCT = "product"
    CATEGORY = "category"
    BRAND = "brand"


def _local_date(field: str, value: object) -> date | None:
    """A local date from a ``date`` or ISO text; a datetime is refused (invoices match by local date)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        raise ValidationError(
            field, "give a local date (YYYY-MM-DD), not a datetime: invoices are matched by date"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)")


@attrs.frozen(kw_only=True)
class PurchaseCondition:
    """A condition over purchase history (M1, seed 001).

    ``bought=True``: the company bought (net of returns) ``what`` between ``start`` and
    ``end``, both local dates on the invoices, inclusive, both required. ``bought=False``:
    it has **not** bought ``what`` since ``start`` (on or after it; ``end`` stays empty).

    Attributes:
        bought: bought in the window, or has not bought since ``start``.
        what: anything, or the products, categories or brands in ``values``.
        values: product codes, category names or brand names (empty for anything).
        start: the first local date.
        end: the last local date (``bought`` only).

    Raises:
        ValidationError: on ``values`` (missing, or given for anything), ``start``/``end``
            (missing, not a date, a datetime, ``end`` before ``start``).
    """

    bought: bool
    what: PurchaseScope
    values: frozenset[str] = frozenset()
    start: date | None
    end: date | None = None

    def __attrs_post_init__(self) -> None:
        if self.what is PurchaseScope.ANYTHING and self.values:
            raise ValidationError("values", "a condition on anything takes no values")
        if self.what is not PurchaseScope.ANYTHING and not self.values:
            raise ValidationError("values", f"name at least one {self.what.value}")
        if self.start is None:
            raise ValidationError("start", "give the first date")
        if self.bought and self.end is None:
            raise ValidationError("end", "give the last date of the window")
        if not self.bought and self.end is not None:
            raise ValidationError("end", '"has not bought since" takes no last date')
        if self.end is not None and self.end < self.start:
            raise ValidationError("end", f"{self.end} is before {self.start}")

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PurchaseCondition:
        """A condition from ``{"bought", "what", "values", "from", "to"}`` (see :meth:`to_data`)."""
        if not isinstance(data, Mapping):
            raise ValidationError("purchases", "each purchase condition is a mapping")
        unknown = set(data) - {"bought", "what", "values", "from", "to"}
        if unknown:
            raise ValidationError("purchases", f"unknown keys {sorted(unknown)}")
        bought = data.get("bought", True)
        if not isinstance(bought, bool):
            raise ValidationError("bought", "true or false")
        try:
            what = PurchaseScope(data.get("what", "anything"))
        except ValueError:
            raise ValidationError("what", f"one of {[s.value for s in PurchaseScope]}") from None
        raw = data.get("values", ())
        values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, Iterable) else None
        if values is None or not all(isinstance(v, str) and v.strip() for v in values):
            raise ValidationError("values", "a list of non-blank names")
        return cls(
            bought=bought,
            what=what,
            values=frozenset(values),
            start=_local_date("start", data.get("from")),
            end=_local_date("end", data.get("to")),
        )

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able data (dates as ISO text)."""
        data: dict[str, Any] = {"bought": self.bought, "what": self.what.value, "values": sorted(self.values)}
        data["from"] = None if self.start is None else self.start.isoformat()
        if self.end is not None:
            data["to"] = self.end.isoformat()
        return data

    def products(self, catalogue: Iterable[Product]) -> frozenset[str] | None:
        """The product codes this condition covers (``None``: anything), through ``catalogue``."""
        if self.what is PurchaseScope.ANYTHING:
            return None
        if self.what is PurchaseScope.PRODUCT:
            return self.values
        if self.what is PurchaseScope.BRAND:
            return frozenset(p.code for p in catalogue if p.brand in self.values)
        below = tuple(v + CATEGORY_SEPARATOR for v in self.values)
        return frozenset(
            p.code
            for p in catalogue
            if p.category and (p.category in self.values or p.category.startswith(below))
        )

    def predicate(self, catalogue: Iterable[Product]) -> Predicate:
        """The condition as a :class:`~crmkit.domain.predicates.Purchased` predicate."""
        return Purchased(self.products(catalogue), self.start, self.end, negated=not self.bought)


def _purchase_key(c: PurchaseCondition) -> tuple[Any, ...]:
    return (not c.bought, c.what.value, sorted(c.values), c.start, c.end or date.max)


@attrs.frozen
class SegmentFilter:
    """Conditions combined with AND, each field at most once (M1); no condition: every company.

    ``purchases`` are conditions over purchase history, AND-ed with the field conditions.
    """

    conditions: tuple[Condition, ...] = ()
    purchases: tuple[PurchaseCondition, ...] = ()

    def __attrs_post_init__(self) -> None:
        fields = [c.field for c in self.conditions]
        if len(set(fields)) != len(fields):
            raise ValidationError("conditions", "each field may appear once")
        object.__setattr__(self, "conditions", tuple(sorted(self.conditions, key=lambda c: c.field)))
        object.__setattr__(self, "purchases", tuple(sorted(dict.fromkeys(self.purchases), key=_purchase_key)))

    @classmethod
    def of(cls, **fields: Any) -> SegmentFilter:
        """A filter from ``field=value`` (equality) or ``field=[values]`` (in-set) keywords.

        ``purchases=[{...}, ...]`` adds purchase conditions (see :meth:`PurchaseCondition.from_data`).
        """
        return cls.from_data(fields)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SegmentFilter:
        """The filter saved by :meth:`to_data` (field → values, ``purchases`` → condition data).

        Raises:
            ValidationError: not a mapping (``filter``); a value that is not text (an employee
                id may be a UUID), holds NUL or a lone surrogate, or is longer than a
                pick-list value (``values``) — the same on every back end; ``purchases`` not
                a list of purchase conditions.
        """
        if not isinstance(data, Mapping):
            raise ValidationError("filter", f"must map fields to values, not {type(data).__name__}")
        conditions = []
        purchases: list[PurchaseCondition] = []
        for field, value in data.items():
            if field == "purchases":
                if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
                    raise ValidationError("purchases", "a list of purchase conditions")
                purchases.extend(
                    p if isinstance(p, PurchaseCondition) else PurchaseCondition.from_data(p) for p in value
                )
                continue
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
        return cls(tuple(conditions), tuple(purchases))

    def to_data(self) -> dict[str, Any]:
        """Field → sorted values, ``purchases`` → list of condition data: plain JSON-able data."""
        data: dict[str, Any] = {c.field: sorted(c.values) for c in self.conditions}
        if self.purchases:
            data["purchases"] = [p.to_data() for p in self.purchases]
        return data

    def predicate(self, at: datetime | None = None, *, catalogue: Iterable[Product] = ()) -> Predicate:
        """The filter in the access predicate algebra: AND of ``FieldIn`` and ``Purchased``.

        With ``at``, the dated fields (micro-region code, sales rep) are those valid at ``at`` (T4).
        ``catalogue`` turns categories and brands into product codes; it is needed only
        when a purchase condition names categories or brands.
        """
        products = tuple(catalogue)
        return all_of(
            *(field_in(c.field, c.values, at=at) for c in self.conditions),
            *(p.predicate(products) for p in self.purchases),
        )


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

    def predicate(self, at: datetime | None = None, *, catalogue: Iterable[Product] = ()) -> Predicate:
        """The segment's companies as a predicate: see :meth:`SegmentFilter.predicate`.

        Dated fields are those valid at ``at`` (T4); ``catalogue`` resolves categories and brands.
        """
        return self.filter.predicate(at, catalogue=catalogue)


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
