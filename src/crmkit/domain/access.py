"""Access decisions (SPEC §3).

A :class:`Decision` says whether an action is allowed and why, so the host
can show the reason. The full policy of A1–A7 builds on this module.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from crmkit.domain.employees import Employee
from crmkit.domain.errors import PermissionDenied

__all__ = ["Decision", "require_can_act"]


@attrs.frozen
class Decision:
    """The answer of the access policy: allowed or not, and a human-readable reason."""

    allowed: bool
    reason: str

    @classmethod
    def allow(cls, reason: str) -> Decision:
        """An allowing decision."""
        return cls(True, reason)

    @classmethod
    def deny(cls, reason: str) -> Decision:
        """A denying decision."""
        return cls(False, reason)

    def enforce(self) -> None:
        """Raise :class:`PermissionDenied` with the reason unless allowed."""
        if not self.allowed:
            raise PermissionDenied(self.reason)

    def __bool__(self) -> bool:
        return self.allowed


def require_can_act(actor: Employee, at: datetime) -> Decision:
    """Allow only an employee who is active at ``at`` (C8, A5)."""
    if actor.can_act(at):
        return Decision.allow(f"{actor.name} is {actor.status.value}")
    return Decision.deny(
        f"{actor.name} is {actor.status.value} since {actor.exit_at:%Y-%m-%d} and can do nothing (A5)"
    )
