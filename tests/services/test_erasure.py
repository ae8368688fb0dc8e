"""M4 erasure on request (KVKK art. 7): erased everywhere, aggregates kept, consent proven; every back end."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import uuid
import zipfile
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from crmkit import ContactInput
from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.domain.erasure import ERASED, consent_token
from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.messaging import Channel, ConsentState, MessageKind, OutboxMessage, OutboxState
from crmkit.domain.points import Program
from crmkit.domain.text import fold
from crmkit.services.messaging.enqueue import record_consent
from tests.services.conftest import World

NAME = "Zeliha Korkmaz"
PHONE = "+905321112233"
EMAIL = "zeliha.korkmaz@ornek.com.tr"
TITLE = "Eczacı Kalfası"
VALUES = (NAME, PHONE, EMAIL)
OFFER = "<p>Sayın {{ contact.name }} ({{ contact.email }}), teklifimiz ektedir.</p>"


@attrs.define
class Seeded:
    """A contact whose values were copied into every place that can hold them."""

    company: Any
    contact: Any
    other: Any
    rep: Any


def seed_everywhere(world: World) -> Seeded:
    """Copy the contact's name, phone and e-mail into every place a CRM copies them (M4)."""
    crm, a = world.crm, world.admin.id
    p = crm.parties
    rep = p.hire(actor=a, name="Selin Aksoy", position="admin_manager", email="selin@example.com.tr")
    company = p.register_company(
        actor=a,
        name="Kadıköy Eczanesi",
        type="customer",
        sector="İlaç",
        contact=ContactInput(name=NAME, title=TITLE, phone=PHONE, email=EMAIL),
        referred_by_person=None,
    )
    contact = p.contacts(actor=a, company=company.id)[0]
    other = p.add_contact(actor=a, company=company.id, name="Ömer Işık", phone="+905329998877")
    p.register_company(actor=a, name="Moda Eczanesi", type="customer", referred_by_person=NAME)
    now = world.clock.now()
    with crm.storage.unit_of_work(a) as uow:
        for channel, address in ((Channel.SMS, PHONE), (Channel.EMAIL, EMAIL)):
            record_consent(
                uow,
                id=crm.ids.new(),
                channel=channel,
                address=address,
                state=ConsentState.GRANTED,
                at=now - timedelta(days=30),
                source="web-form",
                contact_id=contact.id,
            )
        record_consent(
            uow,
            id=crm.ids.new(),
            channel=Channel.SMS,
            address=PHONE,
            state=ConsentState.REVOKED,
            at=now - timedelta(days=1),
            source="sms:RET",
        )
        uow.outbox.add(  # an e-mail to someone else that mentions her
            OutboxMessage(
                id=crm.ids.new(),
                key="note-to-rep",
                channel=Channel.EMAIL,
                kind=MessageKind.INFORMATIONAL,
                recipient="selin@example.com.tr",
                subject=f"{NAME} geri arama istedi",
                body=f"{NAME} ({PHONE}, {EMAIL}) yarın aranacak.",
                created_at=now,
                due_at=now,
            )
        )
        uow.commit()
    everyone = crm.marketing.save_segment(actor=a, name="Herkes", filter={})
    crm.marketing.send_campaign(
        actor=a, name="Bahar", segment=everyone.id, channel="email", subject="Bahar", body="İndirim"
    )
    template = crm.dispatch.upload_template(actor=a, kind="offer", name="teklif.html", source=OFFER)
    crm.dispatch.send(actor=a, template=template.id, contact=contact.id, subject=f"Teklif: {NAME}")
    crm.interactions.create(
        actor=a,
        company=company.id,
        channel="phone",
        category="Sipariş",
        subject=f"{NAME} aradı",
        text=f"{NAME}'ı {PHONE} numarasından aradım; {EMAIL} adresine yazacağım.",
        contact=contact.id,
    )
    crm.agenda.create_appointment(
        actor=a,
        company=company.id,
        starts_at=now + timedelta(days=1),
        minutes=30,
        description=f"{NAME} ziyareti",
    )
    crm.agenda.add_reminder(actor=a, due_at=now + timedelta(days=2), text=f"{NAME.upper()} için {EMAIL}")
    crm.meetings.record(
        actor=a,
        company=company.id,
        held_at=now,
        outcome="informed",
        contact=contact.id,
        text=f"{NAME} memnun.",
    )
    crm.samples.send(
        actor=a, company=company.id, product="Krem", contact=contact.id, note=f"{NAME} için numune"
    )
    crm.service.open_case(
        actor=a, company=company.id, channel="call", reason=f"{NAME} şikâyet etti ({PHONE})"
    )
    crm.service.book(
        actor=a,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=1),
        technician=rep.id,
        note=f"{NAME} evde olacak",
    )
    crm.points.define_program(actor=a, program=Program(code="P", name="P"))
    crm.points.register_phone(actor=a, phone=PHONE, program="P", role="customer", party="9205121120")
    p.attach_document(
        actor=a,
        owner_kind="contact",
        owner_id=contact.id,
        name=f"{NAME} KVKK onayı.pdf",
        media_type="application/pdf",
        content=f"%PDF {NAME} {EMAIL}".encode(),
    )
    return Seeded(company, contact, other, rep)


