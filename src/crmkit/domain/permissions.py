"""Who may do what beyond visibility: pure rules returning a :class:`~crmkit.domain.access.Decision`.

Each rule takes the acting employee (and the record) and answers with a
reason citing the SPEC rule, so services only ask and enforce, and hosts can
show why. Visibility itself (A1–A7) lives in :mod:`crmkit.domain.access`.

>>> import uuid
>>> from datetime import UTC, datetime
>>> from crmkit.domain.employees import Employee
>>> hired = datetime(2026, 1, 5, tzinfo=UTC)
>>> rep = Employee(id=uuid.uuid4(), name="Gülşen Çelik", position="employee", hired_at=hired)
>>> may_change_segment(rep, uuid.uuid4()).rule
'A3'
"""

from __future__ import annotations

from crmkit.domain.access import Decision
from crmkit.domain.employees import Employee
from crmkit.domain.ids import EmployeeId

__all__ = ["admin_only", "may_change_segment"]


def admin_only(actor: Employee, what: str, rule: str) -> Decision:
    """Allow ``what`` to ``admin`` and ``admin_manager`` only (A2), citing ``rule``."""
    if actor.position.is_admin:
        return Decision.allow(f"{actor.name} is {actor.position.value} and may {what} (A2)", rule)
    return Decision.deny(f"only admins may {what}; {actor.name} is {actor.position.value} ({rule})", rule)


def may_change_segment(actor: Employee, created_by: EmployeeId) -> Decision:
    """A saved segment is changed or deleted by the employee who saved it, or by an admin (M1, A2, A3)."""
    if actor.position.is_admin:
        return Decision.allow(f"{actor.name} is {actor.position.value} and may change every segment (A2)")
    if actor.id == created_by:
        return Decision.allow(f"{actor.name} saved this segment (A3)")
    return Decision.deny(f"{actor.name} may change only the segments he saved (A3)")
