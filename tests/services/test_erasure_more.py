"""M4 erasure, issue 11 (second part): replacement lengths, the knowledge base, campaigns, the same
person's other contact records, compressed files and crash-safe document rewrites; every back end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from crmkit import ContactInput
from crmkit.adapters.erasing import FREE_TEXTS, MESSAGE_TEXTS, TEXT_LIMITS, limit_of
from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.domain.limits import LABEL_MAX, SUBJECT_MAX
from crmkit.domain.messaging import Channel, ConsentState
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
