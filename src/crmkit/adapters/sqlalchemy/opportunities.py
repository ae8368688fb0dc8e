"""SQL opportunities and offers (SPEC §5 I8, I9, I10; §4 Q6): the ports of :mod:`crmkit.ports.opportunities`.

Built on :class:`~crmkit.adapters.sqlalchemy.repositories.SqlRepository`
(insert and update with their audit rows). Every listing and report joins
``companies`` and compiles the access predicate into its ``WHERE`` clause
(A7, A8); the reports are ``GROUP BY`` queries over integer columns —
``amount_minor``, ``amount_minor × probability_bp``, counts — so each back
end returns exactly the sums of :mod:`crmkit.domain.pipeline`. The funnel's
conversion joins each history row to the next one of the same opportunity
(``seq + 1``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import RowMapper, utc
from crmkit.adapters.sqlalchemy.interactions import _page
from crmkit.adapters.sqlalchemy.predicates import compile_predicate
from crmkit.adapters.sqlalchemy.prepared import bound, join_company, page, paged, scoped
from crmkit.adapters.sqlalchemy.repositories import SqlRepository
from crmkit.adapters.sqlalchemy.tables.opportunities import offers, opportunities, opportunity_stages
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import InteractionId
from crmkit.domain.offers import OFFER_AGGREGATE, Offer, OfferId, OfferStatus
from crmkit.domain.opportunities import (
    OPPORTUNITY_AGGREGATE,
    STAGE_ENTRY_AGGREGATE,
    Opportunity,
    OpportunityId,
    StageEntry,
    StageEntryId,
    basis_points,
    minor,
)
from crmkit.domain.pipeline import (
    ForecastGroup,
    ForecastRow,
    LeadSourceRow,
    LossRow,
    OfferRow,
    RoutedRow,
    StageStat,
    ordered,
)
from crmkit.domain.predicates import Everything, Predicate
from crmkit.domain.workflow_stages import StageKind

__all__ = ["SqlOfferRepository", "SqlOpportunityRepository"]

t = opportunities


def _extra(item: Opportunity) -> dict[str, Any]:
    return {
        "amount_minor": None if item.amount is None else minor(item.amount),
        "probability_bp": basis_points(item.probability),
    }


def _from(base: sa.FromClause, company: sa.ColumnElement[Any], predicate: Predicate) -> sa.FromClause:
    """``base`` joined to the record's company when the predicate needs it (A7)."""
    if isinstance(predicate, Everything):
        return base
    return base.join(tables.companies, tables.companies.c.id == company)


def _where(query: sa.Select[Any], predicate: Predicate) -> sa.Select[Any]:
    return query if isinstance(predicate, Everything) else query.where(compile_predicate(predicate))


def _within(
    query: sa.Select[Any], column: sa.ColumnElement[Any], since: datetime | None, until: datetime | None
) -> sa.Select[Any]:
    if since is not None:
        query = query.where(column >= utc(since))
    if until is not None:
        query = query.where(column < utc(until))
    return query


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class _Entries(SqlRepository[StageEntry, StageEntryId]):
    aggregate_type = STAGE_ENTRY_AGGREGATE
    mapper = RowMapper(StageEntry, opportunity_stages)


