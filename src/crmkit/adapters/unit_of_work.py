"""Pieces every storage adapter's unit of work shares (SPEC §9, C12).

Both the in-memory and the SQLAlchemy adapter use these, so they agree on
when events are handed out and on what an audit entry of a change holds:

* :class:`EventBuffer` keeps the events a unit of work emits: pending until
  the transaction commits, then handed out exactly once by
  :meth:`EventBuffer.collect`; a rollback drops the pending ones.
* :func:`audit_entry` builds the :class:`~crmkit.domain.audit.AuditEntry` of
  one ``add`` (``action="create"``) or ``save`` (``action="update"``).
* The ``*_AGGREGATE`` constants are the ``aggregate_type`` names the audit
  trail uses for each repository.

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

import uuid
from collections.abc import Sequence
from datetime import datetime

from crmkit.domain.audit import AuditEntry, diff_fields
from crmkit.domain.events import DomainEvent

__all__ = [
    "AGGREGATE_TYPES",
    "CLAIM_AGGREGATE",
    "COMPANY_AGGREGATE",
    "CONTACT_AGGREGATE",
    "EMPLOYEE_AGGREGATE",
    "PICKLIST_AGGREGATE",
    "EventBuffer",
    "audit_entry",
    "deletion_entry",
]

COMPANY_AGGREGATE = "company"
"""``aggregate_type`` of audit entries written by the company repository."""
CONTACT_AGGREGATE = "contact"
"""``aggregate_type`` of audit entries written by the contact repository."""
EMPLOYEE_AGGREGATE = "employee"
"""``aggregate_type`` of audit entries written by the employee repository."""
CLAIM_AGGREGATE = "claim"
"""``aggregate_type`` of audit entries written by the claim repository."""
PICKLIST_AGGREGATE = "picklist"
"""``aggregate_type`` of audit entries written by the pick-list repository."""

AGGREGATE_TYPES: tuple[str, ...] = (
    COMPANY_AGGREGATE,
    CONTACT_AGGREGATE,
    EMPLOYEE_AGGREGATE,
    CLAIM_AGGREGATE,
    PICKLIST_AGGREGATE,
)
"""Every ``aggregate_type`` the storage ports write to the audit trail."""


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


def audit_entry(
    *,
    actor: uuid.UUID | None,
    at: datetime,
    aggregate_type: str,
    aggregate_id: object,
    version: int,
    old: object | None,
    new: object | None,
) -> AuditEntry:
    """The audit entry (C12) of storing ``new`` over ``old`` (``new`` ``None``: deleting ``old``).

    Args:
        actor: the unit of work's actor (``None``: the system).
        at: when the change was made (aware, from the storage's clock).
        aggregate_type: one of :data:`AGGREGATE_TYPES`.
        aggregate_id: the record's key; stored as text.
        version: the record's version after the change.
        old: the stored value before the change, ``None`` for an ``add``.
        new: the value being stored, ``None`` when ``old`` is deleted.

    Returns:
        An entry with ``action`` ``"create"`` (no ``old``), ``"delete"`` (no ``new``) or ``"update"`` and
        the changed fields from :func:`~crmkit.domain.audit.diff_fields`.
    """
    return AuditEntry(
        actor_id=None if actor is None else str(actor),
        at=at,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        version=version,
        action="create" if old is None else "delete" if new is None else "update",
        changes=diff_fields(old, new),
    )


def deletion_entry(
    *, actor: uuid.UUID | None, at: datetime, aggregate_type: str, aggregate_id: object, old: object
) -> AuditEntry:
    """The audit entry (C12) of removing ``old``: ``action="delete"``, every field going to ``None``.

    Its ``version`` is the removed record's last version.
    """
    return AuditEntry(
        actor_id=None if actor is None else str(actor),
        at=at,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        version=getattr(old, "version", 0),
        action="delete",
        changes=diff_fields(old, None),
    )