# -- finding a value anywhere ----------------------------------------------------------------


def readable(data: bytes, depth: int = 0) -> str:
    """``data`` decoded, and everything inside it when it is compressed (gzip, bzip2, xz, zip).

    Issue 11: an erased value inside a compressed file must be found by the scan, so the scan
    opens what the erasure must open; an archive inside an archive too.
    """
    texts = [data.decode("utf-8", "replace")]
    if depth < 4:
        inner: list[bytes] = []
        try:
            if data.startswith(b"\x1f\x8b"):
                inner = [gzip.decompress(data)]
            elif data.startswith(b"BZh"):
                inner = [bz2.decompress(data)]
            elif data.startswith(b"\xfd7zXZ\x00"):
                inner = [lzma.decompress(data)]
            elif data.startswith(b"PK"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for info in archive.infolist():
                        texts.append(info.filename)
                        inner.append(archive.read(info))
        except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile):
            inner = []
        texts += [readable(part, depth + 1) for part in inner]
    return "\n".join(texts)


def _texts(value: object, seen: set[int] | None = None) -> Iterator[str]:
    """Every text (and bytes, decoded) reachable from ``value``: objects, mappings, sequences."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | bytearray | memoryview):
        yield readable(bytes(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k, seen)
            yield from _texts(v, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item, seen)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):  # type: ignore[arg-type]  # attrs.has said it is attrs
            yield from _texts(getattr(value, field.name), seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type):  # plain classes holding tables
        yield from _texts(vars(value), seen)


def _memory_texts(world: World) -> Iterator[tuple[str, str]]:
    """Every text held by the memory storage's objects, and by the document store (C10)."""
    places: dict[str, object] = dict(vars(world.crm.storage))
    places["documents"] = vars(world.crm.documents)
    for name, value in places.items():
        for text in _texts(value):
            yield name, text


def _sql_texts(storage: SqlStorage) -> Iterator[tuple[str, str]]:
    """Every text, JSON and binary column of every table, scanned whole."""
    with storage.connect() as connection:
        for table in metadata.sorted_tables:
            wanted = [
                c
                for c in table.columns
                if isinstance(c.type, sa.String | sa.Text | sa.JSON | sa.LargeBinary)
                or isinstance(getattr(c.type, "impl", None), sa.String | sa.LargeBinary)
            ]
            if not wanted:
                continue
            for row in connection.execute(sa.select(*wanted)):
                for column, value in zip(wanted, row, strict=True):
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else None
                    if isinstance(value, bytes | memoryview):
                        text = readable(bytes(value))
                    elif not isinstance(value, str):
                        text = json.dumps(value, ensure_ascii=False)
                    assert text is not None
                    yield f"{table.name}.{column.name}", text


_SEPARATORS = re.compile(r"[\s\-./()+]")


def found_anywhere(
    world: World, values: tuple[str, ...], *, digits: str | None = None
) -> dict[str, list[str]]:
    """Where any of ``values`` can still be read in the whole database (and document store).

    Texts are compared folded the Turkish way (case and marks aside, :func:`fold`), so
    ``ZELİHA`` is found as ``Zeliha``; with ``digits``, a text that holds them in order with
    only separators between (``0532 111-22 33``) is reported under the digits.
    """
    storage = world.crm.storage
    texts = _memory_texts(world) if isinstance(storage, MemoryStorage) else _sql_texts(storage)  # type: ignore[arg-type]
    found: dict[str, list[str]] = {}
    folded = [fold(v) for v in values]
    for place, text in texts:
        seen = fold(text)
        hits = [v for v, f in zip(values, folded, strict=True) if f in seen]
        if digits is not None and digits in _SEPARATORS.sub("", text):
            hits.append(digits)
        if hits:
            found.setdefault(place, []).extend(hits)
    return found


# -- the tests ---------------------------------------------------------------------------------


def test_m4_the_scan_finds_every_seeded_place_before_the_erasure(world: World) -> None:
    """The scan is not blind: before erasure it sees the values in the places the erasure must clean."""
    seed_everywhere(world)
    found = found_anywhere(world, VALUES)
    if isinstance(world.crm.storage, SqlStorage):
        for place in (
            "contacts.name",
            "audit_entries.changes",
            "outbox_messages.recipient",
            "outbox_messages.body",
            "outbox_blobs.content",
            "consent_records.address",
            "campaign_recipients.address",
            "interactions.text",
            "appointments.description",
            "reminders.text",
            "meeting_notes.text",
            "samples.note",
            "service_cases.reason",
            "service_bookings.note",
            "companies.referred_by_person_name",
            "point_phones.phone",
            "documents.name",
        ):
            assert place in found, place
    else:
        assert {"_contacts", "_audit", "_outbox", "_interactions", "_marketing", "_points"} <= set(found)


