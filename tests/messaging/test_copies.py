"""A campaign's messages enqueued as copies of one template (issue 6 items 2, 9; M3)."""

from __future__ import annotations

import uuid

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import Channel, MessageKind
from crmkit.ports.outbox import OutboxCopy
from crmkit.ports.storage import Storage
from crmkit.services.messaging import enqueue_email_copies, enqueue_sms_copies, sms_message
from crmkit.testing import FixedClock

TEXT = "Şubat kampanyası: tüm ürünlerde %20 indirim"


def _copies(*phones: str) -> list[OutboxCopy]:
    return [
        (uuid.UUID(int=100 + n), f"k-{n}", phone, uuid.UUID(int=200 + n)) for n, phone in enumerate(phones)
    ]


def test_sms_copies_equal_one_sms_message_each(storage: Storage, clock: FixedClock) -> None:
    """Item 9: the same messages as sms_message per recipient — parts (UCS-2), kind, campaign, İYS type."""
    copies = _copies("+905320000001", "+905320000002")
    campaign = uuid.UUID(int=9)
    with storage.unit_of_work() as uow:
        enqueue_sms_copies(uow, recipients=copies, text=TEXT, kind=MessageKind.COMMERCIAL, now=clock.now(),
                           campaign_id=campaign, recipient_type="TACIR")  # fmt: skip
        uow.commit()
    with storage.unit_of_work() as uow:
        for id, key, to, contact in copies:
            expected = sms_message(id=id, key=key, to=to, text=TEXT, kind=MessageKind.COMMERCIAL,
                                   now=clock.now(), contact_id=contact, campaign_id=campaign,
                                   recipient_type="TACIR")  # fmt: skip
            assert uow.outbox.get(id) == expected
    assert expected.parts == 1 and expected.recipient_type == "TACIR"


@pytest.mark.parametrize("bad", ["05320000002", "+90 532 000 0002", "+9053200000020000000"])
def test_one_bad_number_refuses_the_whole_batch(storage: Storage, clock: FixedClock, bad: str) -> None:
    """Item 1: every recipient is E.164-checked; a bad one is named and nothing is stored."""
    with storage.unit_of_work() as uow:
        with pytest.raises(ValidationError) as raised:
            enqueue_sms_copies(uow, recipients=_copies("+905320000001", bad), text=TEXT,
                               kind=MessageKind.COMMERCIAL, now=clock.now())  # fmt: skip
        uow.commit()
    assert raised.value.field == "to" and bad in str(raised.value)
    with storage.unit_of_work() as uow:
        assert uow.outbox.count() == 0


def test_email_copies_check_addresses(storage: Storage, clock: FixedClock) -> None:
    """Item 2: e-mail copies need an address with @; good ones are stored as e-mails."""
    with storage.unit_of_work() as uow:
        with pytest.raises(ValidationError):
            enqueue_email_copies(
                uow,
                recipients=_copies("ayse@example.com.tr", "not-an-address"),
                subject="Teklif",
                body="x",
                kind=MessageKind.COMMERCIAL,
                now=clock.now(),
            )
        enqueue_email_copies(uow, recipients=_copies("ayse@example.com.tr"), subject="Teklif", body="x",
                             kind=MessageKind.COMMERCIAL, now=clock.now())  # fmt: skip
        enqueue_sms_copies(uow, recipients=[], text=TEXT, kind=MessageKind.COMMERCIAL, now=clock.now())
        uow.commit()
    with storage.unit_of_work() as uow:
        [stored] = uow.outbox.list()
    assert (stored.channel, stored.subject, stored.recipient) == (
        Channel.EMAIL,
        "Teklif",
        "ayse@example.com.tr",
    )
