"""Random organisations for the access properties: regions, teams, dated memberships and code links,
companies in a channel tree, employees of every position and status, the A1 switch — and dated
changes (T4): customers moved to another code, owners assigned and codes moved to another team,
each recorded on some day and valid from an earlier (back-dated) or a later (future-dated) one.

The changes are replayed here, in plain Python, with the rules the services apply
(:func:`replay`): the first change of a customer makes its value so far history, an open
period that started earlier is ended where the new one starts, any other overlap is refused
(T4), and the company's own columns follow a change that holds when it is recorded.
:class:`Organisation` holds the result — the companies' columns, their dated codes and owners,
the code links — and :meth:`Organisation.store` writes it; :meth:`Organisation.apply` makes the
same changes through ``crm.territory`` instead, so a property can check the two agree.

:func:`reference_sees` is the plain reference written from the A-rules (A1, A2, A5, A6, T4)
without the predicate algebra, so the properties compare three independent answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
from hypothesis import strategies as st

from crmkit.domain.access import Actor
from crmkit.domain.employees import Employee, EmployeeStatus, Position
from crmkit.domain.errors import RuleViolation
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company, CompanyType, Segmentation
from crmkit.domain.predicates import CompanyFacts
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    OwnerAssignment,
    OwnerAssignmentId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
)
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId, code_at, owner_at, reassign
from crmkit.ports.storage import Storage

if TYPE_CHECKING:
    import crmkit

BASE = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
CODES = ("M-01", "M-02", "M-03", "M-04", "M-05", "A-01")


def day(n: int) -> datetime:
    return BASE + n * DAY


@attrs.frozen
class Change:
    """One dated change, as an admin records it on ``recorded_at`` (T4).

    ``kind`` is ``move_customer`` (``target`` a company, ``value`` a code), ``assign_owner``
    (a company, an employee id) or ``move_code`` (a team, a code); valid from ``valid_from``.
    """

    kind: str
    target: uuid.UUID
    value: Any
    valid_from: datetime
    recorded_at: datetime


@attrs.frozen
class Dated:
    """The world after the changes: companies' columns, code links, dated codes and owners (T4)."""

    companies: tuple[Company, ...]
    links: tuple[CodeLink, ...]
    codes: tuple[CustomerCode, ...] = ()
    owners: tuple[OwnerAssignment, ...] = ()
    refused: tuple[Change, ...] = ()


