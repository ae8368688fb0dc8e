"""Territory use cases: ``crm.territory`` (SPEC §2, T1–T5).

Admins (``admin``, ``admin_manager``) shape the territory: regions, teams,
memberships, code links and owners. Every assignment is effective-dated
(T4): ``valid_from`` defaults to now, and a date in the future records a
reorganisation in advance. Bad input — a cycle, a team under a missing
region, an end before a start, a code in two regions at once, overlapping
owners — raises an error naming the rule and stores nothing.

Reports over the tree (customers and reps under a region, who served a
customer on a date) run in the storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from crmkit.domain.access import visibility_predicate
from crmkit.domain.employees import Employee
from crmkit.domain.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, PickListName, parse_id
from crmkit.domain.parties import SEGMENT_PICKLISTS, Company
from crmkit.domain.periods import require_aware
from crmkit.domain.permissions import may_assign_owner, may_shape_territory
from crmkit.domain.predicates import Everything
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    OwnerAssignment,
    Region,
    RegionId,
    SalesTeam,
    Specialisation,
    TeamId,
    TeamRole,
    Validity,
    check_code_region,
)
from crmkit.domain.territory_dates import code_at, owner_at
from crmkit.domain.versions import require_version
from crmkit.ports.storage import UnitOfWork
from crmkit.services.actuals import recredit
from crmkit.services.base import ActorRef, parse_enum
from crmkit.services.policy import actor_for
from crmkit.services.territory_dates import DatedTerritory, record_owner

__all__ = ["ServedBy", "TerritoryUseCases"]


@attrs.frozen(kw_only=True)
class ServedBy:
    """Who served a customer on a date (T4): the teams holding its code, their members, its owner.

    Attributes:
        company: the customer.
        at: the date asked about.
        code: the customer's micro-region code.
        teams: the teams that held the code at ``at``, by id.
        reps: the members of those teams at ``at``, by id.
        owner: the owning rep at ``at`` from the owner history, if any.
    """

    company: CompanyId
    at: datetime
    code: str | None
    teams: tuple[TeamId, ...]
    reps: tuple[EmployeeId, ...]
    owner: EmployeeId | None


class TerritoryUseCases(DatedTerritory):
    """Regions, teams, dated memberships, code links and owners, and the T5 queries."""

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _admin(who: Employee) -> Employee:
        may_shape_territory(who).enforce()
        return who

    def _when(self, field: str, value: datetime | None) -> datetime:
        if value is None:
            return self._now()
        require_aware(field, value)
        return value

    def _validity(self, valid_from: datetime | None, valid_to: datetime | None) -> Validity:
        start = self._when("valid_from", valid_from)
        if valid_to is not None:
            require_aware("valid_to", valid_to)
        return Validity(start, valid_to)

    @staticmethod
    def _region(uow: UnitOfWork, field: str, value: object) -> Region:
        try:
            return uow.regions.get(RegionId(parse_id(field, value)))
        except NotFound:
            raise ValidationError(field, f"no region {value}") from None

    @staticmethod
    def _team(uow: UnitOfWork, field: str, value: object) -> SalesTeam:
        try:
            return uow.teams.get(TeamId(parse_id(field, value)))
        except NotFound:
            raise ValidationError(field, f"no sales team {value}") from None

    @staticmethod
    def _employee(uow: UnitOfWork, field: str, value: object) -> Employee:
        found = uow.employees.get_many([EmployeeId(parse_id(field, value))])
        employee = next(iter(found.values()), None)
        if employee is None:
            raise ValidationError(field, f"no employee {value}")
        if not employee.is_active:
            raise ValidationError(field, f"{employee.name} is {employee.status.value}")
        return employee

    @staticmethod
    def _code(uow: UnitOfWork, code: str) -> str:
        name = PickListName(SEGMENT_PICKLISTS["micro_region"])
        found = uow.picklists.get_many([name]).get(name)
        if found is None:
            raise ValidationError("code", f"no {name!r} pick-list is set, so no code is allowed yet (C9)")
        return found.canonical("code", code)

    # -- T1: regions ---------------------------------------------------------------------------
    def add_region(
        self,
        *,
        actor: ActorRef,
        name: str,
        parent: object | None = None,
        manager: object | None = None,
        partner: object | None = None,
        branch: str | None = None,
        notes: str | None = None,
    ) -> Region:
        """Add a region under ``parent`` (``None``: a top region) (T1).

        Raises:
            ValidationError: the parent, manager or partner does not exist.
            PermissionDenied: the actor is not an admin.
        """
        with self._as(actor) as (uow, who):
            self._admin(who)
            parent_id = None if parent is None else self._region(uow, "parent", parent).id
            manager_id = None if manager is None else self._employee(uow, "manager", manager).id
            partner_id = None
            if partner is not None:
                partner_id = CompanyId(parse_id("partner", partner))
                if not uow.companies.get_many([partner_id]):
                    raise ValidationError("partner", f"no company {partner}")
            region = Region(
                id=RegionId(self._new_id()),
                name=name,
                parent_id=parent_id,
                manager_id=manager_id,
                partner_id=partner_id,
                branch=branch,
                notes=notes,
            )
            uow.regions.add(region)
            return region

    def move_region(
        self, *, actor: ActorRef, region: object, parent: object | None, expected_version: int | None = None
    ) -> Region:
        """Move a region with its whole subtree under ``parent`` (``None``: to the top) (T1).

        ``expected_version`` is the ``version`` of the region the caller read (§9).

        Raises:
            RuleViolation: rule ``T1`` when ``parent`` lies in the region's own subtree.
            ConcurrencyConflict: ``expected_version`` is given and the region moved on since.
        """
        with self._as(actor) as (uow, who):
            self._admin(who)
            current = self._region(uow, "region", region)
            require_version("region", current.id, stored=current.version, expected=expected_version)
            target = None if parent is None else self._region(uow, "parent", parent)
            chain = [] if target is None else uow.regions.ancestors(target.id)
            return uow.regions.save(current.move_under(target, chain))

    # -- T2: teams and members -----------------------------------------------------------------
    def add_team(
        self,
        *,
        actor: ActorRef,
        name: str,
        region: object,
        specialisation: str | Specialisation = Specialisation.GENERAL,
        focus: str | None = None,
        leader: object | None = None,
        valid_from: datetime | None = None,
    ) -> SalesTeam:
        """Add a sales team under a region; its leader becomes a ``team_leader`` member (T2).

        Raises:
            RuleViolation: rule ``T2`` when the region does not exist.
        """
        kind = parse_enum(Specialisation, "specialisation", specialisation)
        with self._as(actor) as (uow, who):
            self._admin(who)
            region_id = RegionId(parse_id("region", region))
            if not uow.regions.get_many([region_id]):
                raise RuleViolation(
                    "T2", f"a sales team needs an existing region; there is no region {region}"
                )
            leader_id = None if leader is None else self._employee(uow, "leader", leader).id
            team = SalesTeam(
                id=TeamId(self._new_id()),
                name=name,
                region_id=region_id,
                specialisation=kind,
                focus=focus,
                leader_id=leader_id,
            )
            uow.teams.add(team)
            if leader_id is not None:
                uow.memberships.add(
                    Membership(
                        id=MembershipId(self._new_id()),
                        team_id=team.id,
                        employee_id=leader_id,
                        role=TeamRole.TEAM_LEADER,
                        validity=self._validity(valid_from, None),
                    )
                )
            return team

    def add_member(
        self,
        *,
        actor: ActorRef,
        team: object,
        employee: object,
        role: str | TeamRole = TeamRole.MEMBER,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
    ) -> Membership:
        """Make ``employee`` a member of ``team`` from ``valid_from`` (default now) (T2, T4).

        Raises:
            RuleViolation: rule ``T4`` when the end precedes the start, or he is already a
                member of the team in an overlapping period.
        """
        what = parse_enum(TeamRole, "role", role)
        validity = self._validity(valid_from, valid_to)
        with self._as(actor) as (uow, who):
            self._admin(who)
            the_team = self._team(uow, "team", team)
            person = self._employee(uow, "employee", employee)
            for other in uow.memberships.for_employee(person.id):
                if other.team_id == the_team.id and other.validity.overlaps(validity):
                    raise RuleViolation(
                        "T4", f"{person.name} is already a member of {the_team.name} in that period"
                    )
            member = Membership(
                id=MembershipId(self._new_id()),
                team_id=the_team.id,
                employee_id=person.id,
                role=what,
                validity=validity,
            )
            uow.memberships.add(member)
            return member

    def end_membership(
        self,
        *,
        actor: ActorRef,
        membership: object,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Membership:
        """End a membership at ``at`` (default now; a future date plans the change) (T4).

        ``expected_version`` is the ``version`` of the membership the caller read (§9).

        Raises:
            ConcurrencyConflict: ``expected_version`` is given and the membership moved on since.
        """
        with self._as(actor) as (uow, who):
            self._admin(who)
            current = uow.memberships.get(MembershipId(parse_id("membership", membership)))
            require_version("membership", current.id, stored=current.version, expected=expected_version)
            ended = attrs.evolve(current, validity=current.validity.ended(self._when("at", at)))
            return current if ended == current else uow.memberships.save(ended)

    # -- T3: codes -----------------------------------------------------------------------------
    def link_code(
        self,
        *,
        actor: ActorRef,
        team: object,
        code: str,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
    ) -> CodeLink:
        """Attach a micro-region code (from the ``micro_region_codes`` pick-list) to a team (T3, T4).

        Raises:
            ValidationError: the code is not in the pick-list (C9).
            RuleViolation: rule ``T3`` when the code is held by a team of another region in
                that period; ``T4`` for an end before the start.
        """
        validity = self._validity(valid_from, valid_to)
        with self._as(actor) as (uow, who):
            self._admin(who)
            the_team = self._team(uow, "team", team)
            canonical = self._code(uow, code)
            link = CodeLink(
                id=CodeLinkId(self._new_id()), team_id=the_team.id, code=canonical, validity=validity
            )
            others = uow.code_links.for_code(canonical)
            regions = {t.id: t.region_id for t in uow.teams.get_many({o.team_id for o in others}).values()}
            check_code_region(link, the_team.region_id, [(o, regions[o.team_id]) for o in others])
            with recredit(uow, self._ctx.settings.timezone, codes=[canonical], since=validity.valid_from):
                uow.code_links.add(link)  # the Q5 summary follows
            return link

    def unlink_code(
        self,
        *,
        actor: ActorRef,
        link: object,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> CodeLink:
        """End a code link at ``at`` (default now) (T3, T4).

        ``expected_version`` is the ``version`` of the link the caller read (§9).

        Raises:
            ConcurrencyConflict: ``expected_version`` is given and the link moved on since.
        """
        with self._as(actor) as (uow, who):
            self._admin(who)
            current = uow.code_links.get(CodeLinkId(parse_id("link", link)))
            require_version("code link", current.id, stored=current.version, expected=expected_version)
            ended = attrs.evolve(current, validity=current.validity.ended(self._when("at", at)))
            if ended == current:
                return current
            since = ended.validity.valid_to
            with recredit(uow, self._ctx.settings.timezone, codes=[current.code], since=since):
                return uow.code_links.save(ended)  # the Q5 summary follows

    # -- T4: owners ----------------------------------------------------------------------------
    def assign_owner(
        self,
        *,
        actor: ActorRef,
        company: object,
        rep: object,
        support_rep: object | None = None,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
        expected_version: int | None = None,
    ) -> OwnerAssignment:
        """Record that ``rep`` owns ``company`` from ``valid_from`` (default now) (T4, C6).

        The one owner assignment of crmkit (``crm.parties.assign_owner`` is the same
        call). Managers and admins assign owners. An open-ended assignment that
        started earlier is ended at ``valid_from``; any other overlap is refused.
        The owner history answers "owner at t" for the policy (A3), listings and
        reports; the company's ``sales_rep_id`` follows when the new owner holds now.

        Raises:
            PermissionDenied: the actor is an ``employee``.
            RuleViolation: rule ``T4`` for overlapping owners; ``C6`` while a claim is pending.
            ConcurrencyConflict: ``expected_version`` is not the company's stored version.
        """
        validity = self._validity(valid_from, valid_to)
        with self._as(actor) as (uow, who):
            may_assign_owner(who).enforce()
            current = uow.companies.get(CompanyId(parse_id("company", company)))
            require_version("company", current.id, stored=current.version, expected=expected_version)
            person = self._employee(uow, "rep", rep)
            support = None if support_rep is None else self._employee(uow, "support_rep", support_rep)
            with recredit(uow, self._ctx.settings.timezone, companies=[current.id]):  # Q5 summary
                return record_owner(uow, current, person, validity, self._now(), self._new_id, support)

    # -- T5: queries ---------------------------------------------------------------------------
    def children(self, *, actor: ActorRef, region: object | None = None) -> list[Region]:
        """Regions directly under ``region`` (``None``: the top regions), by name."""
        with self._as(actor) as (uow, _):
            parent = None if region is None else RegionId(parse_id("region", region))
            return uow.regions.children(parent)

    def ancestors(self, *, actor: ActorRef, region: object) -> list[Region]:
        """The regions above ``region``, nearest first (T5)."""
        with self._as(actor) as (uow, _):
            chain = uow.regions.ancestors(RegionId(parse_id("region", region)))
            found = uow.regions.get_many(chain)
            return [found[r] for r in chain]

    def subtree(self, *, actor: ActorRef, region: object) -> list[RegionId]:
        """``region`` and every region below it, by id, from the storage (T5)."""
        with self._as(actor) as (uow, _):
            return uow.regions.subtree(RegionId(parse_id("region", region)))

    def teams(self, *, actor: ActorRef, region: object) -> list[SalesTeam]:
        """The teams directly under ``region``, by name (T2)."""
        with self._as(actor) as (uow, _):
            return uow.teams.for_region(RegionId(parse_id("region", region)))

    def _serving_teams(self, uow: UnitOfWork, code: str | None, at: datetime) -> list[TeamId]:
        if code is None:
            return []
        return sorted({link.team_id for link in uow.code_links.for_code(code) if link.active_at(at)})

    def region_path(self, *, actor: ActorRef, company: object, at: datetime | None = None) -> list[Region]:
        """The region path of a customer at ``at``: top region first, the region serving its code last.

        Empty when no team holds the customer's code then (T3, T5).
        """
        when = self._when("at", at)
        with self._as(actor) as (uow, _):
            found = uow.companies.get(CompanyId(parse_id("company", company)))
            code = code_at(found, uow.customer_codes.for_company(found.id), when)
            teams = uow.teams.get_many(self._serving_teams(uow, code, when))
            if not teams:
                return []
            leaf = next(iter(teams.values())).region_id  # one region per code at a time (T3)
            chain = [leaf, *uow.regions.ancestors(leaf)]
            regions = uow.regions.get_many(chain)
            return [regions[r] for r in reversed(chain)]

    def served_by(self, *, actor: ActorRef, company: object, at: datetime | None = None) -> ServedBy:
        """Which teams and reps served a customer on ``at``, and who owned it then (T4).

        This is what credits an invoice of March to the rep of March (Q5).
        """
        when = self._when("at", at)
        with self._as(actor) as (uow, _):
            found = uow.companies.get(CompanyId(parse_id("company", company)))
            code = code_at(found, uow.customer_codes.for_company(found.id), when)
            teams = self._serving_teams(uow, code, when)
            reps = sorted({m.employee_id for m in uow.memberships.active(teams, when)})
            owner = owner_at(found, uow.owners.for_company(found.id), when)
            return ServedBy(
                company=found.id,
                at=when,
                code=code,
                teams=tuple(teams),
                reps=tuple(reps),
                owner=owner,
            )

    def _sees_all(self, uow: UnitOfWork, who: Employee, at: datetime) -> None:
        if not isinstance(
            visibility_predicate(actor_for(uow, who, self._ctx.settings.regional_access), at), Everything
        ):
            raise PermissionDenied(
                f"{who.name} does not see every customer, so he cannot list a region's customers;"
                " use crm.customers.visible (A1, A6)"
            )

    def customers_under(
        self, *, actor: ActorRef, region: object, at: datetime | None = None, limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Customers whose code a team under ``region`` holds on ``at``, by id, paged in storage (T5).

        Only for actors who see every customer (admins, or anyone with the A1 switch off).
        """
        when = self._when("at", at)
        with self._as(actor) as (uow, who):
            self._sees_all(uow, who, when)
            return uow.regions.customers_under(
                RegionId(parse_id("region", region)), when, limit=limit, offset=offset
            )

    def count_customers_under(self, *, actor: ActorRef, region: object, at: datetime | None = None) -> int:
        """How many customers :meth:`customers_under` lists in all, counted in storage (T5)."""
        when = self._when("at", at)
        with self._as(actor) as (uow, who):
            self._sees_all(uow, who, when)
            return uow.regions.count_customers_under(RegionId(parse_id("region", region)), when)

    def reps_under(self, *, actor: ActorRef, region: object, at: datetime | None = None) -> list[Employee]:
        """Members on ``at`` of the teams of ``region``'s subtree, by id (T5)."""
        when = self._when("at", at)
        with self._as(actor) as (uow, _):
            ids: Sequence[EmployeeId] = uow.regions.reps_under(RegionId(parse_id("region", region)), when)
            found = uow.employees.get_many(ids)
            return [found[e] for e in ids if e in found]
