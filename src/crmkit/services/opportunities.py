"""Opportunities in a sales funnel: ``crm.opportunities`` (SPEC §5 I9, I4, I10; §4 Q6; §3 A3, A8).

Admins store the funnel as a workflow (I2's workflow as data) under the key
``"opportunity"`` (or ``"opportunity:<name>"`` for more funnels): stages with a
win probability and a suggested next step, the allowed moves, at least one
``won`` and one ``lost`` stage. A rep opens an opportunity at a company —
directly, or by converting an interaction, which keeps a link both ways
(I4) — and moves it along the funnel's transitions; reaching a ``won`` stage
needs the amount won, a ``lost`` stage the reason (and, when known, the
competitor that won). Each move is checked by the workflow (an unknown stage
names the field, a forbidden move names the allowed ones), appended to the
stage history and audited — all in one unit of work, so refused input stores
nothing. Entering a stage queues the e-mails its hooks name (I2).

The policy decides as for interactions (A3, A8): everyone who may see the
company sees its opportunities; an ``employee`` opens and moves only his own.
Reports — forecast, conversion, losses and the Q6 activity KPIs — are in
:class:`~crmkit.services.pipeline.PipelineReports`, aggregated in the storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from crmkit.domain.access import Action, Actor, InteractionResource, decide
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, parse_id
from crmkit.domain.interactions import INTERACTION_AGGREGATE, InteractionId
from crmkit.domain.messaging import MessageKind
from crmkit.domain.money import Money
from crmkit.domain.opportunities import (
    DEFAULT_FUNNEL,
    OPPORTUNITY_AGGREGATE,
    Opportunity,
    OpportunityId,
    StageEntry,
    StageEntryId,
)
from crmkit.domain.parties import CompanyType
from crmkit.domain.periods import require_aware
from crmkit.domain.territory import TeamId
from crmkit.domain.workflow import Stage, StageHook, Workflow, may_define, recipients
from crmkit.domain.workflow_stages import StageKind
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef
from crmkit.services.customers import facts_of
from crmkit.services.interactions import check_version, known_company, known_employee
from crmkit.services.messaging import enqueue_email
from crmkit.services.pipeline import PipelineReports

__all__ = ["OpportunityUseCases", "funnel_key"]


def funnel_key(value: object) -> str:
    """``value`` if it names a funnel: ``"opportunity"`` or ``"opportunity:<name>"``.

    Raises:
        ValidationError: naming ``funnel`` otherwise.
    """
    if not isinstance(value, str) or not (value == DEFAULT_FUNNEL or value.startswith(f"{DEFAULT_FUNNEL}:")):
        raise ValidationError(
            "funnel", f"{value!r} is not a funnel key ('opportunity' or 'opportunity:<name>')"
        )
    return value


def _probability(stage: Stage) -> object:
    if stage.probability is not None:
        return stage.probability
    return 100 if stage.kind is StageKind.WON else 0


def _money(field: str, value: object, currency: str) -> Money | None:
    if value is None:
        return None
    if isinstance(value, Money):
        return value
    try:
        return Money(value, currency)
    except ValidationError as error:
        raise ValidationError(field, error.reason) from None


class OpportunityUseCases(PipelineReports):
    """Define funnels (admins), open, convert and move opportunities (I9, I4)."""

    # -- the funnel ----------------------------------------------------------------------
    def define_funnel(self, *, actor: ActorRef, definition: Workflow | Mapping[str, Any]) -> Workflow:
        """Store ``definition`` as the next version of its funnel (admins only, I9, C9).

        Raises:
            ValidationError: a bad definition naming the field: its ``key`` is not a funnel key,
                it lacks a ``won`` or a ``lost`` stage (``stages``); nothing is stored.
            PermissionDenied: the actor is not an admin, or may not act (A5).
        """
        flow = definition if isinstance(definition, Workflow) else Workflow.from_data(definition)
        funnel_key(flow.key)
        kinds = {s.kind for s in flow.stages}
        for needed in (StageKind.WON, StageKind.LOST):
            if needed not in kinds:
                raise ValidationError("stages", f"a funnel needs a {needed.value!r} stage (I9)")
        now = self._now()
        with self._as(actor) as (uow, who):
            may_define(who, now).enforce()
            stored = attrs.evolve(flow, version=max(uow.workflows.versions(flow.key), default=0) + 1)
            uow.workflows.add(stored)
            return stored

    def funnel(self, *, actor: ActorRef, key: str = DEFAULT_FUNNEL, version: int | None = None) -> Workflow:
        """The funnel ``key`` (latest version unless ``version``); every active employee may read it.

        Raises:
            ValidationError: naming ``funnel`` when there is no such funnel.
        """
        with self._work(None) as uow:
            self._acting(uow, actor)
            return self._flow(uow, funnel_key(key), version)

    @staticmethod
    def _flow(uow: UnitOfWork, key: str, version: int | None = None) -> Workflow:
        try:
            return uow.workflows.get(key, version)
        except NotFound:
            raise ValidationError(
                "funnel", f"there is no funnel {key!r}; an admin defines it first (I9)"
            ) from None

    # -- opening -------------------------------------------------------------------------
    def open(
        self,
        *,
        actor: ActorRef,
        company: object,
        title: str,
        amount: object | None = None,
        currency: str | None = None,
        expected_close: date | None = None,
        product: str | None = None,
        lead_source: str | None = None,
        owner: object | None = None,
        team: object | None = None,
        dealer: object | None = None,
        next_step: str | None = None,
        next_step_due: datetime | None = None,
        funnel: str = DEFAULT_FUNNEL,
    ) -> Opportunity:
        """Open an opportunity at ``company`` in the funnel's initial stage (I9).

        It is routed to ``owner`` (default: the actor), ``team`` and ``dealer`` (Q6); ``amount`` is
        in ``currency`` (default: the CRM's).

        Raises:
            ValidationError: naming the field: ``company``, ``owner``, ``team`` or ``dealer`` unknown
                (a dealer must be a dealer or main dealer), ``funnel`` undefined, ``title``, ``amount``,
                ``expected_close``, ``next_step_due``; nothing is stored.
            PermissionDenied: with the policy's reason (A3, A5, A6); nothing is stored.
        """
        with self._as_policy_actor(actor) as (uow, who):
            return self._open(
                uow, who, company=company, title=title, amount=amount, currency=currency,
                expected_close=expected_close, product=product, lead_source=lead_source, owner=owner,
                team=team, dealer=dealer, next_step=next_step, next_step_due=next_step_due, funnel=funnel,
                interaction=None,
            )  # fmt: skip

    def convert(
        self,
        *,
        actor: ActorRef,
        interaction: object,
        title: str | None = None,
        amount: object | None = None,
        currency: str | None = None,
        expected_close: date | None = None,
        product: str | None = None,
        lead_source: str | None = None,
        next_step_due: datetime | None = None,
        funnel: str = DEFAULT_FUNNEL,
        version: int | None = None,
    ) -> Opportunity:
        """Convert an interaction into an opportunity (I4); each keeps a link to the other.

        Same company, owner and team; the title defaults to its subject, the lead source to its channel.

        Raises:
            NotFound: no such interaction.
            ValidationError: naming the field as :meth:`open`, or ``interaction`` when it was
                converted already; nothing is stored.
            PermissionDenied: the actor may not change the interaction (A3); nothing is stored.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            item = uow.interactions.get(InteractionId(parse_id("interaction", interaction)))
            resource = InteractionResource(
                company=facts_of(uow, uow.companies.get(item.company_id), now), owner_id=item.owner_id
            )
            decide(who, Action.UPDATE, resource, now).enforce()
            check_version(INTERACTION_AGGREGATE, item.id, item.version, version)
            if item.opportunity_id is not None:
                raise ValidationError(
                    "interaction", f"was converted into opportunity {item.opportunity_id} already (I4)"
                )
            opened = self._open(
                uow, who, company=item.company_id, title=title or item.subject, amount=amount,
                currency=currency, expected_close=expected_close, product=product,
                lead_source=lead_source or item.channel.value, owner=item.owner_id, team=item.owner_team_id,
                dealer=None, next_step=None, next_step_due=next_step_due, funnel=funnel, interaction=item.id,
            )  # fmt: skip
            uow.interactions.save(attrs.evolve(item, opportunity_id=opened.id))
            return opened

    def _open(
        self, uow: UnitOfWork, who: Actor, *, interaction: InteractionId | None, **kw: Any
    ) -> Opportunity:
        now = self._now()
        found = known_company(uow, "company", kw["company"])
        owner = who.employee.id if kw["owner"] is None else known_employee(uow, "owner", kw["owner"], now)
        decide(
            who, Action.CREATE, InteractionResource(company=facts_of(uow, found, now), owner_id=owner), now
        ).enforce()
        flow = self._flow(uow, funnel_key(kw["funnel"]))
        first = flow.stage(flow.initial)
        due = kw["next_step_due"]
        item = Opportunity(
            id=OpportunityId(self._new_id()),
            funnel=flow.key,
            workflow_version=flow.version,
            company_id=found.id,
            title=kw["title"],
            owner_id=owner,
            owner_team_id=self._team(uow, kw["team"]),
            dealer_id=self._dealer(uow, kw["dealer"]),
            created_by=who.employee.id,
            created_at=now,
            stage=first.name,
            stage_kind=first.kind,
            probability=_probability(first),
            amount=_money("amount", kw["amount"], kw["currency"] or self._ctx.settings.currency),
            expected_close=kw["expected_close"],
            next_step=first.next_step if kw["next_step"] is None else kw["next_step"],
            next_step_due=None if due is None else require_aware("next_step_due", due),
            product=kw["product"],
            lead_source=kw["lead_source"],
            interaction_id=interaction,
            closed_at=now if first.is_final else None,
        )
        uow.opportunities.add(item)
        self._entered(uow, flow.entering(first.name), item, 1, now, who.employee.id)
        return item

    @staticmethod
    def _team(uow: UnitOfWork, value: object) -> TeamId | None:
        if value is None:
            return None
        key = TeamId(parse_id("team", value))
        try:
            uow.teams.get(key)
        except NotFound:
            raise ValidationError("team", f"there is no sales team {key}") from None
        return key

    @staticmethod
    def _dealer(uow: UnitOfWork, value: object) -> CompanyId | None:
        if value is None:
            return None
        found = known_company(uow, "dealer", value)
        if found.type not in (CompanyType.DEALER, CompanyType.MAIN_DEALER):
            raise ValidationError("dealer", f"{found.name} is a {found.type.value}, not a dealer (Q6)")
        return found.id

    def _entered(
        self,
        uow: UnitOfWork,
        hooks: tuple[StageHook, ...],
        item: Opportunity,
        seq: int,
        now: datetime,
        by: EmployeeId,
    ) -> tuple[EmployeeId, ...]:
        """Append the history entry and queue the e-mails the entered stage's hooks name (I2, I9)."""
        kind = item.stage_kind
        uow.opportunities.enter(
            StageEntry(
                id=StageEntryId(self._new_id()),
                opportunity_id=item.id,
                seq=seq,
                stage=item.stage,
                kind=kind,
                entered_at=now,
                entered_by=by,
            )
        )
        if not hooks:
            return ()
        team = (
            []
            if item.owner_team_id is None
            else [m.employee_id for m in uow.memberships.active([item.owner_team_id], now)]
        )
        wanted = recipients(hooks, owner=item.owner_id, creator=item.created_by, team=team)
        people = uow.employees.get_many(wanted)
        subject = next((h.subject for h in hooks if h.subject), "") or f"Stage: {item.stage}"
        notified = []
        for key in wanted:
            person = people.get(key)
            if person is None or person.email is None or not person.can_act(now):
                continue
            enqueue_email(
                uow, id=self._new_id(), key=f"opportunity:{item.id}:{seq}:{key}", to=person.email,
                subject=f"{subject} — {item.title}", body=f"{item.title}\nStage: {item.stage}",
                kind=MessageKind.INFORMATIONAL, now=now,
            )  # fmt: skip
            notified.append(key)
        return tuple(notified)

    # -- moving --------------------------------------------------------------------------
    def _changing(self, uow: UnitOfWork, who: Actor, opportunity: object, now: datetime) -> Opportunity:
        current = uow.opportunities.get(OpportunityId(parse_id("opportunity", opportunity)))
        resource = InteractionResource(
            company=facts_of(uow, uow.companies.get(current.company_id), now), owner_id=current.owner_id
        )
        decide(who, Action.UPDATE, resource, now).enforce()
        return current

    def move(
        self,
        *,
        actor: ActorRef,
        opportunity: object,
        to_stage: str,
        amount: object | None = None,
        reason: str | None = None,
        competitor: str | None = None,
        next_step: str | None = None,
        next_step_due: datetime | None = None,
        version: int | None = None,
    ) -> Opportunity:
        """Move an opportunity to ``to_stage`` along its funnel (I9), as an update (A3).

        The stage's probability and suggested next step come with it (``next_step`` overrides;
        ``next_step_due`` sets when it is due). A ``won`` stage needs an amount (``amount``, or
        the one recorded); a ``lost`` stage needs ``reason`` and may name the ``competitor``.

        Raises:
            NotFound: no such opportunity.
            ValidationError: naming the field: ``to_stage`` unknown to the funnel, ``amount`` missing
                on a win, ``reason`` missing on a loss, ``competitor`` off a loss; nothing is written.
            IllegalTransition: the funnel forbids the move; names from, to and the allowed stages.
            PermissionDenied: with the policy's reason; nothing is written.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = self._changing(uow, who, opportunity, now)
            check_version(OPPORTUNITY_AGGREGATE, current.id, current.version, version)
            flow = self._flow(uow, current.funnel, current.workflow_version)
            hooks = flow.move(current.stage, to_stage)
            stage = flow.stage(to_stage, field="to_stage")
            won, lost = stage.kind is StageKind.WON, stage.kind is StageKind.LOST
            money = (
                _money(
                    "amount",
                    amount,
                    current.amount.currency if current.amount else self._ctx.settings.currency,
                )
                or current.amount
            )
            if won and (money is None or money.amount <= 0):
                raise ValidationError("amount", "a won opportunity needs the amount won (I9)")
            if lost and (reason is None or not reason.strip()):
                raise ValidationError("reason", "a lost opportunity needs the reason it was lost (I9)")
            if not lost and (reason is not None or competitor is not None):
                raise ValidationError(
                    "reason" if reason is not None else "competitor",
                    "only a loss has a reason and a competitor (I9)",
                )
            changed = attrs.evolve(
                current,
                stage=stage.name,
                stage_kind=stage.kind,
                probability=_probability(stage),
                amount=money,
                next_step=stage.next_step if next_step is None else next_step,
                next_step_due=None
                if next_step_due is None
                else require_aware("next_step_due", next_step_due),
                closed_at=now if stage.is_final else None,
                loss_reason=reason if lost else None,
                competitor=competitor if lost else None,
            )
            saved = uow.opportunities.save(changed)
            self._entered(
                uow, hooks, saved, len(uow.opportunities.history(saved.id)) + 1, now, who.employee.id
            )
            return saved

    def _final(self, uow: UnitOfWork, current: Opportunity, kind: StageKind, stage: str | None) -> str:
        if stage is not None:
            return stage
        flow = self._flow(uow, current.funnel, current.workflow_version)
        for name in flow.allowed_from(current.stage):
            if flow.stage(name).kind is kind:
                return name
        raise ValidationError("stage", f"no {kind.value} stage can be reached from {current.stage!r} (I9)")

    def win(
        self,
        *,
        actor: ActorRef,
        opportunity: object,
        amount: object | None = None,
        stage: str | None = None,
        version: int | None = None,
    ) -> Opportunity:
        """Move to a ``won`` stage (``stage``, or the first one the funnel allows next) with ``amount`` (I9).

        Raises:
            ValidationError: naming ``amount`` when neither given nor recorded, ``stage`` when no won
                stage is reachable; and as :meth:`move`.
        """
        with self._as_policy_actor(actor) as (uow, who):
            current = self._changing(uow, who, opportunity, self._now())
            target = self._final(uow, current, StageKind.WON, stage)
        return self.move(
            actor=actor, opportunity=opportunity, to_stage=target, amount=amount, version=version
        )

    def lose(
        self,
        *,
        actor: ActorRef,
        opportunity: object,
        reason: str,
        competitor: str | None = None,
        stage: str | None = None,
        version: int | None = None,
    ) -> Opportunity:
        """Move to a ``lost`` stage (``stage``, or the first one the funnel allows next) with ``reason`` (I9).

        Raises:
            ValidationError: naming ``reason`` when blank, ``stage`` when no lost stage is reachable;
                and as :meth:`move`.
        """
        with self._as_policy_actor(actor) as (uow, who):
            current = self._changing(uow, who, opportunity, self._now())
            target = self._final(uow, current, StageKind.LOST, stage)
        return self.move(
            actor=actor,
            opportunity=opportunity,
            to_stage=target,
            reason=reason,
            competitor=competitor,
            version=version,
        )

    def plan(
        self,
        *,
        actor: ActorRef,
        opportunity: object,
        next_step: str,
        due: datetime | None = None,
        version: int | None = None,
    ) -> Opportunity:
        """Set the next step of an open opportunity and when it is due (I9, I10), as an update (A3).

        Raises:
            ValidationError: naming ``opportunity`` when it is closed, ``due`` when naive, ``next_step``.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = self._changing(uow, who, opportunity, now)
            check_version(OPPORTUNITY_AGGREGATE, current.id, current.version, version)
            if not current.is_open:
                raise ValidationError(
                    "opportunity", f"is {current.stage_kind.value}; only an open one has a next step"
                )
            when = None if due is None else require_aware("due", due)
            return uow.opportunities.save(attrs.evolve(current, next_step=next_step, next_step_due=when))