@attrs.frozen
class Organisation:
    regions: tuple[Region, ...]
    teams: tuple[SalesTeam, ...]
    links: tuple[CodeLink, ...]
    companies: tuple[Company, ...]
    employees: tuple[Employee, ...]
    memberships: tuple[Membership, ...]
    switch: bool
    at: datetime
    codes: tuple[CustomerCode, ...] = ()
    owners: tuple[OwnerAssignment, ...] = ()
    changes: tuple[Change, ...] = ()
    refused: tuple[Change, ...] = ()
    before: Dated | None = None
    """The companies and links before the changes (``None``: no change was drawn)."""

    def store(self, storage: Storage) -> None:
        """Write the world after the changes straight into ``storage``."""
        with storage.unit_of_work() as uow:
            uow.companies.add_many(self.companies)
            uow.employees.add_many(self.employees)
            uow.regions.add_many(self.regions)
            uow.teams.add_many(self.teams)
            uow.code_links.add_many(self.links)
            uow.memberships.add_many(self.memberships)
            uow.customer_codes.add_many(self.codes)
            uow.owners.add_many(self.owners)
            uow.commit()

    def store_before(self, storage: Storage) -> None:
        """Write the world before the changes (for :meth:`apply`)."""
        before = self.before or Dated(self.companies, self.links)
        attrs.evolve(self, companies=before.companies, links=before.links, codes=(), owners=()).store(storage)

    def apply(self, crm: crmkit.Crm, admin: EmployeeId, clock: Any) -> list[Change]:
        """Make the changes through ``crm.territory``, each with the clock at its recording day.

        Returns:
            The changes the services refused (``RuleViolation`` or ``ValidationError``).
        """
        from crmkit.domain.errors import ValidationError

        refused: list[Change] = []
        t = crm.territory
        for change in sorted(self.changes, key=lambda c: c.recorded_at):
            clock.set(change.recorded_at)
            try:
                if change.kind == "move_customer":
                    t.move_customer(
                        actor=admin, company=change.target, code=change.value, valid_from=change.valid_from
                    )
                elif change.kind == "assign_owner":
                    t.assign_owner(
                        actor=admin, company=change.target, rep=change.value, valid_from=change.valid_from
                    )
                else:
                    t.move_code(
                        actor=admin, code=change.value, team=change.target, valid_from=change.valid_from
                    )
            except (RuleViolation, ValidationError):
                refused.append(change)
        return refused

    def code_at(self, company: Company, at: datetime) -> str | None:
        """The company's micro-region code valid at ``at`` (T4)."""
        return code_at(company, [c for c in self.codes if c.company_id == company.id], at)

    def owner_at(self, company: Company, at: datetime) -> EmployeeId | None:
        """The company's owner valid at ``at`` (T4)."""
        return owner_at(company, [o for o in self.owners if o.company_id == company.id], at)

    def facts(self, company: Company, at: datetime) -> CompanyFacts:
        """What ``decide`` looks at in ``company`` at ``at``: the dated code and owner, the lineage."""
        return CompanyFacts(
            id=company.id,
            code=self.code_at(company, at),
            owner_id=self.owner_at(company, at),
            lineage=frozenset(self.lineage(company)),
        )

    def actor(self, employee: Employee) -> Actor:
        """The actor as the domain sees him, built from the drawn data (not from storage)."""
        mine = tuple(m for m in self.memberships if m.employee_id == employee.id)
        teams = {m.team_id for m in mine}
        links = tuple(link for link in self.links if link.team_id in teams)
        return Actor(employee=employee, memberships=mine, links=links, regional_access=self.switch)

    def lineage(self, company: Company) -> set[CompanyId]:
        by_id = {c.id: c for c in self.companies}
        found = {company.id}
        current = company.parent_id
        while current is not None:
            found.add(current)
            current = by_id[current].parent_id
        return found

    def team_codes(self, employee: Employee, at: datetime) -> set[str]:
        teams = {
            m.team_id for m in self.memberships if m.employee_id == employee.id and m.validity.contains(at)
        }
        return {link.code for link in self.links if link.team_id in teams and link.validity.contains(at)}


def reference_sees(org: Organisation, employee: Employee, company: Company, at: datetime) -> bool:
    """The A-rules read plainly: may ``employee`` see ``company`` at ``at``?"""
    departed = employee.status is not EmployeeStatus.ACTIVE
    if departed and employee.exit_at is not None and at >= employee.exit_at:
        return False  # A5
    if employee.firm_id is not None and employee.firm_id not in org.lineage(company):
        return False  # A6
    if employee.position in (Position.ADMIN, Position.ADMIN_MANAGER):
        return True  # A2
    if not org.switch:
        return True  # A1 off
    code = org.code_at(company, at)  # T4: the code valid at ``at``
    return code is not None and code in org.team_codes(employee, at)  # A1 on


def _first(
    history: list[Any], value: Any, company: Company, start: datetime, make: Callable[..., Any]
) -> None:
    """A customer's first dated change makes its value so far history from its registration (T4)."""
    if not history and value is not None and company.registered_at < start:
        history.append(make(value, Validity(company.registered_at)))


def _fit(history: list[Any], new: Any) -> list[Any]:
    """``history`` with ``new`` fitted in by :func:`reassign` (raises ``RuleViolation`` T4)."""
    kept, _ = reassign(history, new, key=lambda row: row.company_id)
    return [*kept, new]


