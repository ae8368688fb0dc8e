"""Sales visits in memory (SPEC §5 I11): a :class:`~crmkit.ports.visits.VisitRepository`."""

from __future__ import annotations

from datetime import datetime

from crmkit.adapters.memory.interactions import _CompanyScoped
from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import Predicate
from crmkit.domain.visits import VISIT_AGGREGATE, Visit, VisitId, VisitSums

__all__ = ["MemoryVisitRepository"]


class MemoryVisitRepository(_CompanyScoped[Visit, VisitId]):
    """Sales visits in memory (I11)."""

    aggregate_type = VISIT_AGGREGATE

    def key(self, item: Visit) -> VisitId:
        """The visit's id."""
        return item.id

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Visit]:
        """The company's visits, newest first, then id."""
        self._uow.check_usable()
        found = self._select(lambda v: v.company_id == company, lambda v: (-v.visited_at.timestamp(), v.id))
        return found[max(offset, 0) : max(offset, 0) + max(limit, 0)]

    def sums(
        self, predicate: Predicate, *, currency: str, since: datetime, until: datetime
    ) -> dict[CompanyId, VisitSums]:
        """Per company, the visits' count, minutes, metres, labour and travel sums (I11)."""
        self._uow.check_usable()
        seen = self._company_filter(predicate)
        out: dict[CompanyId, VisitSums] = {}
        for v in self._rows():
            if v.currency == currency and since <= v.visited_at < until and seen(v.company_id):
                n, m, d, labour, travel = out.get(v.company_id, (0, 0, 0, 0, 0))
                out[v.company_id] = (n + 1, m + v.minutes, d + v.metres, labour + v.labour, travel + v.travel)
        return out