def test_m4_after_erasure_no_erased_value_is_left_anywhere_and_aggregates_stay(world: World) -> None:
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    with crm.storage.unit_of_work() as uow:
        before = (uow.outbox.count(), uow.interactions.count(), uow.contacts.count())
    campaign_before = crm.marketing.campaign(actor=a, id=_campaign_id(world))

    erasure = crm.parties.erase_contact(
        actor=a, contact=seeded.contact.id, reason=f"KVKK başvurusu 2026/17 — {NAME}, e-posta ile"
    )

    assert found_anywhere(world, VALUES) == {}
    report = erasure.counts
    assert report["contacts"] == 1
    assert report["documents"] == 1
    for place in (
        "audit_entries",
        "outbox_messages",
        "outbox_attachments",
        "consent_records",
        "campaign_recipients",
        "companies",
        "interactions",
        "appointments",
        "reminders",
        "meeting_notes",
        "samples",
        "service_cases",
        "service_bookings",
        "point_phones",
    ):
        assert report.get(place, 0) >= 1, place
    assert report["consent_records"] == 3
    assert erasure.reason == "KVKK başvurusu 2026/17 — [erased], e-posta ile"
    # the record keeps its id; counts and campaign totals stay (M4: aggregates intact)
    with crm.storage.unit_of_work() as uow:
        assert (uow.outbox.count(), uow.interactions.count(), uow.contacts.count()) == before
        stored = uow.contacts.get(seeded.contact.id)
        assert (stored.name, stored.title, stored.phone, stored.email) == (ERASED, None, None, None)
        assert uow.contacts.get(seeded.other.id).phone == "+905329998877"  # her colleague is untouched
        # the consent history proves the request: channel, decision, date, source, a keyed token
        tokens = uow.consents.history(Channel.SMS, consent_token(PHONE, erasure.id))
        assert [(r.state, r.source) for r in tokens] == [
            (ConsentState.GRANTED, "web-form"),
            (ConsentState.REVOKED, "sms:RET"),
        ]
        assert uow.consents.history(Channel.SMS, PHONE) == []
    assert crm.marketing.campaign(actor=a, id=campaign_before.id) == campaign_before
    history = crm.parties.history(actor=a, aggregate_type="contact", aggregate_id=seeded.contact.id)
    assert [e.action for e in history] == ["create", "erase"]
    assert {c.field: (c.old, c.new) for c in history[0].changes}["name"] == (None, ERASED)
    assert crm.parties.erasures(actor=a) == [erasure]
    assert crm.parties.documents(actor=a, owner_kind="contact", owner_id=seeded.contact.id) == []


def test_m4_messages_to_the_contact_still_waiting_are_never_sent(world: World) -> None:
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 18")
    with crm.storage.unit_of_work() as uow:
        mine = [m for m in uow.outbox.list(limit=1000) if m.contact_id == seeded.contact.id]
    assert mine and all(m.recipient == ERASED for m in mine)
    assert all(m.state in (OutboxState.SKIPPED, OutboxState.SENT) for m in mine)


def test_m4_only_an_admin_erases_and_the_refusal_names_the_rule(world: World) -> None:
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    rep = crm.parties.hire(actor=a, name="Gülşen Çelik")
    with pytest.raises(PermissionDenied) as refused:
        crm.parties.erase_contact(actor=rep.id, contact=seeded.contact.id, reason="Talep")
    assert refused.value.rule == "M4"
    with pytest.raises(PermissionDenied) as refused:
        crm.parties.erasures(actor=rep.id)
    assert refused.value.rule == "M4"
    with pytest.raises(ValidationError) as bad:
        crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="  ")
    assert bad.value.field == "reason"
    assert crm.parties.contacts(actor=a, company=seeded.company.id)[0].name == NAME  # nothing erased
    assert crm.parties.erasures(actor=a) == []


def test_m4_a_repeated_request_is_harmless_and_recorded_again(world: World) -> None:
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    first = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 19")
    second = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 19, ek")
    assert second.counts == {}  # the values went with the first erasure: nothing is left to find
    assert [e.id for e in crm.parties.erasures(actor=a, contact=seeded.contact.id)] == [first.id, second.id]


def _campaign_id(world: World) -> uuid.UUID:
    with world.crm.storage.unit_of_work() as uow:
        return next(m.campaign_id for m in uow.outbox.list(limit=1000) if m.campaign_id is not None)


def test_m4_the_erase_entry_reads_back_at_the_offset_of_the_clock_that_wrote_it(world: World) -> None:
    """C12, issue 11: the contact's ``erase`` audit entry keeps its ``at_offset`` (revision 0018)."""
    crm, a = world.crm, world.admin.id
    company = crm.parties.register_company(actor=a, name="Ege", type="customer", contact={"name": NAME})
    contact = crm.parties.contacts(actor=a, company=company.id)[0]
    world.clock.set(world.clock.now().astimezone(timezone(timedelta(hours=3))) + timedelta(hours=1))
    crm.parties.erase_contact(actor=a, contact=contact.id, reason="Talep 20")
    history = crm.parties.history(actor=a, aggregate_type="contact", aggregate_id=contact.id)
    erase = [e for e in history if e.action == "erase"]
    assert [(e.at, e.at.utcoffset()) for e in erase] == [(world.clock.now(), timedelta(hours=3))]
