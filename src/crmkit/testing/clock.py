"""A fixed, steppable clock and predictable ids for tests.

>>> from datetime import datetime, timedelta, UTC
>>> clock = FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
>>> clock.advance(timedelta(hours=2)).isoformat()
'2026-01-05T11:00:00+00:00'
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from crmkit.domain.periods import require_aware

__all__ = ["FixedClock", "SequentialIds"]


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = require_aware("start", start or datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The clock's current instant."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (must not be negative) and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a clock never goes backwards")
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (not earlier than now)."""
        require_aware("moment", moment)
        if moment < self._now:
            raise ValueError("a clock never goes backwards")
        self._now = moment


class SequentialIds:
    """UUIDs 00000000-0000-4000-8000-000000000001, …002, … in order: readable in test output."""

    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def new(self) -> uuid.UUID:
        """The next id."""
        with self._lock:
            self._n += 1
            return uuid.UUID(f"00000000-0000-4000-8000-{self._n:012d}")
