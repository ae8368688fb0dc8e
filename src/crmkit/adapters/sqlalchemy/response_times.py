"""Response-time KPIs in the database (SPEC §5 I3): counts, sums and nearest-rank percentiles.

One statement per measure: the interactions the access predicate lets
through (joined to ``companies``, A7) in the asked creation period are
ranked per group with ``ROW_NUMBER()`` and ``COUNT()`` window functions
(SQLite ≥ 3.25, PostgreSQL, MariaDB ≥ 10.2), and the p-th percentile is
the smallest value whose rank *r* satisfies ``r·100 ≥ p·n`` — integer
arithmetic, no dialect's ``PERCENTILE_CONT``. Averages come back as exact
integer sums and counts; the division is done once, in
:func:`crmkit.domain.response_times.average`, so every back end rounds alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import utc
from crmkit.adapters.sqlalchemy.predicates import compile_predicate
from crmkit.adapters.sqlalchemy.tables import interaction as it
from crmkit.domain.predicates import Everything, Predicate
from crmkit.domain.response_times import KpiGroup, ResponseKpi, average

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["response_kpis"]


def _group_column(group: KpiGroup) -> sa.ColumnElement[Any]:
    t = it.interactions
    return {KpiGroup.CHANNEL: t.c.channel, KpiGroup.TEAM: t.c.owner_team_id, KpiGroup.REP: t.c.owner_id}[
        group
    ]


def _filtered(
    query: sa.Select[Any], predicate: Predicate, since: datetime | None, until: datetime | None
) -> sa.Select[Any]:
    t = it.interactions
    if since is not None:
        query = query.where(t.c.created_at >= utc(since))
    if until is not None:
        query = query.where(t.c.created_at < utc(until))
    if isinstance(predicate, Everything):
        return query
    companies = tables.companies
    return query.join(companies, companies.c.id == t.c.company_id).where(compile_predicate(predicate))


def _key(value: object) -> str | None:
    return None if value is None else str(value)


def _measure(
    uow: SqlUnitOfWork,
    column: sa.Column[Any],
    group: KpiGroup,
    predicate: Predicate,
    since: datetime | None,
    until: datetime | None,
    percentiles: Sequence[int],
) -> dict[str | None, tuple[int, int, dict[int, int]]]:
    """Group → (count, sum, percentile → value) of one measure, over rows where it is set."""
    t = it.interactions
    base = _filtered(
        sa.select(_group_column(group).label("g"), column.label("v"))
        .select_from(t)
        .where(column.is_not(None)),
        predicate,
        since,
        until,
    ).subquery()
    ranked = sa.select(
        base.c.g,
        base.c.v,
        sa.func.row_number().over(partition_by=base.c.g, order_by=base.c.v).label("rn"),
        sa.func.count().over(partition_by=base.c.g).label("n"),
    ).subquery()
    ranks = [
        sa.func.min(sa.case((ranked.c.rn * 100 >= p * ranked.c.n, ranked.c.v))).label(f"p{p}")
        for p in percentiles
    ]
    query = sa.select(ranked.c.g, sa.func.count(), sa.func.sum(ranked.c.v), *ranks).group_by(ranked.c.g)
    out: dict[str | None, tuple[int, int, dict[int, int]]] = {}
    for found in uow.execute(query):
        row: tuple[Any, ...] = tuple(found)
        out[_key(row[0])] = (
            int(row[1]),
            int(row[2]),
            {p: int(row[3 + i]) for i, p in enumerate(percentiles)},
        )
    return out


def response_kpis(
    uow: SqlUnitOfWork,
    predicate: Predicate,
    *,
    group: KpiGroup,
    since: datetime | None,
    until: datetime | None,
    percentiles: Sequence[int],
) -> list[ResponseKpi]:
    """The KPIs of the interactions matching ``predicate`` created in ``[since, until)``, by group key."""
    t = it.interactions
    column = _group_column(group)
    totals = _filtered(sa.select(column, sa.func.count()).select_from(t), predicate, since, until).group_by(
        column
    )
    counts = {_key(row[0]): int(row[1]) for row in (tuple(r) for r in uow.execute(totals))}
    response = _measure(uow, t.c.response_seconds, group, predicate, since, until, percentiles)
    resolution = _measure(uow, t.c.resolution_seconds, group, predicate, since, until, percentiles)
    return [_kpi(key, counts[key], response.get(key), resolution.get(key)) for key in _ordered(counts)]


def _ordered(keys: dict[str | None, int]) -> list[str | None]:
    return sorted(keys, key=lambda k: (k is not None, k or ""))


def _kpi(
    key: str | None,
    count: int,
    response: tuple[int, int, dict[int, int]] | None,
    resolution: tuple[int, int, dict[int, int]] | None,
) -> ResponseKpi:
    def percent(found: tuple[int, int, dict[int, int]] | None) -> dict[int, timedelta]:
        return {} if found is None else {p: timedelta(seconds=v) for p, v in found[2].items()}

    return ResponseKpi(
        group=key,
        interactions=count,
        responded=0 if response is None else response[0],
        resolved=0 if resolution is None else resolution[0],
        average_response=None if response is None else average(response[1], response[0]),
        average_resolution=None if resolution is None else average(resolution[1], resolution[0]),
        response_percentiles=percent(response),
        resolution_percentiles=percent(resolution),
    )