def replay(
    companies: Sequence[Company],
    links: Sequence[CodeLink],
    employees: Sequence[Employee],
    changes: Sequence[Change],
) -> Dated:
    """The world after ``changes``, made in recording order with the services' rules (T4, T3, C6)."""
    by_id = {c.id: c for c in companies}
    codes: dict[CompanyId, list[CustomerCode]] = {}
    owners: dict[CompanyId, list[OwnerAssignment]] = {}
    current = list(links)
    active = {e.id for e in employees if e.is_active}
    refused: list[Change] = []
    for change in sorted(changes, key=lambda c: c.recorded_at):
        start, now = change.valid_from, change.recorded_at
        try:
            if change.kind == "move_customer":
                company = by_id[CompanyId(change.target)]
                history = list(codes.get(company.id, []))
                old = company.segmentation.micro_region

                def code_row(value: str, validity: Validity, cid: CompanyId = company.id) -> CustomerCode:
                    return CustomerCode(
                        id=CustomerCodeId(_id()), company_id=cid, code=value, validity=validity
                    )

                _first(history, old, company, start, code_row)
                codes[company.id] = _fit(history, code_row(change.value, Validity(start)))
                if start <= now and old != change.value:
                    moved = attrs.evolve(company.segmentation, micro_region=change.value)
                    by_id[company.id] = attrs.evolve(company, segmentation=moved)
            elif change.kind == "assign_owner":
                company = by_id[CompanyId(change.target)]
                if change.value not in active:
                    raise RuleViolation("C8", "only an active employee owns customers")

                def owner_row(
                    value: EmployeeId, validity: Validity, cid: CompanyId = company.id
                ) -> OwnerAssignment:
                    return OwnerAssignment(
                        id=OwnerAssignmentId(_id()), company_id=cid, employee_id=value, validity=validity
                    )

                owned = list(owners.get(company.id, []))
                _first(owned, company.sales_rep_id, company, start, owner_row)
                owners[company.id] = _fit(owned, owner_row(change.value, Validity(start)))
                if start <= now and company.sales_rep_id != change.value:
                    by_id[company.id] = company.assign(change.value, company.support_rep_id)
            else:
                kept: list[CodeLink] = []
                for link in current:
                    if link.code == change.value:
                        ends_after = link.validity.valid_to is None or link.validity.valid_to > start
                        if link.validity.valid_from >= start:
                            raise RuleViolation("T4", f"code {link.code} already has a later link")
                        if ends_after:
                            link = attrs.evolve(link, validity=Validity(link.validity.valid_from, start))
                    kept.append(link)
                new = CodeLink(
                    id=CodeLinkId(_id()),
                    team_id=TeamId(change.target),
                    code=change.value,
                    validity=Validity(start),
                )
                current = [*kept, new]
        except RuleViolation:
            refused.append(change)
    return Dated(
        companies=tuple(by_id[c.id] for c in companies),
        links=tuple(current),
        codes=tuple(row for rows in codes.values() for row in rows),
        owners=tuple(row for rows in owners.values() for row in rows),
        refused=tuple(refused),
    )


def _changes(
    draw: st.DrawFn, companies: Sequence[Company], employees: Sequence[Employee], teams: Sequence[SalesTeam]
) -> list[Change]:
    """0–8 changes, each recorded on a day and valid from up to 30 days before or after it."""
    active = [e for e in employees if e.is_active]
    found = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["move_customer", "move_customer", "assign_owner", "move_code"]))
        recorded = day(draw(st.integers(0, 70)))
        valid_from = (
            recorded + draw(st.integers(-30, 30)) * DAY + draw(st.sampled_from([timedelta(0), 9 * HOUR]))
        )
        if kind == "move_code":
            target: uuid.UUID = draw(st.sampled_from(teams)).id
        else:
            target = draw(st.sampled_from(companies)).id
        if kind == "assign_owner":  # mostly active reps; a departed one is refused (C8)
            value: Any = draw(st.sampled_from([*active, *active, *employees])).id
        else:
            value = draw(st.sampled_from(CODES))
        found.append(Change(kind, target, value, valid_from, recorded))
    return found


