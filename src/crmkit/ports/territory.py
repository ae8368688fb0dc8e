"""Territory storage ports: regions, teams, dated memberships, code links and owners (SPEC §2).

These repositories follow the shared rules of :mod:`crmkit.ports.storage`
(``add``/``get``/``save`` with versions and audit, ``get_many`` in one
query). The tree and "under a region" queries run in the storage: an
adapter must not load the whole region tree or all companies to answer
them (T5). Dated queries take ``at`` and use the half-open validity
``valid_from <= at < valid_to`` (T4).

The contract suite is :class:`crmkit.testing.contracts.territory.TerritoryContract`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company
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
from crmkit.ports.storage import Repository

__all__ = [
    "CodeLinkRepository",
    "MembershipRepository",
    "OwnerRepository",
    "RegionRepository",
    "TeamRepository",
]


class RegionRepository(Repository[Region, RegionId], Protocol):
    """The region tree (T1, T5).

    ``save`` of a region whose ``parent_id`` changed moves its whole subtree;
    the caller has checked for cycles (:meth:`Region.move_under <crmkit.domain.territory.Region.move_under>`).
    """

    def children(self, parent: RegionId | None) -> list[Region]:
        """Regions directly under ``parent`` (``None``: the top regions), ordered by name then id."""
        ...

    def ancestors(self, region: RegionId) -> list[RegionId]:
        """The chain above ``region``: its parent first, the top region last.

        Raises:
            NotFound: when the region does not exist.
        """
        ...

    def subtree(self, root: RegionId) -> list[RegionId]:
        """``root`` and every region below it, ordered by id; empty for an unknown root."""
        ...

    def customers_under(
        self, root: RegionId, at: datetime, *, limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Companies whose micro-region code is linked at ``at`` to a team of a region in ``root``'s subtree.

        Ordered by id; paged in the storage (T3, T4, T5).
        """
        ...

    def count_customers_under(self, root: RegionId, at: datetime) -> int:
        """How many companies :meth:`customers_under` would list in all."""
        ...

    def reps_under(self, root: RegionId, at: datetime) -> list[EmployeeId]:
        """Employees who are members at ``at`` of a team of a region in ``root``'s subtree, by id (T5)."""
        ...


class TeamRepository(Repository[SalesTeam, TeamId], Protocol):
    """Sales teams (T2)."""

    def for_region(self, region: RegionId) -> list[SalesTeam]:
        """The teams directly under ``region``, ordered by name then id."""
        ...


class MembershipRepository(Repository[Membership, MembershipId], Protocol):
    """Dated team memberships (T2, T4)."""

    def for_employee(self, employee: EmployeeId) -> list[Membership]:
        """Every membership of an employee, past and future, by start then id."""
        ...

    def for_team(self, team: TeamId) -> list[Membership]:
        """Every membership of a team, past and future, by start then id."""
        ...

    def active(self, teams: Iterable[TeamId], at: datetime) -> list[Membership]:
        """The memberships of ``teams`` that hold at ``at``, by team, employee, then id."""
        ...


class CodeLinkRepository(Repository[CodeLink, CodeLinkId], Protocol):
    """Dated links of micro-region codes to teams (T3, T4)."""

    def for_teams(self, teams: Iterable[TeamId]) -> list[CodeLink]:
        """Every link of these teams, past and future, by team, start, then id."""
        ...

    def for_code(self, code: str) -> list[CodeLink]:
        """Every link of a code, past and future, by start then id."""
        ...


class OwnerRepository(Repository[OwnerAssignment, OwnerAssignmentId], Protocol):
    """Dated customer owners (T4)."""

    def for_company(self, company: CompanyId) -> list[OwnerAssignment]:
        """Every owner assignment of a company, by start then id."""
        ...

    def owner_at(self, company: CompanyId, at: datetime) -> OwnerAssignment | None:
        """The assignment holding at ``at``, or ``None``."""
        ...
