"""Outbox e-mails carry attachments stored in the unit of work, sent through EmailSender (issue 6 item 2)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crmkit.adapters.email.smtp import SmtpEmailSender
from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import DocumentId
from crmkit.domain.messaging import MAX_ATTACHMENT_BYTES, MessageKind, OutboxAttachment, OutboxState
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.messaging import Attachment, EmailSender
from crmkit.ports.storage import Storage
from crmkit.services.messaging import Dispatcher, attachment_of, enqueue_email
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.fakes import RecordingEmail, RecordingSms
from tests.services.messaging.smtp_server import smtp_server

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF"
CSV = "ad;şehir\nKonak Gıda;İzmir\n".encode()
FILES = (
    OutboxAttachment("teklif-2026.pdf", "application/pdf", PDF),
    OutboxAttachment("liste.csv", "text/csv", CSV),
)


def _enqueue(storage: Storage, clock: FixedClock, ids: SequentialIds, key: str = "offer:1") -> None:
    with storage.unit_of_work() as uow:
        enqueue_email(
            uow,
            id=ids.new(),
            key=key,
            to="Ayşe Yılmaz <ayse@example.com.tr>",
            subject="Teklifimiz ektedir",
            body="Merhaba, teklifimiz ektedir.",
            kind=MessageKind.INFORMATIONAL,
            now=clock.now(),
            attachments=FILES,
        )
        uow.commit()


def _dispatch(storage: Storage, clock: FixedClock, email: EmailSender) -> int:
    dispatcher = Dispatcher(storage, sms=RecordingSms(), email=email, clock=clock, rng=random.Random(1))
    return dispatcher.run_until_idle().sent


def test_attachments_are_stored_with_the_message(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 2: the bytes, names and types come back exactly, in order, on every back end."""
    _enqueue(storage, clock, ids)
    with storage.unit_of_work() as uow:
        stored = uow.outbox.by_key("offer:1")
        listed = uow.outbox.list(OutboxState.PENDING)
    assert stored is not None and stored.attachments == FILES
    assert [m.attachments for m in listed] == [FILES]


def test_a_rolled_back_change_keeps_no_attachment(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """§9 + item 2: message and files go with the unit of work; a later message with the key is clean."""
    with pytest.raises(RuntimeError), storage.unit_of_work() as uow:
        enqueue_email(
            uow,
            id=ids.new(),
            key="offer:1",
            to="ayse@example.com.tr",
            subject="x",
            body="y",
            kind=MessageKind.INFORMATIONAL,
            now=clock.now(),
            attachments=FILES,
        )
        raise RuntimeError("the change failed")
    with storage.unit_of_work() as uow:
        assert uow.outbox.by_key("offer:1") is None
        enqueue_email(
            uow,
            id=ids.new(),
            key="offer:1",
            to="ayse@example.com.tr",
            subject="x",
            body="y",
            kind=MessageKind.INFORMATIONAL,
            now=clock.now(),
        )
        uow.commit()
    with storage.unit_of_work() as uow:
        again = uow.outbox.by_key("offer:1")
    assert again is not None and again.attachments == ()


def test_the_dispatcher_sends_the_attachments(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 2: the dispatcher hands the files to EmailSender."""
    _enqueue(storage, clock, ids)
    email = RecordingEmail()
    assert _dispatch(storage, clock, email) == 1
    [sent] = email.delivered
    assert list(sent.attachments) == [Attachment(f.filename, f.media_type, f.content) for f in FILES]


@pytest.mark.parametrize(
    ("filename", "media_type", "field"),
    [
        ("", "text/plain", "filename"),
        ("../etc/passwd", "text/plain", "filename"),
        ("a.txt", "text", "media_type"),
    ],
)
def test_a_bad_attachment_is_refused(filename: str, media_type: str, field: str) -> None:
    """Item 2: a name with a path or a media type that is no type/subtype is refused, naming the field."""
    with pytest.raises(ValidationError) as raised:
        OutboxAttachment(filename, media_type, b"x")
    assert raised.value.field == field


def test_too_many_bytes_are_refused_and_nothing_stored(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 2: attachments over the limit are refused before anything is written."""
    big = OutboxAttachment("big.bin", "application/octet-stream", b"\0" * (MAX_ATTACHMENT_BYTES // 2 + 1))
    with storage.unit_of_work() as uow:
        with pytest.raises(ValidationError) as raised:
            enqueue_email(
                uow,
                id=ids.new(),
                key="big",
                to="ayse@example.com.tr",
                subject="x",
                body="y",
                kind=MessageKind.INFORMATIONAL,
                now=clock.now(),
                attachments=[big, big],
            )
        uow.commit()
    assert raised.value.field == "attachments"
    with storage.unit_of_work() as uow:
        assert uow.outbox.count() == 0


def test_a_stored_document_is_attached_as_a_copy(clock: FixedClock, ids: SequentialIds) -> None:
    """Item 2, C10: attachment_of copies the document's name, type and bytes."""
    document = Document(
        id=DocumentId(ids.new()),
        owner=DocumentOwner(OwnerKind.COMPANY, str(ids.new())),
        name="sözleşme.pdf",
        media_type="application/pdf",
        content=PDF,
    )
    assert attachment_of(document) == OutboxAttachment("sözleşme.pdf", "application/pdf", PDF)


def test_end_to_end_through_a_real_smtp_server(tmp_path: Path, clock: FixedClock, ids: SequentialIds) -> None:
    """Item 2 end to end: outbox (SQLite) → dispatcher → SMTP → aiosmtpd; the parsed mail has the bytes."""
    from crmkit.adapters.sqlalchemy.storage import SqlStorage

    storage = SqlStorage(f"sqlite:///{tmp_path}/crm.db", clock=clock)
    storage.migrate()
    try:
        _enqueue(storage, clock, ids)
        with smtp_server() as (inbox, port):
            plugins = Plugins(make_plugin_manager(load_entrypoints=False))
            sender = plugins.build(
                "email",
                f"smtp://127.0.0.1:{port}?from=crm%40example.com&starttls=off",
                AdapterContext(clock, ids, Settings()),
            )
            assert isinstance(sender, SmtpEmailSender)
            assert _dispatch(storage, clock, sender) == 1
        [received] = inbox.messages()
        assert received.subject == "Teklifimiz ektedir"
        assert [(a.filename, a.media_type, a.content) for a in received.attachments] == [
            ("teklif-2026.pdf", "application/pdf", PDF),
            ("liste.csv", "text/csv", CSV),
        ]
    finally:
        storage.close()
