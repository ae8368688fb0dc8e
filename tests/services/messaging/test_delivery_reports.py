"""Delivery reports written back onto the outbox, pushed and polled, on every back end (issue 6 item 1)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from datetime import timedelta

import pytest

from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.messaging import (
    BackoffPolicy,
    Channel,
    DeliveryFailed,
    DeliveryState,
    MessageKind,
    OutboxMessage,
)
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus
from crmkit.ports.storage import Storage
from crmkit.services.messaging import DeliveryReports, Dispatcher, enqueue_sms
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

POLICY = BackoffPolicy(base=timedelta(seconds=10), max_attempts=3)


class PolledSms(RecordingSms):
    """Answers ``status`` from a script: a report, a NotFound, or a temporary failure per provider id."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: dict[str, DeliveryStatus | Exception] = {}
        self.asked: list[str] = []

    def status(self, provider_id: str) -> DeliveryReport:
        self.asked.append(provider_id)
        scripted = self.statuses.get(provider_id, DeliveryStatus.PENDING)
        if isinstance(scripted, Exception):
            raise scripted
        return DeliveryReport(provider_id=provider_id, status=scripted, raw_status=scripted.value)


def _sent(storage: Storage, clock: FixedClock, ids: SequentialIds, sms: RecordingSms, n: int) -> None:
    """Enqueue ``n`` SMS keyed m0, m1, … one second apart and dispatch them (provider ids P1, P2, …)."""
    for i in range(n):
        with storage.unit_of_work() as uow:
            enqueue_sms(
                uow,
                id=ids.new(),
                key=f"m{i}",
                to=f"+90532000000{i}",
                text="Randevunuz yarın",
                kind=MessageKind.INFORMATIONAL,
                now=clock.now(),
            )
            uow.commit()
        clock.advance(timedelta(seconds=1))
        dispatcher = Dispatcher(
            storage, sms=sms, email=RecordingEmail(), clock=clock, policy=POLICY, rng=random.Random(1)
        )
        assert dispatcher.run_until_idle().sent == 1


def _stored(storage: Storage, key: str) -> OutboxMessage:
    with storage.unit_of_work() as uow:
        found = uow.outbox.by_key(key)
    assert found is not None
    return found


def _report(provider_id: str, status: DeliveryStatus, **extra: object) -> DeliveryReport:
    return DeliveryReport(provider_id=provider_id, status=status, raw_status=status.value, **extra)  # type: ignore[arg-type]


