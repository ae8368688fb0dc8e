"""Sales-visit storage port (SPEC §5 I11): ``uow.visits``.

Visits follow the shared rules of :mod:`crmkit.ports.storage` (``add``/``get``
with versions and audit entries). :meth:`VisitRepository.sums` adds up each
customer's visits in a period in the storage — integers only, so every back
end returns the same sums — at companies matching an access predicate (A7).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import Predicate
from crmkit.domain.visits import Visit, VisitId, VisitSums
from crmkit.ports.storage import Repository

__all__ = ["VisitRepository"]


class VisitRepository(Repository[Visit, VisitId], Protocol):
    """Sales visits (I11)."""

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Visit]:
        """The company's visits, newest first (by ``visited_at``), then id."""
        ...

    def sums(
        self, predicate: Predicate, *, currency: str, since: datetime, until: datetime
    ) -> dict[CompanyId, VisitSums]:
        """Per company matching ``predicate``: the :data:`~crmkit.domain.visits.VisitSums` of its visits.

        Those in ``currency`` made in ``[since, until)``; companies without visits are left out.
        """
        ...
