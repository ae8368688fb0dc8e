"""Policy-checked interactions: ``crm.interactions`` (SPEC §5 I1, I3; §3 A1–A7; §8 M2).

Every use case builds the actor as the policy sees him (his memberships, his
teams' code links, the A1 switch) and asks
:func:`crmkit.domain.access.decide` about an
:class:`~crmkit.domain.access.InteractionResource` — the interaction's
company and its owner. Everyone who may see the company sees its
interactions (A1, A2, A6); an ``employee`` adds, changes and deletes only the
interactions he owns (A3); a departed employee does nothing (A5). A refused
action raises :class:`~crmkit.domain.errors.PermissionDenied` with the
policy's reason and stores nothing.

Listings — a company's, "mine", a campaign's (M2) and all the actor may
see — run the company's :func:`~crmkit.domain.access.visibility_predicate` predicate in
the storage (a SQL ``WHERE`` joined to ``companies``), paged there, with the
total counted there too. Each write is audited in the same unit of work (C12).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from crmkit.domain.access import Action, Actor, InteractionResource, decide, visibility_predicate
from crmkit.domain.errors import ConcurrencyConflict, NotFound, ValidationError
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId, parse_id
from crmkit.domain.interactions import (
    INTERACTION_AGGREGATE,
    TEXT_LENGTH,
    Interaction,
    InteractionChannel,
    InteractionId,
    Reminder,
    ReminderId,
)
from crmkit.domain.marketing import CampaignId
from crmkit.domain.parties import Company, Contact
from crmkit.domain.periods import require_aware
from crmkit.domain.predicates import describe
from crmkit.domain.service import ContractId
from crmkit.domain.territory import TeamId
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, parse_enum
from crmkit.services.customers import Page, facts_of
from crmkit.services.follow_ups import queue_follow_ups
from crmkit.services.guard import require_active_company
from crmkit.services.policy import PolicyUseCases
from crmkit.services.response_times import stamp_times
from crmkit.services.service_links import cited_contract
from crmkit.services.stages import initial_hooks, listed, start_workflow

__all__ = ["InteractionUseCases", "check_version", "known_company", "known_contact", "known_employee"]


def known_company(uow: UnitOfWork, field: str, value: object) -> Company:
    """The company ``value`` names.

    Raises:
        ValidationError: naming ``field`` when there is none (bad input: nothing is stored).
    """
    key = CompanyId(parse_id(field, value))
    try:
        return uow.companies.get(key)
    except NotFound:
        raise ValidationError(field, f"there is no company {key}") from None


def visible_company(uow: UnitOfWork, who: Actor, value: object, at: datetime) -> Company:
    """The company ``value`` names, when ``who`` may see its interactions at ``at`` (A1, A2, A6, A8).

    Raises:
        ValidationError: naming ``company`` when there is none.
        PermissionDenied: with the policy's reason.
    """
    found = known_company(uow, "company", value)
    resource = InteractionResource(company=facts_of(uow, found, at), owner_id=who.employee.id)
    decide(who, Action.VIEW, resource, at).enforce()
    return found


def known_employee(uow: UnitOfWork, field: str, value: object, at: datetime) -> EmployeeId:
    """The id of the employee ``value`` names, who must be able to act at ``at`` (C8, A5).

    Raises:
        ValidationError: naming ``field`` for an unknown or departed employee.
    """
    key = EmployeeId(parse_id(field, value))
    try:
        employee = uow.employees.get(key)
    except NotFound:
        raise ValidationError(field, f"there is no employee {key}") from None
    if not employee.can_act(at):
        raise ValidationError(field, f"{employee.name} is {employee.status.value} and cannot take work (A5)")
    return key


def known_contact(uow: UnitOfWork, field: str, value: object, company: CompanyId, rule: str) -> Contact:
    """The contact ``value`` names, which must be one of ``company``'s contacts (C4).

    Raises:
        ValidationError: naming ``field`` for an unknown contact or one of another company
            (the message cites ``rule``).
    """
    key = ContactId(parse_id(field, value))
    try:
        found = uow.contacts.get(key)
    except NotFound:
        raise ValidationError(field, f"there is no contact {key}") from None
    if found.company_id != company:
        raise ValidationError(field, f"{found.name} is not a contact of this company ({rule})")
    return found


def check_version(kind: str, key: object, stored: int, given: int | None) -> None:
    """Refuse a change made on a stale copy: ``given`` (when not ``None``) must be the stored version.

    Raises:
        ConcurrencyConflict: the versions differ.
    """
    if given is not None and given != stored:
        raise ConcurrencyConflict(kind, key, given)


class InteractionUseCases(PolicyUseCases):
    """Record, read, list, change and delete interactions through the access policy (I1, A1–A7)."""

    def _resource(self, uow: UnitOfWork, item: Interaction, at: datetime) -> InteractionResource:
        return InteractionResource(
            company=facts_of(uow, uow.companies.get(item.company_id), at), owner_id=item.owner_id
        )

    def _contact(self, uow: UnitOfWork, value: object, company: CompanyId) -> ContactId:
        return known_contact(uow, "contact", value, company, "I1").id

    def _campaign(self, uow: UnitOfWork, value: object) -> CampaignId:
        key = CampaignId(parse_id("campaign", value))
        try:
            uow.marketing.get_campaign(key)
        except NotFound:
            raise ValidationError("campaign", f"there is no campaign {key} (M2)") from None
        return key

    def _contract(self, uow: UnitOfWork, value: object, company: CompanyId, at: datetime) -> ContractId:
        day = at.astimezone(ZoneInfo(self._ctx.settings.timezone)).date()
        return cited_contract(uow, value, company, day).id  # S1, S8

    def _team(self, uow: UnitOfWork, value: object) -> TeamId:
        key = TeamId(parse_id("owner_team", value))
        try:
            uow.teams.get(key)
        except NotFound:
            raise ValidationError("owner_team", f"there is no sales team {key}") from None
        return key

    def create(
        self,
        *,
        actor: ActorRef,
        company: object,
        channel: str | InteractionChannel,
        category: str,
        subject: str,
        text: str = "",
        contact: object | None = None,
        campaign: object | None = None,
        owner: object | None = None,
        owner_team: object | None = None,
        first_response_at: datetime | None = None,
        resolved_at: datetime | None = None,
        contract: object | None = None,
    ) -> Interaction:
        """Record an interaction with ``company`` (I1), owned by ``owner`` (default: the actor, A3).

        ``contact`` must be a contact of that company, ``campaign`` a stored campaign
        (M2), ``contract`` a service contract of that company in force on the day it is
        recorded (S1, S8), ``owner`` an active employee. An ``employee`` records interactions he
        owns at companies he may see; managers and admins may record them for others.

        Raises:
            ValidationError: bad input, naming the field (``company``, ``channel``,
                ``category``, ``subject``, ``contact``, ``campaign``, ``contract``, ``owner``,
                ``owner_team``, ``first_response_at``, ``resolved_at``); nothing is stored.
            PermissionDenied: with the policy's reason; nothing is stored.
        """
        chosen = parse_enum(InteractionChannel, "channel", channel)
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            by = who.employee.id
            found = known_company(uow, "company", company)
            owner_id = by if owner is None else known_employee(uow, "owner", owner, now)
            resource = InteractionResource(company=facts_of(uow, found, now), owner_id=owner_id)
            decide(who, Action.CREATE, resource, now).enforce()
            require_active_company(found)  # C13
            interaction = Interaction(
                id=InteractionId(self._new_id()),
                company_id=found.id,
                channel=chosen,
                category=listed(uow, "interaction_categories", "category", category) or category,
                subject=subject,
                text=text,
                contact_id=None if contact is None else self._contact(uow, contact, found.id),
                campaign_id=None if campaign is None else self._campaign(uow, campaign),
                contract_id=None if contract is None else self._contract(uow, contract, found.id, now),
                created_by=by,
                owner_id=owner_id,
                owner_team_id=None if owner_team is None else self._team(uow, owner_team),
                created_at=now,
                first_response_at=first_response_at,
                resolved_at=resolved_at,
            )
            interaction = stamp_times(
                self._ctx, start_workflow(uow, interaction, now, self._new_id)
            )  # I2, I3
            uow.interactions.add(interaction)
            queue_follow_ups(uow, self._ctx, initial_hooks(uow, interaction), interaction, now)  # I13
            return interaction

    def get(self, *, actor: ActorRef, id: object, at: datetime | None = None) -> Interaction:
        """One interaction, when ``actor`` may see its company at ``at`` (A1, A2, A5, A6).

        Raises:
            NotFound: no such interaction.
            PermissionDenied: with the policy's reason.
        """
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            found = uow.interactions.get(InteractionId(parse_id("id", id)))
            decide(who, Action.VIEW, self._resource(uow, found, when), when).enforce()
            return found

    def _page(
        self,
        uow: UnitOfWork,
        who: Actor,
        when: datetime,
        limit: int,
        offset: int,
        **narrow: Any,
    ) -> Page[Interaction]:
        predicate = visibility_predicate(who, when)
        items = uow.interactions.visible(predicate, limit=limit, offset=offset, **narrow)
        total = uow.interactions.count_visible(predicate, **narrow)
        return Page(items=tuple(items), total=total, limit=limit, offset=offset, rule=describe(predicate))

    def visible(
        self, *, actor: ActorRef, at: datetime | None = None, limit: int = 50, offset: int = 0
    ) -> Page[Interaction]:
        """Every interaction ``actor`` may see at ``at``, newest first, and their total (A1–A7)."""
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            return self._page(uow, who, when, limit, offset)

    def mine(
        self, *, actor: ActorRef, at: datetime | None = None, limit: int = 50, offset: int = 0
    ) -> Page[Interaction]:
        """The interactions ``actor`` owns (A3) at companies he may see at ``at``, newest first."""
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            return self._page(uow, who, when, limit, offset, owner=who.employee.id)

    def for_company(
        self,
        *,
        actor: ActorRef,
        company: object,
        at: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Interaction]:
        """A company's interactions, newest first, when ``actor`` may see the company.

        Raises:
            NotFound: no such company.
            PermissionDenied: with the policy's reason.
        """
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            found = uow.companies.get(CompanyId(parse_id("company", company)))
            resource = InteractionResource(company=facts_of(uow, found, when), owner_id=who.employee.id)
            decide(who, Action.VIEW, resource, when).enforce()
            return self._page(uow, who, when, limit, offset, company=found.id)

    def for_campaign(
        self,
        *,
        actor: ActorRef,
        campaign: object,
        at: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Interaction]:
        """The interactions citing ``campaign`` (M2) at companies ``actor`` may see, newest first.

        Raises:
            NotFound: no such campaign.
        """
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            found = uow.marketing.get_campaign(CampaignId(parse_id("campaign", campaign)))
            return self._page(uow, who, when, limit, offset, campaign=found.id)

    def update(
        self,
        *,
        actor: ActorRef,
        id: object,
        version: int | None = None,
        channel: str | InteractionChannel | None = None,
        category: str | None = None,
        subject: str | None = None,
        text: str | None = None,
        contact: object | None = None,
        campaign: object | None = None,
        owner: object | None = None,
        owner_team: object | None = None,
        first_response_at: datetime | None = None,
        resolved_at: datetime | None = None,
        contract: object | None = None,
    ) -> Interaction:
        """Change an interaction when the policy allows; ``None`` keeps a field.

        An ``employee`` changes only his own interactions (A3). Handing one to
        another ``owner`` must be allowed for the new owner too, so an employee
        cannot give his away. ``version``, when given, must be the stored one.

        Raises:
            NotFound: no such interaction.
            PermissionDenied: with the policy's reason; nothing is written.
            ValidationError: bad input, naming the field; nothing is written.
            ConcurrencyConflict: ``version`` is stale.
        """
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "category": category,
                "subject": subject,
                "text": text,
                "first_response_at": first_response_at,
                "resolved_at": resolved_at,
            }.items()
            if v is not None
        }
        if channel is not None:
            changes["channel"] = parse_enum(InteractionChannel, "channel", channel)
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.interactions.get(InteractionId(parse_id("id", id)))
            resource = self._resource(uow, current, now)
            decide(who, Action.UPDATE, resource, now).enforce()
            check_version(INTERACTION_AGGREGATE, current.id, current.version, version)
            if category is not None:  # C9 (issue 14)
                changes["category"] = listed(uow, "interaction_categories", "category", category) or category
            if owner is not None:
                changes["owner_id"] = known_employee(uow, "owner", owner, now)
                handed = attrs.evolve(resource, owner_id=changes["owner_id"])
                decide(who, Action.UPDATE, handed, now).enforce()
            if contact is not None:
                changes["contact_id"] = self._contact(uow, contact, current.company_id)
            if campaign is not None:
                changes["campaign_id"] = self._campaign(uow, campaign)
            if contract is not None:
                changes["contract_id"] = self._contract(uow, contract, current.company_id, current.created_at)
            if owner_team is not None:
                changes["owner_team_id"] = self._team(uow, owner_team)
            if not changes:
                return current
            return uow.interactions.save(stamp_times(self._ctx, attrs.evolve(current, **changes)))  # I3

    # -- I4: routing and links ---------------------------------------------------------
    def route(self, *, actor: ActorRef, id: object, team: object, version: int | None = None) -> Interaction:
        """Route an interaction to a sales team (I4), as an update (A3): it becomes its owner team.

        The team side reads it back with :meth:`for_team`.

        Raises:
            NotFound: no such interaction.
            ValidationError: naming ``team`` when there is no such team; nothing is stored.
            PermissionDenied: with the policy's reason; nothing is stored.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.interactions.get(InteractionId(parse_id("id", id)))
            decide(who, Action.UPDATE, self._resource(uow, current, now), now).enforce()
            check_version(INTERACTION_AGGREGATE, current.id, current.version, version)
            key = TeamId(parse_id("team", team))
            try:
                uow.teams.get(key)
            except NotFound:
                raise ValidationError("team", f"there is no sales team {key} (I4)") from None
            return uow.interactions.save(attrs.evolve(current, owner_team_id=key))

    def for_team(
        self, *, actor: ActorRef, team: object, at: datetime | None = None, limit: int = 50, offset: int = 0
    ) -> Page[Interaction]:
        """The interactions routed to ``team`` (I4) at companies ``actor`` may see, newest first (A7)."""
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            return self._page(uow, who, when, limit, offset, team=TeamId(parse_id("team", team)))

    def to_task(
        self,
        *,
        actor: ActorRef,
        id: object,
        due_at: datetime,
        text: str | None = None,
        assignee: object | None = None,
        version: int | None = None,
    ) -> Reminder:
        """Turn an interaction into a task (I4): a reminder (I7) for ``assignee`` (default: its owner).

        The reminder names the interaction (``interaction_id``) and the interaction its task
        (``task_id``), in one unit of work; the text defaults to the interaction's subject.

        Raises:
            NotFound: no such interaction.
            ValidationError: naming ``interaction`` when it has a task already, ``due_at`` when
                naive, ``assignee`` unknown or departed, ``text``; nothing is stored.
            PermissionDenied: with the policy's reason (A3); nothing is stored.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.interactions.get(InteractionId(parse_id("id", id)))
            decide(who, Action.UPDATE, self._resource(uow, current, now), now).enforce()
            check_version(INTERACTION_AGGREGATE, current.id, current.version, version)
            if current.task_id is not None:
                raise ValidationError("interaction", f"was turned into task {current.task_id} already (I4)")
            person = current.owner_id if assignee is None else known_employee(uow, "assignee", assignee, now)
            task = Reminder(
                id=ReminderId(self._new_id()),
                due_at=require_aware("due_at", due_at),
                text=current.subject[:TEXT_LENGTH] if text is None else text,
                created_by=who.employee.id,
                assignee_id=person,
                created_at=now,
                interaction_id=current.id,
            )
            uow.reminders.add(task)
            uow.interactions.save(attrs.evolve(current, task_id=task.id))
            return task

    def delete(self, *, actor: ActorRef, id: object, version: int | None = None) -> None:
        """Delete an interaction when the policy allows (A3); the deletion is audited (C12).

        Raises:
            NotFound: no such interaction.
            PermissionDenied: with the policy's reason; nothing is removed.
            ConcurrencyConflict: ``version`` is stale.
        """
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.interactions.get(InteractionId(parse_id("id", id)))
            decide(who, Action.DELETE, self._resource(uow, current, now), now).enforce()
            check_version(INTERACTION_AGGREGATE, current.id, current.version, version)
            uow.interactions.delete(current)
