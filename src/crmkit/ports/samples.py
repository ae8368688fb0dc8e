"""Sample storage port (SPEC §5 I12): ``uow.samples``.

Samples are written once (an ``add`` with its ``create`` audit entry, C12)
and listed per customer or per product, the latter at companies matching an
access predicate that the storage runs (A7).
"""

from __future__ import annotations

from typing import Protocol

from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import Predicate
from crmkit.domain.samples import Sample

__all__ = ["SampleRepository"]


class SampleRepository(Protocol):
    """Samples sent to customers (I12)."""

    def add(self, sample: Sample) -> None:
        """Store a new sample shipment.

        Raises:
            Duplicate: the id is taken.
            ValidationError: the company does not exist (field ``company_id``).
        """
        ...

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Sample]:
        """The company's samples, newest first (by time sent, then id)."""
        ...

    def for_product(
        self, predicate: Predicate, product: str, *, limit: int = 200, offset: int = 0
    ) -> list[Sample]:
        """Samples of ``product`` (exact name) at companies matching ``predicate``, newest first, then id."""
        ...
