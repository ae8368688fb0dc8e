"""Opportunities in a sales funnel (SPEC §5 I9, I4): values only, no I/O.

An :class:`Opportunity` moves through the stages of a *funnel* — a
:class:`~crmkit.domain.workflow.Workflow` stored as data under a key such as
``"opportunity"``. Each stage carries a win probability (percent) and a
suggested next step; the opportunity keeps the probability and kind of the
stage it is in, so the open pipeline's weighted forecast is a plain sum.

It ends in a ``won`` stage — with an amount, always: a won opportunity
without an amount is refused (``ValidationError`` naming ``amount``) — or in
a ``lost`` stage with a reason and, when known, the competitor that won.
Every stage entered is kept as a :class:`StageEntry`, so conversion per stage
and the stage with most losses can be counted (I9, Q6).

>>> import uuid
>>> from datetime import UTC, datetime
>>> from crmkit.domain.money import Money
>>> opp = Opportunity(
...     id=OpportunityId(uuid.UUID(int=1)), funnel="opportunity", workflow_version=1,
...     company_id=CompanyId(uuid.UUID(int=2)), title="Yıllık temizlik ürünleri",
...     owner_id=EmployeeId(uuid.UUID(int=3)), created_by=EmployeeId(uuid.UUID(int=3)),
...     created_at=datetime(2026, 3, 2, tzinfo=UTC), stage="teklif", probability="40",
...     amount=Money("125000", "TRY"),
... )
>>> str(opp.weighted)
'50000.00 TRY'
>>> try:
...     attrs.evolve(opp, stage="kazanıldı", stage_kind="won", amount=None,
...                  closed_at=datetime(2026, 4, 1, tzinfo=UTC))
... except ValidationError as e:
...     print(e.field)
amount
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import aware, aware_or_none
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import InteractionId
from crmkit.domain.money import Money, minor_units
from crmkit.domain.territory import TeamId
from crmkit.domain.workflow_stages import STAGE_LENGTH, StageKind

__all__ = [
    "DEFAULT_FUNNEL",
    "LABEL_LENGTH",
    "OPPORTUNITY_AGGREGATE",
    "STAGE_ENTRY_AGGREGATE",
    "TITLE_LENGTH",
    "Opportunity",
    "OpportunityId",
    "StageEntry",
    "StageEntryId",
    "basis_points",
    "minor",
]

OpportunityId = NewType("OpportunityId", uuid.UUID)
"""Identifies an opportunity (I9)."""
StageEntryId = NewType("StageEntryId", uuid.UUID)
"""Identifies one stage an opportunity entered (I9)."""

OPPORTUNITY_AGGREGATE = "opportunity"
"""``aggregate_type`` of the audit entries of opportunities (C12)."""
STAGE_ENTRY_AGGREGATE = "opportunity_stage"
"""``aggregate_type`` of the audit entries of an opportunity's stage history (C12)."""
DEFAULT_FUNNEL = "opportunity"
"""The workflow key of the default sales funnel."""
TITLE_LENGTH = 500
"""Longest opportunity title."""
LABEL_LENGTH = 200
"""Longest product, lead source, competitor or loss reason."""


def _text(field: str, limit: int, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"{value!r} is not text")
    cleaned = " ".join(value.split())
    if len(cleaned) > limit:
        raise ValidationError(field, f"is {len(cleaned)} characters long; at most {limit}")
    return cleaned


def _title(value: object) -> str:
    cleaned = _text("title", TITLE_LENGTH, value)
    if not cleaned:
        raise ValidationError("title", "must not be blank")
    return cleaned


def _optional(field: str, value: object) -> str | None:
    return None if value is None else (_text(field, LABEL_LENGTH, value) or None)


def _product(value: object) -> str | None:
    return _optional("product", value)


def _lead_source(value: object) -> str | None:
    return _optional("lead_source", value)


def _loss_reason(value: object) -> str | None:
    return _optional("loss_reason", value)


def _competitor(value: object) -> str | None:
    return _optional("competitor", value)


def _probability(value: object) -> Decimal:
    try:
        number = Decimal(str(value)) if not isinstance(value, bool | float) else Decimal("nan")
    except ArithmeticError:
        raise ValidationError("probability", f"{value!r} is not a number") from None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        raise ValidationError("probability", f"a win probability is a percentage 0–100, not {value!r}")
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def basis_points(probability: Decimal) -> int:
    """A percentage in hundredths of a percent (``40.5`` → ``4050``), as storage sums it."""
    return int(probability * 100)


def minor(money: Money) -> int:
    """``money`` in its currency's minor unit (kuruş), as storage sums it."""
    return int(money.amount.scaleb(minor_units(money.currency)))


def _amount(_: object, attribute: attrs.Attribute[Money | None], value: Money | None) -> None:
    if value is None:
        return
    if not isinstance(value, Money):
        raise ValidationError(attribute.name, f"{value!r} is not Money")
    if value.amount < 0:
        raise ValidationError(attribute.name, "an opportunity's amount is not negative (I9)")
    scaled = value.amount.scaleb(minor_units(value.currency))
    if scaled != scaled.to_integral_value():
        raise ValidationError(attribute.name, f"{value} has more decimals than {value.currency} has")


def _kind(value: object) -> StageKind:
    try:
        return StageKind(str(value))
    except ValueError:
        raise ValidationError("stage_kind", f"{value!r} is not one of: open, closed, won, lost") from None


