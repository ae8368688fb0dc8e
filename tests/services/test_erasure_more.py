"""M4 erasure, issue 11 (second part): replacement lengths, the knowledge base, campaigns, the same
person's other contact records, compressed files and crash-safe document rewrites; every back end."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from crmkit import ContactInput
from crmkit.adapters.erasing import FREE_TEXTS, MESSAGE_TEXTS, TEXT_LIMITS, limit_of
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.domain.erasure import ERASED_NOTICE
from crmkit.domain.limits import LABEL_MAX, SUBJECT_MAX
from crmkit.domain.messaging import Channel, ConsentState, MessageKind, OutboxAttachment, OutboxMessage
from crmkit.services.messaging.enqueue import record_consent
from tests.services.conftest import World
from tests.services.test_erasure import EMAIL, NAME, PHONE, VALUES, found_anywhere, seed_everywhere

SHORT = "Ece Ak"
"""A name shorter than ``[erased]``: writing the marker over it makes a text longer."""


def _short_contact(world: World) -> Any:
    crm, a = world.crm, world.admin.id
    company = crm.parties.register_company(
        actor=a, name="Ege Kimya", type="customer", contact=ContactInput(name=SHORT, phone="+905321112299")
    )
    return crm.parties.contacts(actor=a, company=company.id)[0]


def test_m4_a_replacement_never_makes_a_text_longer_than_its_field_allows(world: World) -> None:
    """Issue 11 item 6: a 200-character referrer name and a 500-character subject that start with a
    6-character name would grow to 202 and 502 with ``[erased]``: PostgreSQL and MariaDB refuse that
    (memory's own validators too), so the shorter marker is written and each text keeps its length."""
    crm, a = world.crm, world.admin.id
    contact = _short_contact(world)
    referrer = f"{SHORT} " + "x" * (LABEL_MAX - len(SHORT) - 1)
    referred = crm.parties.register_company(
        actor=a, name="Referanslı Eczane", type="customer", referred_by_person=referrer
    )
    subject = f"{SHORT} " + "y" * (SUBJECT_MAX - len(SHORT) - 1)
    roomy = f"{SHORT} aradı"
    note = crm.interactions.create(
        actor=a, company=contact.company_id, channel="phone", category="Sipariş", subject=subject, text=roomy
    )

    erasure = crm.parties.erase_contact(actor=a, contact=contact.id, reason="Talep 21")

    kept = crm.parties.get_company(actor=a, company=referred.id).referred_by
    assert kept is not None and kept.person_name == "[-] " + "x" * (LABEL_MAX - len(SHORT) - 1)
    stored = crm.interactions.get(actor=a, id=note.id)
    assert stored.subject == "[-] " + "y" * (SUBJECT_MAX - len(SHORT) - 1)
    assert stored.text == "[erased] aradı"  # room enough: the usual marker
    assert erasure.counts["companies"] == 1 and erasure.counts["interactions"] == 1


def test_m4_the_limits_erasure_fits_to_are_the_lengths_of_the_columns() -> None:
    """Issue 11 item 6: every erased text's limit is its column's length, so no replacement overflows."""
    scrubbed: dict[str, set[str]] = {place: set(fields) for place, fields in FREE_TEXTS.items()}
    scrubbed["outbox_messages"] = set(MESSAGE_TEXTS)
    for place, limits in TEXT_LIMITS.items():
        scrubbed.setdefault(place, set()).update(limits)
    for place, names in scrubbed.items():
        for field in names:
            length = getattr(metadata.tables[place].c[field].type, "length", None)
            if isinstance(metadata.tables[place].c[field].type, sa.String) and length is not None:
                assert limit_of(place, field) == length, (place, field)


def test_m4_knowledge_base_articles_and_their_search_index_lose_her_values(world: World) -> None:
    """Issue 11 item 9 (S7): title, body, keywords and the index (``kb_terms``, ``search_text``)."""
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    s = crm.service
    hers = s.write_article(
        actor=a,
        title=f"{NAME} kombi arızası",
        body=f"Müşteri {NAME.upper()} (0532 111 22 33, {EMAIL}) kombinin basınç düşüyor dedi.",
        keywords=[NAME, "basınç"],
    )
    other = s.write_article(actor=a, title="Kombi bakımı", body="Yıllık bakım adımları.", keywords=["bakım"])
    assert [x.id for x, _ in s.search_articles(actor=a, query="Zeliha")] == [hers.id]

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 22")

    assert erasure.counts["kb_articles"] == 1
    assert found_anywhere(world, VALUES, digits="5321112233") == {}
    for query in ("Zeliha", "korkmaz", "0532", "ornek", EMAIL):
        assert s.search_articles(actor=a, query=query) == [], query
    found = s.search_articles(actor=a, query="basınç düşüyor")
    assert [x.id for x, _ in found] == [hers.id]  # still found by its other words
    article = s.get_article(actor=a, article=hers.id)
    assert article.title == "[erased] kombi arızası"
    assert article.keywords == ("basınç",)  # a keyword that was only her name goes
    # a phone pattern takes its own opening parenthesis: "(0532 111 22 33" is one written number
    assert article.body == "Müşteri [erased] [erased], [erased]) kombinin basınç düşüyor dedi."
    assert {x.id for x, _ in s.search_articles(actor=a, query="kombi")} == {other.id, hers.id}
    assert s.get_article(actor=a, article=other.id) == other


def test_m4_campaign_subject_and_body_and_their_rendered_copies_lose_her_values(world: World) -> None:
    """Issue 11 item 9 (M2): the campaign's name, subject and body; the messages it queued to others."""
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    mehmet = crm.parties.register_company(
        actor=a,
        name="Beşiktaş Eczanesi",
        type="customer",
        contact=ContactInput(name="Mehmet Öz", email="mehmet@besiktas.com.tr"),
    )
    with crm.storage.unit_of_work(a) as uow:
        record_consent(
            uow,
            id=crm.ids.new(),
            channel=Channel.EMAIL,
            address="mehmet@besiktas.com.tr",
            state=ConsentState.GRANTED,
            at=world.clock.now() - timedelta(days=3),
            source="web-form",
        )
        uow.commit()
    everyone = crm.marketing.save_segment(actor=a, name="Tümü", filter={})
    campaign = crm.marketing.send_campaign(
        actor=a,
        name=f"{NAME} lansmanı",
        segment=everyone.id,
        channel="email",
        subject=f"{NAME} sizi arayacak",
        body=f"Temsilcimiz {NAME}: {PHONE}, {EMAIL}. Yeni ürünleri tanıtacak.",
    )
    with crm.storage.unit_of_work() as uow:
        sent = [m for m in uow.outbox.list(limit=1000) if m.campaign_id == campaign.id]
    assert {m.recipient for m in sent} >= {"mehmet@besiktas.com.tr", EMAIL}

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 23")

    assert found_anywhere(world, VALUES, digits="5321112233") == {}
    kept = crm.marketing.campaign(actor=a, id=campaign.id)
    assert (kept.name, kept.subject) == ("[erased] lansmanı", "[erased] sizi arayacak")
    assert kept.body == "Temsilcimiz [erased]: [erased], [erased]. Yeni ürünleri tanıtacak."
    assert (kept.queued, kept.skipped_no_consent) == (campaign.queued, campaign.skipped_no_consent)
    with crm.storage.unit_of_work() as uow:
        to_him = [m for m in uow.outbox.list(limit=1000) if m.recipient == "mehmet@besiktas.com.tr"]
    assert [(m.subject, m.body) for m in to_him] == [(kept.subject, kept.body)]
    assert erasure.counts["campaigns"] == 1
    assert mehmet.name == "Beşiktaş Eczanesi"


# -- the same person's other contact records (issue 11 item 9) ---------------------------------


def test_m4_the_same_persons_other_contact_records_are_erased_a_namesake_is_not(world: World) -> None:
    """Same person = a shared e-mail (any case) or phone (any shape); a name alone is not enough."""
    crm, a = world.crm, world.admin.id
    p = crm.parties
    seeded = seed_everywhere(world)

    def company_with(name: str, contact: ContactInput) -> Any:
        company = p.register_company(actor=a, name=name, type="customer", contact=contact)
        return p.contacts(actor=a, company=company.id)[0]

    by_email = company_with(
        "Üsküdar Eczanesi", ContactInput(name="Z. Korkmaz", email=EMAIL.upper(), phone="+905337776655")
    )
    by_phone = company_with("Kartal Sağlık", ContactInput(name="Zeliha K.", phone="0532 111 22 33"))
    namesake = company_with(
        "Ankara Ecza Deposu", ContactInput(name=NAME, email="zeliha@ankara.com.tr", phone="+905301234567")
    )
    note = crm.interactions.create(
        actor=a,
        company=by_email.company_id,
        channel="phone",
        category="Sipariş",
        subject="Arama",
        text="Z. Korkmaz 0533 777 66 55 numarasından aradı.",
    )

    erasure = p.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 24")

    assert set(erasure.others) == {by_email.id, by_phone.id}
    assert erasure.counts["contacts"] == 3
    assert p.erasures(actor=a) == [erasure]  # what it returned is what was stored
    for other in (by_email, by_phone):
        kept = p.contacts(actor=a, company=other.company_id)[0]
        assert (kept.name, kept.phone, kept.email) == ("[erased]", None, None)
        history = p.history(actor=a, aggregate_type="contact", aggregate_id=other.id)
        assert [e.action for e in history][-1] == "erase"
    assert p.contacts(actor=a, company=namesake.company_id)[0] == namesake  # a namesake is someone else
    assert crm.interactions.get(actor=a, id=note.id).text == "[erased] [erased] numarasından aradı."
    assert found_anywhere(world, (EMAIL, PHONE, "Z. Korkmaz", "Zeliha K."), digits="5337776655") == {}


# -- compressed files (issue 11 item 9, C10) -----------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text")
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _attach(world: World, owner: Any, name: str, media_type: str, content: bytes) -> Any:
    return world.crm.parties.attach_document(
        actor=world.admin.id,
        owner_kind="company",
        owner_id=owner,
        name=name,
        media_type=media_type,
        content=content,
    )


def test_m4_values_inside_compressed_documents_are_erased_and_the_files_still_open(world: World) -> None:
    """gzip, bzip2, xz and zip (an office file is a zip of XML), an archive inside an archive."""
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    owner = seeded.company.id
    note = f"Yetkili: {NAME}\nTel: 0532 111 22 33\nE-posta: {EMAIL}\n".encode()
    xml = f"<w:document><w:t>Sayın {NAME.upper()}</w:t><w:t>Zumrutyesili</w:t></w:document>".encode()
    gz = _attach(world, owner, "not.txt.gz", "application/gzip", gzip.compress(note))
    bz = _attach(world, owner, "not.txt.bz2", "application/x-bzip2", bz2.compress(note))
    xz = _attach(world, owner, "not.txt.xz", "application/x-xz", lzma.compress(note))
    inner = gzip.compress(_zip({"ic/not.txt": note}))
    office = _zip(
        {
            "word/document.xml": xml,
            f"ekler/{NAME}.txt": b"bos",
            "resim.png": b"\x89PNG\r\n\x1a\n\x00\x00" + EMAIL.encode(),
            "ic.zip.gz": inner,
            "katalog.txt": b"Katalog 2026",
        }
    )
    docx = _attach(world, owner, "teklif.docx", "application/octet-stream", office)
    plain_zip = _attach(world, owner, "katalog.zip", "application/zip", _zip({"katalog.txt": b"Katalog"}))
    # the scan opens archives: "Zumrutyesili" is only inside the deflated XML of the office file
    seen = set(found_anywhere(world, ("Zumrutyesili",)))
    assert seen == ({"documents.content"} if isinstance(world.crm.storage, SqlStorage) else {"documents"})

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 25")

    assert found_anywhere(world, VALUES, digits="5321112233") == {}
    docs = crm.documents
    for packed, unpack in ((gz, gzip.decompress), (bz, bz2.decompress), (xz, lzma.decompress)):
        stored = docs.get(packed.id)
        assert stored.media_type == packed.media_type
        assert unpack(stored.content) == b"Yetkili: [erased]\nTel: [erased]\nE-posta: [erased]\n"
    members = _members(docs.get(docx.id).content)
    assert list(members) == [
        "mimetype",
        "word/document.xml",
        "ekler/[erased].txt",
        "resim.png",
        "ic.zip.gz",
        "katalog.txt",
    ]
    assert (
        members["word/document.xml"]
        == b"<w:document><w:t>Say\xc4\xb1n [erased]</w:t><w:t>Zumrutyesili</w:t></w:document>"
    )
    assert members["resim.png"] == ERASED_NOTICE  # a binary member that showed her e-mail
    assert members["katalog.txt"] == b"Katalog 2026"  # untouched members stay as they were
    assert _members(gzip.decompress(members["ic.zip.gz"])) == {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "ic/not.txt": b"Yetkili: [erased]\nTel: [erased]\nE-posta: [erased]\n",
    }
    assert docs.get(plain_zip.id) == plain_zip
    assert erasure.counts["document_contents"] == 4


# -- crash-safe document rewrites (issue 11 item 9, C10) -----------------------------------------


class Crash(Exception):
    """The process dies here."""


@pytest.mark.parametrize("step", ["delete", "replace"])
def test_m4_a_crash_between_the_commit_and_the_document_rewrite_is_pending_then_finished(
    world: World, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """The erasure commits with its document work pending; a crash before the document store
    has it leaves it pending — and the report says so — until ``finish_erasures`` does it."""
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    owner = seeded.company.id
    text = _attach(world, owner, f"Not {NAME}.txt", "text/plain", f"Tel: {PHONE}".encode())
    packed = _attach(world, owner, "not.txt.gz", "application/gzip", gzip.compress(EMAIL.encode()))
    own = crm.parties.documents(actor=a, owner_kind="contact", owner_id=seeded.contact.id)

    def crash(*args: object) -> None:
        raise Crash(step)

    monkeypatch.setattr(crm.documents, step, crash)
    with pytest.raises(Crash):
        crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 26")
    monkeypatch.undo()

    [erasure] = crm.parties.erasures(actor=a)
    if step == "delete":  # the first piece of work: nothing was done
        assert (erasure.counts["documents_pending"], erasure.counts["document_contents_pending"]) == (1, 2)
        assert crm.documents.get(own[0].id) == own[0]
    else:  # her own document went; the rewrites did not happen
        assert (erasure.counts["documents"], erasure.counts["document_contents_pending"]) == (1, 2)
    assert "document_contents" not in erasure.counts  # never claimed before it is done
    assert crm.documents.get(text.id) == text
    # only the documents still show her; the pending work itself holds no erased value
    left = set(found_anywhere(world, VALUES))
    assert left and left <= {"documents", "documents.name", "documents.content"}

    assert crm.parties.finish_erasures() == (3 if step == "delete" else 2)

    assert found_anywhere(world, VALUES, digits="5321112233") == {}
    assert crm.documents.get(text.id).content == b"Tel: [erased]"
    assert gzip.decompress(crm.documents.get(packed.id).content) == b"[erased]"
    [done] = crm.parties.erasures(actor=a)
    assert (done.counts["documents"], done.counts["document_contents"]) == (1, 2)
    assert not {"documents_pending", "document_contents_pending"} & set(done.counts)
    assert crm.parties.finish_erasures() == 0  # idempotent: nothing is left
    assert crm.parties.erasures(actor=a) == [done]


def test_m4_an_erasure_without_a_crash_leaves_no_document_work_pending(world: World) -> None:
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    _attach(world, seeded.company.id, "not.txt", "text/plain", NAME.encode())
    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 27")
    assert (erasure.counts["documents"], erasure.counts["document_contents"]) == (1, 1)
    assert crm.parties.finish_erasures() == 0
    assert crm.parties.erasures(actor=a) == [erasure]


def test_m4_files_of_messages_to_others_lose_her_values_compressed_ones_too(world: World) -> None:
    """§9, issue 11: a stored file of a message to someone else (a rendered offer that names her,
    a zipped report) is rewritten as a document would be; the message keeps its other files."""
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    now = world.clock.now()
    report = _zip({"rapor.csv": f"ad;tel\n{NAME};{PHONE}\n".encode()})
    brochure = b"%PDF-1.4 katalog"
    with crm.storage.unit_of_work(a) as uow:
        uow.outbox.add(
            OutboxMessage(
                id=crm.ids.new(),
                key="report-to-rep",
                channel=Channel.EMAIL,
                kind=MessageKind.INFORMATIONAL,
                recipient="selin@example.com.tr",
                subject="Haftalık rapor",
                body="Ekte.",
                created_at=now,
                due_at=now,
                attachments=(
                    OutboxAttachment("rapor.zip", "application/zip", report),
                    OutboxAttachment("not.txt", "text/plain", f"Aranacak: {EMAIL}".encode()),
                    OutboxAttachment("katalog.pdf", "application/pdf", brochure),
                ),
            )
        )
        uow.commit()

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 28")

    assert found_anywhere(world, VALUES, digits="5321112233") == {}
    with crm.storage.unit_of_work() as uow:
        [message] = [m for m in uow.outbox.list(limit=1000) if m.key == "report-to-rep"]
    files = {f.filename: f.content for f in message.attachments}
    assert _members(files["rapor.zip"])["rapor.csv"] == b"ad;tel\n[erased];[erased]\n"
    assert files["not.txt"] == b"Aranacak: [erased]"
    assert files["katalog.pdf"] == brochure
    assert erasure.counts["outbox_contents"] == 2


@pytest.mark.parametrize("second_crashes", [True, False])
def test_m4_two_erasures_pending_on_one_document_leave_neither_value(
    world: World, monkeypatch: pytest.MonkeyPatch, second_crashes: bool
) -> None:
    """A later erasure rewrites a document from the earlier one's pending rewrite, and the
    earlier one is never written over it afterwards: the document ends without both."""
    crm, a = world.crm, world.admin.id
    p = crm.parties
    seeded = seed_everywhere(world)
    ece = _short_contact(world)
    shared = _attach(world, seeded.company.id, "liste.txt", "text/plain", f"{NAME}; {SHORT}".encode())

    def crash(*args: object) -> None:
        raise Crash("replace")

    monkeypatch.setattr(crm.documents, "replace", crash)
    with pytest.raises(Crash):
        p.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep 29")
    if not second_crashes:
        monkeypatch.undo()
        p.erase_contact(actor=a, contact=ece.id, reason="Talep 30")
    else:
        with pytest.raises(Crash):
            p.erase_contact(actor=a, contact=ece.id, reason="Talep 30")
        monkeypatch.undo()
        assert p.finish_erasures() == 1  # one document: the latest rewrite carries both

    assert crm.documents.get(shared.id).content == b"[erased]; [erased]"
    assert p.finish_erasures() == 0
    for erasure in p.erasures(actor=a):
        assert not {"documents_pending", "document_contents_pending"} & set(erasure.counts)
