"""What every use case shares: injected ports, the acting employee, one unit of work per action."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TypeAlias
from uuid import UUID

import attrs

from crmkit.domain.access import require_can_act
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.employees import Employee
from crmkit.domain.errors import NotFound, PermissionDenied
from crmkit.domain.events import DomainEvent
from crmkit.domain.fields import parse_enum
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.settings import Settings
from crmkit.ports.clock import Clock, IdGenerator
from crmkit.ports.documents import DocumentStore
from crmkit.ports.messaging import EmailSender, SmsGateway
from crmkit.ports.storage import Storage, UnitOfWork

__all__ = ["ActorRef", "ServiceBase", "ServiceContext", "parse_enum"]

ActorRef: TypeAlias = UUID | str
"""The ``actor`` argument of every use case: the acting employee's id, as a UUID or its text form.

Anything else is refused at run time with a ``ValidationError`` naming ``actor``;
the alias lets mypy catch it earlier.
"""


def _no_publish(events: Sequence[DomainEvent]) -> None:
    """Drop events (used when no plugin manager is wired)."""


@attrs.frozen(kw_only=True)
class ServiceContext:
    """The ports and settings a service works with, injected by the composition root.

    Attributes:
        storage: the storage back end.
        clock: tells the time.
        ids: makes new ids.
        settings: the CRM's settings.
        email: sends e-mail.
        sms: sends SMS.
        documents: stores attached files (C10).
        publish: hands committed events to plugins.
        calendar: gives the CRM's working calendar (I3; built on first use); ``None``: office hours.
    """

    storage: Storage
    clock: Clock
    ids: IdGenerator
    settings: Settings
    email: EmailSender
    sms: SmsGateway
    documents: DocumentStore
    publish: Callable[[Sequence[DomainEvent]], None] = _no_publish
    calendar: Callable[[], WorkingCalendar] | None = None


class ServiceBase:
    """Base of the use-case classes."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def _now(self) -> datetime:
        return self._ctx.clock.now()

    def _new_id(self) -> UUID:
        return self._ctx.ids.new()

    @contextmanager
    def _work(self, actor: EmployeeId | None) -> Iterator[UnitOfWork]:
        """One unit of work, committed when the block ends normally.

        An exception rolls it back; events are published after the commit.
        """
        uow = self._ctx.storage.unit_of_work(actor)
        with uow:
            yield uow
            uow.commit()
        self._ctx.publish(uow.collect_events())

    @contextmanager
    def _as(self, actor: ActorRef) -> Iterator[tuple[UnitOfWork, Employee]]:
        """One unit of work audited as ``actor``, with the acting employee loaded and checked (C8, A5).

        Raises:
            ValidationError: ``actor`` is not an id.
            PermissionDenied: unknown actor, or dismissed/resigned.
        """
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            yield uow, self._acting(uow, actor)

    def _check_actor(self, actor: ActorRef) -> Employee:
        """The acting employee, checked in a unit of work of its own (for use cases that need no other)."""
        with self._as(actor) as (_, employee):
            return employee

    def _acting(self, uow: UnitOfWork, actor: object) -> Employee:
        """Load the acting employee and refuse one who may not act now (C8, A5).

        Raises:
            PermissionDenied: unknown actor, or dismissed/resigned.
        """
        actor_id = EmployeeId(parse_id("actor", actor))
        try:
            employee = uow.employees.get(actor_id)
        except NotFound:
            raise PermissionDenied(f"unknown actor {actor_id}") from None
        require_can_act(employee, self._now()).enforce()
        return employee
