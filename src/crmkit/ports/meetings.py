"""Meeting note storage port (SPEC §5 I5, I10): ``uow.meeting_notes``.

Notes are written once (an ``add`` with its ``create`` audit entry, C12)
and read by id, by participant and time (the same-hour warning), and as the
follow-ups due for an employee (the daily task list).

The contract suite is :class:`crmkit.testing.contracts.meetings.MeetingNoteContract`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from crmkit.domain.ids import EmployeeId
from crmkit.domain.meetings import MeetingNote, MeetingNoteId

__all__ = ["MeetingNoteRepository"]


class MeetingNoteRepository(Protocol):
    """Meeting notes and their participants (I5)."""

    def add(self, note: MeetingNote) -> None:
        """Store a new note with its participants in this unit of work.

        Raises:
            Duplicate: the id is taken.
            ValidationError: the company or contact does not exist (field ``company_id``/``contact_id``).
        """
        ...

    def get(self, id: MeetingNoteId) -> MeetingNote:
        """The note with this id.

        Raises:
            NotFound: there is none.
        """
        ...

    def with_participants(
        self, employees: Iterable[EmployeeId], start: datetime, end: datetime
    ) -> list[MeetingNote]:
        """Notes held in ``[start, end)`` with any of ``employees`` taking part, by time then id."""
        ...

    def follow_ups(self, employee: EmployeeId, until: datetime) -> list[MeetingNote]:
        """``follow_up`` notes ``employee`` took part in, due before ``until``, by follow-up time, id."""
        ...
