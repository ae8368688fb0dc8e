"""§9, issue 11 item 8: after a dispatcher crash only the message actually in flight is flagged.

A batch of N messages is claimed; the dispatcher dies after handing over the
k-th (before or after the provider took it). Its claim lapses and another
dispatcher takes the batch again: the k-th is sent again and flagged
``possible_duplicate``; those sent before it were recorded with the k-th's
hand-over and are not sent again; those after it were never handed over and
go out once, without the flag. On every back end.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from crmkit.domain.messaging import BackoffPolicy, MessageKind, OutboxState
from crmkit.ports.storage import Storage
from crmkit.services.messaging import Dispatcher, enqueue_sms
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

N = 6
POLICY = BackoffPolicy(lease=timedelta(seconds=30))


class Crash(Exception):
    """The dispatcher process dies here."""


@pytest.mark.parametrize("step", ["before_send", "after_send"])
@pytest.mark.parametrize("k", [1, 3, N])
def test_only_the_message_in_flight_is_flagged_after_a_crash(
    storage: Storage, clock: FixedClock, ids: SequentialIds, k: int, step: str
) -> None:
    with storage.unit_of_work() as uow:
        for i in range(N):
            enqueue_sms(uow, id=ids.new(), key=f"m{i}", to=f"+9053211100{i:02d}", text=f"Mesaj {i}",
                        kind=MessageKind.INFORMATIONAL, now=clock.now())  # fmt: skip
        uow.commit()
    sms = RecordingSms()
    seen = Counter[str]()

    def probe(name: str) -> None:
        seen[name] += 1
        if name == step and seen[name] == k:
            raise Crash(name)

    crashing = Dispatcher(storage, sms=sms, email=RecordingEmail(), clock=clock, policy=POLICY,
                          batch_size=N, probe=probe)  # fmt: skip
    with pytest.raises(Crash):
        crashing.run_once()
    handed_before_crash = sms.delivered_keys()
    assert len(handed_before_crash) == (k if step == "after_send" else k - 1)
    with storage.unit_of_work() as uow:
        states = {m.key: m for m in uow.outbox.list(limit=100)}
    in_flight = [key for key, m in states.items() if m.state is OutboxState.CLAIMED and m.sent_at is not None]
    assert len(in_flight) == 1  # exactly the k-th: the earlier ones were recorded with its hand-over
    assert sum(m.state is OutboxState.SENT for m in states.values()) == k - 1

    clock.advance(POLICY.lease + timedelta(seconds=1))  # the dead dispatcher's lease lapses
    recovery = Dispatcher(storage, sms=sms, email=RecordingEmail(), clock=clock, policy=POLICY, batch_size=N)
    report = recovery.run_until_idle()

    delivered = Counter(sms.delivered_keys())
    with storage.unit_of_work() as uow:
        final = {m.key: m for m in uow.outbox.list(limit=100)}
    assert all(m.state is OutboxState.SENT for m in final.values())
    flagged = sorted(key for key, m in final.items() if m.possible_duplicate)
    assert flagged == in_flight
    assert report.possible_duplicates == 1
    (key,) = in_flight
    assert delivered[key] == (2 if step == "after_send" else 1)  # it may repeat, and it is flagged
    assert all(delivered[other] == 1 for other in final if other != key)  # nothing else repeats
    assert all(final[other].uncertain_attempts == 0 for other in final if other != key)


ISTANBUL = timezone(timedelta(hours=3))
AFTER_MIDNIGHT = datetime(2026, 4, 1, 0, 30, tzinfo=ISTANBUL)  # 31 March 21:30 UTC


@pytest.mark.parametrize("k", [2, N])
def test_the_folded_write_holds_the_previous_outcome_and_the_mark_when_the_send_never_happens(
    storage: Storage, ids: SequentialIds, k: int
) -> None:
    """§9, issue 11 item 8 (the folded path): the one write before the k-th send records the
    (k-1)-th outcome and the k-th hand-over together; a crash between that write and the send
    leaves exactly that on every back end — no separate finish ran — with the dispatcher clock's
    own offset and local day (V1, revision 0023). Recovery sends the k-th once more, flagged."""
    clock = FixedClock(AFTER_MIDNIGHT)
    with storage.unit_of_work() as uow:
        for i in range(N):
            enqueue_sms(uow, id=ids.new(), key=f"m{i}", to=f"+9053211100{i:02d}", text=f"Mesaj {i}",
                        kind=MessageKind.INFORMATIONAL, now=clock.now())  # fmt: skip
        uow.commit()
    sms = RecordingSms()
    seen = Counter[str]()

    def probe(name: str) -> None:
        seen[name] += 1
        if name == "before_send" and seen[name] == k:
            raise Crash(name)

    crashing = Dispatcher(storage, sms=sms, email=RecordingEmail(), clock=clock, policy=POLICY,
                          batch_size=N, probe=probe)  # fmt: skip
    with pytest.raises(Crash):
        crashing.run_once()
    assert seen["after_send"] == k - 1 and seen["marked"] == 0  # the batch's finish never ran
    with storage.unit_of_work() as uow:
        order = sorted(uow.outbox.list(limit=100), key=lambda m: m.key)
    sent = [m for m in order if m.state is OutboxState.SENT]
    in_flight = [m for m in order if m.state is OutboxState.CLAIMED and m.sent_at is not None]
    untouched = [m for m in order if m.state is OutboxState.CLAIMED and m.sent_at is None]
    assert [len(sent), len(in_flight), len(untouched)] == [k - 1, 1, N - k]
    assert sent[-1].provider_id is not None  # the (k-1)-th outcome came with the k-th hand-over
    for m in [*sent, *in_flight]:
        assert m.sent_at == AFTER_MIDNIGHT
        assert (m.sent_at.utcoffset(), m.sent_at.date()) == (timedelta(hours=3), AFTER_MIDNIGHT.date())

    clock.advance(POLICY.lease + timedelta(seconds=1))
    recovery = Dispatcher(storage, sms=sms, email=RecordingEmail(), clock=clock, policy=POLICY, batch_size=N)
    assert recovery.run_until_idle().possible_duplicates == 1
    with storage.unit_of_work() as uow:
        final = {m.key: m for m in uow.outbox.list(limit=100)}
    assert [key for key, m in final.items() if m.possible_duplicate] == [in_flight[0].key]
    assert Counter(sms.delivered_keys()) == Counter(list(final))  # the k-th was never sent before: once each
