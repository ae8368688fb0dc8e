"""Two delivery-report writers at once on one database (issue 6 item 1; PostgreSQL and MariaDB).

Two threads record overlapping batches of reports — for the messages both
cover, *conflicting* ones (one says delivered, the other failed), each
batch in a shuffled order and sent twice, as providers retry webhooks.
Every message must end with exactly one final status, the one of the writer
that recorded it (the first final report to commit wins; the other writer
counts it ``unchanged``), nothing may raise and nothing may be lost. SQLite
has one writer at a time and the memory storage one lock, so this runs on
the server back ends only, like the two-dispatcher test.
"""

from __future__ import annotations

import random
import threading
import traceback
import uuid

import pytest

from crmkit.domain.messaging import DeliveryState, MessageKind, OutboxMessage
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus
from crmkit.ports.outbox import OutboxCopy
from crmkit.ports.storage import Storage
from crmkit.services.messaging import DeliveryReports, DeliveryResult, Dispatcher, enqueue_sms_copies
from crmkit.testing import FixedClock
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

pytestmark = pytest.mark.slow  # 2,000 messages, two report writers

MESSAGES = 2_000
OVERLAP = range(500, 1_500)
"""Messages both writers report on, with opposite statuses."""


def _sent(storage: Storage, clock: FixedClock) -> RecordingSms:
    sms = RecordingSms()
    copies: list[OutboxCopy] = [(uuid.uuid4(), f"r{i}", f"+9053{i:08d}", None) for i in range(MESSAGES)]
    with storage.unit_of_work() as uow:
        enqueue_sms_copies(uow, recipients=copies, text="Randevunuz yarın 10:00",
                           kind=MessageKind.INFORMATIONAL, now=clock.now())  # fmt: skip
        uow.commit()
    dispatcher = Dispatcher(storage, sms=sms, email=RecordingEmail(), clock=clock, batch_size=500)
    assert dispatcher.run_until_idle().sent == MESSAGES
    return sms


def test_two_report_writers_leave_exactly_one_final_status_each(storage: Storage, clock: FixedClock) -> None:
    if not storage.url.startswith(("postgresql", "mysql", "mariadb")):
        pytest.skip("concurrent report writers need PostgreSQL or MariaDB (row locks)")
    _sent(storage, clock)
    with storage.unit_of_work() as uow:
        sent = uow.outbox.list(limit=MESSAGES + 1)
    provider = {int(m.key[1:]): str(m.provider_id) for m in sent}
    assert len(provider) == len(set(provider.values())) == MESSAGES
    # Writer A: messages 0–1499, delivered; writer B: 500–1999, failed. 500–1499 conflict.
    plans = {
        "A": (range(0, 1_500), DeliveryStatus.DELIVERED),
        "B": (range(500, MESSAGES), DeliveryStatus.FAILED),
    }
    start = threading.Barrier(2)
    results: dict[str, DeliveryResult] = {}
    errors: list[str] = []

    def write(name: str) -> None:
        covered, status = plans[name]
        reports = [
            DeliveryReport(provider_id=provider[i], status=status, raw_status=status.value,
                           error_code=None if status is DeliveryStatus.DELIVERED else "16")
            for i in covered
        ]  # fmt: skip
        random.Random(name).shuffle(reports)
        writer = DeliveryReports(storage, sms=RecordingSms(), clock=clock, batch_size=100)
        start.wait()
        try:
            results[name] = writer.record(reports + reports[::-1])  # each report delivered twice
        except BaseException:  # pragma: no cover - reported below
            errors.append(f"writer {name}: {traceback.format_exc()[-1500:]}")

    threads = [threading.Thread(target=write, args=(name,)) for name in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    a, b = results["A"], results["B"]
    assert a.unknown == [] and b.unknown == [] and a.pending == b.pending == 0
    # Nothing lost: every report was either recorded or counted unchanged.
    assert a.recorded + a.unchanged == 2 * len(plans["A"][0])
    assert b.recorded + b.unchanged == 2 * len(plans["B"][0])
    # Exactly one final status per message: recorded once, by one writer.
    assert a.recorded + b.recorded == MESSAGES
    with storage.unit_of_work() as uow:
        stored: dict[str, OutboxMessage] = {
            m.key: m for m in uow.outbox.list(limit=MESSAGES + 1) if m.provider_id is not None
        }
    assert len(stored) == MESSAGES
    states = {i: stored[f"r{i}"].delivery_status for i in range(MESSAGES)}
    assert all(states[i] is DeliveryState.DELIVERED for i in range(0, 500))  # A alone
    assert all(states[i] is DeliveryState.FAILED for i in range(1_500, MESSAGES))  # B alone
    assert {states[i] for i in OVERLAP} <= {DeliveryState.DELIVERED, DeliveryState.FAILED}
    # The overlap went to whichever writer committed first, message by message, and that
    # writer — and only it — counted it recorded.
    won_by_a = sum(states[i] is DeliveryState.DELIVERED for i in OVERLAP)
    assert a.recorded == 500 + won_by_a
    assert b.recorded == 500 + (len(OVERLAP) - won_by_a)
    for i in range(MESSAGES):  # the reason belongs to the status that won
        m = stored[f"r{i}"]
        if m.delivery_status is DeliveryState.FAILED:
            assert m.delivery_error == "failed: status failed, error 16"
        else:
            assert m.delivery_error is None
