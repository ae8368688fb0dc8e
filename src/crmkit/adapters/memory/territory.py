"""In-memory territory repositories (T1–T5) and the in-memory side of the access predicates (A7).

The repositories reuse :class:`~crmkit.adapters.memory.repositories.MemoryRepository`
(staging, versions, audit). Tree walks here are plain Python over the
dictionaries this process holds anyway; the SQL adapter answers the same
questions in the database. :func:`visible_companies` evaluates a
:mod:`~crmkit.domain.predicates` value over companies with
:func:`~crmkit.domain.predicates.matches`, which the SQL compiler must agree with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from crmkit.adapters.memory._trees import subtree_of
from crmkit.adapters.memory.repositories import MemoryRepository
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company
from crmkit.domain.predicates import CompanyFacts, Nothing, Predicate, Purchase, matches
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
)
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId
from crmkit.domain.text import fold

if TYPE_CHECKING:
    from crmkit.adapters.memory.repositories import MemoryCompanyRepository

__all__ = [
    "CODE_LINK_AGGREGATE",
    "MEMBERSHIP_AGGREGATE",
    "NO_HISTORY",
    "OWNER_AGGREGATE",
    "REGION_AGGREGATE",
    "TEAM_AGGREGATE",
    "Histories",
    "MemoryCodeLinkRepository",
    "MemoryMembershipRepository",
    "MemoryOwnerRepository",
    "MemoryRegionRepository",
    "MemoryTeamRepository",
    "company_facts",
    "segment_fields",
    "visible_companies",
]

REGION_AGGREGATE = "region"
"""``aggregate_type`` of audit entries of regions (T1)."""
TEAM_AGGREGATE = "sales_team"
"""``aggregate_type`` of audit entries of sales teams (T2)."""
MEMBERSHIP_AGGREGATE = "team_membership"
"""``aggregate_type`` of audit entries of team memberships (T2, T4)."""
CODE_LINK_AGGREGATE = "code_link"
"""``aggregate_type`` of audit entries of code-to-team links (T3, T4)."""
OWNER_AGGREGATE = "owner_assignment"
"""``aggregate_type`` of audit entries of customer-owner assignments (T4)."""


def _page(items: list[Company], limit: int, offset: int) -> list[Company]:
    start = max(offset, 0)
    return items[start : start + max(limit, 0)]


@attrs.frozen
class Histories:
    """Every customer's dated codes and owners (T4), by company, as :class:`CompanyFacts` holds them."""

    codes: Mapping[CompanyId, tuple[tuple[datetime, datetime | None, str], ...]] = attrs.Factory(dict)
    owners: Mapping[CompanyId, tuple[tuple[datetime, datetime | None, EmployeeId], ...]] = attrs.Factory(dict)

    @classmethod
    def of(cls, codes: Iterable[CustomerCode], owners: Iterable[OwnerAssignment]) -> Histories:
        """Group dated code rows and owner rows by company."""
        by_code: dict[CompanyId, list[tuple[datetime, datetime | None, str]]] = {}
        for c in codes:
            by_code.setdefault(c.company_id, []).append((c.validity.valid_from, c.validity.valid_to, c.code))
        by_owner: dict[CompanyId, list[tuple[datetime, datetime | None, EmployeeId]]] = {}
        for o in owners:
            span = (o.validity.valid_from, o.validity.valid_to, o.employee_id)
            by_owner.setdefault(o.company_id, []).append(span)
        return cls({k: tuple(v) for k, v in by_code.items()}, {k: tuple(v) for k, v in by_owner.items()})

    @classmethod
    def read(cls, uow: object) -> Histories:
        """The histories staged in a memory unit of work (its ``customer_codes`` and ``owners``)."""
        codes: MemoryRepository[CustomerCode, CustomerCodeId] = getattr(uow, "customer_codes")  # noqa: B009
        owners: MemoryRepository[OwnerAssignment, OwnerAssignmentId] = getattr(uow, "owners")  # noqa: B009
        return cls.of(codes._rows(), owners._rows())


NO_HISTORY = Histories()
"""No dated rows: every company answered from its own columns."""


