"""Territory repositories over SQLAlchemy Core (T1–T5).

The region tree lives in ``regions.parent_id`` and in the closure table
``region_closure`` (see :mod:`~crmkit.adapters.sqlalchemy.tables.territory`):

* ``add``/``add_many`` insert each region's closure pairs in the same savepoint
  batch (one ``executemany``), computed from the parent's stored ancestors;
* ``save`` of a region whose parent changed moves its subtree: it deletes the
  pairs linking the subtree to its old ancestors and inserts the pairs to the
  new ones with one ``INSERT … SELECT`` (only the moved subtree's ids are read);
* subtree, ancestors, "customers under a region" and "reps under a region"
  are single joins on the closure table, run in the database.

Dated queries use ``valid_from <= at AND (valid_to IS NULL OR valid_to > at)`` (T4).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import RowMapper, utc, uuids_of
from crmkit.adapters.sqlalchemy.dated_flags import DatedFlags
from crmkit.adapters.sqlalchemy.prepared import bound, prepared
from crmkit.adapters.sqlalchemy.repositories import GET_MANY_CHUNK, SqlCompanyRepository, SqlRepository
from crmkit.adapters.sqlalchemy.sql_repository import parents_first
from crmkit.domain.errors import NotFound
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

__all__ = [
    "SqlCodeLinkRepository",
    "SqlMembershipRepository",
    "SqlOwnerRepository",
    "SqlRegionRepository",
    "SqlTeamRepository",
    "active_at",
]


def active_at(table: sa.Table | Any, at: datetime) -> sa.ColumnElement[bool]:
    """The half-open validity test of a dated table at ``at`` (T4)."""
    when = utc(at)
    return sa.and_(table.c.valid_from <= when, sa.or_(table.c.valid_to.is_(None), table.c.valid_to > when))


def _codes_under() -> sa.Select[Any]:
    links, teams, closure = tables.code_links, tables.sales_teams, tables.region_closure
    at = sa.bindparam("at", type_=links.c.valid_from.type)
    return (
        sa.select(links.c.code)
        .join(teams, teams.c.id == links.c.team_id)
        .join(closure, closure.c.descendant_id == teams.c.region_id)
        .where(
            closure.c.ancestor_id == sa.bindparam("root", type_=closure.c.ancestor_id.type),
            links.c.valid_from <= at,
            sa.or_(links.c.valid_to.is_(None), links.c.valid_to > at),
        )
    )


_CLOSURE = tables.region_closure
_SUBTREE = (
    sa.select(sa.type_coerce(_CLOSURE.c.descendant_id, sa.String()))
    .where(_CLOSURE.c.ancestor_id == sa.bindparam("root", type_=_CLOSURE.c.ancestor_id.type))
    .order_by(_CLOSURE.c.descendant_id)
)
"""The subtree query; ids read raw and made UUIDs by :func:`uuid_of` (native on PostgreSQL)."""

# Built once, with bound parameters ``root`` and ``at``: building and cache-keying these
# statements on every call cost a third of the "customers under a region" budget (issue 4, 5b).
_CODES_UNDER = _codes_under()
_UNDER = tables.companies.c.micro_region.in_(_CODES_UNDER.scalar_subquery())
_COUNT_UNDER = sa.select(sa.func.count()).select_from(tables.companies).where(_UNDER)
_PAGE_UNDER_IDS = (
    sa.select(tables.companies.c.id)
    .where(_UNDER)
    .order_by(tables.companies.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
    .offset(sa.bindparam("offset", type_=sa.Integer))
    .subquery("page")
)
_PAGE_UNDER = (
    sa.select(tables.companies)
    .join(_PAGE_UNDER_IDS, _PAGE_UNDER_IDS.c.id == tables.companies.c.id)
    .order_by(tables.companies.c.id)
)


class SqlRegionRepository(SqlRepository[Region, RegionId]):
    """The region tree with its closure table (T1, T5)."""

    aggregate_type = "region"
    mapper = RowMapper(Region, tables.regions)

    def _ordered_for_insert(self, items: list[Region]) -> list[Region]:
        """Parents before their children within the batch."""
        return parents_first(items)

    def add_many(self, items: Iterable[Region]) -> None:
        """Store new regions and their closure pairs (T1); parents before children.

        Raises:
            Duplicate: an id is taken.
            ValidationError: naming ``parent_id`` when the parent does not exist.
        """
        batch = self._ordered_for_insert(list(items))
        if not batch:
            return
        super().add_many(batch)
        closure = tables.region_closure
        outside = {r.parent_id for r in batch if r.parent_id is not None} - {r.id for r in batch}
        chains: dict[RegionId, list[tuple[RegionId, int]]] = {}
        for parent in outside:
            query = sa.select(closure.c.ancestor_id, closure.c.depth).where(closure.c.descendant_id == parent)
            chains[parent] = [(RegionId(r.ancestor_id), int(r.depth)) for r in self._uow.execute(query).all()]
        rows: list[dict[str, Any]] = []
        for region in batch:
            chain = [(region.id, 0)]
            if region.parent_id is not None:
                chain += [(a, d + 1) for a, d in chains[region.parent_id]]
            chains[region.id] = chain
            rows.extend({"ancestor_id": a, "descendant_id": region.id, "depth": d} for a, d in chain)
        with self._uow.writing(self, [], batch[0].id, batch[0].version) as conn:
            conn.execute(sa.insert(closure), rows)

    def save(self, item: Region) -> Region:
        """Store a changed region; a new parent moves its whole subtree in the closure table (T1).

        Raises:
            ConcurrencyConflict: a stale copy; nothing is written.
            NotFound: the region was never added.
        """
        old = self.get(item.id)
        saved = super().save(item)
        if old.parent_id != item.parent_id:
            self._move(item.id, item.parent_id)
        return saved

    def _move(self, region: RegionId, parent: RegionId | None) -> None:
        closure = tables.region_closure
        below = [
            RegionId(v)
            for v in self._uow.execute(
                sa.select(closure.c.descendant_id).where(closure.c.ancestor_id == region)
            ).scalars()
        ]
        above = [RegionId(a) for a in self.ancestors(region)]
        with self._uow.writing(self, [], region, 0) as conn:
            for start in range(0, len(below), GET_MANY_CHUNK):
                chunk = below[start : start + GET_MANY_CHUNK]
                if above:
                    conn.execute(
                        sa.delete(closure).where(
                            closure.c.descendant_id.in_(chunk), closure.c.ancestor_id.in_(above)
                        )
                    )
            if parent is not None:
                a, b = closure.alias("a"), closure.alias("b")
                pairs = (
                    sa.select(a.c.ancestor_id, b.c.descendant_id, a.c.depth + b.c.depth + 1)
                    .select_from(a)
                    .join(b, sa.and_(a.c.descendant_id == parent, b.c.ancestor_id == region))
                )
                conn.execute(sa.insert(closure).from_select(["ancestor_id", "descendant_id", "depth"], pairs))

    def children(self, parent: RegionId | None) -> list[Region]:
        """Regions directly under ``parent`` (``None``: the top), by name then id."""
        t = tables.regions
        where = t.c.parent_id.is_(None) if parent is None else t.c.parent_id == parent
        return self._rows(sa.select(t).where(where).order_by(t.c.name, t.c.id))

    def ancestors(self, region: RegionId) -> list[RegionId]:
        """The chain above ``region``, parent first, from the closure table.

        Raises:
            NotFound: when the region does not exist.
        """
        closure = tables.region_closure
        query = (
            sa.select(closure.c.ancestor_id, closure.c.depth)
            .where(closure.c.descendant_id == region)
            .order_by(closure.c.depth)
        )
        rows = self._uow.execute(query).all()
        if not rows:
            raise NotFound(self.aggregate_type, region)
        return [RegionId(r.ancestor_id) for r in rows if r.depth > 0]

    def subtree(self, root: RegionId) -> list[RegionId]:
        """``root`` and every region below it, by id (one indexed read of the closure table)."""
        return cast(list[RegionId], uuids_of(self._uow.execute(_SUBTREE, {"root": root}).scalars().all()))

    def customers_under(
        self, root: RegionId, at: datetime, *, limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Companies whose code is linked at ``at`` to a team under ``root``, by id, paged in SQL (T5)."""
        params = {"root": root, "at": utc(at), "limit": max(limit, 0), "offset": max(offset, 0)}
        result = self._uow.execute(_PAGE_UNDER, params)
        return [SqlCompanyRepository.mapper.from_row(row) for row in result.mappings()]

    def count_customers_under(self, root: RegionId, at: datetime) -> int:
        """How many companies :meth:`customers_under` lists in all, counted in SQL."""
        return int(self._uow.execute(_COUNT_UNDER, {"root": root, "at": utc(at)}).scalar_one())

    def reps_under(self, root: RegionId, at: datetime) -> list[EmployeeId]:
        """Members at ``at`` of teams of regions under ``root``, by id (T5)."""
        m, teams, closure = tables.team_memberships, tables.sales_teams, tables.region_closure
        query = (
            sa.select(m.c.employee_id)
            .distinct()
            .join(teams, teams.c.id == m.c.team_id)
            .join(closure, closure.c.descendant_id == teams.c.region_id)
            .where(closure.c.ancestor_id == root, active_at(m, at))
            .order_by(m.c.employee_id)
        )
        return [EmployeeId(v) for v in self._uow.execute(query).scalars()]


