"""The contract of the meeting note repository (SPEC §5 I5, I10; C12).

Needs a ``storage`` fixture: a migrated, empty storage. Bind it with
``class TestMine(MeetingNoteContract): pass``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crmkit.domain.errors import Duplicate, NotFound, ValidationError
from crmkit.domain.ids import ContactId, EmployeeId
from crmkit.domain.meetings import MEETING_NOTE_AGGREGATE, MeetingNote, MeetingNoteId, MeetingOutcome
from crmkit.domain.parties import Company
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_company, make_contact

__all__ = ["MeetingNoteContract"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
A, B, C = (EmployeeId(uuid.UUID(int=n)) for n in (81, 82, 83))


def _note(
    company: Company, contact: ContactId, n: int, people: tuple[EmployeeId, ...], **kw: object
) -> MeetingNote:
    fields: dict[str, object] = {
        "id": MeetingNoteId(uuid.UUID(int=1000 + n)),
        "company_id": company.id,
        "contact_id": contact,
        "participants": people,
        "held_at": T0 + timedelta(minutes=30 * n),
        "outcome": MeetingOutcome.INFORMED,
        "text": "Görüşme notu",
        "created_by": people[0],
        "created_at": T0,
    }
    fields.update(kw)
    return MeetingNote(**fields)  # type: ignore[arg-type]  # the fields are checked by MeetingNote itself


class MeetingNoteContract:
    """Meeting notes keep their participants in order, are found by participant and time (I5)."""

    def _world(self, storage: Storage) -> tuple[Company, ContactId]:
        company = make_company(name="Ege Market", tax_no=None)
        contact = make_contact(company_id=company.id)
        store(storage, company, contact)
        return company, contact.id

    def test_a_note_reads_back_equal_with_its_participants_in_order_and_audited(
        self, storage: Storage
    ) -> None:
        """Participants keep their order; times keep their meaning; a ``create`` audit entry (C12)."""
        company, contact = self._world(storage)
        note = _note(
            company, contact, 1, (C, A), outcome=MeetingOutcome.FOLLOW_UP, follow_up_at=T0 + timedelta(days=3)
        )
        with storage.unit_of_work(A) as uow:
            uow.meeting_notes.add(note)
            uow.commit()
        assert read(storage, lambda u: u.meeting_notes.get(note.id)) == note
        trail = read(storage, lambda u: u.audit.for_record(MEETING_NOTE_AGGREGATE, str(note.id)))
        assert [e.action for e in trail] == ["create"]
        with pytest.raises(NotFound):
            read(storage, lambda u: u.meeting_notes.get(MeetingNoteId(uuid.UUID(int=5))))

    def test_notes_are_found_by_participant_and_time_and_follow_ups_by_date(self, storage: Storage) -> None:
        """``with_participants`` is half-open and by time; ``follow_ups`` only follow-up notes, by date."""
        company, contact = self._world(storage)
        later = T0 + timedelta(days=5)
        notes = [
            _note(company, contact, 0, (A,)),
            _note(company, contact, 1, (B, A)),
            _note(company, contact, 2, (C,)),
            _note(company, contact, 3, (B,), outcome=MeetingOutcome.FOLLOW_UP, follow_up_at=later),
            _note(
                company,
                contact,
                4,
                (A, B),
                outcome=MeetingOutcome.FOLLOW_UP,
                follow_up_at=T0 + timedelta(days=1),
            ),
        ]
        with storage.unit_of_work(A) as uow:
            for note in notes:
                uow.meeting_notes.add(note)
            uow.commit()
        found = read(
            storage, lambda u: u.meeting_notes.with_participants([A], T0, T0 + timedelta(minutes=120))
        )
        assert [n.id for n in found] == [notes[0].id, notes[1].id]
        found = read(
            storage, lambda u: u.meeting_notes.with_participants([A, C], T0 + timedelta(minutes=30), later)
        )
        assert [n.id for n in found] == [notes[1].id, notes[2].id, notes[4].id]
        due = read(storage, lambda u: u.meeting_notes.follow_ups(B, later + timedelta(seconds=1)))
        assert [n.id for n in due] == [notes[4].id, notes[3].id]
        assert read(storage, lambda u: u.meeting_notes.follow_ups(B, later)) == [notes[4]]
        assert read(storage, lambda u: u.meeting_notes.follow_ups(C, later)) == []

    def test_a_taken_id_or_a_missing_contact_is_refused_and_a_rollback_keeps_nothing(
        self, storage: Storage
    ) -> None:
        """Duplicate ids and unknown contacts are refused; a rolled-back note is not stored."""
        company, contact = self._world(storage)
        note = _note(company, contact, 1, (A,))
        with storage.unit_of_work(A) as uow:
            uow.meeting_notes.add(note)
            uow.commit()
        with storage.unit_of_work(A) as uow:
            with pytest.raises(Duplicate):
                uow.meeting_notes.add(note)
            with pytest.raises(ValidationError):
                uow.meeting_notes.add(_note(company, ContactId(uuid.UUID(int=9)), 2, (A,)))
            uow.meeting_notes.add(_note(company, contact, 3, (A,)))
            uow.rollback()
        assert read(
            storage, lambda u: u.meeting_notes.with_participants([A], T0, T0 + timedelta(days=1))
        ) == [note]
