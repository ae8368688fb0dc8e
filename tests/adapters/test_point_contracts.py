"""Every storage back end against the point repository contract (§7 V3–V8)."""

from __future__ import annotations

from crmkit.testing.contracts import PointRepositoryContract


class TestPoints(PointRepositoryContract):
    pass
