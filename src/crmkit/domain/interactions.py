"""Interactions, appointments and reminders (SPEC §5 I1, I3, I6, I7; §8 M2): values only, no I/O.

An :class:`Interaction` records one contact with a company (I1): its
channel, category, subject and text, the contact person met, the campaign
it answers (M2), who wrote it and the employee responsible for it — its
*owner*, on whom the access policy keys (A3). The response-tracking times
of I3 are kept in order: created ≤ first response ≤ resolved.

An :class:`Appointment` (I6) books an employee — the *assignee*, who may be
someone other than its creator — at a company for a while; a
:class:`Reminder` (I7) asks an employee to do something at a time. Both
belong to the shared agenda: everyone sees them, only the creator changes
them (A4). Two appointments of one assignee that overlap are a
*double booking*: a warning (:func:`double_bookings`), never an error.

>>> import uuid
>>> from datetime import UTC, datetime
>>> rep = EmployeeId(uuid.uuid4())
>>> visit = Appointment(
...     id=AppointmentId(uuid.uuid4()),
...     company_id=CompanyId(uuid.uuid4()),
...     starts_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
...     minutes=90,
...     description="Yıllık sözleşme görüşmesi",
...     created_by=rep,
...     assignee_id=rep,
...     created_at=datetime(2026, 3, 1, tzinfo=UTC),
... )
>>> visit.ends_at.isoformat()
'2026-03-02T11:30:00+00:00'
>>> later = datetime(2026, 3, 2, 11, tzinfo=UTC)
>>> other = attrs.evolve(visit, id=AppointmentId(uuid.uuid4()), starts_at=later)
>>> [w.other_id == other.id for w in double_bookings(visit, [other])]
[True]
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import aware, aware_or_none
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.limits import TEXT_MAX, check_text
from crmkit.domain.marketing import CampaignId
from crmkit.domain.service import ContractId
from crmkit.domain.territory import TeamId

__all__ = [
    "APPOINTMENT_AGGREGATE",
    "CATEGORY_LENGTH",
    "INTERACTION_AGGREGATE",
    "MAX_APPOINTMENT_MINUTES",
    "REMINDER_AGGREGATE",
    "SUBJECT_LENGTH",
    "TEXT_LENGTH",
    "Appointment",
    "AppointmentId",
    "DoubleBooking",
    "Interaction",
    "InteractionChannel",
    "InteractionId",
    "Reminder",
    "ReminderId",
    "double_bookings",
]

InteractionId = NewType("InteractionId", uuid.UUID)
"""Identifies an interaction (I1)."""
AppointmentId = NewType("AppointmentId", uuid.UUID)
"""Identifies an appointment (I6)."""
ReminderId = NewType("ReminderId", uuid.UUID)
"""Identifies a reminder (I7)."""

INTERACTION_AGGREGATE = "interaction"
"""``aggregate_type`` of the audit entries of interactions (C12)."""
APPOINTMENT_AGGREGATE = "appointment"
"""``aggregate_type`` of the audit entries of appointments (C12)."""
REMINDER_AGGREGATE = "reminder"
"""``aggregate_type`` of the audit entries of reminders (C12)."""

CATEGORY_LENGTH = 200
"""Longest interaction category, in characters."""
SUBJECT_LENGTH = 500
"""Longest interaction subject, in characters."""
TEXT_LENGTH = 1000
"""Longest appointment description and reminder text, in characters (interaction texts: ``TEXT_MAX``)."""
MAX_APPOINTMENT_MINUTES = 24 * 60
"""Longest appointment: one day (I6). The bound also lets agenda queries use the start-time index."""


def _text(limit: int | None, *, blank: bool = False) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        # type, NUL, lone surrogates and length, the same on every back end (domain/limits.py)
        check_text(attribute.name, value, TEXT_MAX if limit is None else limit)
        if not blank and not value.strip():
            raise ValidationError(attribute.name, "must not be blank")

    return check


def _seconds(_: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, f"{value!r} is not a whole number of seconds ≥ 0")


def _flag(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(field, f"{value!r} is not true or false")


class InteractionChannel(enum.StrEnum):
    """How the contact happened (I1)."""

    EMAIL = "email"
    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    WEB_FORM = "web_form"
    PORTAL = "portal"
    CALL_CENTRE = "call_centre"


def _channel(value: str) -> InteractionChannel:
    try:
        return InteractionChannel(value)
    except ValueError:
        allowed = ", ".join(c.value for c in InteractionChannel)
        raise ValidationError("channel", f"{value!r} is not one of: {allowed}") from None


@attrs.frozen(kw_only=True)
class Interaction:
    """One recorded contact with a company (I1, I3, M2).

    Attributes:
        id: its id.
        company_id: the company contacted.
        channel: e-mail, face-to-face, phone, web form, portal or call centre.
        category: a free category (a pick-list value in most CRMs).
        subject: a one-line summary; not blank.
        text: what was said or written.
        contact_id: the contact person of that company, if one was met.
        campaign_id: the campaign this interaction answers (M2), if any.
        contract_id: the service contract (the customer's subscription) it cites (S1, S8), if any.
        created_by: who recorded it.
        owner_id: the employee responsible for it (A3).
        owner_team_id: the team responsible for it, if any (I1).
        created_at: when it was recorded (aware).
        first_response_at: when it was first answered (I3); not before ``created_at``.
        resolved_at: when it was resolved (I3); not before ``created_at`` nor the first response.
        stage: its stage in the workflow of its category (I2), ``None`` when the category has none.
        workflow_version: the version of that workflow it moves under (I2).
        response_seconds: working seconds from creation to first response (I3), stamped by the
            service with the CRM's working calendar; ``None`` until answered.
        resolution_seconds: working seconds from creation to resolution (I3); ``None`` until resolved.
        opportunity_id: the opportunity it was converted into (I4), if any.
        task_id: the task (a reminder, I7) it was turned into (I4), if any.
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: a blank category or subject, a text too long,
            a naive time, or times out of order.
    """

    id: InteractionId
    company_id: CompanyId
    channel: InteractionChannel = attrs.field(converter=_channel)
    category: str = attrs.field(validator=_text(CATEGORY_LENGTH))
    subject: str = attrs.field(validator=_text(SUBJECT_LENGTH))
    text: str = attrs.field(default="", validator=_text(None, blank=True))
    contact_id: ContactId | None = None
    campaign_id: CampaignId | None = None
    contract_id: ContractId | None = None  # S1, S8 (issue 16)
    created_by: EmployeeId
    owner_id: EmployeeId
    owner_team_id: TeamId | None = None
    created_at: datetime = attrs.field(validator=aware)
    first_response_at: datetime | None = attrs.field(default=None, validator=aware_or_none)
    resolved_at: datetime | None = attrs.field(default=None, validator=aware_or_none)
    stage: str | None = None
    workflow_version: int | None = None
    response_seconds: int | None = attrs.field(default=None, validator=_seconds)
    resolution_seconds: int | None = attrs.field(default=None, validator=_seconds)
    opportunity_id: uuid.UUID | None = None
    task_id: ReminderId | None = None
    version: int = 1

    def __attrs_post_init__(self) -> None:
        if self.first_response_at is not None and self.first_response_at < self.created_at:
            raise ValidationError("first_response_at", "an interaction is answered after it is created (I3)")
        if self.resolved_at is not None:
            if self.resolved_at < self.created_at:
                raise ValidationError("resolved_at", "an interaction is resolved after it is created (I3)")
            if self.first_response_at is not None and self.resolved_at < self.first_response_at:
                raise ValidationError(
                    "resolved_at", "an interaction is resolved after its first response (I3)"
                )


@attrs.frozen(kw_only=True)
class Appointment:
    """An employee booked at a company for a while (I6).

    Attributes:
        id: its id.
        company_id: the company visited or met.
        starts_at: when it starts (aware).
        minutes: how long it lasts, 1 … :data:`MAX_APPOINTMENT_MINUTES`.
        description: what it is about; not blank.
        created_by: who booked it; only he changes or deletes it (A4).
        assignee_id: who is booked; may be another employee (I6).
        created_at: when it was booked (aware).
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: a naive time, a duration that is not
            positive or longer than a day, a blank or too long description.
    """

    id: AppointmentId
    company_id: CompanyId
    starts_at: datetime = attrs.field(validator=aware)
    minutes: int
    description: str = attrs.field(validator=_text(TEXT_LENGTH))
    created_by: EmployeeId
    assignee_id: EmployeeId
    created_at: datetime = attrs.field(validator=aware)
    version: int = 1

    def __attrs_post_init__(self) -> None:
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
            raise ValidationError("minutes", f"{self.minutes!r} is not a whole number of minutes")
        if not 0 < self.minutes <= MAX_APPOINTMENT_MINUTES:
            raise ValidationError(
                "minutes", f"an appointment lasts 1 to {MAX_APPOINTMENT_MINUTES} minutes, not {self.minutes}"
            )

    @property
    def ends_at(self) -> datetime:
        """When it ends: ``starts_at`` plus its minutes (the interval is half-open)."""
        return self.starts_at + timedelta(minutes=self.minutes)

    def overlaps(self, other: Appointment) -> bool:
        """True when both book the same assignee for at least one shared instant (I6)."""
        return (
            self.assignee_id == other.assignee_id
            and self.starts_at < other.ends_at
            and other.starts_at < self.ends_at
        )


@attrs.frozen(kw_only=True)
class DoubleBooking:
    """A warning: the appointment overlaps another one of the same assignee (I6); it was booked anyway.

    Attributes:
        other_id: the appointment it overlaps.
        message: the warning in words, for the host to show.
    """

    other_id: AppointmentId
    message: str


def double_bookings(appointment: Appointment, others: Iterable[Appointment]) -> tuple[DoubleBooking, ...]:
    """The warnings for ``appointment`` against the assignee's other appointments, by their start then id."""
    clashes = sorted(
        (o for o in others if o.id != appointment.id and appointment.overlaps(o)),
        key=lambda o: (o.starts_at, o.id),
    )
    return tuple(
        DoubleBooking(
            other_id=o.id,
            message=(
                f"the assignee already has an appointment from {o.starts_at:%Y-%m-%d %H:%M}"
                f" to {o.ends_at:%H:%M}: {o.description} (I6)"
            ),
        )
        for o in clashes
    )


@attrs.frozen(kw_only=True)
class Reminder:
    """A note to an employee — oneself or a colleague — due at a time (I7).

    Attributes:
        id: its id.
        due_at: when it is due (aware).
        text: what to do; not blank.
        created_by: who wrote it; only he changes or deletes it (A4).
        assignee_id: whom it reminds.
        created_at: when it was written (aware).
        done: set once the assignee has dealt with it; done reminders are no longer due.
        interaction_id: the interaction this task was made from (I4), if any.
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: a naive time, a blank or too long text.
    """

    id: ReminderId
    due_at: datetime = attrs.field(validator=aware)
    text: str = attrs.field(validator=_text(TEXT_LENGTH))
    created_by: EmployeeId
    assignee_id: EmployeeId
    created_at: datetime = attrs.field(validator=aware)
    done: bool = attrs.field(default=False, validator=lambda _, a, v: _flag(a.name, v))
    interaction_id: InteractionId | None = None
    version: int = 1
