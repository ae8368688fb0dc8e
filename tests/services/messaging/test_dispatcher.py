"""Outbox enqueue and dispatch on every storage back end (issue 6 items 2, 6; SPEC §9, M3)."""

from __future__ import annotations

import random
from datetime import timedelta, timezone

import pytest

from crmkit.domain.errors import Duplicate, ValidationError
from crmkit.domain.messaging import (
    BackoffPolicy,
    Channel,
    ConsentState,
    DeliveryFailed,
    MessageKind,
    OutboxState,
)
from crmkit.ports.storage import Storage
from crmkit.services.messaging import Dispatcher, enqueue_email, enqueue_sms, record_consent
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

POLICY = BackoffPolicy(base=timedelta(seconds=10), max_attempts=3, lease=timedelta(minutes=1))
PHONE = "+905321234567"
INFO = MessageKind.INFORMATIONAL


def _dispatcher(storage: Storage, clock: FixedClock, sms: RecordingSms) -> Dispatcher:
    return Dispatcher(
        storage, sms=sms, email=RecordingEmail(), clock=clock, policy=POLICY, rng=random.Random(1)
    )


def _sms(
    storage: Storage,
    clock: FixedClock,
    ids: SequentialIds,
    key: str,
    *,
    to: str = PHONE,
    text: str = "Randevunuz yarın",
    kind: MessageKind = INFO,
) -> None:
    with storage.unit_of_work() as uow:
        enqueue_sms(uow, id=ids.new(), key=key, to=to, text=text, kind=kind, now=clock.now())
        uow.commit()


