"""Dated owners and customer codes, and the team reads and moves a host needs (T4, A3; issue 11 item 2).

One source of truth for "at time t": the owner history and the customer-code
history (:mod:`crmkit.domain.territory_dates`). :func:`record_owner` is the
one implementation behind ``crm.territory.assign_owner`` and
``crm.parties.assign_owner``; :func:`dated_facts` is what the access policy
reads, so A1 and A3 decisions at ``t`` use the code and the owner valid at ``t``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from crmkit.domain.employees import Employee
from crmkit.domain.errors import RuleViolation
from crmkit.domain.ids import CompanyId, EmployeeId, parse_id
from crmkit.domain.parties import Company
from crmkit.domain.predicates import CompanyFacts
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    OwnerAssignment,
    OwnerAssignmentId,
    SalesTeam,
    Validity,
    check_code_region,
)
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId, code_at, owner_at, reassign
from crmkit.ports.storage import UnitOfWork
from crmkit.services.actuals import recredit
from crmkit.services.base import ActorRef, ServiceBase

__all__ = ["DatedTerritory", "dated_facts", "follow_code", "follow_owner", "owner_synced", "record_owner"]


def dated_facts(uow: UnitOfWork, company: Company, at: datetime) -> CompanyFacts:
    """The facts the policy looks at, with the code and the owner valid at ``at`` (A1, A3, T4).

    A company with no parent is its own lineage: no tree query (most companies; issue 16 item 6).
    Both histories come from one statement (``customer_codes.history``; issue 11).
    """
    above = () if company.parent_id is None else uow.companies.ancestors(company.id)
    lineage = frozenset({company.id, *above})
    history = uow.customer_codes.history(company.id)
    codes, owners = history.codes, history.owners
    return CompanyFacts(
        id=company.id,
        code=code_at(company, codes, at),
        owner_id=owner_at(company, owners, at),
        lineage=lineage,
        codes=tuple((c.validity.valid_from, c.validity.valid_to, c.code) for c in codes),
        owners=tuple((o.validity.valid_from, o.validity.valid_to, o.employee_id) for o in owners),
    )


def record_owner(
    uow: UnitOfWork,
    company: Company,
    rep: Employee,
    validity: Validity,
    now: datetime,
    new_id: Callable[[], uuid.UUID],
    support: Employee | None = None,
) -> OwnerAssignment:
    """Record that ``rep`` owns ``company`` in ``validity`` (T4, C6); the one way an owner changes.

    The open-ended owner that started earlier is ended where the new one starts;
    another overlap is refused. When the new owner holds now, the company's own
    ``sales_rep_id`` (and support rep, when given) follows.

    Raises:
        RuleViolation: ``T4`` for an overlap; ``C6`` while a claim is pending.
    """
    if company.pending_claim_id is not None:
        raise RuleViolation("C6", f"{company.name} has a pending claim; decide it first")
    new = OwnerAssignment(
        id=OwnerAssignmentId(new_id()), company_id=company.id, employee_id=rep.id, validity=validity
    )
    existing = uow.owners.for_company(company.id)
    if not existing and company.sales_rep_id is not None and company.registered_at < validity.valid_from:
        # the owner so far becomes history, so "owner at t" before the change keeps its answer
        first = OwnerAssignment(
            id=OwnerAssignmentId(new_id()),
            company_id=company.id,
            employee_id=company.sales_rep_id,
            validity=Validity(company.registered_at),
        )
        uow.owners.add(first)
        existing = [first]
    _fit(uow.owners, existing, new)
    support_id = company.support_rep_id if support is None else support.id
    if validity.contains(now) and (company.sales_rep_id, company.support_rep_id) != (rep.id, support_id):
        uow.companies.save(company.assign(rep.id, support_id))
    return new


def _fit(repository: Any, history: Sequence[Any], new: Any) -> None:
    """Store ``new`` into a subject's dated ``history`` with :func:`reassign` (ended rows saved)."""
    kept, _ = reassign(history, new, key=lambda row: row.company_id)
    for before, after in zip(history, kept, strict=True):
        if before != after:
            repository.save(after)
    repository.add(new)