def company_facts(
    company: Company,
    parents: Mapping[CompanyId, CompanyId | None],
    histories: Histories = NO_HISTORY,
    purchases: Mapping[str, Sequence[Purchase]] | None = None,
) -> CompanyFacts:
    """The facts a predicate looks at, with the lineage walked through ``parents`` (id → parent id).

    ``histories`` gives the dated codes and owners (T4) that predicates built with ``at`` read.
    ``purchases`` (buyer key → net purchase lines) fills the facts' purchases (M1) by tax number.
    """
    lineage = {company.id}
    current = company.parent_id
    while current is not None and current not in lineage:
        lineage.add(current)
        current = parents.get(current)
    return CompanyFacts(
        id=company.id,
        code=company.segmentation.micro_region,
        owner_id=company.sales_rep_id,
        lineage=frozenset(lineage),
        fields=segment_fields(company),
        codes=histories.codes.get(company.id, ()),
        owners=histories.owners.get(company.id, ()),
        purchases=tuple(purchases.get(company.tax_no, ())) if purchases and company.tax_no else (),
    )


def segment_fields(company: Company) -> dict[str, str]:
    """The company's filled :data:`~crmkit.domain.predicates.SEGMENT_FIELDS` as text (M1)."""
    fields = company.segmentation.filled()
    fields["type"] = company.type.value
    if company.sales_rep_id is not None:
        fields["sales_rep"] = str(company.sales_rep_id)
    if company.support_rep_id is not None:
        fields["support_rep"] = str(company.support_rep_id)
    return fields


def visible_companies(
    predicate: Predicate,
    companies: Iterable[Company],
    histories: Histories = NO_HISTORY,
    purchases: Mapping[str, Sequence[Purchase]] | None = None,
) -> list[Company]:
    """The companies matching ``predicate``, ordered by folded name then id (A7, in memory).

    ``histories``: the dated codes and owners (T4) a predicate with ``at`` reads;
    ``purchases``: net purchase lines per buyer key, for purchase-history segments (M1).
    """
    if isinstance(predicate, Nothing):
        return []
    rows = list(companies)
    parents = {c.id: c.parent_id for c in rows}
    found = [c for c in rows if matches(predicate, company_facts(c, parents, histories, purchases))]
    return sorted(found, key=lambda c: (fold(c.name), c.id))


