"""Meeting notes: ``crm.meetings`` (SPEC §5 I5; §1 C4; §3 A3, A6).

A rep records a meeting at a company: the employees who took part, the
contact met — an existing contact of that company, or a new one created in
the same unit of work — the outcome and the text. An outcome of
``appointment`` books the appointment in the same unit of work (double
bookings come back as warnings, I6); another note by a participant within
the hour is stored with a warning. Everything is decided as recording an
interaction at that company (A3, A6); a refusal stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from crmkit.domain.access import Action, InteractionResource, decide
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId, parse_id
from crmkit.domain.interactions import Appointment, AppointmentId, DoubleBooking, double_bookings
from crmkit.domain.meetings import MeetingNote, MeetingNoteId, MeetingOutcome, SameHourNote, same_hour_notes
from crmkit.domain.parties import Contact
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef
from crmkit.services.companies import ContactInput
from crmkit.services.customers import facts_of
from crmkit.services.guard import require_active_company
from crmkit.services.interactions import known_company, known_contact, known_employee
from crmkit.services.policy import PolicyUseCases
from crmkit.services.stages import listed_contact

__all__ = ["MeetingUseCases", "NextAppointment", "RecordedMeeting"]


@attrs.frozen(kw_only=True)
class NextAppointment:
    """The appointment an ``appointment`` outcome books (I5, I6).

    Attributes:
        starts_at: when (aware).
        minutes: how long.
        description: what about.
    """

    starts_at: datetime
    minutes: int
    description: str


@attrs.frozen(kw_only=True)
class RecordedMeeting:
    """A stored note, the contact (new or not), the appointment it booked, and the warnings (I5, I6).

    Attributes:
        note: the note as stored.
        contact: the contact met.
        appointment: the appointment booked for an ``appointment`` outcome, else ``None``.
        warnings: same-hour notes of a participant (I5) and double bookings (I6).
    """

    note: MeetingNote
    contact: Contact
    appointment: Appointment | None = None
    warnings: tuple[SameHourNote | DoubleBooking, ...] = ()


class MeetingUseCases(PolicyUseCases):
    """Record and read meeting notes (I5)."""

    def record(
        self,
        *,
        actor: ActorRef,
        company: object,
        held_at: datetime,
        outcome: str | MeetingOutcome,
        participants: Sequence[object] = (),
        contact: object | None = None,
        new_contact: ContactInput | None = None,
        text: str = "",
        follow_up_at: datetime | None = None,
        next_appointment: NextAppointment | None = None,
    ) -> RecordedMeeting:
        """Record a meeting at ``company`` (I5); the actor takes part unless ``participants`` are given.

        Give ``contact`` (a contact of that company) or ``new_contact`` (created now).
        For an ``appointment`` outcome give ``next_appointment``: it is booked for the
        actor in the same unit of work.

        Raises:
            ValidationError: naming the field (``company``, ``contact`` — also one of another
                company —, ``participants[i]``, ``held_at``, ``outcome``, ``follow_up_at``,
                ``next_appointment``, the new contact's fields); nothing is stored.
            PermissionDenied: with the policy's reason; nothing is stored.
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            found = known_company(uow, "company", company)
            resource = InteractionResource(company=facts_of(uow, found, now), owner_id=by)
            decide(who, Action.CREATE, resource, now).enforce()
            require_active_company(found)  # C13
            people = [known_employee(uow, f"participants[{i}]", p, now) for i, p in enumerate(participants)]
            person = self._contact(uow, found.id, contact, new_contact)
            note = MeetingNote(
                id=MeetingNoteId(self._new_id()),
                company_id=found.id,
                contact_id=person.id,
                participants=tuple(people) or (by,),
                held_at=held_at,
                outcome=outcome,
                text=text,
                follow_up_at=follow_up_at,
                created_by=by,
                created_at=now,
            )
            booked, clashes = self._book(uow, note, next_appointment, by, now)
            if booked is not None:
                note = attrs.evolve(note, appointment_id=booked.id)
            near = uow.meeting_notes.with_participants(
                note.participants, note.held_at - timedelta(hours=1), note.held_at + timedelta(hours=1)
            )
            warnings = same_hour_notes(note, near)
            uow.meeting_notes.add(note)
            return RecordedMeeting(
                note=note, contact=person, appointment=booked, warnings=(*warnings, *clashes)
            )

    def _contact(
        self, uow: UnitOfWork, company: CompanyId, contact: object | None, new_contact: ContactInput | None
    ) -> Contact:
        if (contact is None) == (new_contact is None):
            raise ValidationError("contact", "give the contact met, or a new contact, not both")
        if new_contact is not None:
            data = listed_contact(uow, new_contact)
            made = Contact(
                id=ContactId(self._new_id()),
                company_id=company,
                name=data.name,
                title=data.title,
                position_type=data.position_type,
                phone=data.phone,
                email=data.email,
            )
            uow.contacts.add(made)
            return made
        return known_contact(uow, "contact", contact, company, "I5")

    def _book(
        self,
        uow: UnitOfWork,
        note: MeetingNote,
        wanted: NextAppointment | None,
        by: EmployeeId,
        now: datetime,
    ) -> tuple[Appointment | None, tuple[DoubleBooking, ...]]:
        if note.outcome is not MeetingOutcome.APPOINTMENT:
            if wanted is not None:
                raise ValidationError("next_appointment", "only an 'appointment' outcome books one (I5)")
            return None, ()
        if wanted is None:
            raise ValidationError("next_appointment", "an 'appointment' outcome needs the appointment (I5)")
        booked = Appointment(
            id=AppointmentId(self._new_id()),
            company_id=note.company_id,
            starts_at=wanted.starts_at,
            minutes=wanted.minutes,
            description=wanted.description,
            created_by=by,
            assignee_id=by,
            created_at=now,
        )
        clashes = double_bookings(booked, uow.appointments.overlapping(by, booked.starts_at, booked.ends_at))
        uow.appointments.add(booked)
        return booked, clashes

    def get(self, *, actor: ActorRef, id: object) -> MeetingNote:
        """One note, when the actor may see its company (A1, A2, A6).

        Raises:
            NotFound: no such note.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            note = uow.meeting_notes.get(MeetingNoteId(parse_id("id", id)))
            company = uow.companies.get(note.company_id)
            resource = InteractionResource(company=facts_of(uow, company, now), owner_id=note.created_by)
            decide(who, Action.VIEW, resource, now).enforce()
            return note
