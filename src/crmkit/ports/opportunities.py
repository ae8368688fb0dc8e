"""Opportunity and offer storage ports (SPEC §5 I8, I9, I10; §4 Q6): ``uow.opportunities``, ``uow.offers``.

Both follow the shared rules of :mod:`crmkit.ports.storage` (``add``/``get``/
``save`` with versions and audit entries). Listings and reports take an
access predicate over the record's *company* and run it in the storage
(A7, A8); the reports aggregate in the storage — a SQL adapter with
``GROUP BY`` over integer sums — and return exactly what the plain-Python
functions of :mod:`crmkit.domain.pipeline` compute over the same records.

The contract suite is :class:`crmkit.testing.contracts.opportunities.OpportunityStorageContract`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import InteractionId
from crmkit.domain.offers import Offer, OfferId
from crmkit.domain.opportunities import Opportunity, OpportunityId, StageEntry
from crmkit.domain.pipeline import (
    ForecastGroup,
    ForecastRow,
    LeadSourceRow,
    LossRow,
    OfferRow,
    RoutedRow,
    StageStat,
)
from crmkit.domain.predicates import Predicate
from crmkit.ports.storage import Repository

__all__ = ["OfferRepository", "OpportunityRepository"]


class OpportunityRepository(Repository[Opportunity, OpportunityId], Protocol):
    """Opportunities, their stage history and the funnel reports (I9, Q6)."""

    def enter(self, entry: StageEntry) -> None:
        """Append a stage to an opportunity's history (with a ``create`` audit entry).

        Raises:
            Duplicate: on ``seq`` when the opportunity already has an entry with that number.
        """
        ...

    def history(self, opportunity: OpportunityId) -> list[StageEntry]:
        """The stages the opportunity entered, by ``seq``."""
        ...

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
        """Opportunities at companies matching ``predicate``, newest first (by ``created_at``), then id."""
        ...

    def due(
        self, predicate: Predicate, owner: EmployeeId, before: datetime, *, limit: int = 200
    ) -> list[Opportunity]:
        """The owner's *open* opportunities with a next step due before ``before``, by due time, id (I10)."""
        ...

    def forecast(
        self,
        predicate: Predicate,
        *,
        group: ForecastGroup,
        currency: str,
        since: date | None = None,
        until: date | None = None,
    ) -> list[ForecastRow]:
        """:func:`crmkit.domain.pipeline.forecast` over the matching opportunities, in the storage."""
        ...

    def funnel(
        self,
        predicate: Predicate,
        *,
        funnel: str,
        stages: list[str],
        since: datetime | None,
        until: datetime | None,
    ) -> list[StageStat]:
        """:func:`crmkit.domain.pipeline.funnel_stats` over the history of the matching opportunities.

        Those of ``funnel`` opened in ``[since, until)``, in the order of ``stages`` (unknown stages after).
        """
        ...

    def losses(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[LossRow]:
        """:func:`crmkit.domain.pipeline.losses` over the matching opportunities, in the storage."""
        ...

    def routed(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[RoutedRow]:
        """:func:`crmkit.domain.pipeline.routed_rows` over the matching opportunities, in the storage."""
        ...

    def lead_sources(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[LeadSourceRow]:
        """:func:`crmkit.domain.pipeline.lead_sources` over the matching opportunities, in the storage."""
        ...


class OfferRepository(Repository[Offer, OfferId], Protocol):
    """Offers sent and their outcome (I8, Q6)."""

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Offer]:
        """The company's offers, newest first (by ``sent_at``), then id."""
        ...

    def per_rep(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[OfferRow]:
        """:func:`crmkit.domain.pipeline.offer_rows` over offers at companies matching ``predicate``."""
        ...
