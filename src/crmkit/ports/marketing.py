"""The segment and campaign repository, reached as ``uow.marketing`` (SPEC §8 M1, M2).

A segment's members are not stored: they are
``uow.companies.visible(segment predicate AND the actor's visible predicate, …)``,
run in storage as one query. This repository keeps the saved segments,
the campaigns and each campaign's per-recipient send records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from crmkit.domain.marketing import Campaign, CampaignId, CampaignRecipient, Segment, SegmentId
from crmkit.domain.predicates import Predicate

__all__ = ["MarketingRepository"]


class MarketingRepository(Protocol):
    """Saved segments, campaigns and their recipients."""

    def add_segment(self, segment: Segment) -> None:
        """Store a new segment.

        Raises:
            Duplicate: on ``id`` when a segment with this id exists.
        """

    def update_segment(self, segment: Segment) -> Segment:
        """Store a changed segment (name, filter) with its audit entry; returns it with ``version + 1``.

        Raises:
            NotFound: when there is no such segment.
            ConcurrencyConflict: ``segment.version`` is not the stored version; nothing is written.
        """

    def delete_segment(self, id: SegmentId, version: int) -> None:
        """Delete a segment, with a ``delete`` audit entry (C12).

        Raises:
            NotFound: when there is no such segment.
            ConcurrencyConflict: ``version`` is not the stored version; nothing is deleted.
            RuleViolation: (M1) a campaign references the segment; nothing is deleted.
        """

    def get_segment(self, id: SegmentId) -> Segment:
        """The segment with this id.

        Raises:
            NotFound: when there is none.
        """

    def segments(self, *, limit: int = 50, offset: int = 0) -> list[Segment]:
        """Saved segments, ordered by name then id."""

    def add_campaign(self, campaign: Campaign, recipients: Iterable[CampaignRecipient]) -> None:
        """Store a campaign and its recipients' send records (one batch).

        Raises:
            Duplicate: on ``id`` when a campaign with this id exists.
        """

    def get_campaign(self, id: CampaignId) -> Campaign:
        """The campaign with this id.

        Raises:
            NotFound: when there is none.
        """

    def recipients(
        self,
        campaign: CampaignId,
        *,
        limit: int = 1000,
        offset: int = 0,
        companies: Predicate | None = None,
        strangers: bool = True,
    ) -> list[CampaignRecipient]:
        """The campaign's send records, ordered by company id.

        ``companies`` (an access predicate, A8) keeps only the records of stored companies
        matching it; ``strangers`` whether records of companies no longer stored are kept.
        The filter runs in the storage, before the page is cut.
        """