def owner_synced(uow: UnitOfWork, company: Company, now: datetime) -> Company:
    """The company with ``sales_rep_id`` brought up to its dated owner at ``now`` (saved when it moved) (T4).

    The owner history is the truth; the column only caches the owner of the
    moment it was written, so a rule that reads the column (C6: only an unowned
    company may be claimed) calls this first.
    """
    owner = owner_at(company, uow.owners.for_company(company.id), now)
    if owner == company.sales_rep_id:
        return company
    support = company.support_rep_id if owner is not None else None
    return uow.companies.save(attrs.evolve(company, sales_rep_id=owner, support_rep_id=support))


def follow_owner(
    uow: UnitOfWork, company: CompanyId, owner: EmployeeId, now: datetime, new_id: Callable[[], uuid.UUID]
) -> None:
    """Keep a customer's owner history true when its owner is set outside it (an approved claim, C6).

    A customer with dated owners gets ``owner`` recorded from ``now``; one without
    keeps using its own ``sales_rep_id``, which already says it.
    """
    history = uow.owners.for_company(company)
    if history:
        new = OwnerAssignment(
            id=OwnerAssignmentId(new_id()), company_id=company, employee_id=owner, validity=Validity(now)
        )
        _fit(uow.owners, history, new)


def follow_code(
    uow: UnitOfWork, before: Company, after: Company, now: datetime, new_id: Callable[[], uuid.UUID]
) -> None:
    """Keep a moved customer's code history true when its code is edited directly (T4).

    A customer with dated codes gets its new code recorded from ``now``; one
    without keeps using its own field, which already says it.
    """
    code = after.segmentation.micro_region
    history = uow.customer_codes.for_company(before.id)
    if not history or code == before.segmentation.micro_region:
        return
    if code is None:
        for row in history:
            if row.validity.valid_to is None or row.validity.valid_to > now:
                uow.customer_codes.save(attrs.evolve(row, validity=row.validity.ended(now)))
        return
    new = CustomerCode(id=CustomerCodeId(new_id()), company_id=before.id, code=code, validity=Validity(now))
    _fit(uow.customer_codes, history, new)


