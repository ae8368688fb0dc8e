"""No double booking under concurrency (S6, issue 16 items 7 and 10).

* Two **processes** book the same vehicle for overlapping times at the same
  instant (a barrier releases them together) on every SQL back end: exactly
  one wins, the other is refused (rule S6) or loses a lock conflict; never both.
* Threads, each with its own unit of work, make random overlapping attempts
  on every back end: the stored bookings of one technician or vehicle never overlap.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.errors import ConcurrencyConflict, RuleViolation
from crmkit.domain.ids import EmployeeId
from crmkit.domain.planning import Booking, clashes
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.service import T0, make_booking

ROUNDS = 4


def _book_rounds(url: str, worker: int, barrier: Any, results: Any) -> None:
    """One process: in each round wait for the other, book the round's vehicle, hold the lock a while."""
    storage = SqlStorage(url)
    try:
        for round_ in range(ROUNDS):
            booking = make_booking(
                T0 + timedelta(days=round_, minutes=30 * worker),
                technician_id=EmployeeId(uuid.uuid4()),
                vehicle=f"34 V {round_}",
            )
            barrier.wait(timeout=60)
            try:
                with storage.unit_of_work() as uow:
                    uow.service.bookings.book(booking)
                    time.sleep(0.2)  # hold the lock while the other process tries
                    uow.commit()
                results.put((round_, worker, "won"))
            except RuleViolation:
                results.put((round_, worker, "refused"))
            except ConcurrencyConflict:
                results.put((round_, worker, "conflict"))
    finally:
        storage.close()


def test_two_processes_booking_one_vehicle_at_once_exactly_one_wins(storage: Storage) -> None:
    if not isinstance(storage, SqlStorage):
        pytest.skip("processes share a database, not a memory storage")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_book_rounds, args=(storage.url, worker, barrier, results))
        for worker in (0, 1)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in range(2 * ROUNDS)]
    for round_ in range(ROUNDS):
        mine = sorted(outcome for r, _, outcome in outcomes if r == round_)
        assert mine.count("won") == 1, mine
        with storage.unit_of_work() as uow:
            stored = uow.service.bookings.between(
                T0 + timedelta(days=round_), T0 + timedelta(days=round_ + 1), vehicle=f"34 V {round_}"
            )
        assert len(stored) == 1


def test_random_concurrent_attempts_never_overlap(storage: Storage) -> None:
    technicians = [EmployeeId(uuid.UUID(int=900 + n)) for n in range(2)]
    vehicles = ["34 AA 1", "34 AA 2"]
    errors: list[BaseException] = []

    def attempt(seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(8):
            start = T0 + timedelta(minutes=30 * rnd.randrange(12))
            booking = make_booking(
                start,
                hours=rnd.randrange(1, 3),
                technician_id=rnd.choice([*technicians, None]),
                vehicle=rnd.choice(vehicles),
            )
            try:
                with storage.unit_of_work() as uow:
                    uow.service.bookings.book(booking)
                    uow.commit()
            except (RuleViolation, ConcurrencyConflict):
                pass
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

    threads = [threading.Thread(target=attempt, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with storage.unit_of_work() as uow:
        stored: list[Booking] = uow.service.bookings.between(T0, T0 + timedelta(days=1))
    assert stored
    for booking in stored:
        assert clashes(booking, stored) == []