def _stage(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > STAGE_LENGTH:
        raise ValidationError("stage", f"{value!r} is not a stage name")
    return value


@attrs.frozen(kw_only=True)
class Opportunity:
    """A sale in the making (I9), possibly converted from an interaction (I4).

    Attributes:
        id: its id.
        funnel: the key of the funnel workflow it moves through.
        workflow_version: the version of that workflow it moves under.
        company_id: the customer.
        title: what is being sold, in a line.
        owner_id: the rep it is routed to and who answers for it (A3).
        owner_team_id: the team it is routed to, if any.
        dealer_id: the dealer it is routed to, if any (Q6).
        created_by: who recorded it.
        created_at: when (aware).
        stage: the stage it is in.
        stage_kind: that stage's kind: ``open``, ``won`` or ``lost`` (``closed`` counts as lost-free end).
        probability: that stage's win probability in percent, to two decimals.
        amount: the expected (open) or won amount, ``None`` while unknown; required once won.
        expected_close: the day it is expected to close; the forecast month.
        next_step: the step suggested or planned next.
        next_step_due: when the next step is due (I10 lists it that day).
        product: the product or product group offered (losses per product, I9).
        lead_source: where the lead came from (Q6).
        interaction_id: the interaction it was converted from (I4).
        closed_at: when it reached a final stage.
        loss_reason: why it was lost (lost only).
        competitor: the competitor that won (lost only), if known.
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: a blank title, a probability outside 0–100, a negative
            amount or one finer than its currency, a naive time, a won opportunity without an
            amount (``amount``), a lost one without a reason (``loss_reason``), a competitor or
            reason on an opportunity not lost, a final stage without ``closed_at`` or an open one with it.
    """

    id: OpportunityId
    funnel: str
    workflow_version: int
    company_id: CompanyId
    title: str = attrs.field(converter=_title)
    owner_id: EmployeeId
    owner_team_id: TeamId | None = None
    dealer_id: CompanyId | None = None
    created_by: EmployeeId
    created_at: datetime = attrs.field(validator=aware)
    stage: str = attrs.field(converter=_stage)
    stage_kind: StageKind = attrs.field(default=StageKind.OPEN, converter=_kind)
    probability: Decimal = attrs.field(default=Decimal(0), converter=_probability)
    amount: Money | None = attrs.field(default=None, validator=_amount)
    expected_close: date | None = None
    next_step: str = ""
    next_step_due: datetime | None = attrs.field(default=None, validator=aware_or_none)
    product: str | None = attrs.field(default=None, converter=_product)
    lead_source: str | None = attrs.field(default=None, converter=_lead_source)
    interaction_id: InteractionId | None = None
    closed_at: datetime | None = attrs.field(default=None, validator=aware_or_none)
    loss_reason: str | None = attrs.field(default=None, converter=_loss_reason)
    competitor: str | None = attrs.field(default=None, converter=_competitor)
    version: int = 1

    def __attrs_post_init__(self) -> None:
        if self.expected_close is not None and (
            not isinstance(self.expected_close, date) or isinstance(self.expected_close, datetime)
        ):
            raise ValidationError("expected_close", f"{self.expected_close!r} is not a calendar date")
        if not isinstance(self.next_step, str) or len(self.next_step) > TITLE_LENGTH:
            raise ValidationError("next_step", f"is text of at most {TITLE_LENGTH} characters")
        final = self.stage_kind is not StageKind.OPEN
        if final and self.closed_at is None:
            raise ValidationError(
                "closed_at", f"an opportunity in final stage {self.stage!r} has a closing time"
            )
        if not final and self.closed_at is not None:
            raise ValidationError("closed_at", "an open opportunity has no closing time")
        if self.closed_at is not None and self.closed_at < self.created_at:
            raise ValidationError("closed_at", "an opportunity closes after it is opened")
        if self.stage_kind is StageKind.WON and (self.amount is None or self.amount.amount <= 0):
            raise ValidationError("amount", "a won opportunity needs the amount won (I9)")
        lost = self.stage_kind is StageKind.LOST
        if lost and self.loss_reason is None:
            raise ValidationError("loss_reason", "a lost opportunity needs the reason it was lost (I9)")
        if not lost and (self.loss_reason is not None or self.competitor is not None):
            field = "loss_reason" if self.loss_reason is not None else "competitor"
            raise ValidationError(field, "only a lost opportunity has a loss reason or a winning competitor")

    @property
    def is_open(self) -> bool:
        """True while it is in an open stage."""
        return self.stage_kind is StageKind.OPEN

    @property
    def weighted(self) -> Money | None:
        """``amount × probability``, rounded to the currency's minor unit; ``None`` without an amount."""
        if self.amount is None:
            return None
        exact = self.amount.amount * self.probability / 100
        step = Decimal(1).scaleb(-minor_units(self.amount.currency))
        return Money(exact.quantize(step, rounding=ROUND_HALF_EVEN), self.amount.currency)


@attrs.frozen(kw_only=True)
class StageEntry:
    """One stage an opportunity entered, in order (I9): the funnel's history.

    Attributes:
        id: its id.
        opportunity_id: the opportunity.
        seq: 1 for the initial stage, then 2, 3 … per move.
        stage: the stage entered.
        kind: its kind at the time.
        entered_at: when (aware).
        entered_by: who moved it.
        version: always 1: entries are never changed.
    """

    id: StageEntryId
    opportunity_id: OpportunityId
    seq: int
    stage: str
    kind: StageKind = attrs.field(converter=_kind)
    entered_at: datetime = attrs.field(validator=aware)
    entered_by: EmployeeId
    version: int = 1