def test_reports_are_written_back_delivered_failed_expired(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 1: each final report lands on the message sent with its provider id, with time and reason."""
    sms = RecordingSms()
    _sent(storage, clock, ids, sms, 3)
    at = clock.now() - timedelta(seconds=30)
    result = DeliveryReports(storage, sms=sms, clock=clock).record(
        [
            _report("P1", DeliveryStatus.DELIVERED, at=at),
            DeliveryReport(provider_id="P2", status=DeliveryStatus.FAILED, raw_status="16", error_code="İYS"),
            _report("P3", DeliveryStatus.EXPIRED),
        ]
    )
    assert (result.recorded, result.unchanged, result.pending, result.unknown) == (3, 0, 0, [])
    first, second, third = (_stored(storage, f"m{i}") for i in range(3))
    assert (first.delivery_status, first.delivery_at, first.delivery_error) == (
        DeliveryState.DELIVERED,
        at,
        None,
    )
    assert second.delivery_status is DeliveryState.FAILED
    assert second.delivery_error == "failed: status 16, error İYS"
    assert (third.delivery_status, third.delivery_at) == (DeliveryState.EXPIRED, clock.now())


def test_the_same_report_twice_changes_nothing(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 1: idempotent — a webhook delivered twice leaves the first report's time in place."""
    sms = RecordingSms()
    _sent(storage, clock, ids, sms, 1)
    reports = DeliveryReports(storage, sms=sms, clock=clock)
    assert reports.record([_report("P1", DeliveryStatus.DELIVERED)]).recorded == 1
    before = _stored(storage, "m0")
    clock.advance(timedelta(minutes=5))
    again = reports.record([_report("P1", DeliveryStatus.DELIVERED)])
    assert (again.recorded, again.unchanged) == (0, 1)
    assert _stored(storage, "m0") == before


def test_a_report_never_moves_a_message_back(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    """Item 1: delivered stays delivered; a later (or same-batch) failure report changes nothing."""
    sms = RecordingSms()
    _sent(storage, clock, ids, sms, 2)
    reports = DeliveryReports(storage, sms=sms, clock=clock)
    reports.record([_report("P1", DeliveryStatus.DELIVERED)])
    late = reports.record(
        [
            _report("P1", DeliveryStatus.FAILED),
            _report("P2", DeliveryStatus.DELIVERED),
            _report("P2", DeliveryStatus.EXPIRED),  # same batch, after the final one
            _report("P1", DeliveryStatus.PENDING),
        ]
    )
    assert (late.recorded, late.unchanged, late.pending) == (1, 2, 1)
    assert _stored(storage, "m0").delivery_status is DeliveryState.DELIVERED
    assert _stored(storage, "m1").delivery_status is DeliveryState.DELIVERED


def test_a_pending_report_records_nothing(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    """Item 1: "not yet" is no final report: the message keeps waiting for one."""
    sms = RecordingSms()
    _sent(storage, clock, ids, sms, 1)
    result = DeliveryReports(storage, sms=sms, clock=clock).record(
        [_report("P1", DeliveryStatus.PENDING), _report("P1", DeliveryStatus.UNKNOWN)]
    )
    assert (result.recorded, result.pending) == (0, 2)
    assert _stored(storage, "m0").delivery_status is None


def test_an_unknown_id_is_reported_and_the_batch_is_kept(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 1: a report for an id nobody was sent with comes back in the result; the others are recorded."""
    sms = RecordingSms()
    _sent(storage, clock, ids, sms, 2)
    result = DeliveryReports(storage, sms=sms, clock=clock, batch_size=2).record(
        [
            _report("P1", DeliveryStatus.DELIVERED),
            _report("NOPE", DeliveryStatus.DELIVERED),
            _report("P2", DeliveryStatus.FAILED),
        ]
    )
    assert (result.recorded, result.unknown) == (2, ["NOPE"])
    assert _stored(storage, "m1").delivery_status is DeliveryState.FAILED


def test_poll_asks_the_gateway_in_batches(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    """Item 1, poll path: every sent message without a final report is asked about once per poll,
    oldest first, page by page; pending ones stay waiting, final ones are no longer asked about."""
    sms = PolledSms()
    _sent(storage, clock, ids, sms, 5)
    sms.statuses = {
        "P1": DeliveryStatus.DELIVERED,
        "P2": DeliveryStatus.PENDING,
        "P3": NotFound("sms", "P3"),
        "P4": DeliveryFailed("test", "network", "down", permanent=False),
        "P5": DeliveryStatus.EXPIRED,
    }
    reports = DeliveryReports(storage, sms=sms, clock=clock, batch_size=2)
    result = reports.poll()
    assert sms.asked == ["P1", "P2", "P3", "P4", "P5"]
    assert (result.recorded, result.pending, result.unknown, result.unreachable) == (2, 1, ["P3"], 1)
    assert _stored(storage, "m4").delivery_status is DeliveryState.EXPIRED
    sms.asked.clear()
    sms.statuses["P2"] = DeliveryStatus.DELIVERED
    assert reports.poll(limit=2).recorded == 1
    assert sms.asked == ["P2", "P3"]
    with storage.unit_of_work() as uow:
        waiting = uow.outbox.awaiting_delivery(Channel.SMS, limit=10)
    assert [m.provider_id for m in waiting] == ["P3", "P4"]


def test_a_webhook_is_parsed_and_recorded(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    """Item 1: receive() parses the gateway's callback, records its reports, hands back inbound SMS."""
    sms = RecordingSms()
    _sent(storage, clock, ids, sms, 1)
    body = json.dumps(
        [
            {"type": "report", "id": "P1", "status": "delivered"},
            {"type": "inbound", "from": "+905320000009", "text": "PUAN"},
        ]
    ).encode()
    headers: Mapping[str, str] = {}
    result, inbound = DeliveryReports(storage, sms=sms, clock=clock).receive(body, headers)
    assert result.recorded == 1 and [i.text for i in inbound] == ["PUAN"]
    assert _stored(storage, "m0").delivery_status is DeliveryState.DELIVERED
    with pytest.raises(ValidationError):
        DeliveryReports(storage, sms=sms, clock=clock, batch_size=0)


def test_poll_stops_asking_at_the_horizon_and_records_expired(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 1, poll cutoff: a message sent longer ago than the horizon (by the injected clock) is no
    longer asked about; it is recorded expired at the end of the horizon, with the reason, once."""
    sms = PolledSms()
    _sent(storage, clock, ids, sms, 3)  # sent at start+1s, +2s, +3s
    first_sent = _stored(storage, "m0").sent_at
    assert first_sent is not None
    reports = DeliveryReports(storage, sms=sms, clock=clock, batch_size=2, horizon=timedelta(hours=1))
    clock.advance(timedelta(hours=1) - timedelta(seconds=2))  # m0 sent exactly one hour ago: still asked
    first = reports.poll()
    assert sms.asked == ["P1", "P2", "P3"]
    assert (first.timed_out, first.pending) == (0, 3)
    clock.advance(timedelta(seconds=1, milliseconds=500))  # m0 and m1 now past the horizon
    sms.asked.clear()
    second = reports.poll()
    assert sms.asked == ["P3"]
    assert (second.timed_out, second.recorded, second.pending) == (2, 0, 1)
    expired = _stored(storage, "m0")
    assert expired.delivery_status is DeliveryState.EXPIRED
    assert expired.delivery_at == first_sent + timedelta(hours=1)
    assert expired.delivery_error == "expired: no delivery report within 1 hour of sending"
    assert _stored(storage, "m2").delivery_status is None
    sms.asked.clear()
    again = reports.poll()  # idempotent: the expired ones are neither asked about nor expired again
    assert sms.asked == ["P3"] and again.timed_out == 0
    assert _stored(storage, "m0") == expired


def test_a_late_report_after_the_horizon_changes_nothing(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 1, the rule chosen: expiry at the horizon is a final report; the first final report wins,
    so a real report arriving later (delivered or failed) is unchanged — never a swing between states."""
    sms = PolledSms()
    _sent(storage, clock, ids, sms, 1)
    clock.advance(timedelta(hours=73))
    reports = DeliveryReports(storage, sms=sms, clock=clock)  # the default: 72 hours
    assert reports.horizon == timedelta(hours=72)
    assert reports.poll().timed_out == 1 and sms.asked == []
    before = _stored(storage, "m0")
    assert before.delivery_error == "expired: no delivery report within 72 hours of sending"
    late = reports.record([_report("P1", DeliveryStatus.DELIVERED), _report("P1", DeliveryStatus.FAILED)])
    assert (late.recorded, late.unchanged) == (0, 2)
    assert _stored(storage, "m0") == before


def test_the_default_horizon_keeps_asking_for_72_hours(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 1: within the 72-hour SMS validity period a message without a report is still asked about."""
    sms = PolledSms()
    _sent(storage, clock, ids, sms, 1)
    clock.advance(timedelta(hours=71, minutes=59))
    result = DeliveryReports(storage, sms=sms, clock=clock).poll()
    assert (result.timed_out, result.pending, sms.asked) == (0, 1, ["P1"])
    assert _stored(storage, "m0").delivery_status is None


@pytest.mark.parametrize("horizon", [timedelta(0), timedelta(hours=-1)])
def test_a_horizon_must_be_positive(storage: Storage, clock: FixedClock, horizon: timedelta) -> None:
    """Item 1: a zero or negative horizon would expire every message unasked: refused, naming the field."""
    with pytest.raises(ValidationError) as raised:
        DeliveryReports(storage, sms=RecordingSms(), clock=clock, horizon=horizon)
    assert raised.value.field == "horizon"
