"""M4 erasure, the places issue 11 listed as missing: every back end.

The contact's phone written in other shapes, her name in Turkish capitals, a person buyer's
name on imported invoices and sales orders (V1, V10), employee records (C8), the contents of
other records' documents (C10), and the remaining free texts (claims, regions, opportunities,
visits, work entries, contracts, point ledger reasons). The scan of
:mod:`tests.services.test_erasure` runs over all of them, also for every written shape and for
the phone's bare digits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from crmkit import ContactInput
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.erasure import ERASED, ERASED_NOTICE, party_token
from crmkit.domain.invoices import (
    Invoice,
    InvoiceLine,
    InvoiceParty,
    InvoiceTotals,
    OrderLine,
    SalesOrder,
    invoice_id_for,
    party_key,
)
from crmkit.domain.messaging import Channel, MessageKind, OutboxMessage
from crmkit.domain.money import Money
from crmkit.domain.points import PointRule, Product, Program, Role, Target
from crmkit.ports.invoices import SourceRecord
from tests.services.conftest import World
from tests.services.test_erasure import EMAIL, NAME, PHONE, VALUES, found_anywhere, seed_everywhere
from tests.services.workflow.test_opportunities import FUNNEL

SHAPES = (
    "0532 111 22 33",
    "+90 (532) 111-22-33",
    "(0532) 111 22 33",
    "0090 532 111 2233",
    "532.111.22.33",
    "05321112233",
)
"""Her phone as people write it (M4): each must be found and erased wherever text is stored."""
CAPITALS = "ZELİHA KORKMAZ"
"""Her name in Turkish capitals, as e-invoices print it (SQLite's ``lower`` leaves ``İ`` alone)."""
DIGITS = "5321112233"
"""Her national number: no text may keep these digits in order with only separators between."""
TCKN = "10000000146"
"""A valid TCKN: a person buyer who is no stored company."""
SELLER = InvoiceParty("Isı A.Ş.", tax_no="9205121120")
EVERYTHING = (*VALUES, *SHAPES, CAPITALS)


@attrs.define
class More:
    """What :func:`seed_more` stored, for the tests to look at afterwards."""

    invoices: dict[str, Any]
    kept_document: Any
    text_document: Any
    pdf_document: Any


def _invoice(number: str, buyer: InvoiceParty, quantity: int = 2) -> Invoice:
    price = Decimal("100.00")
    line = InvoiceLine(
        number=1,
        product_name="Kombi 24 kW",
        product_code="K-24",
        quantity=Decimal(quantity),
        unit_price=price,
        line_extension=price * quantity,
    )
    net = price * quantity
    return Invoice(
        id=invoice_id_for(SELLER.key, number),
        number=number,
        issued_at=datetime(2025, 12, 20, 1, 30, tzinfo=UTC),
        currency="TRY",
        seller=SELLER,
        buyer=buyer,
        lines=(line,),
        totals=InvoiceTotals.of(net, payable=net),
        order_number="S-1" if buyer.tax_no is None else None,
    )


def _points_program(world: World) -> None:
    pts, a = world.crm.points, world.admin.id
    pts.define_program(actor=a, program=Program(code="P", name="Isı"))
    pts.add_products(actor=a, products=[Product(code="K-24", name="Kombi", category="KOMBI", brand="ISI")])
    pts.add_rules(
        actor=a,
        rules=[
            PointRule(
                program="P",
                role=Role.CUSTOMER,
                target=Target.CATEGORY,
                key="KOMBI",
                points=Decimal(10),
                valid_from=date(2025, 1, 1),
            )
        ],
    )


def seed_more(world: World, seeded: Any) -> More:
    """Copy her values into the places issue 11 found uncovered, in every shape (M4)."""
    crm, a = world.crm, world.admin.id
    p, now = crm.parties, world.clock.now()
    company = seeded.company.id
    # -- invoices (V1), a sales order (V10) and points earned by a buyer known only by name (V4)
    _points_program(world)
    crm.invoices.register_order(
        actor=a,
        order=SalesOrder(
            number="S-1",
            customer=party_key(None, NAME),
            ordered_at=now - timedelta(days=20),
            lines=(OrderLine(line_id="1", product_name="Kombi 24 kW", quantity=Decimal(5)),),
        ),
    )
    invoices = {
        "tckn": _invoice("F-1", InvoiceParty(CAPITALS, tax_no=TCKN, scheme="TCKN")),
        "name": _invoice("F-2", InvoiceParty(NAME)),
        "vkn": _invoice("F-3", InvoiceParty("Ege Ecza Deposu Ltd. Şti.", tax_no="1234567890")),
    }
    records = [
        SourceRecord(cursor=str(n), location=f"t:{n}", invoice=i) for n, i in enumerate(invoices.values())
    ]
    report = crm.invoices.import_records(records, actor=a)
    assert not report.rejected, report.rejected
    crm.invoices.mark_delivered(actor=a, invoice=invoices["vkn"].id, received_by=f"{NAME} (kaşe)")
    crm.points.adjust(
        actor=a, program="P", role="customer", party=TCKN, points=5, reason=f"{NAME} jest", on=now.date()
    )
    # -- employees (C8): the same person, once employed; someone dismissed over her complaint; a namesake
    former = p.hire(actor=a, name=NAME, email=EMAIL.upper(), phone=PHONE)
    p.dismiss(actor=a, employee=former.id, reason="Sözleşme bitti")
    other = p.hire(actor=a, name="Cem Arslan")
    p.dismiss(actor=a, employee=other.id, reason=f"{NAME} ({SHAPES[0]}) şikâyet etti")
    # -- documents of other records (C10): a text one, a binary one, one that names no one
    text_document = p.attach_document(
        actor=a,
        owner_kind="company",
        owner_id=company,
        name=f"Görüşme notu {NAME}.txt",
        media_type="text/plain; charset=utf-8",
        content=f"Yetkili: {CAPITALS}\nTel: {SHAPES[1]}\nE-posta: {EMAIL}\n".encode(),
    )
    pdf_document = p.attach_document(
        actor=a,
        owner_kind="company",
        owner_id=company,
        name="Sözleşme.pdf",
        media_type="application/pdf",
        content=f"%PDF-1.4\n1 0 obj ({NAME} {SHAPES[2]}) endobj".encode(),
    )
    kept_document = p.attach_document(
        actor=a,
        owner_kind="company",
        owner_id=company,
        name="Katalog.pdf",
        media_type="application/pdf",
        content=b"%PDF-1.4 katalog",
    )
    # -- her phone in other shapes, her name in capitals, in free texts
    crm.interactions.create(
        actor=a,
        company=company,
        channel="phone",
        category="Sipariş",
        subject=f"{CAPITALS} geri aranacak",
        text=f"Cep: {SHAPES[0]}, iş: {SHAPES[3]}.",
    )
    crm.meetings.record(
        actor=a,
        company=company,
        held_at=now,
        outcome="informed",
        contact=seeded.contact.id,
        text=f"Tel {SHAPES[4]}",
    )
    crm.agenda.add_reminder(actor=a, due_at=now + timedelta(days=2), text=f"Ara: {SHAPES[5]}")
    with crm.storage.unit_of_work(a) as uow:
        uow.outbox.add(
            OutboxMessage(
                id=crm.ids.new(),
                key="shapes",
                channel=Channel.EMAIL,
                kind=MessageKind.INFORMATIONAL,
                recipient="selin@example.com.tr",
                subject="Geri arama",
                body=f"Numarası {SHAPES[1]} — {CAPITALS}",
                created_at=now,
                due_at=now,
            )
        )
        uow.commit()
    # -- the remaining free texts
    claim = p.claim(actor=seeded.rep.id, company=p.register_company(actor=a, name="Ece", type="customer").id)
    p.reject_claim(actor=a, claim=claim.id, reason=f"{NAME} başka temsilci istedi")
    crm.territory.add_region(actor=a, name="Marmara", notes=f"Bölge sorumlusu {NAME} ile görüşüldü")
    crm.opportunities.define_funnel(actor=a, definition=FUNNEL)
    lost = crm.opportunities.open(actor=a, company=company, title=f"{NAME} kombi")
    crm.opportunities.lose(actor=a, opportunity=lost.id, reason=f"{NAME} vazgeçti")
    crm.opportunities.open(actor=a, company=company, title="Kazan", next_step=f"{SHAPES[0]} aranacak")
    crm.visits.record(actor=a, company=company, km=12, hours=1, note=f"{NAME} yoktu")
    crm.service.log_work(
        actor=a, company=company, kind="visit", at=now, minutes=30, note=f"{NAME} imzaladı ({SHAPES[2]})"
    )
    crm.service.create_contract(
        actor=a,
        company=company,
        title=f"{NAME} bakım sözleşmesi",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=Money(Decimal(1000), "TRY"),
        allowance_hours=10,
    )
    return More(invoices, kept_document, text_document, pdf_document)


NEW_SQL_PLACES = (
    "invoices.buyer_name",
    "invoices.buyer_key",
    "invoices.received_by",
    "sales_orders.customer",
    "point_entries.party",
    "point_entries.reason",
    "point_balances.party",
    "point_days.party",
    "employees.name",
    "employees.email",
    "employees.exit_reason",
    "documents.content",
    "claims.reason",
    "regions.notes",
    "opportunities.title",
    "opportunities.next_step",
    "opportunities.loss_reason",
    "visits.note",
    "service_work_entries.note",
    "service_contracts.title",
)


def test_m4_the_scan_sees_every_new_place_and_shape_before_the_erasure(world: World) -> None:
    seeded = seed_everywhere(world)
    seed_more(world, seeded)
    found = found_anywhere(world, EVERYTHING, digits=DIGITS)
    if isinstance(world.crm.storage, SqlStorage):
        for place in NEW_SQL_PLACES:
            assert place in found, place
        for shape in (*SHAPES, CAPITALS):
            assert any(shape in hits for hits in found.values()), shape
    else:
        assert {"_invoicing", "_employees", "documents", "_claims", "_opportunities", "_points"} <= set(found)


def test_m4_no_value_in_any_shape_is_left_anywhere_after_the_erasure(world: World) -> None:
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    seed_more(world, seeded)

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason=f"Talep: {SHAPES[1]}")

    assert found_anywhere(world, EVERYTHING, digits=DIGITS) == {}
    report = erasure.counts
    for place in (
        "invoices",
        "sales_orders",
        "point_entries",
        "employees",
        "document_contents",
        "claims",
        "regions",
        "opportunities",
        "visits",
        "service_work_entries",
        "service_contracts",
    ):
        assert report.get(place, 0) >= 1, (place, report)
    assert erasure.reason == "Talep: [erased]"


