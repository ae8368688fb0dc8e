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


def alternate_cpu(repeat: int, *work: Callable[[], Any]) -> tuple[list[list[float]], list[list[float]]]:
    """:func:`alternate`, also measuring this process's CPU seconds per call (wall, CPU).

    On a shared machine the wall time of a call grows with the load; the CPU time
    of an in-process database (SQLite) much less. A server's own CPU is not in it.
    """
    wall: list[list[float]] = [[] for _ in work]
    cpu: list[list[float]] = [[] for _ in work]
    for _ in range(repeat):
        for i, fn in enumerate(work):
            began, used = time.perf_counter(), time.process_time()
            fn()
            cpu[i].append(time.process_time() - used)
            wall[i].append(time.perf_counter() - began)
    return wall, cpu
