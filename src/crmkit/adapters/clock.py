"""The real clock and the random id generator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

__all__ = ["RandomIds", "SystemClock"]


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current instant (aware, UTC)."""
        return datetime.now(UTC)


class RandomIds:
    """Random (version 4) UUIDs."""

    def new(self) -> uuid.UUID:
        """A fresh random UUID."""
        return uuid.uuid4()