class MemoryRegionRepository(MemoryRepository[Region, RegionId]):
    """The region tree in memory (T1, T5)."""

    aggregate_type = REGION_AGGREGATE

    _teams: MemoryTeamRepository
    _links: MemoryCodeLinkRepository
    _memberships: MemoryMembershipRepository
    _companies: MemoryCompanyRepository

    def attach(
        self,
        *,
        teams: MemoryTeamRepository,
        links: MemoryCodeLinkRepository,
        memberships: MemoryMembershipRepository,
        companies: MemoryCompanyRepository,
    ) -> None:
        """Give the region repository its unit of work's siblings, for the "under a region" queries."""
        self._teams = teams
        self._links = links
        self._memberships = memberships
        self._companies = companies

    def key(self, item: Region) -> RegionId:
        """The region's id."""
        return item.id

    def children(self, parent: RegionId | None) -> list[Region]:
        """Regions directly under ``parent`` (``None``: the top), by name then id."""
        self._uow.check_usable()
        return self._select(lambda r: r.parent_id == parent, lambda r: (r.name, r.id))

    def ancestors(self, region: RegionId) -> list[RegionId]:
        """The chain above ``region``, parent first.

        Raises:
            NotFound: when the region does not exist.
        """
        current = self.get(region)
        chain: list[RegionId] = []
        while current.parent_id is not None and current.parent_id not in chain:
            chain.append(current.parent_id)
            parent = self._lookup(current.parent_id)
            if parent is None:
                break
            current = parent
        return chain

    def subtree(self, root: RegionId) -> list[RegionId]:
        """``root`` and every region below it, by id; empty for an unknown root."""
        self._uow.check_usable()
        return subtree_of(root, ((r.id, r.parent_id) for r in self._rows()))

    def _teams_under(self, root: RegionId) -> set[TeamId]:
        regions = set(self.subtree(root))
        return {t.id for t in self._teams.in_regions(regions)}

    def _codes_under(self, root: RegionId, at: datetime) -> set[str]:
        teams = self._teams_under(root)
        return {link.code for link in self._links.for_teams(teams) if link.active_at(at)}

    def _customers(self, root: RegionId, at: datetime) -> list[Company]:
        codes = self._codes_under(root, at)
        rows = self._companies._rows()
        return sorted((c for c in rows if c.segmentation.micro_region in codes), key=lambda c: c.id)

    def customers_under(
        self, root: RegionId, at: datetime, *, limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Companies whose code is linked at ``at`` to a team under ``root``, by id (T5)."""
        return _page(self._customers(root, at), limit, offset)

    def count_customers_under(self, root: RegionId, at: datetime) -> int:
        """How many companies :meth:`customers_under` lists in all."""
        return len(self._customers(root, at))

    def reps_under(self, root: RegionId, at: datetime) -> list[EmployeeId]:
        """Members at ``at`` of teams of regions under ``root``, by id (T5)."""
        teams = self._teams_under(root)
        return sorted({m.employee_id for m in self._memberships.active(teams, at)})


class MemoryTeamRepository(MemoryRepository[SalesTeam, TeamId]):
    """Sales teams in memory (T2)."""

    aggregate_type = TEAM_AGGREGATE

    def key(self, item: SalesTeam) -> TeamId:
        """The team's id."""
        return item.id

    def for_region(self, region: RegionId) -> list[SalesTeam]:
        """The teams directly under ``region``, by name then id."""
        self._uow.check_usable()
        return self._select(lambda t: t.region_id == region, lambda t: (t.name, t.id))

    def in_regions(self, regions: set[RegionId]) -> list[SalesTeam]:
        """The teams of any of ``regions`` (used by the region repository)."""
        self._uow.check_usable()
        return self._select(lambda t: t.region_id in regions, lambda t: t.id)


class MemoryMembershipRepository(MemoryRepository[Membership, MembershipId]):
    """Dated team memberships in memory (T2, T4)."""

    aggregate_type = MEMBERSHIP_AGGREGATE

    def key(self, item: Membership) -> MembershipId:
        """The membership's id."""
        return item.id

    def for_employee(self, employee: EmployeeId) -> list[Membership]:
        """Every membership of an employee, by start then id."""
        self._uow.check_usable()
        return self._select(lambda m: m.employee_id == employee, lambda m: (m.validity.valid_from, m.id))

    def for_team(self, team: TeamId) -> list[Membership]:
        """Every membership of a team, by start then id."""
        self._uow.check_usable()
        return self._select(lambda m: m.team_id == team, lambda m: (m.validity.valid_from, m.id))

    def active(self, teams: Iterable[TeamId], at: datetime) -> list[Membership]:
        """The memberships of ``teams`` holding at ``at``, by team, employee, then id."""
        self._uow.check_usable()
        wanted = set(teams)
        return self._select(
            lambda m: m.team_id in wanted and m.active_at(at), lambda m: (m.team_id, m.employee_id, m.id)
        )


class MemoryCodeLinkRepository(MemoryRepository[CodeLink, CodeLinkId]):
    """Dated code-to-team links in memory (T3, T4)."""

    aggregate_type = CODE_LINK_AGGREGATE

    def key(self, item: CodeLink) -> CodeLinkId:
        """The link's id."""
        return item.id

    def for_teams(self, teams: Iterable[TeamId]) -> list[CodeLink]:
        """Every link of these teams, by team, start, then id."""
        self._uow.check_usable()
        wanted = set(teams)
        return self._select(lambda c: c.team_id in wanted, lambda c: (c.team_id, c.validity.valid_from, c.id))

    def for_code(self, code: str) -> list[CodeLink]:
        """Every link of a code, by start then id."""
        self._uow.check_usable()
        return self._select(lambda c: c.code == code, lambda c: (c.validity.valid_from, c.id))


class MemoryOwnerRepository(MemoryRepository[OwnerAssignment, OwnerAssignmentId]):
    """Dated customer owners in memory (T4)."""

    aggregate_type = OWNER_AGGREGATE

    def key(self, item: OwnerAssignment) -> OwnerAssignmentId:
        """The assignment's id."""
        return item.id

    def for_company(self, company: CompanyId) -> list[OwnerAssignment]:
        """Every owner assignment of a company, by start then id."""
        self._uow.check_usable()
        return self._select(lambda o: o.company_id == company, lambda o: (o.validity.valid_from, o.id))

    def owner_at(self, company: CompanyId, at: datetime) -> OwnerAssignment | None:
        """The assignment holding at ``at``, or ``None``."""
        return next((o for o in self.for_company(company) if o.active_at(at)), None)