def test_m4_invoices_lose_the_person_buyer_but_keep_every_aggregate(world: World) -> None:
    """V1, V4, V10: amounts, dates, lines, tax numbers, orders and point balances stay whole."""
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    more = seed_more(world, seeded)
    trade = _invoice("F-4", InvoiceParty(f"{NAME} Ecza Deposu Ltd. Şti.", tax_no="1234567890"))
    record = SourceRecord(cursor="9", location="t:9", invoice=trade)
    assert not crm.invoices.import_records([record], actor=a).rejected
    ids = {k: v.id for k, v in more.invoices.items()} | {"trade": trade.id}
    pts = crm.points
    name_key = party_key(None, NAME)
    before = {k: crm.invoices.get(i, actor=a) for k, i in ids.items()}
    balances = (
        pts.balance(actor=a, program="P", role="customer", party=TCKN),
        pts.balance(actor=a, program="P", role="customer", party=name_key),
    )
    order = crm.invoices.order("S-1", actor=a)

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep")

    after = {k: crm.invoices.get(i, actor=a) for k, i in ids.items()}
    for key in ids:
        assert (after[key].totals, after[key].lines, after[key].issued_at, after[key].issue_date) == (
            before[key].totals,
            before[key].lines,
            before[key].issued_at,
            before[key].issue_date,
        )
    # a TCKN buyer who is no stored company is a person: the name goes, the tax number stays
    assert (after["tckn"].buyer.name, after["tckn"].buyer.tax_no) == (ERASED, TCKN)
    # a buyer known only by name gets one pseudonymous key in the invoice, its order and its ledger
    token = party_token(name_key, erasure.id)
    assert (after["name"].buyer.name, after["name"].buyer.key) == (ERASED, token)
    assert crm.invoices.order("S-1", actor=a) == attrs.evolve(
        order, customer=token, version=order.version + 1
    )
    assert pts.balance(actor=a, program="P", role="customer", party=token) == balances[1] == 20
    assert pts.balance(actor=a, program="P", role="customer", party=name_key) == 0
    assert pts.balance(actor=a, program="P", role="customer", party=TCKN) == balances[0] == 25
    # a legal entity (VKN) keeps its trade name, her name in it too; who received an original is free text
    assert after["trade"].buyer == before["trade"].buyer
    assert crm.invoices.delivery(ids["vkn"], actor=a).received_by == "[erased] (kaşe)"
    assert erasure.counts["invoices"] == 3


