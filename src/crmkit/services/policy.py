"""The access policy's view of the caller, shared by the use cases it decides (A1–A7).

``PolicyUseCases`` is the base of the services whose reads and writes the
policy decides (customers, interactions, agenda): it turns the ``actor``
argument into the policy's :class:`~crmkit.domain.access.Actor` — the
employee with his memberships and his teams' code links — inside the unit of
work that runs the use case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from crmkit.domain.access import Actor
from crmkit.domain.employees import Employee
from crmkit.domain.periods import require_aware
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceBase

__all__ = ["ActorRef", "PolicyUseCases", "actor_for"]


def actor_for(uow: UnitOfWork, employee: Employee, regional_access: bool) -> Actor:
    """The policy's view of ``employee``: his memberships and his teams' code links, read in two queries.

    Args:
        uow: the unit of work to read in.
        employee: the acting employee, already checked to be able to act (A5).
        regional_access: the ``regional_access`` setting (A1).

    Returns:
        The :class:`~crmkit.domain.access.Actor` the policy decides for.
    """
    memberships = tuple(uow.memberships.for_employee(employee.id))
    links = tuple(uow.code_links.for_teams({m.team_id for m in memberships}))
    return Actor(employee=employee, memberships=memberships, links=links, regional_access=regional_access)


class PolicyUseCases(ServiceBase):
    """Use cases decided by the access policy: the actor as the policy sees him, and "at" (A1–A7)."""

    def _at(self, at: datetime | None) -> datetime:
        """``at``, or now when ``None``; it must be timezone-aware."""
        if at is None:
            return self._now()
        require_aware("at", at)
        return at

    def _actor(self, uow: UnitOfWork, actor: ActorRef) -> Actor:
        """The acting employee (he must be able to act, A5) with his teams and codes (A1)."""
        return actor_for(uow, self._acting(uow, actor), self._ctx.settings.regional_access)

    @contextmanager
    def _as_policy_actor(self, actor: ActorRef) -> Iterator[tuple[UnitOfWork, Actor]]:
        """:meth:`_as` for policy-decided use cases: yields the policy's view of the actor."""
        with self._as(actor) as (uow, employee):
            yield uow, actor_for(uow, employee, self._ctx.settings.regional_access)
