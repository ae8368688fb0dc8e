"""Helpers of the interaction workflow shared by the use cases (SPEC §5 I2; §1 C9).

Kept apart from :mod:`crmkit.services.workflow` so ``crm.interactions`` can
start a new interaction's workflow without importing the use cases that
import it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

import attrs

from crmkit.domain.errors import NotFound
from crmkit.domain.ids import EmployeeId, PickListName
from crmkit.domain.interactions import Interaction
from crmkit.domain.messaging import MessageKind
from crmkit.domain.workflow import StageHook, recipients
from crmkit.ports.storage import UnitOfWork
from crmkit.services.messaging import enqueue_email


class _HasTitle(Protocol):
    @property
    def title(self) -> str | None: ...
    @property
    def position_type(self) -> str | None: ...


T = TypeVar("T", bound=_HasTitle)

__all__ = [
    "CONTACT_PICKLISTS",
    "initial_hooks",
    "listed",
    "listed_contact",
    "listed_fields",
    "notify_stage",
    "queue_stage_emails",
    "start_workflow",
]


def listed(uow: UnitOfWork, list_name: str, field: str, value: str | None) -> str | None:
    """``value`` as its pick-list spells it (C9), when the list ``list_name`` is set.

    A blank value is ``None``; with no such list set, any value passes unchanged,
    so a CRM starts free-form and tightens once an admin sets the list.

    Raises:
        ValidationError: naming ``field`` when the list is set and lacks the value.
    """
    if value is None or not value.strip():
        return None
    name = PickListName(list_name)
    found = uow.picklists.get_many([name]).get(name)
    return value if found is None else found.canonical(field, value)


CONTACT_PICKLISTS: dict[str, str] = {"title": "contact_titles", "position_type": "contact_position_types"}
"""Contact field → the pick-list that holds its allowed values (C4, C9)."""


def listed_fields(uow: UnitOfWork, **values: str | None) -> dict[str, str]:
    """The contact fields given (not ``None``) as their pick-lists spell them (C9; see :func:`listed`).

    Raises:
        ValidationError: naming the field when its list is set and lacks the value.
    """
    out: dict[str, str] = {}
    for field, value in values.items():
        if value is not None:
            out[field] = listed(uow, CONTACT_PICKLISTS[field], field, value) or value
    return out


def listed_contact(uow: UnitOfWork, data: T) -> T:
    """A contact input (an attrs value with ``title`` and ``position_type``) with both checked (C9).

    Raises:
        ValidationError: naming ``contact.title`` or ``contact.position_type``.
    """
    return attrs.evolve(  # type: ignore[misc]  # T is ContactInput, an attrs class mypy cannot see here
        data,
        title=listed(uow, "contact_titles", "contact.title", data.title),
        position_type=listed(uow, "contact_position_types", "contact.position_type", data.position_type),
    )


def notify_stage(
    uow: UnitOfWork,
    hooks: tuple[StageHook, ...],
    item: Interaction,
    now: datetime,
    new_id: Callable[[], uuid.UUID],
) -> tuple[EmployeeId, ...]:
    """Queue one informational e-mail per employee ``hooks`` name (I2), in ``uow``.

    Employees who cannot act at ``now`` (A5) or have no e-mail address are skipped.
    Each message's idempotency key names the interaction, its version and stage,
    and the employee, so the same move never queues twice.

    Returns:
        The employees an e-mail was queued for, in hook order.
    """
    if not hooks:
        return ()
    team: list[EmployeeId] = []
    if item.owner_team_id is not None:
        team = [m.employee_id for m in uow.memberships.active([item.owner_team_id], now)]
    return queue_stage_emails(
        uow,
        hooks,
        wanted=recipients(hooks, owner=item.owner_id, creator=item.created_by, team=team),
        key=f"workflow:{item.id}:{item.version}:{item.stage}",
        subject=next((h.subject for h in hooks if h.subject), "") or f"Stage: {item.stage}",
        about=item.subject,
        body=f"{item.subject}\nStage: {item.stage} ({item.category})\n{item.text}",
        now=now,
        new_id=new_id,
    )


def queue_stage_emails(
    uow: UnitOfWork,
    hooks: tuple[StageHook, ...],
    *,
    wanted: tuple[EmployeeId, ...],
    key: str,
    subject: str,
    about: str,
    body: str,
    now: datetime,
    new_id: Callable[[], uuid.UUID],
) -> tuple[EmployeeId, ...]:
    """Queue the informational e-mails of stage ``hooks`` to the ``wanted`` employees (I2; cases too, S2).

    Employees who cannot act at ``now`` (A5) or have no e-mail address are skipped. Each
    message's idempotency key is ``key`` (the record, its version and stage) and the employee,
    so the same move never queues twice; its subject is ``subject — about``.

    Returns:
        The employees an e-mail was queued for, in the order given.
    """
    if not hooks:
        return ()
    people = uow.employees.get_many(wanted)
    notified: list[EmployeeId] = []
    for employee in wanted:
        person = people.get(employee)
        if person is None or person.email is None or not person.can_act(now):
            continue
        enqueue_email(
            uow,
            id=new_id(),
            key=f"{key}:{employee}",
            to=person.email,
            subject=f"{subject} — {about}",
            body=body,
            kind=MessageKind.INFORMATIONAL,
            now=now,
        )
        notified.append(employee)
    return tuple(notified)


def start_workflow(
    uow: UnitOfWork, item: Interaction, now: datetime, new_id: Callable[[], uuid.UUID]
) -> Interaction:
    """``item`` in the initial stage of its category's latest workflow, hooks queued (I2).

    Returns ``item`` unchanged when its category has no workflow. Call it before
    adding the interaction, in the same unit of work.
    """
    try:
        flow = uow.workflows.get(item.category)
    except NotFound:
        return item
    started = attrs.evolve(item, stage=flow.initial, workflow_version=flow.version)
    if flow.stage(flow.initial).is_final and started.resolved_at is None:  # born resolved (I3)
        started = attrs.evolve(started, resolved_at=started.created_at)
    notify_stage(uow, flow.entering(flow.initial), started, now, new_id)
    return started


def initial_hooks(uow: UnitOfWork, item: Interaction) -> tuple[StageHook, ...]:
    """The hooks of the stage ``item`` started in (I2, I13); empty when its category has no workflow.

    ``crm.interactions.create`` queues their follow-ups (I13) once the interaction is stored,
    so a rule on a workflow's *first* stage fires like one on any later stage.
    """
    if item.stage is None or item.workflow_version is None:
        return ()
    return uow.workflows.get(item.category, item.workflow_version).entering(item.stage)
