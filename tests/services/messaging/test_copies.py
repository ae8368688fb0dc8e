"""A campaign's messages enqueued as copies of one template (issue 6 items 2, 9; M3)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path
from typing import Any

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import MAX_ATTACHMENT_BYTES, Channel, MessageKind, OutboxAttachment
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.outbox import OutboxCopy
from crmkit.ports.storage import Storage
from crmkit.services.messaging import Dispatcher, enqueue_email_copies, enqueue_sms_copies, sms_message
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.fakes import RecordingSms
from tests.services.messaging.smtp_server import smtp_server

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


PDF = b"%PDF-1.4\n" + bytes(range(256)) * 16 + b"\n%%EOF"
FILES = (
    OutboxAttachment("katalog.pdf", "application/pdf", PDF),
    OutboxAttachment("fiyatlar.csv", "text/csv", "ürün;fiyat\nSabun;12,50\n".encode()),
)


def test_email_copies_carry_the_attachments(storage: Storage, clock: FixedClock) -> None:
    """Item 2: every copy comes back with the same files, in order, byte for byte, on every back end."""
    copies = _copies("ayse@example.com.tr", "mehmet@example.com.tr", "zeynep@example.com.tr")
    with storage.unit_of_work() as uow:
        enqueue_email_copies(uow, recipients=copies, subject="Katalog", body="Ektedir",
                             kind=MessageKind.COMMERCIAL, now=clock.now(), attachments=FILES)  # fmt: skip
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = [uow.outbox.get(id) for id, _, _, _ in copies]
        listed = uow.outbox.list(limit=10)
    assert [m.attachments for m in stored] == [FILES] * 3
    assert [m.recipient for m in stored] == [to for _, _, to, _ in copies]
    assert sorted(m.attachments == FILES for m in listed) == [True] * 3


@pytest.mark.parametrize(
    "attachments",
    [
        [OutboxAttachment("big.bin", "application/octet-stream", b"\0" * (MAX_ATTACHMENT_BYTES // 2 + 1))]
        * 2,
        [("katalog.pdf", "application/pdf", PDF)],
    ],
    ids=["too-many-bytes", "not-an-attachment"],
)
def test_bad_attachments_refuse_every_copy(
    storage: Storage, clock: FixedClock, attachments: list[Any]
) -> None:
    """Item 2: the files are checked like a single e-mail's (type, total size); nothing is stored."""
    with storage.unit_of_work() as uow:
        with pytest.raises(ValidationError) as raised:
            enqueue_email_copies(uow, recipients=_copies("ayse@example.com.tr"), subject="x", body="y",
                                 kind=MessageKind.COMMERCIAL, now=clock.now(),
                                 attachments=attachments)  # fmt: skip
        uow.commit()
    assert raised.value.field == "attachments"
    with storage.unit_of_work() as uow:
        assert uow.outbox.count() == 0


def test_email_copies_with_attachments_end_to_end_through_smtp(tmp_path: Path, clock: FixedClock) -> None:
    """Item 2 end to end: copies (SQLite) → dispatcher → SMTP → aiosmtpd; each parsed mail has the bytes."""
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

    storage = SqlStorage(f"sqlite:///{tmp_path}/crm.db", clock=clock)
    storage.migrate()
    ids = SequentialIds()
    try:
        with storage.unit_of_work() as uow:
            enqueue_email_copies(uow, recipients=_copies("ayse@example.com.tr", "mehmet@example.com.tr"),
                                 subject="Şubat kataloğu", body="Katalog ektedir.",
                                 kind=MessageKind.INFORMATIONAL, now=clock.now(),
                                 attachments=FILES)  # fmt: skip
            uow.commit()
        with smtp_server() as (inbox, port):
            plugins = Plugins(make_plugin_manager(load_entrypoints=False))
            sender = plugins.build(
                "email",
                f"smtp://127.0.0.1:{port}?from=crm%40example.com&starttls=off",
                AdapterContext(clock, ids, Settings()),
            )
            dispatcher = Dispatcher(
                storage, sms=RecordingSms(), email=sender, clock=clock, rng=random.Random(1)
            )
            assert dispatcher.run_until_idle().sent == 2
        received = inbox.messages()
        assert len(received) == 2
        for mail in received:
            assert mail.subject == "Şubat kataloğu"
            assert [(a.filename, a.media_type, a.content) for a in mail.attachments] == [
                (f.filename, f.media_type, f.content) for f in FILES
            ]
    finally:
        storage.close()
