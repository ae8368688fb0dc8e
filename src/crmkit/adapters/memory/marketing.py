"""Segments, campaigns and campaign recipients in memory (SPEC §8 M1, M2).

Follows :class:`crmkit.ports.marketing.MarketingRepository`. Writes are staged
in the unit of work, re-checked under the storage lock at commit
(:meth:`MemoryMarketingRepository.verify`) and made visible at once
(:meth:`~MemoryMarketingRepository.apply`); a rollback drops them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, RuleViolation
from crmkit.domain.ids import CompanyId
from crmkit.domain.marketing import (
    CAMPAIGN_AGGREGATE,
    SEGMENT_AGGREGATE,
    Campaign,
    CampaignId,
    CampaignRecipient,
    Segment,
    SegmentId,
)
from crmkit.domain.parties import Company
from crmkit.domain.predicates import Predicate, matches
from crmkit.domain.text import fold

if TYPE_CHECKING:
    from crmkit.adapters.memory.repositories import MemoryRepository
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["MarketingTables", "MemoryMarketingRepository"]


@attrs.define
class MarketingTables:
    """The committed marketing data of one :class:`~crmkit.adapters.memory.storage.MemoryStorage`."""

    segments: dict[SegmentId, Segment] = attrs.Factory(dict)
    campaigns: dict[CampaignId, Campaign] = attrs.Factory(dict)
    recipients: dict[CampaignId, list[CampaignRecipient]] = attrs.Factory(dict)

    def clear(self) -> None:
        """Drop everything (the storage was closed)."""
        self.segments.clear()
        self.campaigns.clear()
        self.recipients.clear()


class MemoryMarketingRepository:
    """The in-memory :class:`~crmkit.ports.marketing.MarketingRepository`."""

    def __init__(self, uow: MemoryUnitOfWork, tables: MarketingTables, lock: threading.RLock) -> None:
        self._uow = uow
        self._tables = tables
        self._lock = lock
        self.discard()

    def add_segment(self, segment: Segment) -> None:
        """Stage a new segment."""
        self._uow.check_usable()
        with self._lock:
            known = segment.id in self._tables.segments
        if known or segment.id in self._segments:
            raise Duplicate("id", f"segment {segment.id} already exists")
        self._segments[segment.id] = segment
        self._uow.record_change(SEGMENT_AGGREGATE, segment.id, segment.version, None, segment)

    def get_segment(self, id: SegmentId) -> Segment:
        """The segment with this id (staged or committed)."""
        self._uow.check_usable()
        with self._lock:
            found = self._segments.get(id) or self._tables.segments.get(id)
        if found is None or id in self._deleted:
            raise NotFound("segment", id)
        return found

    def update_segment(self, segment: Segment) -> Segment:
        """Stage a changed segment; its version is checked now and again at commit."""
        current = self.get_segment(segment.id)
        if current.version != segment.version:
            raise ConcurrencyConflict(SEGMENT_AGGREGATE, segment.id, segment.version)
        new = attrs.evolve(segment, version=segment.version + 1)
        if segment.id not in self._expected and segment.id not in self._segments:
            self._expected[segment.id] = segment.version
        self._segments[segment.id] = new
        self._uow.record_change(SEGMENT_AGGREGATE, segment.id, new.version, current, new)
        return new

    def _referencing(self, id: SegmentId) -> int:
        with self._lock:
            committed = sum(1 for c in self._tables.campaigns.values() if c.segment_id == id)
        return committed + sum(1 for c in self._campaigns.values() if c.segment_id == id)

    def delete_segment(self, id: SegmentId, version: int) -> None:
        """Stage a deletion, refused while a campaign references the segment (M1)."""
        current = self.get_segment(id)
        if current.version != version:
            raise ConcurrencyConflict(SEGMENT_AGGREGATE, id, version)
        used = self._referencing(id)
        if used:
            raise RuleViolation("M1", f"segment {id} is used by {used} campaign(s) and cannot be deleted")
        if id not in self._expected and id not in self._segments:
            self._expected[id] = version
        if self._segments.pop(id, None) is not None and id not in self._expected:
            # added and deleted in this unit of work: nothing reaches the tables
            self._uow.record_change(SEGMENT_AGGREGATE, id, version, current, None)
            return
        self._deleted.add(id)
        self._uow.record_change(SEGMENT_AGGREGATE, id, version, current, None)

    def segments(self, *, limit: int = 50, offset: int = 0) -> list[Segment]:
        """Saved segments by folded name then id."""
        self._uow.check_usable()
        with self._lock:
            merged = {**self._tables.segments, **self._segments}
        for gone in self._deleted:
            merged.pop(gone, None)
        ordered = sorted(merged.values(), key=lambda s: (fold(s.name), s.id))
        start = max(offset, 0)
        return ordered[start : start + max(limit, 0)]

    def add_campaign(self, campaign: Campaign, recipients: Iterable[CampaignRecipient]) -> None:
        """Stage a campaign and its send records."""
        self._uow.check_usable()
        with self._lock:
            known = campaign.id in self._tables.campaigns
        if known or campaign.id in self._campaigns:
            raise Duplicate("id", f"campaign {campaign.id} already exists")
        self._campaigns[campaign.id] = campaign
        self._uow.record_change(CAMPAIGN_AGGREGATE, campaign.id, 1, None, campaign)
        self._recipients[campaign.id] = sorted(recipients, key=lambda r: r.company_id)

    def get_campaign(self, id: CampaignId) -> Campaign:
        """The campaign with this id (staged or committed)."""
        self._uow.check_usable()
        with self._lock:
            found = self._campaigns.get(id) or self._tables.campaigns.get(id)
        if found is None:
            raise NotFound("campaign", id)
        return found

    def recipients(
        self,
        campaign: CampaignId,
        *,
        limit: int = 1000,
        offset: int = 0,
        companies: Predicate | None = None,
        strangers: bool = True,
    ) -> list[CampaignRecipient]:
        """The campaign's send records by company id; ``companies`` filters them (A8)."""
        self._uow.check_usable()
        with self._lock:
            rows = self._recipients.get(campaign) or self._tables.recipients.get(campaign, [])
        if companies is not None:
            from crmkit.adapters.memory.territory import Histories, company_facts  # builds on repositories

            stored: MemoryRepository[Company, CompanyId] = getattr(self._uow, "companies")  # noqa: B009
            known = stored._rows()
            parents = {c.id: c.parent_id for c in known}
            dated = Histories.read(self._uow)
            seen = {c.id: matches(companies, company_facts(c, parents, dated)) for c in known}
            rows = [r for r in rows if seen.get(r.company_id, strangers)]
        start = max(offset, 0)
        return list(rows[start : start + max(limit, 0)])

    # -- staging (called by the unit of work) -------------------------------------------
    def verify(self) -> None:
        """Refuse taken ids, stale segment versions and deletes of used segments (under the storage lock).

        A segment deleted here may have gained a campaign in a unit of work that
        committed first; a campaign staged here may target a segment deleted meanwhile.
        """
        for id, version in self._expected.items():
            committed = self._tables.segments.get(id)
            if committed is None or committed.version != version:
                self.discard()
                raise ConcurrencyConflict(SEGMENT_AGGREGATE, id, version)
        for id in self._deleted:
            if any(c.segment_id == id for c in self._tables.campaigns.values()):
                self.discard()
                raise RuleViolation("M1", f"segment {id} is used by a campaign and cannot be deleted")
        for campaign in self._campaigns.values():
            if campaign.segment_id not in self._tables.segments and campaign.segment_id not in self._segments:
                self.discard()
                raise NotFound("segment", campaign.segment_id)
        taken = [
            f"segment {k}" for k in self._segments if k in self._tables.segments and k not in self._expected
        ]
        taken += [f"campaign {k}" for k in self._campaigns if k in self._tables.campaigns]
        if taken:
            self.discard()
            raise Duplicate("id", f"{taken[0]} already exists")

    def apply(self) -> None:
        """Make the staged writes visible (under the storage lock)."""
        self._tables.segments.update(self._segments)
        for gone in self._deleted:
            self._tables.segments.pop(gone, None)
        self._tables.campaigns.update(self._campaigns)
        self._tables.recipients.update(self._recipients)
        self.discard()

    def discard(self) -> None:
        """Drop the staged writes."""
        self._segments: dict[SegmentId, Segment] = {}
        self._expected: dict[SegmentId, int] = {}
        """Committed segments this unit of work changes or deletes → the version it read."""
        self._deleted: set[SegmentId] = set()
        self._campaigns: dict[CampaignId, Campaign] = {}
        self._recipients: dict[CampaignId, list[CampaignRecipient]] = {}
