"""Interaction workflows: ``crm.workflow`` (SPEC §5 I2, I3; §1 C9; §3 A3, A5).

Admins store a workflow per interaction *category* (its key is the category,
as spelled on the ``interaction_categories`` pick-list when one is set);
each store is the next version. A new interaction of that category starts in
the workflow's initial stage under its latest version
(``crmkit.services.stages.start_workflow``, called by ``crm.interactions.create``); it then
moves only along the transitions of *the version it started under*, so a
revision never strands a record mid-way.

Moving an interaction is changing it: the access policy decides as for an
update (A3: an ``employee`` moves only his own). Every move and the start
queue one informational e-mail per employee the entered stage's hooks name
(owner, creator, owner team's members, named employees) — in the same unit of
work, so a refused or rolled-back move sends nothing. The first move stamps
``first_response_at`` and entering a final stage stamps ``resolved_at``
(I3), when they are not set yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit.domain.access import Action, Actor, InteractionResource, decide
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.interactions import INTERACTION_AGGREGATE, Interaction, InteractionId
from crmkit.domain.workflow import Workflow, may_define
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef
from crmkit.services.customers import facts_of
from crmkit.services.follow_ups import queue_follow_ups
from crmkit.services.interactions import check_version
from crmkit.services.policy import PolicyUseCases
from crmkit.services.response_times import stamp_times
from crmkit.services.stages import listed, notify_stage

__all__ = ["StageMove", "WorkflowUseCases"]


@attrs.frozen(kw_only=True)
class StageMove:
    """An interaction after a move, and whom the move notified (I2).

    Attributes:
        interaction: the interaction as stored, in its new stage.
        notified: the employees an e-mail was queued for, in hook order.
        follow_ups: outbox keys of the follow-ups the move scheduled (I13), in hook order.
    """

    interaction: Interaction
    notified: tuple[EmployeeId, ...] = ()
    follow_ups: tuple[str, ...] = ()


class WorkflowUseCases(PolicyUseCases):
    """Define category workflows (admins) and move interactions through them (I2)."""

    def define(self, *, actor: ActorRef, definition: Workflow | Mapping[str, Any]) -> Workflow:
        """Store ``definition`` as the next version of its key's workflow (admins only, I2, C9).

        The key is checked against the ``interaction_categories`` pick-list when one
        is set, and stored in the list's spelling; the version is always the next one
        (the given one is ignored).

        Raises:
            ValidationError: a bad definition, naming the field; nothing is stored.
            PermissionDenied: the actor is not an admin, or may not act (A5).
        """
        flow = definition if isinstance(definition, Workflow) else Workflow.from_data(definition)
        now = self._now()
        with self._as(actor) as (uow, who):
            may_define(who, now).enforce()
            key = listed(uow, "interaction_categories", "key", flow.key) or flow.key
            latest = max(uow.workflows.versions(key), default=0)
            stored = attrs.evolve(flow, key=key, version=latest + 1)
            uow.workflows.add(stored)
            return stored

    def get(self, *, actor: ActorRef, key: str, version: int | None = None) -> Workflow:
        """The workflow ``key`` (latest version unless ``version``); every active employee may read it.

        Raises:
            NotFound: no such workflow or version.
            PermissionDenied: the actor may not act (A5).
        """
        with self._work(None) as uow:
            self._acting(uow, actor)
            return uow.workflows.get(key, version)

    def _changing(
        self, uow: UnitOfWork, actor: ActorRef, interaction: object, now: datetime
    ) -> tuple[Actor, Interaction]:
        """The actor and the interaction he may change (A3), or PermissionDenied."""
        who = self._actor(uow, actor)
        current = uow.interactions.get(InteractionId(parse_id("interaction", interaction)))
        resource = InteractionResource(
            company=facts_of(uow, uow.companies.get(current.company_id), now), owner_id=current.owner_id
        )
        decide(who, Action.UPDATE, resource, now).enforce()
        return who, current

    def move(
        self, *, actor: ActorRef, interaction: object, to_stage: str, version: int | None = None
    ) -> StageMove:
        """Move an interaction to ``to_stage`` along its workflow (I2), as an update (A3).

        Raises:
            NotFound: no such interaction.
            ValidationError: the interaction's category has no workflow (field ``interaction``),
                or ``to_stage`` is not a stage of it (field ``to_stage``); nothing is written.
            IllegalTransition: the workflow does not allow the move; it names from, to and the
                allowed stages; nothing is written.
            PermissionDenied: with the policy's reason; nothing is written.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            _, current = self._changing(uow, actor, interaction, now)
            check_version(INTERACTION_AGGREGATE, current.id, current.version, version)
            if current.stage is None or current.workflow_version is None:
                raise ValidationError(
                    "interaction", f"category {current.category!r} had no workflow when it was recorded (I2)"
                )
            flow = uow.workflows.get(current.category, current.workflow_version)
            hooks = flow.move(current.stage, to_stage)
            changes: dict[str, Any] = {"stage": to_stage}
            if current.first_response_at is None:
                changes["first_response_at"] = now
            if flow.stage(to_stage).is_final and current.resolved_at is None:
                changes["resolved_at"] = now
            saved = uow.interactions.save(stamp_times(self._ctx, attrs.evolve(current, **changes)))
            return StageMove(
                interaction=saved,
                notified=notify_stage(uow, hooks, saved, now, self._new_id),
                follow_ups=queue_follow_ups(uow, self._ctx, hooks, saved, now),
            )

    def cancel_follow_up(self, *, actor: ActorRef, interaction: object, key: str) -> bool:
        """Cancel a queued follow-up of ``interaction`` (I13) until it is due; as an update (A3).

        Returns:
            ``True`` when it was cancelled; ``False`` when it is already due, sent or cancelled.

        Raises:
            NotFound: no such interaction.
            ValidationError: naming ``key`` when it is not a follow-up of this interaction.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            who, current = self._changing(uow, actor, interaction, now)
            message = uow.outbox.by_key(key) if key.startswith(f"followup:{current.id}:") else None
            if message is None:
                raise ValidationError("key", f"{key!r} is not a follow-up of interaction {current.id}")
            return uow.outbox.cancel(message.id, now, f"cancelled by {who.employee.name} (I13)")
