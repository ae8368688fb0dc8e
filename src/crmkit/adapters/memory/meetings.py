"""Meeting notes in memory (SPEC §5 I5): a :class:`~crmkit.ports.meetings.MeetingNoteRepository`.

Adds are staged in the unit of work, made visible at commit (ids are checked
again under the storage lock) and dropped by a rollback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from crmkit.domain.errors import Duplicate, NotFound, ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.meetings import MEETING_NOTE_AGGREGATE, MeetingNote, MeetingNoteId, MeetingOutcome

if TYPE_CHECKING:
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["MeetingTable", "MemoryMeetingNoteRepository"]

MeetingTable = dict[MeetingNoteId, MeetingNote]
"""The committed notes of one memory storage."""


class MemoryMeetingNoteRepository:
    """The in-memory :class:`~crmkit.ports.meetings.MeetingNoteRepository`."""

    def __init__(self, uow: MemoryUnitOfWork, table: MeetingTable, lock: threading.RLock) -> None:
        self._uow = uow
        self._table = table
        self._lock = lock
        self.discard()

    def _all(self) -> list[MeetingNote]:
        with self._lock:
            merged = dict(self._table)
        merged.update(self._staged)
        return list(merged.values())

    def add(self, note: MeetingNote) -> None:
        """Stage a new note (see the port)."""
        self._uow.check_usable()
        with self._lock:
            taken = note.id in self._table
        if taken or note.id in self._staged:
            raise Duplicate("id", f"meeting note {note.id} already exists")
        if note.company_id not in {c.id for c in self._uow.companies.get_many([note.company_id]).values()}:
            raise ValidationError("company_id", f"there is no company {note.company_id}")
        if not self._uow.contacts.get_many([note.contact_id]):
            raise ValidationError("contact_id", f"there is no contact {note.contact_id}")
        self._staged[note.id] = note
        self._uow.record_change(MEETING_NOTE_AGGREGATE, note.id, note.version, None, note)

    def get(self, id: MeetingNoteId) -> MeetingNote:
        """The note with this id (staged or committed)."""
        self._uow.check_usable()
        for note in self._all():
            if note.id == id:
                return note
        raise NotFound("meeting note", id)

    def with_participants(
        self, employees: Iterable[EmployeeId], start: datetime, end: datetime
    ) -> list[MeetingNote]:
        """Notes in ``[start, end)`` with any of ``employees``, by time then id."""
        self._uow.check_usable()
        wanted = set(employees)
        found = [n for n in self._all() if start <= n.held_at < end and wanted & set(n.participants)]
        return sorted(found, key=lambda n: (n.held_at, n.id))

    def follow_ups(self, employee: EmployeeId, until: datetime) -> list[MeetingNote]:
        """Follow-up notes of ``employee`` due before ``until``, by follow-up time then id."""
        self._uow.check_usable()
        found = [
            n
            for n in self._all()
            if n.outcome is MeetingOutcome.FOLLOW_UP
            and employee in n.participants
            and n.follow_up_at is not None
            and n.follow_up_at < until
        ]
        return sorted(found, key=lambda n: (n.follow_up_at, n.id))

    def verify(self) -> None:
        """Refuse ids another unit of work committed first (under the storage lock)."""
        for id in self._staged:
            if id in self._table:
                self.discard()
                raise Duplicate("id", f"meeting note {id} already exists")

    def apply(self) -> None:
        """Make the staged notes visible (under the storage lock)."""
        self._table.update(self._staged)
        self.discard()

    def discard(self) -> None:
        """Drop the staged notes."""
        self._staged: MeetingTable = {}