class SqlTeamRepository(SqlRepository[SalesTeam, TeamId]):
    """Sales teams (T2)."""

    aggregate_type = "sales_team"
    mapper = RowMapper(SalesTeam, tables.sales_teams)

    def for_region(self, region: RegionId) -> list[SalesTeam]:
        """The teams directly under ``region``, by name then id."""
        t = tables.sales_teams
        return self._rows(sa.select(t).where(t.c.region_id == region).order_by(t.c.name, t.c.id))


class SqlMembershipRepository(SqlRepository[Membership, MembershipId]):
    """Dated team memberships (T2, T4)."""

    aggregate_type = "team_membership"
    mapper = RowMapper(Membership, tables.team_memberships, nested={"validity": ""})

    def for_employee(self, employee: EmployeeId) -> list[Membership]:
        """Every membership of an employee, by start then id."""
        t = tables.team_memberships
        query = prepared(
            "memberships of an employee",
            lambda: (
                sa.select(t)
                .where(t.c.employee_id == bound("employee", t.c.employee_id))
                .order_by(t.c.valid_from, t.c.id)
            ),
        )
        return self._rows(query, {"employee": employee})

    def for_team(self, team: TeamId) -> list[Membership]:
        """Every membership of a team, by start then id."""
        t = tables.team_memberships
        return self._rows(sa.select(t).where(t.c.team_id == team).order_by(t.c.valid_from, t.c.id))

    def active(self, teams: Iterable[TeamId], at: datetime) -> list[Membership]:
        """The memberships of ``teams`` holding at ``at``, by team, employee, then id."""
        t = tables.team_memberships
        wanted = list(dict.fromkeys(teams))
        found: list[Membership] = []
        for start in range(0, len(wanted), GET_MANY_CHUNK):
            chunk = wanted[start : start + GET_MANY_CHUNK]
            found += self._rows(sa.select(t).where(t.c.team_id.in_(chunk), active_at(t, at)))
        return sorted(found, key=lambda m: (m.team_id, m.employee_id, m.id))


