"""Opportunities and offers in memory (SPEC §5 I8, I9; §4 Q6).

Built on the company-scoped in-memory repository of the interactions (staged
writes, audit entries, the company predicate evaluated per row); the reports
are the plain-Python functions of :mod:`crmkit.domain.pipeline`, the
reference the SQL adapter's ``GROUP BY`` queries are held to.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from crmkit.adapters.memory.interactions import _CompanyScoped
from crmkit.adapters.memory.repositories import MemoryRepository
from crmkit.domain.errors import Duplicate
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import InteractionId
from crmkit.domain.offers import OFFER_AGGREGATE, Offer, OfferId
from crmkit.domain.opportunities import (
    OPPORTUNITY_AGGREGATE,
    STAGE_ENTRY_AGGREGATE,
    Opportunity,
    OpportunityId,
    StageEntry,
    StageEntryId,
)
from crmkit.domain.pipeline import (
    ForecastGroup,
    ForecastRow,
    LeadSourceRow,
    LossRow,
    OfferRow,
    RoutedRow,
    StageStat,
    forecast,
    funnel_stats,
    lead_sources,
    losses,
    offer_rows,
    routed_rows,
)
from crmkit.domain.predicates import Predicate

if TYPE_CHECKING:
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["MemoryOfferRepository", "MemoryOpportunityRepository", "OpportunityTables"]


class OpportunityTables:
    """The committed rows: opportunities, their stage history, offers."""

    def __init__(self) -> None:
        self.opportunities: dict[OpportunityId, Opportunity] = {}
        self.entries: dict[StageEntryId, StageEntry] = {}
        self.offers: dict[OfferId, Offer] = {}

    def clear(self) -> None:
        """Drop every row."""
        self.opportunities.clear()
        self.entries.clear()
        self.offers.clear()


class _Entries(MemoryRepository[StageEntry, StageEntryId]):
    aggregate_type = STAGE_ENTRY_AGGREGATE

    def key(self, item: StageEntry) -> StageEntryId:
        return item.id


def _newest(item: Opportunity) -> tuple[float, uuid.UUID]:
    return (-item.created_at.timestamp(), item.id)


class MemoryOpportunityRepository(_CompanyScoped[Opportunity, OpportunityId]):
    """Opportunities in memory (I9)."""

    aggregate_type = OPPORTUNITY_AGGREGATE

    def __init__(self, uow: MemoryUnitOfWork, tables: OpportunityTables, lock: threading.RLock) -> None:
        super().__init__(uow, tables.opportunities, lock)
        self.entries = _Entries(uow, tables.entries, lock)

    def key(self, item: Opportunity) -> OpportunityId:
        """The opportunity's id."""
        return item.id

    def enter(self, entry: StageEntry) -> None:
        """Append a stage to an opportunity's history."""
        self._uow.check_usable()
        if any(e.opportunity_id == entry.opportunity_id and e.seq == entry.seq for e in self.entries._rows()):
            raise Duplicate("seq", f"opportunity {entry.opportunity_id} already entered stage #{entry.seq}")
        self.entries.add(entry)

    def history(self, opportunity: OpportunityId) -> list[StageEntry]:
        """The stages the opportunity entered, by ``seq``."""
        self._uow.check_usable()
        return self.entries._select(lambda e: e.opportunity_id == opportunity, lambda e: e.seq)

    def _matching(self, predicate: Predicate) -> list[Opportunity]:
        self._uow.check_usable()
        seen = self._company_filter(predicate)
        return self._select(lambda o: seen(o.company_id), _newest)

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
        found = [
            o
            for o in self._matching(predicate)
            if (owner is None or o.owner_id == owner)
            and (company is None or o.company_id == company)
            and (interaction is None or o.interaction_id == interaction)
            and (not open_only or o.is_open)
        ]
        return found[max(offset, 0) : max(offset, 0) + max(limit, 0)]

    def due(
        self, predicate: Predicate, owner: EmployeeId, before: datetime, *, limit: int = 200
    ) -> list[Opportunity]:
        """The owner's open opportunities whose next step is due before ``before`` (I10)."""
        found = [
            o
            for o in self._matching(predicate)
            if o.owner_id == owner and o.is_open and o.next_step_due is not None and o.next_step_due < before
        ]
        return sorted(found, key=lambda o: (o.next_step_due, o.id))[: max(limit, 0)]

    def forecast(
        self,
        predicate: Predicate,
        *,
        group: ForecastGroup,
        currency: str,
        since: date | None = None,
        until: date | None = None,
    ) -> list[ForecastRow]:
        """The weighted forecast (I9) by :func:`crmkit.domain.pipeline.forecast`."""
        return forecast(self._matching(predicate), group, currency, since, until)

    def funnel(
        self,
        predicate: Predicate,
        *,
        funnel: str,
        stages: list[str],
        since: datetime | None,
        until: datetime | None,
    ) -> list[StageStat]:
        """Conversion per stage (I9) by :func:`crmkit.domain.pipeline.funnel_stats`."""
        chosen = {
            o.id
            for o in self._matching(predicate)
            if o.funnel == funnel
            and (since is None or o.created_at >= since)
            and (until is None or o.created_at < until)
        }
        return funnel_stats(stages, (e for e in self.entries._rows() if e.opportunity_id in chosen))

    def losses(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[LossRow]:
        """Losses per competitor, product and reason (I9)."""
        return losses(self._matching(predicate), since, until)

    def routed(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[RoutedRow]:
        """Routed and closed per rep and dealer (Q6)."""
        return routed_rows(self._matching(predicate), since, until)

    def lead_sources(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[LeadSourceRow]:
        """Opportunities opened per lead source (Q6)."""
        return lead_sources(self._matching(predicate), since, until)


class MemoryOfferRepository(_CompanyScoped[Offer, OfferId]):
    """Offers in memory (I8)."""

    aggregate_type = OFFER_AGGREGATE

    def key(self, item: Offer) -> OfferId:
        """The offer's id."""
        return item.id

    def for_company(self, company: CompanyId, *, limit: int = 200, offset: int = 0) -> list[Offer]:
        """The company's offers, newest first, then id."""
        self._uow.check_usable()
        found = self._select(lambda o: o.company_id == company, lambda o: (-o.sent_at.timestamp(), o.id))
        return found[max(offset, 0) : max(offset, 0) + max(limit, 0)]

    def per_rep(
        self, predicate: Predicate, *, since: datetime | None, until: datetime | None
    ) -> list[OfferRow]:
        """Offers given, accepted and rejected per rep (Q6)."""
        self._uow.check_usable()
        seen = self._company_filter(predicate)
        return offer_rows(self._select(lambda o: seen(o.company_id), lambda o: o.id), since, until)