class SqlOpportunityRepository(SqlRepository[Opportunity, OpportunityId]):
    """Opportunities, their stage history and the funnel reports (I9, Q6)."""

    aggregate_type = OPPORTUNITY_AGGREGATE
    mapper = RowMapper(Opportunity, opportunities, nested={"amount": "amount_"}, extra=_extra)

    def enter(self, entry: StageEntry) -> None:
        """Append a stage to an opportunity's history (Duplicate on ``seq`` when taken)."""
        _Entries(self._uow).add(entry)

    def history(self, opportunity: OpportunityId) -> list[StageEntry]:
        """The stages the opportunity entered, by ``seq``."""
        h = opportunity_stages
        query = sa.select(h).where(h.c.opportunity_id == opportunity).order_by(h.c.seq)
        return _Entries(self._uow)._rows(query)

    def _select(self, predicate: Predicate) -> sa.Select[Any]:
        return _where(sa.select(t).select_from(_from(t, t.c.company_id, predicate)), predicate)

    def visible(
        self,
        predicate: Predicate,
        *,
        owner: EmployeeId | None = None,
        company: CompanyId | None = None,
        interaction: InteractionId | None = None,
        open_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Opportunity]:
        """Opportunities at companies matching ``predicate``, newest first, then id."""
        query = self._select(predicate)
        if owner is not None:
            query = query.where(t.c.owner_id == owner)
        if company is not None:
            query = query.where(t.c.company_id == company)
        if interaction is not None:
            query = query.where(t.c.interaction_id == interaction)
        if open_only:
            query = query.where(t.c.stage_kind == StageKind.OPEN.value)
        return self._rows(_page(query.order_by(t.c.created_at.desc(), t.c.id), limit, offset))

    def due(
        self, predicate: Predicate, owner: EmployeeId, before: datetime, *, limit: int = 200
    ) -> list[Opportunity]:
        """The owner's open opportunities whose next step is due before ``before`` (I10)."""

        def build(where: sa.ColumnElement[bool] | None) -> sa.Select[Any]:
            query = sa.select(t).where(
                t.c.owner_id == bound("owner", t.c.owner_id),
                t.c.next_step_due.is_not(None),
                t.c.next_step_due < bound("before", t.c.next_step_due),
                t.c.stage_kind == StageKind.OPEN.value,
            )
            return paged(join_company(query, t, where).order_by(t.c.next_step_due, t.c.id), offset=False)

        query, params = scoped("opportunities due", predicate, build)
        return self._rows(query, params | {"owner": owner, "before": utc(before)} | page(limit))

    def forecast(
        self,
        predicate: Predicate,
        *,
        group: ForecastGroup,
        currency: str,
        since: date | None = None,
        until: date | None = None,
    ) -> list[ForecastRow]:
        """The weighted forecast (I9): integer sums per group and expected-close month, in the database."""
        year = sa.extract("year", t.c.expected_close)
        month = sa.extract("month", t.c.expected_close)
        keys: list[sa.ColumnElement[Any]] = []
        if group is ForecastGroup.REP:
            keys = [t.c.owner_id]
        elif group is ForecastGroup.TEAM:
            keys = [t.c.owner_team_id]
        query: sa.Select[Any] = sa.select(
            *keys,
            year,
            month,
            sa.func.count(),
            sa.func.sum(t.c.amount_minor),
            sa.func.sum(t.c.amount_minor * t.c.probability_bp),
        ).select_from(_from(t, t.c.company_id, predicate))
        query = _where(query, predicate).where(
            t.c.stage_kind == StageKind.OPEN.value,
            t.c.amount_currency == currency,
            t.c.amount_minor.is_not(None),
        )
        if since is not None:
            query = query.where(t.c.expected_close >= since)
        if until is not None:
            query = query.where(t.c.expected_close < until)
        rows = []
        for found in self._uow.execute(query.group_by(*keys, year, month)):
            row: tuple[Any, ...] = tuple(found)
            key = _text(row[0]) if keys else None
            y, m = row[len(keys)], row[len(keys) + 1]
            label = None if y is None else f"{int(y):04d}-{int(m):02d}"
            count, amount, weighted = (int(v) for v in row[len(keys) + 2 :])
            rows.append(ForecastRow.from_sums(key, label, count, amount, weighted, currency))
        return ordered(rows, lambda r: r.key, lambda r: r.month)

    def funnel(
        self,
        predicate: Predicate,
        *,
        funnel: str,
        stages: list[str],
        since: datetime | None,
        until: datetime | None,
    ) -> list[StageStat]:
        """Conversion per stage (I9): each history row joined to the next one, grouped by stage."""
        h1, h2 = opportunity_stages.alias("h1"), opportunity_stages.alias("h2")
        lost = StageKind.LOST.value
        base = h1.join(t, t.c.id == h1.c.opportunity_id).outerjoin(
            h2, sa.and_(h2.c.opportunity_id == h1.c.opportunity_id, h2.c.seq == h1.c.seq + 1)
        )
        query = sa.select(
            h1.c.stage,
            sa.func.count(),
            sa.func.sum(sa.case((sa.and_(h2.c.kind.is_not(None), h2.c.kind != lost), 1), else_=0)),
            sa.func.sum(sa.case((h2.c.kind == lost, 1), else_=0)),
        ).select_from(_from(base, t.c.company_id, predicate))
        query = _within(_where(query, predicate).where(t.c.funnel == funnel), t.c.created_at, since, until)
        counts = {
            str(r[0]): (int(r[1]), int(r[2]), int(r[3]))
            for r in (tuple(x) for x in self._uow.execute(query.group_by(h1.c.stage)))
        }
        names = [*stages, *sorted(set(counts) - set(stages))]
        return [
            StageStat(stage=s, entered=c[0], moved_on=c[1], lost=c[2])
            for s in names
            for c in [counts.get(s, (0, 0, 0))]
        ]

    def losses(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[LossRow]:
        """Losses per competitor, product and reason (I9), counted in the database."""
        keys = (t.c.competitor, t.c.product, t.c.loss_reason)
        query = sa.select(*keys, sa.func.count()).select_from(_from(t, t.c.company_id, predicate))
        query = _within(_where(query, predicate), t.c.closed_at, since, until).where(
            t.c.stage_kind == StageKind.LOST.value
        )
        rows = [
            LossRow(competitor=r[0], product=r[1], reason=r[2] or "", lost=int(r[3]))
            for r in (tuple(x) for x in self._uow.execute(query.group_by(*keys)))
        ]
        return ordered(rows, lambda r: r.competitor, lambda r: r.product, lambda r: r.reason)

    def routed(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[RoutedRow]:
        """Routed and closed per rep and per dealer (Q6), counted in the database."""
        cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for kind, column in (("rep", t.c.owner_id), ("dealer", t.c.dealer_id)):
            opened = sa.select(column, sa.func.count()).select_from(_from(t, t.c.company_id, predicate))
            opened = _within(_where(opened, predicate), t.c.created_at, since, until).where(
                column.is_not(None)
            )
            for key, n in (tuple(r) for r in self._uow.execute(opened.group_by(column))):
                cells[(kind, str(key))][0] += int(n)
            closed = sa.select(column, t.c.stage_kind, sa.func.count()).select_from(
                _from(t, t.c.company_id, predicate)
            )
            closed = _within(_where(closed, predicate), t.c.closed_at, since, until).where(
                column.is_not(None), t.c.stage_kind.in_([StageKind.WON.value, StageKind.LOST.value])
            )
            for key, stage_kind, n in (
                tuple(r) for r in self._uow.execute(closed.group_by(column, t.c.stage_kind))
            ):
                cells[(kind, str(key))][1 if stage_kind == StageKind.WON.value else 2] += int(n)
        rows = [RoutedRow(kind=k, key=v, routed=c[0], won=c[1], lost=c[2]) for (k, v), c in cells.items()]
        return ordered(rows, lambda r: r.kind, lambda r: r.key)

    def lead_sources(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[LeadSourceRow]:
        """Opportunities opened per lead source (Q6), counted in the database."""
        query = sa.select(t.c.lead_source, sa.func.count()).select_from(_from(t, t.c.company_id, predicate))
        query = _within(_where(query, predicate), t.c.created_at, since, until).group_by(t.c.lead_source)
        rows = [
            LeadSourceRow(source=r[0], opportunities=int(r[1]))
            for r in (tuple(x) for x in self._uow.execute(query))
        ]
        return ordered(rows, lambda r: r.source)


class SqlOfferRepository(SqlRepository[Offer, OfferId]):
    """Offers sent and their outcome (I8, Q6)."""

    aggregate_type = OFFER_AGGREGATE
    mapper = RowMapper(Offer, offers)

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Offer]:
        """The company's offers, newest first, then id."""
        query = sa.select(offers).where(offers.c.company_id == company)
        return self._rows(_page(query.order_by(offers.c.sent_at.desc(), offers.c.id), limit, offset))

    def per_rep(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[OfferRow]:
        """Offers given, accepted and rejected per rep (Q6), counted in the database."""
        o = offers
        query = sa.select(
            o.c.sent_by,
            sa.func.count(),
            sa.func.sum(sa.case((o.c.status == OfferStatus.ACCEPTED.value, 1), else_=0)),
            sa.func.sum(sa.case((o.c.status == OfferStatus.REJECTED.value, 1), else_=0)),
        ).select_from(_from(o, o.c.company_id, predicate))
        query = _within(_where(query, predicate), o.c.sent_at, since, until).group_by(o.c.sent_by)
        rows = [
            OfferRow(rep=str(r[0]), given=int(r[1]), accepted=int(r[2]), rejected=int(r[3]))
            for r in (tuple(x) for x in self._uow.execute(query))
        ]
        return ordered(rows, lambda r: r.rep)
