"""Two dispatchers against one database while other transactions keep enqueueing (issue 6 item 2).

Enqueuing transactions stay open for a random while before committing, so
rows commit out of creation order: a message created early can become
visible after later ones were already delivered. A dispatcher that polled
"ids (or times) greater than the last one seen" would skip it and this test
would find it missing. Each of the 10,000 messages must be delivered exactly
once, and both dispatchers must have done part of the work.
"""

from __future__ import annotations

import collections
import random
import threading
import time
import traceback
import uuid
from datetime import timedelta

import pytest

from crmkit.adapters.clock import SystemClock
from crmkit.domain.errors import ConcurrencyConflict
from crmkit.domain.messaging import BackoffPolicy, MessageKind, OutboxState
from crmkit.ports.storage import Storage
from crmkit.services.messaging import Dispatcher, DispatchReport, enqueue_sms
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

pytestmark = pytest.mark.slow  # 10,000 messages through two dispatchers

MESSAGES = 10_000
ENQUEUERS = 4
BATCH = 50


def test_two_dispatchers_deliver_each_message_exactly_once(storage: Storage) -> None:
    if storage.url.startswith("sqlite"):
        pytest.skip("SQLite runs one dispatcher (one writer at a time); see test_crashes for it")
    clock = SystemClock()
    sms = RecordingSms()
    done = threading.Event()
    errors: list[BaseException] = []
    retries: list[int] = []
    per_thread = MESSAGES // ENQUEUERS

    def enqueue_batch(worker: int, start: int, rnd: random.Random) -> None:
        with storage.unit_of_work() as uow:
            for i in range(start, min(start + BATCH, per_thread)):
                enqueue_sms(uow, id=uuid.uuid4(), key=f"e{worker}-{i}", to=f"+9053{worker}{i:07d}",
                            text="Puanınız güncellendi", kind=MessageKind.INFORMATIONAL,
                            now=clock.now())  # fmt: skip
            time.sleep(rnd.random() * 0.02)  # commit late: out of creation order
            uow.commit()

    def enqueue(worker: int) -> None:
        rnd = random.Random(worker)
        try:
            for start in range(0, per_thread, BATCH):
                for _ in range(10):  # a deadlock victim (MariaDB) runs its use case again, as a host does
                    try:
                        enqueue_batch(worker, start, rnd)
                        break
                    except ConcurrencyConflict:
                        retries.append(worker)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(RuntimeError(f"enqueuer {worker}: {error!r}"))

    reports: dict[str, DispatchReport] = {}

    def dispatch(name: str) -> None:
        dispatcher = Dispatcher(storage, sms=sms, email=RecordingEmail(), clock=clock, batch_size=200,
                                policy=BackoffPolicy(lease=timedelta(minutes=10)), name=name)  # fmt: skip
        total = DispatchReport()
        try:
            while True:
                report = dispatcher.run_once()
                total.claimed += report.claimed
                total.sent += report.sent
                if report.claimed == 0:
                    if done.is_set():
                        with storage.unit_of_work() as uow:
                            if uow.outbox.count(OutboxState.PENDING) == 0:
                                break
                    time.sleep(0.005)
        except BaseException:  # pragma: no cover - reported below
            errors.append(RuntimeError(f"dispatcher {name}: {traceback.format_exc()[-1500:]}"))
        reports[name] = total

    enqueuers = [threading.Thread(target=enqueue, args=(w,)) for w in range(ENQUEUERS)]
    dispatchers = [threading.Thread(target=dispatch, args=(name,)) for name in ("d1", "d2")]
    for thread in [*enqueuers, *dispatchers]:
        thread.start()
    for thread in enqueuers:
        thread.join()
    done.set()
    for thread in dispatchers:
        thread.join(timeout=600)
    assert errors == []
    delivered = collections.Counter(sms.delivered_keys())
    assert len(delivered) == MESSAGES
    assert [k for k, n in delivered.items() if n != 1] == []
    with storage.unit_of_work() as uow:
        assert uow.outbox.count(OutboxState.SENT) == MESSAGES
        created = {m.key: m.created_at for m in uow.outbox.list(limit=MESSAGES)}
    # The workload really committed out of order: messages delivered after a newer one had
    # been — exactly those a "greater than the last seen" poller would never have delivered.
    newest, late = None, 0
    for key in sms.delivered_keys():
        if newest is not None and created[key] < newest:
            late += 1
        newest = created[key] if newest is None else max(newest, created[key])
    assert late > 0
    assert reports["d1"].sent > 0 and reports["d2"].sent > 0, reports
    assert reports["d1"].sent + reports["d2"].sent == MESSAGES
