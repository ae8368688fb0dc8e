"""SQL meeting notes (SPEC §5 I5): a :class:`~crmkit.ports.meetings.MeetingNoteRepository`.

A note is one row in ``meeting_notes`` plus one row per participant in
``meeting_note_participants`` (which repeats ``held_at`` and ``follow_up_at``
so the per-employee queries are index range scans), written with the audit
row in one savepoint. The note's times read back at the UTC offsets they were
given in (``*_offset``, revision 0023, V1); the participants' copies are UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.audit import audit_entry
from crmkit.adapters.sqlalchemy._convert import local, offset_of, utc
from crmkit.adapters.sqlalchemy._errors import savepoint
from crmkit.adapters.sqlalchemy.prepared import bound, prepared
from crmkit.adapters.sqlalchemy.repositories import audit_row
from crmkit.adapters.sqlalchemy.tables import audit_entries
from crmkit.adapters.sqlalchemy.tables.workflow import meeting_note_participants as mp
from crmkit.adapters.sqlalchemy.tables.workflow import meeting_notes as mn
from crmkit.domain.errors import Duplicate, NotFound, ValidationError
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.interactions import AppointmentId
from crmkit.domain.meetings import MEETING_NOTE_AGGREGATE, MeetingNote, MeetingNoteId, MeetingOutcome

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlMeetingNoteRepository"]


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def _offset(value: datetime | None) -> int | None:
    return None if value is None else offset_of(value)


def _local(value: datetime | None, offset: int | None) -> datetime | None:
    return None if value is None else local(value, offset)


class SqlMeetingNoteRepository:
    """The SQL :class:`~crmkit.ports.meetings.MeetingNoteRepository`."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, note: MeetingNote) -> None:
        """Insert the note, its participants and its audit row (one savepoint)."""
        row = {
            "id": note.id,
            "version": note.version,
            "company_id": note.company_id,
            "contact_id": note.contact_id,
            "held_at": utc(note.held_at),
            "outcome": note.outcome.value,
            "text": note.text,
            "follow_up_at": _aware(note.follow_up_at),
            "appointment_id": note.appointment_id,
            "created_by": note.created_by,
            "created_at": utc(note.created_at),
            # the note's times read back at the offsets they were given in (V1, revision 0023)
            "held_at_offset": offset_of(note.held_at),
            "follow_up_at_offset": _offset(note.follow_up_at),
            "created_at_offset": offset_of(note.created_at),
        }
        people = [
            {
                "note_id": note.id,
                "employee_id": person,
                "position": index,
                "held_at": utc(note.held_at),
                "follow_up_at": _aware(note.follow_up_at),
            }
            for index, person in enumerate(note.participants)
        ]
        entry = audit_entry(
            actor=self._uow.actor,
            at=self._uow.clock.now(),
            aggregate_type=MEETING_NOTE_AGGREGATE,
            aggregate_id=note.id,
            version=note.version,
            old=None,
            new=note,
        )
        try:
            with savepoint(self._uow.connection) as connection:
                connection.execute(sa.insert(mn), [row])
                connection.execute(sa.insert(mp), people)
                connection.execute(sa.insert(audit_entries), [audit_row(entry)])
        except IntegrityError as error:
            text = str(error.orig).lower()
            if "company" in text:
                raise ValidationError("company_id", f"there is no company {note.company_id}") from None
            if "contact" in text:
                raise ValidationError("contact_id", f"there is no contact {note.contact_id}") from None
            raise Duplicate("id", f"meeting note {note.id} already exists") from None

    def _notes(self, query: sa.Select[Any], params: Mapping[str, Any] | None = None) -> list[MeetingNote]:
        rows = list(self._uow.execute(query, params))
        if not rows:
            return []
        ids = [r.id for r in rows]
        people: dict[Any, list[tuple[int, EmployeeId]]] = {}
        found = prepared(
            "meeting participants",
            lambda: sa.select(mp.c.note_id, mp.c.employee_id, mp.c.position).where(
                mp.c.note_id.in_(bound("notes", mp.c.note_id, expanding=True))
            ),
        )
        for row in self._uow.execute(found, {"notes": ids}):
            note_id, employee, position = tuple(row)
            people.setdefault(note_id, []).append((int(position), EmployeeId(employee)))
        return [
            MeetingNote(
                id=MeetingNoteId(r.id),
                company_id=CompanyId(r.company_id),
                contact_id=ContactId(r.contact_id),
                participants=tuple(e for _, e in sorted(people.get(r.id, []))),
                held_at=local(r.held_at, r.held_at_offset),
                outcome=MeetingOutcome(r.outcome),
                text=r.text,
                follow_up_at=_local(r.follow_up_at, r.follow_up_at_offset),
                appointment_id=None if r.appointment_id is None else AppointmentId(r.appointment_id),
                created_by=EmployeeId(r.created_by),
                created_at=local(r.created_at, r.created_at_offset),
                version=r.version,
            )
            for r in rows
        ]

    def get(self, id: MeetingNoteId) -> MeetingNote:
        """The note with this id."""
        found = self._notes(sa.select(mn).where(mn.c.id == id))
        if not found:
            raise NotFound("meeting note", id)
        return found[0]

    def with_participants(
        self, employees: Iterable[EmployeeId], start: datetime, end: datetime
    ) -> list[MeetingNote]:
        """Notes in ``[start, end)`` with any of ``employees``, by time then id."""
        wanted = list(employees)
        ids = (
            sa.select(mp.c.note_id)
            .where(mp.c.employee_id.in_(wanted), mp.c.held_at >= utc(start), mp.c.held_at < utc(end))
            .distinct()
        )
        return self._notes(sa.select(mn).where(mn.c.id.in_(ids)).order_by(mn.c.held_at, mn.c.id))

    def follow_ups(self, employee: EmployeeId, until: datetime) -> list[MeetingNote]:
        """Follow-up notes of ``employee`` due before ``until``, by follow-up time then id."""

        def build() -> sa.Select[Any]:
            ids = sa.select(mp.c.note_id).where(
                mp.c.employee_id == bound("employee", mp.c.employee_id),
                mp.c.follow_up_at < bound("until", mp.c.follow_up_at),
            )
            query = sa.select(mn).where(mn.c.id.in_(ids), mn.c.outcome == MeetingOutcome.FOLLOW_UP.value)
            return query.order_by(mn.c.follow_up_at, mn.c.id)

        return self._notes(prepared("follow-up notes", build), {"employee": employee, "until": utc(until)})
