"""Random organisations for the access properties: regions, teams, dated memberships and code links,
companies in a channel tree, employees of every position and status, and the A1 switch.

:func:`reference_sees` is the plain reference written from the A-rules (A1, A2, A5, A6)
without the predicate algebra, so the properties compare three independent answers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import strategies as st

from crmkit.domain.access import Actor
from crmkit.domain.employees import Employee, EmployeeStatus, Position
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company, CompanyType, Segmentation
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
)
from crmkit.ports.storage import Storage

BASE = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
CODES = ("M-01", "M-02", "M-03", "M-04", "M-05", "A-01")


def day(n: int) -> datetime:
    return BASE + n * DAY


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

    def store(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.companies.add_many(self.companies)
            uow.employees.add_many(self.employees)
            uow.regions.add_many(self.regions)
            uow.teams.add_many(self.teams)
            uow.code_links.add_many(self.links)
            uow.memberships.add_many(self.memberships)
            uow.commit()

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
    code = company.segmentation.micro_region
    return code is not None and code in org.team_codes(employee, at)  # A1 on


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
    return Organisation(
        regions=tuple(regions),
        teams=tuple(teams),
        links=tuple(links),
        companies=tuple(companies),
        employees=tuple(employees),
        memberships=tuple(memberships),
        switch=draw(st.booleans()),
        at=day(draw(st.integers(0, 70))),
    )
