"""Samples in memory (SPEC §5 I12): a :class:`~crmkit.ports.samples.SampleRepository`.

Built on the company-scoped in-memory repository of the interactions
(staged writes, audit entries, the company predicate evaluated per row).
"""

from __future__ import annotations

from crmkit.adapters.memory.interactions import _CompanyScoped
from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import Predicate
from crmkit.domain.samples import SAMPLE_AGGREGATE, Sample, SampleId

__all__ = ["MemorySampleRepository"]


def _newest(sample: Sample) -> tuple[float, SampleId]:
    return (-sample.sent_at.timestamp(), sample.id)


class MemorySampleRepository(_CompanyScoped[Sample, SampleId]):
    """Samples in memory (I12)."""

    aggregate_type = SAMPLE_AGGREGATE

    def key(self, item: Sample) -> SampleId:
        """The sample's id."""
        return item.id

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Sample]:
        """The company's samples, newest first, then id."""
        self._uow.check_usable()
        found = self._select(lambda s: s.company_id == company, _newest)
        return found[max(offset, 0) : max(offset, 0) + max(limit, 0)]

    def for_product(
        self, predicate: Predicate, product: str, *, limit: int = 200, offset: int = 0
    ) -> list[Sample]:
        """Samples of ``product`` at companies matching ``predicate``, newest first, then id."""
        self._uow.check_usable()
        seen = self._company_filter(predicate)
        found = self._select(lambda s: s.product == product and seen(s.company_id), _newest)
        return found[max(offset, 0) : max(offset, 0) + max(limit, 0)]