def test_enqueue_records_parts_and_dispatch_sends_once(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 1, 2: parts are recorded at enqueue; one dispatch sends each message once and marks it."""
    long_turkish = "Şubat kampanyası: " + "ğ" * 70
    _sms(storage, clock, ids, "a", text=long_turkish)
    _sms(storage, clock, ids, "b")
    sms = RecordingSms()
    report = _dispatcher(storage, clock, sms).run_until_idle()
    assert (report.sent, report.claimed) == (2, 2)
    assert sorted(sms.delivered_keys()) == ["a", "b"]
    with storage.unit_of_work() as uow:
        a = uow.outbox.by_key("a")
        assert a is not None and a.parts == 2 and a.state is OutboxState.SENT and a.provider_id
        assert uow.outbox.count(OutboxState.SENT) == 2


def test_a_rolled_back_change_sends_nothing(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    """§9: an exception before commit discards the outbox row with the change."""
    with pytest.raises(RuntimeError), storage.unit_of_work() as uow:
        enqueue_sms(
            uow, id=ids.new(), key="x", to=PHONE, text="t", kind=MessageKind.INFORMATIONAL, now=clock.now()
        )
        raise RuntimeError("business rule failed")
    sms = RecordingSms()
    assert _dispatcher(storage, clock, sms).run_until_idle().claimed == 0
    assert sms.attempts == []


def test_temporary_failures_back_off_then_go_dead(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 2: temporary failures retry after a jittered exponential delay; the Nth attempt goes dead."""
    _sms(storage, clock, ids, "flaky")
    _sms(storage, clock, ids, "hopeless")
    sms = RecordingSms()
    temp = DeliveryFailed("t", "80", "limit", permanent=False)
    sms.failures = {"flaky": [temp], "hopeless": [temp, temp, temp]}
    dispatcher = _dispatcher(storage, clock, sms)
    assert dispatcher.run_once().retried == 2
    assert dispatcher.run_once().claimed == 0  # not due yet: backoff
    with storage.unit_of_work() as uow:
        flaky = uow.outbox.by_key("flaky")
        assert flaky is not None and flaky.state is OutboxState.PENDING and flaky.attempts == 1
        delay = flaky.due_at - clock.now()
        assert timedelta(seconds=5) <= delay <= timedelta(seconds=10)
    clock.advance(timedelta(seconds=10))
    second = dispatcher.run_once()
    assert (second.sent, second.retried) == (1, 1)
    clock.advance(timedelta(seconds=20))
    assert dispatcher.run_once().dead == 1
    with storage.unit_of_work() as uow:
        dead = uow.outbox.by_key("hopeless")
        assert dead is not None and dead.state is OutboxState.DEAD and dead.attempts == 3
        assert dead.last_error is not None and "80" in dead.last_error


def test_permanent_failure_is_dead_at_once(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    """Item 2: a permanent failure (per the gateway's codes) is never retried."""
    _sms(storage, clock, ids, "bad")
    sms = RecordingSms()
    sms.failures = {"bad": [DeliveryFailed("netgsm", "40", "no header", permanent=True)]}
    assert _dispatcher(storage, clock, sms).run_once().dead == 1
    clock.advance(timedelta(days=1))
    assert _dispatcher(storage, clock, sms).run_once().claimed == 0
    assert sms.attempts == ["bad"]


def test_commercial_messages_need_consent_at_send_time(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """M3: commercial SMS only to granted recipients at send time; informational ones always."""
    granted, revoked, never = "+905320000001", "+905320000002", "+905320000003"
    with storage.unit_of_work() as uow:
        for phone in (granted, revoked):
            record_consent(uow, id=ids.new(), channel=Channel.SMS, address=phone,
                           state=ConsentState.GRANTED, at=clock.now(), source="web-form")  # fmt: skip
        uow.commit()
    for n, phone in enumerate((granted, revoked, never)):
        _sms(storage, clock, ids, f"c{n}", to=phone, kind=MessageKind.COMMERCIAL)
    _sms(storage, clock, ids, "info", to=never)
    clock.advance(timedelta(seconds=1))
    with storage.unit_of_work() as uow:  # revoked after enqueue, before sending: send time counts
        record_consent(uow, id=ids.new(), channel=Channel.SMS, address=revoked,
                       state=ConsentState.REVOKED, at=clock.now(), source="sms:RET")  # fmt: skip
        uow.commit()
    sms = RecordingSms()
    report = _dispatcher(storage, clock, sms).run_until_idle()
    assert (report.sent, report.skipped) == (2, 2)
    assert sorted(sms.delivered_keys()) == ["c0", "info"]
    with storage.unit_of_work() as uow:
        skipped = uow.outbox.list(OutboxState.SKIPPED)
        assert sorted(m.key for m in skipped) == ["c1", "c2"]
    # commercial SMS carry their kind to the gateway (for İYS fields)
    assert sms.delivered[[m.key for m in sms.delivered].index("c0")].kind is MessageKind.COMMERCIAL


def test_email_goes_through_the_outbox(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    with storage.unit_of_work() as uow:
        enqueue_email(uow, id=ids.new(), key="m1", to="ayse@example.com.tr", subject="Teklif", body="Ekte",
                      kind=INFO, now=clock.now())  # fmt: skip
        uow.commit()
    email = RecordingEmail()
    Dispatcher(storage, sms=RecordingSms(), email=email, clock=clock, policy=POLICY).run_until_idle()
    assert [(m.to, m.subject, m.key) for m in email.delivered] == [("ayse@example.com.tr", "Teklif", "m1")]


def test_enqueue_validates_and_refuses_a_repeated_key(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    with storage.unit_of_work() as uow:
        with pytest.raises(ValidationError) as bad:
            enqueue_sms(uow, id=ids.new(), key="k", to="0532 123 45 67", text="x",
                        kind=INFO, now=clock.now())  # fmt: skip
        assert bad.value.field == "to"
        enqueue_sms(
            uow, id=ids.new(), key="k", to=PHONE, text="x", kind=MessageKind.INFORMATIONAL, now=clock.now()
        )
        with pytest.raises(Duplicate):
            enqueue_sms(
                uow,
                id=ids.new(),
                key="k",
                to=PHONE,
                text="y",
                kind=MessageKind.INFORMATIONAL,
                now=clock.now(),
            )


def test_due_times_the_dispatcher_rewrites_read_back_at_the_message_s_own_offset(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """V1, §9, issue 11: a retry's and a send's ``due_at`` keep the enqueuer's offset on every back end.

    The dispatcher's clock runs in UTC; the messages were enqueued at +03:00.
    """
    ist = timezone(timedelta(hours=3))
    for key in ("flaky", "fine"):
        with storage.unit_of_work() as uow:
            enqueue_sms(
                uow, id=ids.new(), key=key, to=PHONE, text="t", kind=INFO, now=clock.now().astimezone(ist)
            )
            uow.commit()
    sms = RecordingSms()
    sms.failures = {"flaky": [DeliveryFailed("t", "80", "limit", permanent=False)]}
    assert _dispatcher(storage, clock, sms).run_once().retried == 1
    with storage.unit_of_work() as uow:
        flaky, fine = uow.outbox.by_key("flaky"), uow.outbox.by_key("fine")
    assert flaky is not None and flaky.state is OutboxState.PENDING and flaky.due_at > clock.now()
    assert fine is not None and fine.state is OutboxState.SENT and fine.due_at == clock.now()
    assert [flaky.due_at.utcoffset(), fine.due_at.utcoffset()] == [timedelta(hours=3)] * 2