class SqlCodeLinkRepository(SqlRepository[CodeLink, CodeLinkId]):
    """Dated code-to-team links (T3, T4)."""

    aggregate_type = "code_link"
    mapper = RowMapper(CodeLink, tables.code_links, nested={"validity": ""})

    def for_teams(self, teams: Iterable[TeamId]) -> list[CodeLink]:
        """Every link of these teams, by team, start, then id."""
        t = tables.code_links
        wanted = list(dict.fromkeys(teams))
        found: list[CodeLink] = []
        query = prepared(
            "code links of teams",
            lambda: sa.select(t).where(t.c.team_id.in_(bound("teams", t.c.team_id, expanding=True))),
        )
        for start in range(0, len(wanted), GET_MANY_CHUNK):
            found += self._rows(query, {"teams": wanted[start : start + GET_MANY_CHUNK]})
        return sorted(found, key=lambda c: (c.team_id, c.validity.valid_from, c.id))

    def for_code(self, code: str) -> list[CodeLink]:
        """Every link of a code, by start then id."""
        t = tables.code_links
        return self._rows(sa.select(t).where(t.c.code == code).order_by(t.c.valid_from, t.c.id))


class SqlOwnerRepository(DatedFlags, SqlRepository[OwnerAssignment, OwnerAssignmentId]):
    """Dated customer owners (T4); adding one sets ``companies.owner_dated``."""

    flag = "owner_dated"

    aggregate_type = "owner_assignment"
    mapper = RowMapper(OwnerAssignment, tables.owner_assignments, nested={"validity": ""})

    def for_company(self, company: CompanyId) -> list[OwnerAssignment]:
        """Every owner assignment of a company, by start then id."""
        t = tables.owner_assignments
        query = sa.select(t).where(t.c.company_id == company).order_by(t.c.valid_from, t.c.id)
        return self._rows(query)

    def owner_at(self, company: CompanyId, at: datetime) -> OwnerAssignment | None:
        """The assignment holding at ``at``, or ``None``."""
        t = tables.owner_assignments
        return self._one_or_none(sa.select(t).where(t.c.company_id == company, active_at(t, at)))
