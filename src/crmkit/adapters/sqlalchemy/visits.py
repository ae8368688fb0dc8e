"""SQL sales visits (SPEC §5 I11): a :class:`~crmkit.ports.visits.VisitRepository`.

The per-customer sums are one ``GROUP BY company_id`` over integer columns,
joined to ``companies`` for the access predicate (A7).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy._convert import RowMapper, utc, uuid_of
from crmkit.adapters.sqlalchemy.interactions import _page, _scoped
from crmkit.adapters.sqlalchemy.repositories import SqlRepository
from crmkit.adapters.sqlalchemy.tables.opportunities import visits
from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import Predicate
from crmkit.domain.visits import VISIT_AGGREGATE, Visit, VisitId, VisitSums

__all__ = ["SqlVisitRepository"]


class SqlVisitRepository(SqlRepository[Visit, VisitId]):
    """Sales visits (I11)."""

    aggregate_type = VISIT_AGGREGATE
    mapper = RowMapper(Visit, visits)

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Visit]:
        """The company's visits, newest first, then id."""
        query = sa.select(visits).where(visits.c.company_id == company)
        return self._rows(_page(query.order_by(visits.c.visited_at.desc(), visits.c.id), limit, offset))

    def sums(
        self, predicate: Predicate, *, currency: str, since: datetime, until: datetime
    ) -> dict[CompanyId, VisitSums]:
        """Per company, the visits' count, minutes, metres, labour and travel sums, in the database."""
        v = visits
        query = sa.select(
            v.c.company_id,
            sa.func.count(),
            sa.func.sum(v.c.minutes),
            sa.func.sum(v.c.metres),
            sa.func.sum(v.c.labour),
            sa.func.sum(v.c.travel),
        ).where(v.c.currency == currency, v.c.visited_at >= utc(since), v.c.visited_at < utc(until))
        query = _scoped(query, v, predicate).group_by(v.c.company_id)
        return {
            CompanyId(uuid_of(row[0])): (int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5]))
            for row in (tuple(r) for r in self._uow.execute(query))
        }
