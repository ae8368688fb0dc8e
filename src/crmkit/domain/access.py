"""The access policy (SPEC §3, A1–A7): pure decisions and visibility predicates.

A :class:`Decision` says whether an action is allowed and why, so the host
can show the reason. :func:`decide` answers one action on one resource;
:func:`visibility_predicate` answers "which companies may this actor see at ``at``" with a
predicate value (:mod:`crmkit.domain.predicates`) that storage runs in the
database. Both read the same :class:`Actor` — the employee, his dated team
memberships and his teams' dated code links, and the A1 switch — and agree
on every input (a property test holds them to it).

The rules, in the order they are applied:

* A5 — a dismissed or resigned employee can do nothing from his exit date on;
* A6 — dealer staff (``firm_id`` set) act only inside their firm's subtree;
* A2 — ``admin`` and ``admin_manager`` see and may change everything (inside A6);
* A1 — with the regional switch on, everyone else sees the companies whose
  micro-region code belongs to one of his teams at that date; off, everything;
* A3 — an ``employee`` changes only the companies he owns and his own interactions;
* A4 — the agenda is shared; only its creator changes an appointment or reminder;
* C4 — every employee may see the contacts of every company he may reach (A6).

>>> import uuid
>>> from datetime import UTC, datetime
>>> from crmkit.domain.predicates import describe
>>> hired = datetime(2026, 1, 5, tzinfo=UTC)
>>> gulsen = Employee(id=uuid.uuid4(), name="Gülşen Çelik", position="employee", hired_at=hired)
>>> march = datetime(2026, 3, 1, tzinfo=UTC)
>>> describe(visibility_predicate(Actor(employee=gulsen, regional_access=True), march))
'no company'
>>> describe(visibility_predicate(Actor(employee=gulsen, regional_access=False), march))
'every company'
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from crmkit.domain.employees import Employee, Position
from crmkit.domain.errors import PermissionDenied, rule_in
from crmkit.domain.ids import EmployeeId
from crmkit.domain.periods import require_aware
from crmkit.domain.predicates import (
    EVERYTHING,
    NOTHING,
    CompanyFacts,
    FirmSubtree,
    Predicate,
    all_of,
    code_in,
)
from crmkit.domain.territory import CodeLink, Membership, TeamId, Validity, teams_at

__all__ = [
    "Action",
    "Actor",
    "AgendaResource",
    "CompanyResource",
    "ContactResource",
    "Decision",
    "InteractionResource",
    "Resource",
    "decide",
    "reachable",
    "require_can_act",
    "visibility_predicate",
]


@attrs.frozen
class Decision:
    """The answer of the access policy: allowed or not, a human-readable reason, and the rule.

    ``rule`` defaults to the SPEC rule the reason cites (``"… (A3)"`` → ``"A3"``), so every
    decision names its rule.

    Attributes:
        allowed: whether the action may go ahead.
        reason: why, fit to show to a user.
        rule: the SPEC rule that decided (``"C8"``, ``"A2"``), when the decision names one.
    """

    allowed: bool
    reason: str
    rule: str | None = attrs.field(
        default=attrs.Factory(lambda self: rule_in(self.reason) or None, takes_self=True), kw_only=True
    )

    @classmethod
    def allow(cls, reason: str, *, rule: str | None = None) -> Decision:
        """An allowing decision (``rule`` defaults to the one ``reason`` cites)."""
        return cls(True, reason) if rule is None else cls(True, reason, rule=rule)

    @classmethod
    def deny(cls, reason: str, *, rule: str | None = None) -> Decision:
        """A denying decision (``rule`` defaults to the one ``reason`` cites)."""
        return cls(False, reason) if rule is None else cls(False, reason, rule=rule)

    def enforce(self) -> None:
        """Raise :class:`~crmkit.domain.errors.PermissionDenied` with the reason (and rule) unless allowed."""
        if not self.allowed:
            raise PermissionDenied(self.reason, rule=self.rule)

    def __bool__(self) -> bool:
        return self.allowed


def require_can_act(actor: Employee, at: datetime) -> Decision:
    """Allow only an employee who is active at ``at`` (C8, A5)."""
    if actor.can_act(at):
        return Decision.allow(f"{actor.name} is {actor.status.value}")
    return Decision.deny(
        f"{actor.name} is {actor.status.value} since {actor.exit_at:%Y-%m-%d} and can do nothing (A5)"
    )


class Action(enum.StrEnum):
    """What an actor wants to do with a resource."""

    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@attrs.frozen(kw_only=True)
class Actor:
    """An employee as the policy sees him.

    Attributes:
        employee: the employee (position, status, exit date, firm).
        memberships: his team memberships, past, present and future (T4).
        links: the dated code links of those teams (T3, T4).
        regional_access: the A1 switch of the CRM's settings.
    """

    employee: Employee
    memberships: tuple[Membership, ...] = ()
    links: tuple[CodeLink, ...] = ()
    regional_access: bool = False
    # (membership validity, link validity, code) for every link of a team he ever belonged to:
    # joined once here, so a decision compares dates only (no id hashing on the hot path).
    _spans: tuple[tuple[Validity, Validity, str], ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_team: dict[TeamId, list[CodeLink]] = {}
        for link in self.links:
            by_team.setdefault(link.team_id, []).append(link)
        spans = tuple(
            (m.validity, link.validity, link.code)
            for m in self.memberships
            for link in by_team.get(m.team_id, ())
        )
        object.__setattr__(self, "_spans", spans)

    def teams(self, at: datetime) -> frozenset[TeamId]:
        """The teams he is a member of at ``at`` (T4)."""
        return teams_at(self.memberships, at)

    def codes(self, at: datetime) -> frozenset[str]:
        """The micro-region codes of his teams at ``at`` (T3, T4): ``codes_at(links, teams(at), at)``."""
        require_aware("at", at)
        return frozenset(code for member, link, code in self._spans if member._holds(at) and link._holds(at))


@attrs.frozen(kw_only=True)
class CompanyResource:
    """A company (account, customer), described by its facts."""

    company: CompanyFacts
    name: str = ""


@attrs.frozen(kw_only=True)
class ContactResource:
    """A contact person of a company (C4)."""

    company: CompanyFacts
    name: str = ""


@attrs.frozen(kw_only=True)
class InteractionResource:
    """An interaction with a company, owned by the employee responsible for it (A3)."""

    company: CompanyFacts
    owner_id: EmployeeId


@attrs.frozen(kw_only=True)
class AgendaResource:
    """An appointment or a reminder of the shared agenda, with its creator (A4).

    ``company`` is the company an appointment is at (``None`` for a reminder):
    dealer staff reach only agenda items of companies under their firm (A6).
    """

    created_by: EmployeeId
    kind: str = "appointment"
    company: CompanyFacts | None = None


Resource = CompanyResource | ContactResource | InteractionResource | AgendaResource
"""Anything :func:`decide` rules on."""


def _label(facts: CompanyFacts, name: str) -> str:
    return name or f"company {facts.id}"


def _reach(actor: Actor, facts: CompanyFacts, name: str, at: datetime, *, regional: bool) -> Decision:
    """A5, A6, A2 and (when ``regional``) A1 for seeing one company.

    The twin of :func:`visibility_predicate`, for one company.
    """
    who = actor.employee
    if not who.can_act(at):
        return require_can_act(who, at)
    if who.firm_id is not None and who.firm_id != facts.id and who.firm_id not in facts.lineage:
        return Decision.deny(f"{who.name} works for a dealer firm and sees only companies under it (A6)")
    if who.position.is_admin:
        return Decision.allow(f"{who.name} is {who.position.value} and sees everything (A2)")
    if not regional or not actor.regional_access:
        label = _label(facts, name)
        return Decision.allow(f"regional access control is off: every active employee sees {label} (A1)")
    if facts.code is None:
        return Decision.deny(f"{_label(facts, name)} has no micro-region code, so only admins see it (A1)")
    if facts.code in actor.codes(at):
        return Decision.allow(f"{who.name} is in a team holding code {facts.code} on {at:%Y-%m-%d} (A1)")
    return Decision.deny(f"{who.name} is not in a team holding code {facts.code} on {at:%Y-%m-%d} (A1)")


def _change_company(actor: Actor, action: Action, facts: CompanyFacts, name: str, at: datetime) -> Decision:
    seen = _reach(actor, facts, name, at, regional=True)
    who = actor.employee
    if not seen or action is Action.VIEW or who.position is not Position.EMPLOYEE:
        return seen
    if action is Action.CREATE:
        return Decision.allow(f"{who.name} may add {_label(facts, name)}, which he will see (A3)")
    if facts.owner_id == who.id:
        return Decision.allow(f"{who.name} owns {_label(facts, name)} (A3)")
    return Decision.deny(
        f"{who.name} is an employee and may {action.value} only companies he owns;"
        f" {_label(facts, name)} is not his (A3)"
    )


def decide(actor: Actor, action: Action, resource: Resource, at: datetime) -> Decision:
    """May ``actor`` do ``action`` on ``resource`` at ``at``? The answer carries the reason (A1–A6).

    ``decide(actor, Action.VIEW, CompanyResource(company=c), at)`` is allowed
    exactly when ``c`` matches :func:`visibility_predicate` ``(actor, at)``.
    """
    action = Action(action)
    who = actor.employee
    if isinstance(resource, CompanyResource):
        return _change_company(actor, action, resource.company, resource.name, at)
    if isinstance(resource, ContactResource):
        if action is Action.VIEW:
            seen = _reach(actor, resource.company, resource.name, at, regional=False)
            if seen:
                return Decision.allow("every employee may see the contacts of every company (C4)")
            return seen
        return _change_company(actor, Action.UPDATE, resource.company, resource.name, at)
    if isinstance(resource, InteractionResource):
        seen = _reach(actor, resource.company, "", at, regional=True)
        if not seen or action is Action.VIEW or who.position is not Position.EMPLOYEE:
            return seen
        if resource.owner_id == who.id:
            return Decision.allow(f"the interaction is {who.name}'s own (A3)")
        return Decision.deny(
            f"{who.name} is an employee and may {action.value} only his own interactions (A3)"
        )
    if not who.can_act(at):
        return require_can_act(who, at)
    if resource.company is not None:
        reach = _reach(actor, resource.company, "", at, regional=False)
        if not reach:
            return reach
    article = "an" if resource.kind[:1] in "aeiou" else "a"
    if action in (Action.VIEW, Action.CREATE):
        return Decision.allow(
            f"the agenda is shared: every employee may {action.value} {article} {resource.kind} (A4)"
        )
    if resource.created_by == who.id:
        return Decision.allow(f"{who.name} created this {resource.kind} (A4)")
    return Decision.deny(
        f"only the creator may {action.value} {article} {resource.kind}, also one written for others (A4)"
    )


def visibility_predicate(actor: Actor, at: datetime) -> Predicate:
    """The companies ``actor`` may see at ``at``, as a predicate value (A1, A2, A5, A6, A7).

    The storage adapter runs it: SQL compiles it to a ``WHERE`` clause, the
    in-memory adapter evaluates it with :func:`crmkit.domain.predicates.matches`.
    """
    who = actor.employee
    if not who.can_act(at):
        return NOTHING
    scope = EVERYTHING if who.firm_id is None else FirmSubtree(who.firm_id)
    if who.position.is_admin or not actor.regional_access:
        return scope
    return all_of(scope, code_in(actor.codes(at), at=at))


def reachable(actor: Actor, at: datetime) -> Predicate:
    """The companies whose contacts and agenda items ``actor`` may reach at ``at`` (C4, A4, A5, A6).

    No A1: the agenda is shared (A4) and contacts are seen by everyone (C4);
    only a departed employee (A5) and dealer staff outside their firm (A6) are
    kept out. The twin of ``decide(view)`` on a :class:`ContactResource` or on an
    :class:`AgendaResource` with a company.
    """
    who = actor.employee
    if not who.can_act(at):
        return NOTHING
    return EVERYTHING if who.firm_id is None else FirmSubtree(who.firm_id)