def test_m4_the_invoices_of_her_own_individual_company_lose_her_name_a_namesakes_do_not(world: World) -> None:
    """C1: an individual company is the person; another stored company with her name is someone else."""
    crm, a = world.crm, world.admin.id
    p = crm.parties
    own = p.register_company(
        actor=a,
        name=NAME,
        type="customer",
        kind="individual",
        tax_no=TCKN,
        email=EMAIL,
        phone=PHONE,
        contact=ContactInput(name=NAME, phone=PHONE, email=EMAIL),
    )
    namesake = p.register_company(
        actor=a, name=NAME, type="customer", kind="individual", tax_no="10000000078"
    )
    mine = _invoice("F-10", InvoiceParty(f"{CAPITALS} ECZANESİ", tax_no=TCKN, scheme="TCKN"))
    theirs = _invoice("F-11", InvoiceParty(NAME, tax_no="10000000078", scheme="TCKN"))
    records = [
        SourceRecord(cursor=str(n), location=f"t:{n}", invoice=i) for n, i in enumerate((mine, theirs))
    ]
    assert not crm.invoices.import_records(records, actor=a).rejected
    contact = p.contacts(actor=a, company=own.id)[0]

    erasure = crm.parties.erase_contact(actor=a, contact=contact.id, reason="Talep")

    assert crm.invoices.get(mine.id, actor=a).buyer == InvoiceParty(
        f"{ERASED} ECZANESİ", tax_no=TCKN, scheme="TCKN"
    )
    assert crm.invoices.get(theirs.id, actor=a).buyer == theirs.buyer
    company = p.get_company(actor=a, company=own.id)
    assert (company.name, company.email, company.phone, company.tax_no) == (ERASED, None, None, TCKN)
    assert p.get_company(actor=a, company=namesake.id).name == NAME
    assert [c.id for c in p.search_companies(actor=a, text="zeliha")] == [namesake.id]
    assert erasure.counts["companies"] == 1