class DatedTerritory(ServiceBase):
    """The dated-territory use cases mixed into ``crm.territory`` (T3, T4)."""

    def move_customer(
        self, *, actor: ActorRef, company: object, code: str, valid_from: datetime | None = None
    ) -> CustomerCode:
        """Move a customer to another micro-region code from ``valid_from`` (default now) (T3, T4).

        Before ``valid_from`` every "at t" question (visibility decisions, served by,
        plan-vs-actual) still reads the old code; from it on, the new one. A change
        dated in the past recomputes the months it touches.

        Raises:
            ValidationError: the code is not in the pick-list (C9).
            RuleViolation: ``T4`` when it overlaps a closed period.
        """
        with self._as(actor) as (uow, who):
            self._admin(who)
            current = uow.companies.get(CompanyId(parse_id("company", company)))
            canonical = self._code(uow, code)
            validity = self._validity(valid_from, None)
            with recredit(uow, self._ctx.settings.timezone, companies=[current.id]):  # Q5 summary
                return self._move_customer(uow, current, canonical, validity)

    def _move_customer(
        self, uow: UnitOfWork, current: Company, canonical: str, validity: Validity
    ) -> CustomerCode:
        """Record the move of :meth:`move_customer`."""
        history = uow.customer_codes.for_company(current.id)
        old = current.segmentation.micro_region
        if not history and old is not None and current.registered_at < validity.valid_from:
            first = CustomerCode(
                id=CustomerCodeId(self._new_id()),
                company_id=current.id,
                code=old,
                validity=Validity(current.registered_at),
            )
            uow.customer_codes.add(first)
            history = [first]
        new = CustomerCode(
            id=CustomerCodeId(self._new_id()), company_id=current.id, code=canonical, validity=validity
        )
        _fit(uow.customer_codes, history, new)
        if validity.contains(self._now()) and old != canonical:
            moved = attrs.evolve(current.segmentation, micro_region=canonical)
            uow.companies.save(attrs.evolve(current, segmentation=moved))
        return new

    def customer_codes(self, *, actor: ActorRef, company: object) -> list[CustomerCode]:
        """A customer's dated codes, by start (T4); empty when it never moved."""
        with self._as(actor) as (uow, who):
            self._admin(who)
            return uow.customer_codes.for_company(CompanyId(parse_id("company", company)))

    def owners(self, *, actor: ActorRef, company: object) -> list[OwnerAssignment]:
        """A customer's dated owners, by start (T4)."""
        with self._as(actor) as (uow, who):
            self._admin(who)
            return uow.owners.for_company(CompanyId(parse_id("company", company)))

    def code_links(self, *, actor: ActorRef, team: object) -> list[CodeLink]:
        """Every code link of a team, past and future, by start (T3, T4)."""
        with self._as(actor) as (uow, who):
            self._admin(who)
            return uow.code_links.for_teams([self._team(uow, "team", team).id])

    def memberships(self, *, actor: ActorRef, team: object) -> list[Membership]:
        """Every membership of a team, past and future, by start (T2, T4)."""
        with self._as(actor) as (uow, who):
            self._admin(who)
            return uow.memberships.for_team(self._team(uow, "team", team).id)

    def _move_code(self, uow: UnitOfWork, canonical: str, team: object, start: datetime) -> CodeLink:
        """Record the move of :meth:`move_code`."""
        target = self._team(uow, "team", team)
        validity = Validity(start)
        others = []
        for link in uow.code_links.for_code(canonical):
            ends_after = link.validity.valid_to is None or link.validity.valid_to > start
            if link.validity.valid_from < start and ends_after:
                link = uow.code_links.save(
                    attrs.evolve(link, validity=Validity(link.validity.valid_from, start))
                )
            elif link.validity.valid_from >= start:
                raise RuleViolation(
                    "T4", f"code {canonical} already has a link from {link.validity.valid_from:%Y-%m-%d}"
                )
            others.append(link)
        new = CodeLink(id=CodeLinkId(self._new_id()), team_id=target.id, code=canonical, validity=validity)
        regions = {t.id: t.region_id for t in uow.teams.get_many({o.team_id for o in others}).values()}
        check_code_region(new, target.region_id, [(o, regions[o.team_id]) for o in others])
        uow.code_links.add(new)
        return new

    def move_code(
        self, *, actor: ActorRef, code: str, team: object, valid_from: datetime | None = None
    ) -> CodeLink:
        """Move a micro-region code to another team from ``valid_from`` (default now), in one call (T3, T4).

        Every link of the code holding at ``valid_from`` or open after it is ended
        there; the new team holds it from then on. The monthly actuals summary
        (Q5) is corrected for the sales from ``valid_from`` on.

        Raises:
            RuleViolation: ``T3``/``T4`` as :meth:`link_code`.
        """
        with self._as(actor) as (uow, who):
            self._admin(who)
            canonical = self._code(uow, code)
            since = self._validity(valid_from, None).valid_from
            with recredit(uow, self._ctx.settings.timezone, codes=[canonical], since=since):
                return self._move_code(uow, canonical, team, since)

    # -- provided by TerritoryUseCases --------------------------------------------------------
    @staticmethod
    def _admin(who: Employee) -> Employee:
        raise NotImplementedError

    @staticmethod
    def _code(uow: UnitOfWork, code: str) -> str:
        raise NotImplementedError

    def _validity(self, valid_from: datetime | None, valid_to: datetime | None) -> Validity:
        raise NotImplementedError

    @staticmethod
    def _team(uow: UnitOfWork, field: str, value: object) -> SalesTeam:
        raise NotImplementedError
