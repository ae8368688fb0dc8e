"""The events of a unit of work, shared by every storage adapter (SPEC §9).

:class:`EventBuffer` keeps the events a unit of work emits: pending until the
transaction commits, then handed out exactly once by
:meth:`EventBuffer.collect`; a rollback drops the pending ones.

>>> from datetime import UTC, datetime
>>> from crmkit.domain.events import DomainEvent
>>> buffer = EventBuffer()
>>> buffer.emit(DomainEvent(at=datetime(2026, 1, 1, tzinfo=UTC)))
>>> buffer.collect()   # nothing committed yet
()
>>> buffer.commit()
>>> len(buffer.collect()), len(buffer.collect())
(1, 0)
"""

from __future__ import annotations

from collections.abc import Sequence

from crmkit.domain.events import DomainEvent

__all__ = ["EventBuffer"]


class EventBuffer:
    """The events of one unit of work: pending until commit, then handed out once.

    Not thread-safe: a unit of work belongs to one thread.
    """

    def __init__(self) -> None:
        self._pending: list[DomainEvent] = []
        self._committed: list[DomainEvent] = []

    def emit(self, event: DomainEvent) -> None:
        """Record ``event``; it is published only if the transaction commits."""
        self._pending.append(event)

    def commit(self) -> None:
        """The transaction committed: pending events become collectable, in emit order."""
        self._committed.extend(self._pending)
        self._pending.clear()

    def rollback(self) -> None:
        """The transaction was rolled back: drop the pending events."""
        self._pending.clear()

    def collect(self) -> Sequence[DomainEvent]:
        """The committed events not handed out yet, oldest first; each is returned once."""
        events = tuple(self._committed)
        self._committed.clear()
        return events

    @property
    def pending(self) -> Sequence[DomainEvent]:
        """Events emitted since the last commit or rollback (read-only view)."""
        return tuple(self._pending)
