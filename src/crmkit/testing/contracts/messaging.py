"""Contract suites for the messaging ports: SMS, e-mail, the outbox and consents (SPEC §9, M2, M3).

Bind them like the storage suites, by subclassing under a ``Test*`` name and
giving the fixtures they need::

    import pytest
    from crmkit.testing.contracts import SmsGatewayContract

    class TestAcme(SmsGatewayContract):
        @pytest.fixture
        def gateway(self, httpserver):        # pytest-httpserver emulating the provider
            ...
            return AcmeGateway.from_url(f"acme://user:key@{httpserver.host}:{httpserver.port}?tls=no")

        @pytest.fixture
        def inbound_callback(self):
            # a webhook body the provider sends for "PUAN" from +905321234567
            return b'{"from": "905321234567", "text": "PUAN"}', {"Content-Type": "application/json"}

        @pytest.fixture
        def provider(self, httpserver):       # the emulator, seen as an SmsProvider
            ...

Fixtures:

* ``SmsGatewayContract`` (defined in :mod:`crmkit.testing.contracts.sms`):
  ``gateway`` (an :class:`~crmkit.ports.messaging.SmsGateway` whose provider
  accepts every message to valid numbers — a local emulator),
  ``inbound_callback`` (``(body, headers)`` of an inbound SMS reading ``PUAN``
  from ``+905321234567``) and ``provider`` (the emulator as a recording peer,
  :class:`~crmkit.testing.contracts.SmsProvider`).
* ``OutboxRepositoryContract``: ``storage`` (a migrated, empty storage), as
  the storage suites.
* ``EmailSenderContract``: ``sender`` (an :class:`~crmkit.ports.messaging.EmailSender`)
  and ``delivered`` (a callable returning what arrived, as
  :class:`~crmkit.ports.messaging.EmailMessage` values, oldest first); and, when
  the server can be told to refuse mail, ``refuse`` (a callable
  ``refuse(address, permanent)`` after which mail to ``address`` is refused with a
  5xx reply if ``permanent``, else a 4xx one) — without it the refusal tests skip.

One suite on purpose (a binding author subclasses one class), hence a few lines over
the house's 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.messaging import (
    BackoffPolicy,
    Channel,
    ConsentRecord,
    ConsentState,
    DeliveryFailed,
    MessageKind,
    OutboxAttachment,
    OutboxMessage,
    OutboxState,
)
from crmkit.ports.messaging import (
    Attachment,
    EmailMessage,
    EmailSender,
)
from crmkit.ports.storage import Storage

__all__ = ["EmailSenderContract", "OutboxRepositoryContract", "outbox_sms"]


class EmailSenderContract:
    """What every :class:`~crmkit.ports.messaging.EmailSender` promises (SPEC §9 "E-mail").

    UTF-8 text and names intact, attachments byte for byte, one delivery per send.
    """

    def test_is_an_email_sender(self, sender: EmailSender) -> None:
        """§9: the adapter satisfies the port."""
        assert isinstance(sender, EmailSender)

    def test_utf8_subject_body_and_name_arrive_intact(
        self, sender: EmailSender, delivered: Callable[[], list[EmailMessage]]
    ) -> None:
        """§9 E-mail: Turkish subject, body and display name survive the trip."""
        message = EmailMessage(
            "Ayşe Yılmaz <ayse@example.com.tr>",
            "Şubat teklifi — İğne",
            "Merhaba Ayşe Hanım,\nEkte.",
            key=None,
        )
        message_id = sender.send(message)
        assert isinstance(message_id, str) and message_id
        got = delivered()[-1]
        assert "ayse@example.com.tr" in got.to
        assert got.subject == message.subject
        assert got.body.rstrip("\n") == message.body

    def test_attachments_arrive_byte_for_byte(
        self, sender: EmailSender, delivered: Callable[[], list[EmailMessage]]
    ) -> None:
        """§9 E-mail: attachments keep their name, type and exact bytes."""
        pdf = Attachment("teklif-şubat.pdf", "application/pdf", bytes(range(256)) * 4)
        csv = Attachment("liste.csv", "text/csv", "ad;şehir\nAyşe;İzmir\n".encode())
        sender.send(EmailMessage("ali@example.com", "Ekler", "İki ek.", [pdf, csv]))
        got = delivered()[-1]
        assert [(a.filename, a.media_type, a.content) for a in got.attachments] == [
            (pdf.filename, pdf.media_type, pdf.content),
            (csv.filename, csv.media_type, csv.content),
        ]

    def test_every_send_is_delivered_once_with_a_distinct_id(
        self, sender: EmailSender, delivered: Callable[[], list[EmailMessage]]
    ) -> None:
        """§9: one send, one delivery; ids differ."""
        before = len(delivered())
        ids = {sender.send(EmailMessage("a@example.com", f"No {i}", "x")) for i in range(3)}
        assert len(ids) == 3
        assert [m.subject for m in delivered()[before:]] == ["No 0", "No 1", "No 2"]

    def test_each_message_reaches_its_own_recipient(
        self, sender: EmailSender, delivered: Callable[[], list[EmailMessage]]
    ) -> None:
        """§9 E-mail: one sender, many recipients; each message arrives at the address it names."""
        before = len(delivered())
        recipients = ["ali@example.com", "Ayşe Yılmaz <ayse@example.com.tr>", "veli@example.org"]
        for n, to in enumerate(recipients):
            sender.send(EmailMessage(to, f"Kişisel {n}", f"Merhaba {n}"))
        got = delivered()[before:]
        assert [m.subject for m in got] == ["Kişisel 0", "Kişisel 1", "Kişisel 2"]
        addresses = ["ali@example.com", "ayse@example.com.tr", "veli@example.org"]
        assert [address in m.to for m, address in zip(got, addresses, strict=True)] == [True] * 3

    @pytest.mark.parametrize("permanent", [True, False], ids=["permanent", "temporary"])
    def test_a_refusal_is_delivery_failed_with_its_permanence(
        self, sender: EmailSender, refuse: Callable[[str, bool], None], permanent: bool
    ) -> None:
        """§9 E-mail: a refused message raises ``DeliveryFailed``; ``permanent`` says if a retry can help.

        A server that says "no such user" (5xx) is permanent — retrying only repeats it;
        one that says "try later" (4xx, greylisting) is temporary — the outbox retries.
        """
        refuse("nobody@example.com", permanent)
        with pytest.raises(DeliveryFailed) as raised:
            sender.send(EmailMessage("nobody@example.com", "Red", "x"))
        assert raised.value.permanent is permanent

    @pytest.fixture
    def refuse(self) -> Callable[[str, bool], None]:
        """Make the server refuse mail to an address, permanently or not; override it to bind.

        A binding whose server can refuse (an SMTP server on 127.0.0.1) overrides this fixture
        with a callable ``refuse(address, permanent)``; without one, the refusal tests are skipped.
        """
        pytest.skip("this binding cannot make its server refuse a message")


# -- the outbox and consent repositories ---------------------------------------------------
_T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_LEASE = timedelta(minutes=5)


def outbox_sms(
    n: int, *, due: datetime = _T0, kind: MessageKind = MessageKind.INFORMATIONAL
) -> OutboxMessage:
    """A pending outbox SMS numbered ``n`` (id, key and text derive from it)."""
    return OutboxMessage(
        id=uuid.UUID(int=0xA0000000_0000_4000_8000_000000000000 + n),
        key=f"msg-{n}",
        channel=Channel.SMS,
        kind=kind,
        recipient=f"+90532{n:07d}",
        body=f"Mesaj {n}: puanınız",
        created_at=_T0 + timedelta(seconds=n),
        due_at=due + timedelta(seconds=n),
        parts=1,
    )


class OutboxRepositoryContract:
    """What ``uow.outbox`` and ``uow.consents`` of every storage must do (SPEC §9 outbox, M3 consent).

    Needs a ``storage`` fixture: a migrated, empty storage.
    """

    def _add(self, storage: Storage, *messages: OutboxMessage) -> None:
        with storage.unit_of_work() as uow:
            uow.outbox.add_many(messages)
            uow.commit()

    def test_added_messages_read_back_equal(self, storage: Storage) -> None:
        """§9 outbox: a committed message reads back as written, by id and by key."""
        message = attrs.evolve(outbox_sms(1), subject="", contact_id=uuid.UUID(int=7), recipient_type="TACIR")
        self._add(storage, message, outbox_sms(2))
        with storage.unit_of_work() as uow:
            assert uow.outbox.get(message.id) == message
            assert uow.outbox.by_key("msg-1") == message
            assert uow.outbox.by_key("nope") is None
            assert uow.outbox.count() == 2 and uow.outbox.count(OutboxState.PENDING) == 2
            assert [m.key for m in uow.outbox.list()] == ["msg-1", "msg-2"]
            with pytest.raises(NotFound):
                uow.outbox.get(uuid.UUID(int=1))

    def test_a_rolled_back_change_enqueues_nothing(self, storage: Storage) -> None:
        """§9 outbox (same transaction as the change): leaving without commit discards its messages."""
        with storage.unit_of_work() as uow:
            uow.outbox.add(outbox_sms(1))
        with pytest.raises(RuntimeError), storage.unit_of_work() as uow:
            uow.outbox.add(outbox_sms(2))
            raise RuntimeError("the business change failed")
        with storage.unit_of_work() as uow:
            assert uow.outbox.count() == 0
            assert uow.outbox.claim("t", _T0 + timedelta(days=1), _LEASE, 10) == []

    def test_idempotency_keys_are_unique(self, storage: Storage) -> None:
        """§9 outbox: a second message with the same idempotency key is refused, naming ``key``."""
        self._add(storage, outbox_sms(1))
        with storage.unit_of_work() as uow:
            with pytest.raises(Duplicate) as raised:
                uow.outbox.add(attrs.evolve(outbox_sms(2), key="msg-1"))
            assert raised.value.field == "key"
            with pytest.raises(Duplicate) as by_id:
                uow.outbox.add(attrs.evolve(outbox_sms(1), key="other"))
            assert by_id.value.field == "id"

    def test_claim_takes_due_messages_oldest_first(self, storage: Storage) -> None:
        """§9 outbox: only due messages are claimed, oldest due first, one attempt more, under the token."""
        late = outbox_sms(3, due=_T0 + timedelta(hours=1))
        self._add(storage, late, outbox_sms(2), outbox_sms(1))
        now = _T0 + timedelta(minutes=1)
        with storage.unit_of_work() as uow:
            claimed = uow.outbox.claim("tok-A", now, _LEASE, 10)
            uow.commit()
        assert [m.key for m in claimed] == ["msg-1", "msg-2"]
        assert all(m.state is OutboxState.CLAIMED and m.claim == "tok-A" for m in claimed)
        assert all(m.attempts == 1 and m.due_at == now + _LEASE for m in claimed)
        with storage.unit_of_work() as uow:
            assert uow.outbox.get(claimed[0].id) == claimed[0]
            assert uow.outbox.claim("tok-B", now, _LEASE, 10) == []

    def test_limit_and_disjoint_claims(self, storage: Storage) -> None:
        """§9 outbox: successive claims never hand out a message twice."""
        self._add(storage, *(outbox_sms(n) for n in range(1, 8)))
        now = _T0 + timedelta(minutes=1)
        seen: list[str] = []
        for token in ("a", "b", "c", "d"):
            with storage.unit_of_work() as uow:
                batch = uow.outbox.claim(token, now, _LEASE, 3)
                uow.commit()
            seen += [m.key for m in batch]
        assert sorted(seen) == sorted(f"msg-{n}" for n in range(1, 8))
        assert len(seen) == len(set(seen))

    def test_a_lapsed_claim_is_uncertain_only_where_a_message_was_handed_over(self, storage: Storage) -> None:
        """§9 outbox: a crashed dispatcher's claim lapses; only the message it had handed over is uncertain.

        The one in flight is claimed again with one uncertain attempt (and its hand-over
        cleared); the one never handed over is claimed again as a plain new attempt.
        """
        self._add(storage, outbox_sms(1), outbox_sms(2))
        at = _T0 + timedelta(seconds=5)
        with storage.unit_of_work() as uow:
            first, second = uow.outbox.claim("dead-worker", at, _LEASE, 10)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.hand_over("dead-worker", first.id, at) == ([], True)
            # not its claim: nothing is written, and an outcome it brings is refused as lost
            assert uow.outbox.hand_over("someone-else", second.id, at, [first.sent("P-0", at)]) == (
                [first.id],
                False,
            )
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.get(first.id).sent_at == at
            assert uow.outbox.get(second.id).sent_at is None
        later = at + _LEASE
        with storage.unit_of_work() as uow:
            again = {m.id: m for m in uow.outbox.claim("new-worker", later, _LEASE, 10)}
            uow.commit()
        in_flight, untouched = again[first.id], again[second.id]
        assert (in_flight.attempts, in_flight.uncertain_attempts, in_flight.claim) == (2, 1, "new-worker")
        assert (untouched.attempts, untouched.uncertain_attempts, untouched.claim) == (2, 0, "new-worker")
        assert in_flight.sent_at is None
        assert in_flight.sent("P-1", later).possible_duplicate
        assert not untouched.sent("P-2", later).possible_duplicate
        with storage.unit_of_work() as uow:  # the lapsed claim may no longer hand anything over
            assert uow.outbox.hand_over("dead-worker", first.id, later) == ([], False)
            assert uow.outbox.get(first.id) == in_flight
        with storage.unit_of_work() as uow:  # the live claim records an outcome and the next hand-over
            done = in_flight.sent("P-1", later)
            assert uow.outbox.hand_over("new-worker", second.id, later, [done]) == ([], True)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.get(first.id) == attrs.evolve(done, claim=None)
            assert uow.outbox.get(second.id).sent_at == later

    def test_a_hand_over_writes_only_the_rows_its_token_holds_and_commits(self, storage: Storage) -> None:
        """§9 outbox: an outcome and a hand-over are each written only while the token holds the row.

        The usual write — one outcome and the next hand-over — is one statement on the SQL back
        ends; when only one of its two rows is still held, the other is reported (a lost outcome,
        or a next message that must not be sent). Each call is committed before it returns: a
        rollback afterwards undoes nothing. The calls alternate between a unit of work that has
        just begun and one between transactions (the two ways a back end may write it).
        """
        self._add(storage, *(outbox_sms(n) for n in range(1, 9)))
        at = _T0 + timedelta(seconds=30)
        with storage.unit_of_work() as uow:
            mine = uow.outbox.claim("mine", at, _LEASE, 4)
            theirs = uow.outbox.claim("theirs", at, _LEASE, 4)
            uow.commit()
        done = [m.sent(f"P-{n}", at) for n, m in enumerate(mine)]
        for fresh in (True, False):
            first, second = (mine[0], mine[1]) if fresh else (mine[2], mine[3])
            outcome = done[0] if fresh else done[2]
            with storage.unit_of_work() as uow:
                if not fresh:
                    uow.outbox.hand_over(
                        "mine", first.id, at
                    )  # commits: the unit of work is between transactions
                # the outcome is held, the next message is another dispatcher's: not sent, not marked
                assert uow.outbox.hand_over("mine", theirs[0 if fresh else 2].id, at, [outcome]) == (
                    [],
                    False,
                )
                # the outcome brought is another's (lost), the next message is held: marked
                lost = theirs[1 if fresh else 3].sent("P-x", at)
                assert uow.outbox.hand_over("mine", second.id, at, [lost]) == ([lost.id], True)
                uow.rollback()
            with storage.unit_of_work() as uow:
                assert uow.outbox.get(outcome.id) == attrs.evolve(outcome, claim=None)
                assert uow.outbox.get(second.id).sent_at == at
                for other in theirs:
                    assert uow.outbox.get(other.id) == other

    def test_a_claim_returns_what_claim_for_makes_lapsed_claims_first(self, storage: Storage) -> None:
        """§9 outbox: lapsed claims come before pending messages, each exactly as ``claim_for`` makes it.

        What the claim returns is what it stored.
        """
        self._add(storage, outbox_sms(1), outbox_sms(2), outbox_sms(3))
        with storage.unit_of_work() as uow:
            (lapsing,) = uow.outbox.claim("dead-worker", _T0 + timedelta(seconds=3), _LEASE, 1)
            uow.commit()
        assert lapsing.key == "msg-1"
        later = _T0 + timedelta(seconds=3) + _LEASE
        with storage.unit_of_work() as uow:
            before = {m.id: m for m in uow.outbox.list(limit=10)}
            claimed = uow.outbox.claim("next", later, _LEASE, 10)
            uow.commit()
        assert [m.key for m in claimed] == ["msg-1", "msg-2", "msg-3"]  # msg-1 is the lapsed one
        assert claimed == [before[m.id].claim_for("next", later, _LEASE) for m in claimed]
        assert (claimed[0].attempts, claimed[0].uncertain_attempts) == (2, 0)  # never handed over
        with storage.unit_of_work() as uow:
            assert [uow.outbox.get(m.id) for m in claimed] == claimed

    def test_finish_writes_outcomes_only_under_the_live_claim(self, storage: Storage) -> None:
        """§9 outbox: outcomes of a lapsed claim are refused and reported lost."""
        self._add(storage, outbox_sms(1), outbox_sms(2))
        now = _T0 + timedelta(seconds=5)
        with storage.unit_of_work() as uow:
            first, second = uow.outbox.claim("old", now, _LEASE, 10)
            uow.commit()
        with storage.unit_of_work() as uow:  # the lease of "old" lapsed; "new" took both
            uow.outbox.claim("new", now + _LEASE, _LEASE, 10)
            uow.commit()
        sent = first.sent("SM-1", now)
        with storage.unit_of_work() as uow:
            assert sorted(uow.outbox.finish("old", [sent, second])) == sorted([first.id, second.id])
            assert uow.outbox.finish("new", [sent]) == []
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.outbox.get(first.id)
            assert (stored.state, stored.provider_id, stored.claim) == (OutboxState.SENT, "SM-1", None)
            assert stored.sent_at == now
            assert uow.outbox.get(second.id).claim == "new"
            assert [m.key for m in uow.outbox.list(OutboxState.SENT)] == ["msg-1"]

    def test_copies_of_a_template_equal_the_evolved_messages(self, storage: Storage) -> None:
        """M2, §9 outbox: ``add_copies`` stores what ``add_many`` of the evolved template would."""
        template = attrs.evolve(outbox_sms(1), campaign_id=uuid.UUID(int=99), recipient_type="TACIR")
        copies = [
            (uuid.UUID(int=10 + n), f"c-{n}", f"+90533{n:07d}", uuid.UUID(int=50 + n)) for n in range(3)
        ]
        mail = OutboxMessage(
            id=uuid.UUID(int=1), key="-", channel=Channel.EMAIL, kind=MessageKind.COMMERCIAL,
            recipient="-", subject="Teklif", body="Ekte", created_at=_T0, due_at=_T0,
            attachments=(OutboxAttachment("a.pdf", "application/pdf", b"%PDF\x00\xff"),),
        )  # fmt: skip
        with storage.unit_of_work() as uow:
            uow.outbox.add_copies(template, copies)
            uow.outbox.add_copies(mail, [(uuid.UUID(int=20), "m-0", "ayse@example.com.tr", None)])
            uow.outbox.add_copies(template, [])
            uow.commit()
        with storage.unit_of_work() as uow:
            for id, key, recipient, contact in copies:
                expected = attrs.evolve(template, id=id, key=key, recipient=recipient, contact_id=contact)
                assert uow.outbox.get(id) == expected
            assert uow.outbox.get(uuid.UUID(int=20)) == attrs.evolve(
                mail, id=uuid.UUID(int=20), key="m-0", recipient="ayse@example.com.tr"
            )

    def test_copies_are_all_or_nothing(self, storage: Storage) -> None:
        """M2, §9 outbox: one taken key refuses the whole batch of copies, naming ``key``."""
        self._add(storage, outbox_sms(1))
        copies = [
            (uuid.UUID(int=10), "fresh", "+905330000001", None),
            (uuid.UUID(int=11), "msg-1", "+905330000002", None),
        ]
        with storage.unit_of_work() as uow:
            with pytest.raises(Duplicate) as raised:
                uow.outbox.add_copies(outbox_sms(5), copies)
            assert raised.value.field == "key"
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.count() == 1 and uow.outbox.by_key("fresh") is None

    def test_each_distinct_attachment_content_is_stored_once(self, storage: Storage) -> None:
        """M2, §9 outbox: equal bytes are stored once, for copies and single messages alike.

        A rollback keeps none of the contents it added; ``stored_files`` counts distinct
        contents and their bytes, this unit of work's included.
        """
        pdf, csv = b"%PDF\x00\xff" * 100, "ad;şehir\n".encode()
        mail = OutboxMessage(
            id=uuid.UUID(int=1), key="-", channel=Channel.EMAIL, kind=MessageKind.COMMERCIAL,
            recipient="-", subject="Teklif", body="Ekte", created_at=_T0, due_at=_T0,
            attachments=(OutboxAttachment("a.pdf", "application/pdf", pdf),),
        )  # fmt: skip
        with storage.unit_of_work() as uow:
            assert uow.outbox.stored_files() == (0, 0)
            uow.outbox.add_copies(
                mail, [(uuid.UUID(int=10 + n), f"c-{n}", "a@example.com", None) for n in range(4)]
            )
            assert uow.outbox.stored_files() == (1, len(pdf))
            uow.rollback()
        with storage.unit_of_work() as uow:
            assert uow.outbox.stored_files() == (0, 0)
            uow.outbox.add_copies(
                mail, [(uuid.UUID(int=10 + n), f"c-{n}", "a@example.com", None) for n in range(4)]
            )
            other = attrs.evolve(
                mail, id=uuid.UUID(int=30), key="other",
                attachments=(OutboxAttachment("b.pdf", "application/pdf", bytes(pdf)),
                             OutboxAttachment("b.csv", "text/csv", csv)),
            )  # fmt: skip
            uow.outbox.add_many([other])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.stored_files() == (2, len(pdf) + len(csv))
            assert uow.outbox.get(uuid.UUID(int=30)) == other
            assert [m.attachments for m in uow.outbox.list()] == [mail.attachments] * 4 + [other.attachments]

    def test_failed_and_dead_outcomes_round_trip(self, storage: Storage) -> None:
        """§9 outbox: a retried message is pending with its error and due time; a dead one stays dead."""
        self._add(storage, outbox_sms(1), outbox_sms(2))
        now = _T0 + timedelta(seconds=5)
        policy = BackoffPolicy(base=timedelta(seconds=10), max_attempts=3)
        with storage.unit_of_work() as uow:
            a, b = uow.outbox.claim("t", now, _LEASE, 10)
            uow.commit()
        retry = a.failed(DeliveryFailed("x", "80", "limit", permanent=False), now, policy, 1.0)
        dead = b.failed(DeliveryFailed("x", "40", "sender", permanent=True), now, policy, 0.5)
        with storage.unit_of_work() as uow:
            assert uow.outbox.finish("t", [retry, dead]) == []
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.get(a.id) == attrs.evolve(retry, claim=None)
            assert uow.outbox.get(b.id).state is OutboxState.DEAD
            assert uow.outbox.claim("u", now + timedelta(seconds=9), _LEASE, 10) == []
            assert [m.id for m in uow.outbox.claim("u", now + timedelta(seconds=10), _LEASE, 10)] == [a.id]

    def test_consent_history_and_state_at_a_time(self, storage: Storage) -> None:
        """M3: decisions are kept as history; the one in force at a time counts; others stay apart."""
        phone, other = "+905321234567", "+905329999999"

        def record(n: int, state: ConsentState, minutes: int, address: str = phone) -> ConsentRecord:
            return ConsentRecord(
                id=uuid.UUID(int=n),
                channel=Channel.SMS,
                address=address,
                state=state,
                at=_T0 + timedelta(minutes=minutes),
                source="test",
            )

        granted, revoked = record(1, ConsentState.GRANTED, 0), record(2, ConsentState.REVOKED, 10)
        with storage.unit_of_work() as uow:
            uow.consents.add(revoked)
            uow.consents.add(granted)
            uow.consents.add(record(3, ConsentState.GRANTED, 5, other))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.consents.history(Channel.SMS, phone) == [granted, revoked]
            assert uow.consents.history(Channel.EMAIL, phone) == []
            at_5 = uow.consents.current(
                Channel.SMS, [phone, other, "+905320000000"], _T0 + timedelta(minutes=5)
            )
            assert at_5 == {phone: ConsentState.GRANTED, other: ConsentState.GRANTED}
            at_10 = uow.consents.current(Channel.SMS, [phone], _T0 + timedelta(minutes=10))
            assert at_10 == {phone: ConsentState.REVOKED}
            with pytest.raises(Duplicate):
                uow.consents.add(granted)