def test_m4_employee_records_of_the_same_person_are_erased_once_the_employment_ended(world: World) -> None:
    """C8: same e-mail or phone is the same person; an active employee's record is kept and counted."""
    crm, a = world.crm, world.admin.id
    p = crm.parties
    seeded = seed_everywhere(world)
    former = p.hire(actor=a, name=NAME, email=EMAIL, login="zeliha", password="Gizli-Parola-1")
    p.resign(actor=a, employee=former.id, reason=f"{NAME} kendi isteğiyle ayrıldı")
    active = p.hire(actor=a, name="Z. Korkmaz", phone=PHONE)
    namesake = p.hire(actor=a, name=NAME, email="zeliha.k@baska.com.tr")

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep")

    gone = p.get_employee(actor=a, employee=former.id)
    assert (gone.name, gone.email, gone.phone, gone.login, gone.exit_reason) == (
        ERASED,
        None,
        None,
        None,
        "[erased] kendi isteğiyle ayrıldı",
    )
    kept = p.get_employee(actor=a, employee=active.id)
    assert (kept.name, kept.phone, kept.can_act(world.clock.now())) == ("Z. Korkmaz", PHONE, True)
    assert p.get_employee(actor=a, employee=namesake.id).name == NAME
    assert erasure.counts["employees"] == 1
    assert erasure.counts["employees_kept_active"] == 1


def test_m4_documents_of_other_records_lose_her_values(world: World) -> None:
    """C10: a text document is scrubbed and kept; a binary one showing her is replaced; others stay."""
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    more = seed_more(world, seeded)

    erasure = crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep")

    docs = crm.documents
    text = docs.get(more.text_document.id)
    assert (text.name, text.media_type) == ("Görüşme notu [erased].txt", "text/plain; charset=utf-8")
    assert text.content.decode() == "Yetkili: [erased]\nTel: [erased]\nE-posta: [erased]\n"
    pdf = docs.get(more.pdf_document.id)
    assert (pdf.name, pdf.media_type, pdf.content) == (
        "Sözleşme.pdf",
        "text/plain; charset=utf-8",
        ERASED_NOTICE,
    )
    assert docs.get(more.kept_document.id) == more.kept_document
    assert erasure.counts["document_contents"] == 2
    assert erasure.counts["documents"] == 1  # her own, deleted


@pytest.mark.parametrize("shape", SHAPES)
def test_m4_her_phone_in_any_shape_is_erased_and_a_longer_number_is_not(world: World, shape: str) -> None:
    crm, a = world.crm, world.admin.id
    seeded = seed_everywhere(world)
    note = crm.interactions.create(
        actor=a,
        company=seeded.company.id,
        channel="phone",
        category="Sipariş",
        subject="Arama",
        text=f"Tel: {shape}. Eşi: 0532 111 22 334, iş: 0212 111 22 33",
    )
    crm.parties.erase_contact(actor=a, contact=seeded.contact.id, reason="Talep")
    text = crm.interactions.get(actor=a, id=note.id).text
    assert text == "Tel: [erased]. Eşi: 0532 111 22 334, iş: 0212 111 22 33"
