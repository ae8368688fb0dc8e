"""SQL samples (SPEC §5 I12): a :class:`~crmkit.ports.samples.SampleRepository`.

Built on :class:`~crmkit.adapters.sqlalchemy.repositories.SqlRepository`
(insert with its audit row); the per-product listing joins ``companies`` and
compiles the access predicate into its ``WHERE`` clause (A7).
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy._convert import RowMapper
from crmkit.adapters.sqlalchemy.interactions import _page, _scoped
from crmkit.adapters.sqlalchemy.repositories import SqlRepository
from crmkit.adapters.sqlalchemy.tables.workflow import samples
from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import Predicate
from crmkit.domain.samples import SAMPLE_AGGREGATE, Sample, SampleId

__all__ = ["SqlSampleRepository"]


class SqlSampleRepository(SqlRepository[Sample, SampleId]):
    """Samples (I12)."""

    aggregate_type = SAMPLE_AGGREGATE
    mapper = RowMapper(Sample, samples)

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Sample]:
        """The company's samples, newest first, then id."""
        query = sa.select(samples).where(samples.c.company_id == company)
        return self._rows(_page(query.order_by(samples.c.sent_at.desc(), samples.c.id), limit, offset))

    def for_product(
        self, predicate: Predicate, product: str, *, limit: int = 200, offset: int = 0
    ) -> list[Sample]:
        """Samples of ``product`` at companies matching ``predicate``, newest first, then id."""
        query = _scoped(sa.select(samples).where(samples.c.product == product), samples, predicate)
        return self._rows(_page(query.order_by(samples.c.sent_at.desc(), samples.c.id), limit, offset))
