"""Run a unit of work again when a concurrent writer made it conflict (a lost race or a deadlock victim)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from crmkit.domain.errors import ConcurrencyConflict

__all__ = ["retry_on_conflict"]

T = TypeVar("T")


def retry_on_conflict(work: Callable[[], T], *, attempts: int, pause: Callable[[int], float]) -> T:
    """``work()``, tried up to ``attempts`` times while it raises :class:`ConcurrencyConflict`.

    Args:
        work: one unit of work, run from its start each time.
        attempts: how many times to try (at least 1).
        pause: seconds to sleep after failed attempt ``n`` (0-based), to let the other side finish.

    Raises:
        ConcurrencyConflict: the last attempt conflicted too.
    """
    for attempt in range(attempts - 1):
        try:
            return work()
        except ConcurrencyConflict:
            time.sleep(pause(attempt))
    return work()