def _validity(draw: st.DrawFn) -> Validity:
    start = draw(st.integers(0, 50))
    length = draw(st.one_of(st.none(), st.integers(1, 40)))
    return Validity(day(start), None if length is None else day(start + length))


def _id() -> uuid.UUID:
    return uuid.uuid4()


@st.composite
def organisations(draw: st.DrawFn) -> Organisation:
    """A random organisation (ids are random UUIDs: they do not shrink, the shapes do)."""
    n_regions = draw(st.integers(1, 6))
    regions: list[Region] = []
    for i in range(n_regions):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        regions.append(
            Region(
                id=RegionId(_id()),
                name=f"Bölge {i}",
                parent_id=None if parent is None else regions[parent].id,
            )
        )
    teams = [
        SalesTeam(id=TeamId(_id()), name=f"Ekip {i}", region_id=draw(st.sampled_from(regions)).id)
        for i in range(draw(st.integers(1, 5)))
    ]
    links = [
        CodeLink(
            id=CodeLinkId(_id()),
            team_id=draw(st.sampled_from(teams)).id,
            code=draw(st.sampled_from(CODES)),
            validity=_validity(draw),
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    companies: list[Company] = []
    for i in range(draw(st.integers(1, 12))):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        companies.append(
            Company(
                id=CompanyId(_id()),
                name=draw(st.sampled_from(["Kadıköy", "Çankaya", "ISPARTA", "ızmir", "Ege"])) + f" {i}",
                type=CompanyType.DEALER if i < 3 else CompanyType.CUSTOMER,
                registered_at=BASE,
                parent_id=None if parent is None else companies[parent].id,
                segmentation=Segmentation(micro_region=draw(st.one_of(st.none(), st.sampled_from(CODES)))),
            )
        )
    employees: list[Employee] = []
    for i in range(draw(st.integers(1, 6))):
        status = draw(st.sampled_from(EmployeeStatus))
        departed = status is not EmployeeStatus.ACTIVE
        firm = draw(st.one_of(st.none(), st.sampled_from(companies[:3])))
        employees.append(
            Employee(
                id=EmployeeId(_id()),
                name=f"Çalışan {i}",
                position=draw(st.sampled_from(Position)),
                hired_at=BASE - 400 * DAY,
                firm_id=None if firm is None else firm.id,
                status=status,
                exit_at=day(draw(st.integers(0, 60))) if departed else None,
                exit_reason="Ayrıldı" if departed else None,
            )
        )
    memberships = [
        Membership(
            id=MembershipId(_id()),
            team_id=draw(st.sampled_from(teams)).id,
            employee_id=draw(st.sampled_from(employees)).id,
            validity=_validity(draw),
        )
        for _ in range(draw(st.integers(0, 10)))
    ]
    owners = {c.id: draw(st.one_of(st.none(), st.sampled_from(employees))) for c in companies}
    companies = [
        c if owners[c.id] is None else attrs.evolve(c, sales_rep_id=owners[c.id].id)  # type: ignore[union-attr]
        for c in companies
    ]
    changes = _changes(draw, companies, employees, teams)
    dated = replay(companies, links, employees, changes)
    return Organisation(
        regions=tuple(regions),
        teams=tuple(teams),
        links=dated.links,
        companies=dated.companies,
        employees=tuple(employees),
        memberships=tuple(memberships),
        switch=draw(st.booleans()),
        at=day(draw(st.integers(0, 70))) + draw(st.sampled_from([timedelta(0), 9 * HOUR])),
        codes=dated.codes,
        owners=dated.owners,
        changes=tuple(changes),
        refused=dated.refused,
        before=Dated(tuple(companies), tuple(links)) if changes else None,
    )
