"""Meeting notes (SPEC §5 I5): who met whom, when, with what outcome; values only, no I/O.

A :class:`MeetingNote` records a meeting at a company: the employees who took
part (one or more), the contact met, when it was held, the outcome and the
text. An outcome of ``appointment`` books the next appointment in the same
unit of work (the service does it); ``follow_up`` carries the date the rep
means to follow up, which the daily task list shows (I10). Another note by
the same employee within the same hour is allowed and comes back with a
:class:`SameHourNote` warning.

>>> from datetime import UTC, datetime
>>> rep = EmployeeId(uuid.UUID(int=1))
>>> note = MeetingNote(
...     id=MeetingNoteId(uuid.UUID(int=2)), company_id=CompanyId(uuid.UUID(int=3)),
...     contact_id=ContactId(uuid.UUID(int=4)), participants=(rep, rep),
...     held_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), outcome="follow_up",
...     follow_up_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC), text="Numune istendi",
...     created_by=rep, created_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
... )
>>> note.participants == (rep,)
True
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.interactions import AppointmentId
from crmkit.domain.limits import check_text

__all__ = [
    "MEETING_NOTE_AGGREGATE",
    "MeetingNote",
    "MeetingNoteId",
    "MeetingOutcome",
    "SameHourNote",
    "same_hour_notes",
]

MeetingNoteId = NewType("MeetingNoteId", uuid.UUID)
"""Identifies a meeting note (I5)."""

MEETING_NOTE_AGGREGATE = "meeting_note"
"""``aggregate_type`` of the audit entries of meeting notes (C12)."""

NOTE_TEXT = 4000
"""Longest meeting note text, in characters."""


class MeetingOutcome(enum.StrEnum):
    """What came of a meeting (I5)."""

    INFORMED = "informed"
    OFFER_REQUESTED = "offer_requested"
    APPOINTMENT = "appointment"
    FOLLOW_UP = "follow_up"
    ORDER = "order"
    NO_INTEREST = "no_interest"


def _outcome(value: object) -> MeetingOutcome:
    try:
        return MeetingOutcome(str(value))
    except ValueError:
        allowed = ", ".join(o.value for o in MeetingOutcome)
        raise ValidationError("outcome", f"{value!r} is not one of: {allowed}") from None


def _participants(values: Iterable[EmployeeId] | str) -> tuple[EmployeeId, ...]:
    if isinstance(values, str | bytes):
        raise ValidationError("participants", "give a list of employees")
    out = tuple(dict.fromkeys(values))
    if not out:
        raise ValidationError("participants", "a meeting has at least one participant employee")
    return out


def _aware(_: object, attribute: attrs.Attribute[datetime], value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(attribute.name, f"{value!r} is not a timezone-aware datetime")


def _aware_or_none(_: object, attribute: attrs.Attribute[datetime | None], value: object) -> None:
    if value is not None and (
        not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None
    ):
        raise ValidationError(attribute.name, f"{value!r} is not a timezone-aware datetime")


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    # type, NUL, lone surrogates and length, the same on every back end (domain/limits.py; issue 11)
    check_text(attribute.name, value, NOTE_TEXT)


@attrs.frozen(kw_only=True)
class MeetingNote:
    """A meeting at a company (I5).

    Attributes:
        id: its id.
        company_id: the company met.
        contact_id: the contact person met (of that company).
        participants: the employees who took part, no repeats, at least one.
        held_at: when the meeting was held (aware).
        outcome: what came of it.
        text: the notes.
        follow_up_at: for ``follow_up``: when to follow up (required then, aware).
        appointment_id: for ``appointment``: the appointment booked with the note.
        created_by: who wrote it.
        created_at: when it was written (aware).
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: no participants, an unknown outcome, a naive time,
            a ``follow_up`` without its date, a text that is not text, holds a NUL character
            or a lone surrogate, or is too long (``domain/limits.py``: every back end alike).
    """

    id: MeetingNoteId
    company_id: CompanyId
    contact_id: ContactId
    participants: tuple[EmployeeId, ...] = attrs.field(converter=_participants)
    held_at: datetime = attrs.field(validator=_aware)
    outcome: MeetingOutcome = attrs.field(converter=_outcome)
    text: str = attrs.field(default="", validator=_text)
    follow_up_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    appointment_id: AppointmentId | None = None
    created_by: EmployeeId
    created_at: datetime = attrs.field(validator=_aware)
    version: int = 1

    def __attrs_post_init__(self) -> None:
        if self.outcome is MeetingOutcome.FOLLOW_UP and self.follow_up_at is None:
            raise ValidationError("follow_up_at", "a follow-up outcome needs the date to follow up (I5)")


@attrs.frozen(kw_only=True)
class SameHourNote:
    """A warning: a participant already has a note within an hour of this one (I5); stored anyway.

    Attributes:
        employee_id: the participant.
        other_id: the other note.
        message: the warning in words.
    """

    employee_id: EmployeeId
    other_id: MeetingNoteId
    message: str


def same_hour_notes(note: MeetingNote, others: Iterable[MeetingNote]) -> tuple[SameHourNote, ...]:
    """The warnings for ``note`` against other notes: a shared participant held within an hour (I5)."""
    out: list[SameHourNote] = []
    for other in sorted(others, key=lambda o: (o.held_at, o.id)):
        if other.id == note.id or abs(other.held_at - note.held_at) >= timedelta(hours=1):
            continue
        for person in note.participants:
            if person in other.participants:
                out.append(
                    SameHourNote(
                        employee_id=person,
                        other_id=other.id,
                        message=f"another note with this participant at {other.held_at:%Y-%m-%d %H:%M} (I5)",
                    )
                )
    return tuple(out)
