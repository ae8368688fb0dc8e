"""Timing helpers shared by the benchmarks: interleaved runs and their median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def p50_ms(samples: list[float]) -> float:
    """The median of per-call seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def alternate(repeat: int, *work: Callable[[], Any]) -> list[list[float]]:
    """Run each callable ``repeat`` times, interleaved (a busy machine slows all alike); per-call seconds."""
    times: list[list[float]] = [[] for _ in work]
    for _ in range(repeat):
        for i, fn in enumerate(work):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return times
