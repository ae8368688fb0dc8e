"""V9 customer scoring on every back end: SQL aggregates equal memory's, classes written back and audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings

from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.ids import CompanyId, ContactId, DocumentId
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.domain.offers import Offer, OfferId, OfferStatus
from crmkit.domain.parties import Company, Contact, Reference, ReferenceKind
from crmkit.domain.scoring import Weights, figures_of, score
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.storage import Storage
from tests.services.targets.world import World, worlds
from tests.services.territory.conftest import Org
from tests.services.territory.test_territory_services import build

IST = ZoneInfo("Europe/Istanbul")
YEAR = (datetime(2026, 1, 1, tzinfo=IST), datetime(2027, 1, 1, tzinfo=IST))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_v9_activity_summed_in_the_database_equals_memory(storage: Storage, world: World) -> None:
    if isinstance(storage, SqlStorage):
        reset_database(storage)
    else:
        storage = MemoryStorage()
    world.store(storage)
    memory = MemoryStorage()
    world.store(memory)
    with storage.unit_of_work() as uow:
        got = uow.targets.activity(*YEAR), uow.targets.contacts(*YEAR)
        got_offers = uow.targets.offers(*YEAR)
    with memory.unit_of_work() as uow:
        expected = uow.targets.activity(*YEAR), uow.targets.contacts(*YEAR)
        expected_offers = uow.targets.offers(*YEAR)
    assert got == expected
    assert got_offers == expected_offers
    decided: dict[str, tuple[int, int]] = {}  # V9: accepted / decided, by decision time, open ones left out
    for offer in world.offers:
        if offer.decided_at is not None and YEAR[0] <= offer.decided_at < YEAR[1]:
            n, a = decided.get(str(offer.company_id), (0, 0))
            decided[str(offer.company_id)] = (n + 1, a + (offer.status is OfferStatus.ACCEPTED))
    assert {str(c): v for c, v in got_offers.items()} == decided
    referred: dict[str, int] = {}  # V9: companies registered in the period that name the customer (C7)
    for company in world.companies:
        if company.referred_by is not None and YEAR[0] <= company.registered_at < YEAR[1]:
            referrer = str(company.referred_by.company_id)
            referred[referrer] = referred.get(referrer, 0) + 1
    with storage.unit_of_work() as uow:
        got_referrals = uow.targets.referrals(*YEAR)
    with memory.unit_of_work() as uow:
        expected_referrals = uow.targets.referrals(*YEAR)
    assert got_referrals == expected_referrals
    assert {str(c): n for c, n in got_referrals.items()} == referred
    figures = figures_of(*got, "TRY", got_offers, got_referrals)
    for f in figures:
        n, a = decided.get(str(f.company_id), (0, 0))
        assert f.acceptance == (Decimal(a) / n if n else 0)
    reference: dict[str, tuple[Decimal, int]] = {}
    for invoice in world.invoices:
        buyer = [c for c in world.companies if c.tax_no == invoice.buyer.tax_no]
        if buyer and YEAR[0] <= invoice.issued_at < YEAR[1] and invoice.currency == "TRY":
            net, count = reference.get(str(buyer[0].id), (Decimal(0), 0))
            total = sum((ln.line_extension for ln in invoice.lines), Decimal(0))
            reference[str(buyer[0].id)] = (net + invoice.sign * total, count + (not invoice.is_return))
    mine = {str(a.company_id): (a.net, a.purchases) for a in got[0] if a.currency == "TRY"}
    assert mine == reference
    assert score(figures) == score(figures_of(*expected, "TRY", expected_offers, expected_referrals))


def _sale(number: str, tax_no: str, amount: str, discount: str = "0") -> Invoice:
    seller = InvoiceParty("Satıcı A.Ş.", tax_no="1111111111")
    value, off = Decimal(amount), Decimal(discount)
    line = InvoiceLine(
        number=1,
        product_name="Ürün",
        quantity=Decimal(1),
        unit_price=value + off,
        line_extension=value,
        discount=off,
    )
    return Invoice(
        id=invoice_id_for(seller.key, number),
        number=number,
        issued_at=datetime(2026, 3, 1, 12, tzinfo=IST),
        currency="TRY",
        seller=seller,
        buyer=InvoiceParty("Alıcı", tax_no=tax_no),
        lines=(line,),
        totals=InvoiceTotals.of(value, payable=value),
    )


def _offers(org: Org, company: CompanyId, outcomes: list[OfferStatus]) -> None:
    """Offers to ``company`` sent and (unless SENT) decided in March 2026 (I8)."""
    sent = datetime(2026, 3, 2, tzinfo=UTC)
    with org.crm.storage.unit_of_work() as uow:
        contact = Contact(id=ContactId(uuid.uuid4()), company_id=company, name="Ayşe Alıcı")
        uow.contacts.add(contact)
        for n, status in enumerate(outcomes):
            decided = status is not OfferStatus.SENT
            uow.offers.add(
                Offer(
                    id=OfferId(uuid.uuid4()),
                    company_id=company,
                    contact_id=contact.id,
                    template_id=DocumentId(uuid.uuid4()),
                    sent_by=org.admin.id,
                    sent_at=sent,
                    message_key=f"offer-{n}",
                    status=status,
                    reason="Fiyat yüksek" if status is OfferStatus.REJECTED else None,
                    decided_at=sent + timedelta(days=7) if decided else None,
                    decided_by=org.admin.id if decided else None,
                )
            )
        uow.commit()


def test_v9_classes_are_written_back_as_value_class_and_audited(org: Org) -> None:
    w = build(org)
    a = org.admin.id
    org.crm.customers.update(actor=a, id=w.kadikoy.id, tax_no="1234567890")
    org.crm.customers.update(actor=a, id=w.cankaya.id, tax_no="1234567881")
    org.crm.parties.set_parameters(actor=a, name="customer_value_classes", values=["A", "B", "C"])
    sales = [
        _sale("S1", "1234567890", "1000"),
        _sale("S2", "1234567890", "500", discount="100"),
        _sale("S3", "1234567881", "200"),
    ]
    records = [SourceRecord(cursor=str(n), location=f"t:{n}", invoice=s) for n, s in enumerate(sales)]
    org.crm.invoices.import_records(records, actor=a)
    org.crm.interactions.create(
        actor=a, company=w.cankaya.id, channel="phone", category="Satış", subject="Arama"
    )
    _offers(org, w.cankaya.id, [OfferStatus.ACCEPTED, OfferStatus.REJECTED, OfferStatus.SENT])
    with org.crm.storage.unit_of_work() as uow:  # C7: a company registered in 2026 names Çankaya
        referred = Company(
            id=CompanyId(uuid.uuid4()),
            name="Yeni Eczane",
            type="customer",
            registered_at=datetime(2026, 5, 4, tzinfo=IST),
            referred_by=Reference(ReferenceKind.CORPORATE, company_id=w.cankaya.id),
        )
        uow.companies.add(referred)
        uow.commit()
    org.clock.set(datetime(2026, 12, 31, tzinfo=UTC))
    weights = Weights(a_share=Decimal("0.5"), b_share=Decimal("0.5"))
    result = org.crm.targets.classify_customers(actor=a, start=YEAR[0], end=YEAR[1], weights=weights)
    assert [s.company_id for s in result.scores] == [w.kadikoy.id, w.cankaya.id]
    kadikoy, cankaya = result.scores
    assert kadikoy.figures.turnover == Decimal(1500) and kadikoy.figures.purchases == 2
    assert kadikoy.figures.discounts == Decimal(100) and cankaya.figures.calls == 1
    assert (cankaya.figures.offers_decided, cankaya.figures.acceptance) == (2, Decimal("0.5"))  # open one out
    assert (kadikoy.figures.referrals, cankaya.figures.referrals) == (0, 1)
    # 5·1 + 2·1 − 1·1 (the most discount) = 6 of 10; 5·0.1333… + 2·0.5 + 1·1 (acceptance) + 0.5·1
    # + 1·1 (referrals) = 4.1666… of 10
    assert (kadikoy.score, cankaya.score) == (Decimal("60.00"), Decimal("41.67"))
    assert result.classes == {w.kadikoy.id: "A", w.cankaya.id: "B"}
    with org.crm.storage.unit_of_work() as uow:
        stored = uow.companies.get_many([w.kadikoy.id, w.cankaya.id])
        trail = uow.audit.for_record("company", str(w.kadikoy.id))
    assert stored[w.kadikoy.id].segmentation.value_class == "A"
    assert stored[w.cankaya.id].segmentation.value_class == "B"
    assert any(c.field == "segmentation.value_class" and c.new == "A" for e in trail for c in e.changes)
    with pytest.raises(PermissionDenied):
        org.crm.targets.score_customers(actor=w.gulsen.id, start=YEAR[0], end=YEAR[1])
