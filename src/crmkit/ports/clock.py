"""Clock and id-generation ports: tests control time and ids."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "IdGenerator"]


@runtime_checkable
class Clock(Protocol):
    """Tells the current time.

    ``now()`` returns an aware datetime (UTC or any zone); successive calls
    never go backwards.
    """

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@runtime_checkable
class IdGenerator(Protocol):
    """Makes new unique ids for aggregates."""

    def new(self) -> uuid.UUID:
        """A fresh id, never returned before by this generator.

        A generator may also offer ``many(n)``, ``n`` fresh ids at once; code making ids by
        the million (the earning job, V4) uses it when there, and ``new()`` otherwise.
        """
        ...
