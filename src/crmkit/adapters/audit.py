"""The audit entries every storage adapter writes (SPEC §9, C12).

Both the in-memory and the SQLAlchemy adapter use these, so they agree on
what an audit entry of a change holds (the events of a unit of work are kept
by :class:`crmkit.adapters.events.EventBuffer`):

* :func:`audit_entry` builds the :class:`~crmkit.domain.audit.AuditEntry` of
  one ``add`` (``action="create"``) or ``save`` (``action="update"``).
* The ``*_AGGREGATE`` constants are the ``aggregate_type`` names the audit
  trail uses for each repository.

"""

from __future__ import annotations

import uuid
from datetime import datetime

from crmkit.domain.audit import AuditEntry, diff_fields

__all__ = [
    "AGGREGATE_TYPES",
    "CLAIM_AGGREGATE",
    "COMPANY_AGGREGATE",
    "CONTACT_AGGREGATE",
    "EMPLOYEE_AGGREGATE",
    "OUTBOX_AGGREGATE",
    "PICKLIST_AGGREGATE",
    "audit_entry",
    "deletion_entry",
]

OUTBOX_AGGREGATE = "outbox_message"
"""``aggregate_type`` of audit entries of requeued dead outbox messages (§9)."""
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
