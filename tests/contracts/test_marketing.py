"""Every storage back end against the marketing and consent contracts (SPEC §8 M1, M2, M3)."""

from __future__ import annotations

from crmkit.testing.contracts import ConsentRepositoryContract, MarketingRepositoryContract


class TestMarketing(MarketingRepositoryContract):
    pass


class TestConsents(ConsentRepositoryContract):
    pass
