"""Follow-up automation (SPEC §5 I13; §8 M3): rules as data, scheduled through the outbox.

A follow-up rule is a :class:`~crmkit.domain.workflow.StageHook` with a
``template``: when an interaction enters that stage of its category's
workflow, the template is filled for the interaction's contact (customer
card, signed by the interaction's owner) and queued as a *commercial* outbox
e-mail due after ``delay_minutes`` — or at the next ``at`` local time after
it. The outbox sends it once (its idempotency key names the interaction, its
version, the stage and the template), the dispatcher skips it with a
recorded reason when the contact has no consent at send time (M3), and
``crm.workflow.cancel_follow_up`` cancels it until it is due.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from crmkit.domain.errors import NotFound
from crmkit.domain.ids import DocumentId
from crmkit.domain.interactions import Interaction
from crmkit.domain.messaging import Channel, MessageKind, OutboxAttachment, OutboxMessage
from crmkit.domain.workflow import StageHook
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ServiceContext
from crmkit.services.dispatch import render_template

__all__ = ["due_time", "queue_follow_ups"]


def due_time(hook: StageHook, now: datetime, timezone: str) -> datetime:
    """When ``hook``'s follow-up is due if its stage is entered at ``now``."""
    base = now + timedelta(minutes=hook.delay_minutes)
    if hook.at is None:
        return base
    zone = ZoneInfo(timezone)
    local = base.astimezone(zone)
    hour, minute = (int(p) for p in hook.at.split(":"))
    candidate = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
    if candidate <= base:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour, minute), tzinfo=zone)
    return candidate


def queue_follow_ups(
    uow: UnitOfWork, context: ServiceContext, hooks: tuple[StageHook, ...], item: Interaction, now: datetime
) -> tuple[str, ...]:
    """Queue the follow-ups of ``hooks`` for ``item`` (I13); returns their outbox keys.

    Nothing is queued for an interaction without a contact, a contact without an
    e-mail address, or a template no longer stored.
    """
    rules = [h for h in hooks if h.template is not None]
    if not rules or item.contact_id is None:
        return ()
    contact = uow.contacts.get(item.contact_id)
    if contact.email is None:
        return ()
    company = uow.companies.get(item.company_id)
    owner = uow.employees.get(item.owner_id)
    keys: list[str] = []
    for hook in rules:
        try:
            document = context.documents.get(DocumentId(uuid.UUID(hook.template)))
        except NotFound:
            continue
        filled = render_template(document, company, contact, owner, now.date().isoformat())
        key = f"followup:{item.id}:{item.version}:{item.stage}:{hook.template}"
        if uow.outbox.by_key(key) is not None:
            continue
        uow.outbox.add(
            OutboxMessage(
                id=context.ids.new(),
                key=key,
                channel=Channel.EMAIL,
                kind=MessageKind.COMMERCIAL,
                recipient=contact.email,
                subject=hook.subject or f"{company.name}: {document.name}",
                body=f"Sayın {contact.name},\n\nEkte {document.name} sunulur.\n\n{owner.name}\n",
                created_at=now,
                due_at=due_time(hook, now, context.settings.timezone),
                contact_id=contact.id,
                attachments=(OutboxAttachment(document.name, document.media_type, filled.encode("utf-8")),),
            )
        )
        keys.append(key)
    return tuple(keys)
