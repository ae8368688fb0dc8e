"""Each distinct attachment content is stored once, shared by every message with it (issue 6 items 2, 7; M2).

A campaign sending one brochure (I8) to many recipients stores the bytes
once (``outbox_blobs`` on SQL, one ``bytes`` object per SHA-256 digest in
memory) and one small row per copy and file; messages read back, and the
dispatcher sends, the exact bytes. Rows are counted on the SQL back ends
directly in the tables, on every back end through
:meth:`~crmkit.ports.outbox.OutboxRepository.stored_files`.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
import uuid

import pytest
import sqlalchemy as sa

from crmkit.domain.errors import Duplicate
from crmkit.domain.messaging import Channel, MessageKind, OutboxAttachment, OutboxState
from crmkit.ports.messaging import Attachment
from crmkit.ports.outbox import OutboxCopy
from crmkit.ports.storage import Storage
from crmkit.services.messaging import Dispatcher, enqueue_email, enqueue_email_copies
from crmkit.testing import FixedClock
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

BROCHURE = b"%PDF-1.4\n" + random.Random(8).randbytes(100 * 1024) + b"\n%%EOF"
"""A 100 KB brochure (I8)."""
PRICES = "ürün;fiyat\nçay;120,00 TL\n".encode()
COPIES = 60


def _copies(n: int = COPIES, prefix: str = "c") -> list[OutboxCopy]:
    return [(uuid.uuid4(), f"{prefix}-{i}", f"alici{i}@example.com.tr", None) for i in range(n)]


def _enqueue(
    storage: Storage, clock: FixedClock, files: list[OutboxAttachment], copies: list[OutboxCopy]
) -> None:
    with storage.unit_of_work() as uow:
        enqueue_email_copies(uow, recipients=copies, subject="Kış kataloğu", body="Katalog ektedir.",
                             kind=MessageKind.INFORMATIONAL, now=clock.now(), attachments=files)  # fmt: skip
        uow.commit()


def _stored(storage: Storage) -> tuple[int, int]:
    with storage.unit_of_work() as uow:
        return uow.outbox.stored_files()


def _rows(storage: Storage, table: str) -> int | None:
    """Rows of ``table`` counted in the database (SQL back ends), ``None`` for the memory storage."""
    engine = getattr(storage, "engine", None)
    if engine is None:
        return None
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_copies_with_one_file_store_it_once(storage: Storage, clock: FixedClock) -> None:
    """M2/I8: 60 copies of one 100 KB file → one stored content of 100 KB, one small row per copy."""
    brochure = OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE)
    _enqueue(storage, clock, [brochure], _copies())
    assert _stored(storage) == (1, len(BROCHURE))
    assert _rows(storage, "outbox_blobs") in (None, 1)
    assert _rows(storage, "outbox_attachments") in (None, COPIES)
    with storage.unit_of_work() as uow:
        listed = uow.outbox.list(OutboxState.PENDING, limit=COPIES + 1)
    assert len(listed) == COPIES
    assert all(m.attachments == (brochure,) for m in listed)
    # Read back, every copy shares one bytes object (not 60 copies of it in memory).
    assert len({id(m.attachments[0].content) for m in listed}) == 1


def test_two_different_files_are_two_contents(storage: Storage, clock: FixedClock) -> None:
    """M2: distinct bytes are stored apart; each copy keeps its files in order."""
    files = [
        OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE),
        OutboxAttachment("fiyatlar.csv", "text/csv", PRICES),
    ]
    _enqueue(storage, clock, files, _copies(10))
    assert _stored(storage) == (2, len(BROCHURE) + len(PRICES))
    assert _rows(storage, "outbox_attachments") in (None, 20)
    with storage.unit_of_work() as uow:
        assert all(m.attachments == tuple(files) for m in uow.outbox.list(limit=20))


def test_the_same_bytes_in_separate_enqueues_are_stored_once(storage: Storage, clock: FixedClock) -> None:
    """M2: a second campaign — and a single e-mail, under another name — reuse the stored content."""
    _enqueue(storage, clock, [OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE)], _copies(5, "a"))
    _enqueue(storage, clock, [OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE)], _copies(5, "b"))
    renamed = OutboxAttachment(
        "kis-2026.pdf", "application/pdf", bytes(BROCHURE)
    )  # equal, not the same object
    with storage.unit_of_work() as uow:
        enqueue_email(uow, id=uuid.uuid4(), key="single", to="ayse@example.com.tr", subject="Katalog",
                      body="Ekte.", kind=MessageKind.INFORMATIONAL, now=clock.now(),
                      attachments=[renamed])  # fmt: skip
        uow.commit()
    assert _stored(storage) == (1, len(BROCHURE))
    assert _rows(storage, "outbox_attachments") in (None, 11)
    with storage.unit_of_work() as uow:
        single = uow.outbox.by_key("single")
        first = uow.outbox.by_key("a-0")
    assert single is not None and single.attachments == (renamed,)
    assert first is not None and first.attachments[0].filename == "katalog.pdf"


def test_a_rollback_keeps_no_content_nor_attachment(storage: Storage, clock: FixedClock) -> None:
    """§9 + M2: contents first stored by a rolled-back unit of work go with it; stored ones stay."""
    brochure = OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE)
    with storage.unit_of_work() as uow:
        enqueue_email_copies(uow, recipients=_copies(5), subject="s", body="b", kind=MessageKind.COMMERCIAL,
                             now=clock.now(), attachments=[brochure])  # fmt: skip
        assert uow.outbox.stored_files() == (1, len(BROCHURE))  # this unit of work sees its own
        uow.rollback()
    assert _stored(storage) == (0, 0)
    assert _rows(storage, "outbox_blobs") in (None, 0)
    assert _rows(storage, "outbox_attachments") in (None, 0)
    # A stored content survives the rollback of a later unit of work that carried it too.
    prices = OutboxAttachment("fiyatlar.csv", "text/csv", PRICES)
    _enqueue(storage, clock, [prices], _copies(2, "kept"))
    with pytest.raises(RuntimeError), storage.unit_of_work() as uow:
        enqueue_email_copies(uow, recipients=_copies(2, "gone"), subject="s", body="b",
                             kind=MessageKind.COMMERCIAL, now=clock.now(),
                             attachments=[prices, brochure])  # fmt: skip
        raise RuntimeError("the campaign failed")
    assert _stored(storage) == (1, len(PRICES))
    assert _rows(storage, "outbox_attachments") in (None, 2)


def test_a_refused_batch_stores_no_content(storage: Storage, clock: FixedClock) -> None:
    """M2: a batch refused for a taken key leaves no content behind, even when its unit of work commits."""
    _enqueue(storage, clock, [], _copies(1, "taken"))
    brochure = OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE)
    with storage.unit_of_work() as uow:
        with pytest.raises(Duplicate) as raised:
            enqueue_email_copies(uow, recipients=[*_copies(3, "new"), *_copies(1, "taken")], subject="s",
                                 body="b", kind=MessageKind.COMMERCIAL, now=clock.now(),
                                 attachments=[brochure])  # fmt: skip
        uow.commit()
    assert raised.value.field == "key"
    assert _stored(storage) == (0, 0)
    assert _rows(storage, "outbox_attachments") in (None, 0)


def test_the_dispatcher_sends_every_copy_the_exact_bytes(storage: Storage, clock: FixedClock) -> None:
    """Item 2: each copy reaches EmailSender with the stored file, byte for byte."""
    files = [
        OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE),
        OutboxAttachment("fiyatlar.csv", "text/csv", PRICES),
    ]
    _enqueue(storage, clock, files, _copies(25))
    email = RecordingEmail()
    dispatcher = Dispatcher(storage, sms=RecordingSms(), email=email, clock=clock, rng=random.Random(1),
                            batch_size=10)  # fmt: skip
    assert dispatcher.run_until_idle().sent == 25
    expected = [Attachment(f.filename, f.media_type, f.content) for f in files]
    assert len(email.delivered) == 25
    assert all(list(sent.attachments) == expected for sent in email.delivered)


def test_memory_units_of_work_staging_the_same_new_bytes_share_one_object(
    storage: Storage, clock: FixedClock
) -> None:
    """M2 (memory): two open units of work stage the same new content; after both commit one is kept."""
    if storage.url.split(":")[0] != "memory":
        pytest.skip(
            "two units of work open in one thread: the memory storage (the server back ends run threads)"
        )
    first = OutboxAttachment("katalog.pdf", "application/pdf", BROCHURE)
    second = OutboxAttachment("katalog.pdf", "application/pdf", bytes(BROCHURE))
    with storage.unit_of_work() as a, storage.unit_of_work() as b:
        for uow, files, prefix in ((a, [first], "a"), (b, [second], "b")):
            enqueue_email_copies(uow, recipients=_copies(3, prefix), subject="s", body="b",
                                 kind=MessageKind.COMMERCIAL, now=clock.now(), attachments=files)  # fmt: skip
        a.commit()
        b.commit()
    assert _stored(storage) == (1, len(BROCHURE))
    with storage.unit_of_work() as uow:
        listed = uow.outbox.list(limit=10)
    assert len(listed) == 6 and {m.channel for m in listed} == {Channel.EMAIL}
    assert len({id(m.attachments[0].content) for m in listed}) == 1


@pytest.mark.parametrize("first_commits", [True, False], ids=["both-commit", "first-rolls-back"])
def test_two_units_of_work_enqueue_the_same_new_file_at_once(
    storage: Storage, clock: FixedClock, first_commits: bool
) -> None:
    """M2 race: two threads store the same new bytes at once → both succeed, one content.

    Each thread holds its transaction open a moment after enqueueing, so the second
    insert meets the first's uncommitted row (it waits on the key, then finds the row
    — or, when the first rolls back, inserts it itself).
    """
    if not storage.url.startswith(("postgresql", "mysql", "mariadb")):
        pytest.skip("concurrent enqueues need PostgreSQL or MariaDB (SQLite has one writer)")
    content = random.Random(uuid.uuid4().int).randbytes(100 * 1024)  # new: in no earlier run's table
    start = threading.Barrier(2)
    errors: list[str] = []

    def enqueue(name: str, commit: bool, delay: float) -> None:
        try:
            start.wait()
            time.sleep(delay)  # "a" inserts first; "b" meets its uncommitted row
            with storage.unit_of_work() as uow:
                enqueue_email_copies(uow, recipients=_copies(50, name), subject="s", body="b",
                                     kind=MessageKind.COMMERCIAL, now=clock.now(),
                                     attachments=[OutboxAttachment("yeni.pdf", "application/pdf",
                                                                   bytes(content))])  # fmt: skip
                time.sleep(0.4)
                if commit:
                    uow.commit()
        except BaseException:  # pragma: no cover - reported below
            errors.append(f"{name}: {traceback.format_exc()[-1500:]}")

    threads = [
        threading.Thread(target=enqueue, args=("a", first_commits, 0.0)),
        threading.Thread(target=enqueue, args=("b", True, 0.1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    expected = 100 if first_commits else 50
    assert _stored(storage) == (1, len(content))
    assert _rows(storage, "outbox_attachments") == expected
    with storage.unit_of_work() as uow:
        listed = uow.outbox.list(limit=200)
    assert len(listed) == expected
    assert all(m.attachments[0].content == content for m in listed)
