"""``crm.marketing`` with purchase-history segments on every back end (M1, M2, A8).

Eight of the base's companies bought a product of the category ``Boya/İç cephe``
in March 2026 (one of them returned it all); the segment "bought category Boya
in March" reaches the others for the admin, only his micro-region's for the rep,
and a campaign the rep sends reaches only those (A8, as field segments do).
Unknown products, categories and brands are refused naming ``values``, nothing stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import tax_number_checksum_ok
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.domain.invoices.returns import LineReversal
from crmkit.domain.points import Product
from tests.services.marketing.conftest import Base

IST = timezone(timedelta(hours=3))
SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="1111111111")
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def _invoice(number: int, buyer: str, day: date) -> Invoice:
    line = InvoiceLine(
        number=1,
        product_name="Boya",
        product_code="P-1",
        quantity=Decimal(2),
        unit_price=Decimal(5),
        line_extension=Decimal(10),
    )
    return Invoice(
        id=invoice_id_for(SELLER.key, f"M{number:04d}"),
        number=f"M{number:04d}",
        issued_at=datetime(day.year, day.month, day.day, 23, 30, tzinfo=IST),
        seller=SELLER,
        buyer=InvoiceParty("Alıcı", tax_no=buyer),
        lines=(line,),
        totals=InvoiceTotals.of(Decimal(10), payable=Decimal(10)),
        currency="TRY",
    )


@pytest.fixture
def buyers(base: Base) -> list[int]:
    """Companies 0-7 get tax numbers; 0-6 bought in March, 7 bought and returned it all."""
    admin = base.admin.id
    base.crm.parties.set_parameters(actor=admin, name="product_categories", values=["Boya", "Boya/İç cephe"])
    base.crm.parties.set_parameters(actor=admin, name="product_brands", values=["Marshall"])
    invoices = []
    taxes = [t for t in (f"12345{k:05d}" for k in range(2000)) if tax_number_checksum_ok(t)][:8]
    for i, tax in enumerate(taxes):
        base.crm.customers.update(actor=admin, id=base.companies[i].id, tax_no=tax)
        invoices.append(_invoice(i, tax, date(2026, 3, 1 + i)))
    with base.storage.unit_of_work() as uow:
        uow.points.put_products([Product(code="P-1", category="Boya/İç cephe", brand="Marshall")])
        uow.invoices.add_many(invoices)
        uow.invoices.record_reversals([LineReversal(invoices[7].id, 1, Decimal(2), Decimal(10))])
        uow.commit()
    return list(range(7))


def test_m1_a8_purchase_segment_members_and_campaign_follow_the_policy(base: Base, buyers: list[int]) -> None:
    segment = base.crm.marketing.save_segment(
        actor=base.admin.id,
        name="Mart boya",
        filter={"purchases": [{"what": "category", "values": ["Boya"], **MARCH}]},
    )
    assert base.crm.marketing.segments(actor=base.admin.id)[0].filter == segment.filter  # stored and loaded
    everyone = {base.companies[i].id for i in buyers}
    admin_view = base.crm.marketing.members(actor=base.admin.id, segment=segment.id, limit=100)
    assert {c.id for c in admin_view.items} == everyone
    sight = {c.id for c in base.companies if c.segmentation.micro_region == "M-01"}
    rep_view = base.crm.marketing.members(actor=base.rep.id, segment=segment.id, limit=100)
    assert {c.id for c in rep_view.items} == everyone & sight
    campaign = base.crm.marketing.send_campaign(
        actor=base.rep.id, name="Boya", segment=segment.id, channel="sms", body="Yeni renkler geldi"
    )
    records = base.crm.marketing.recipients(actor=base.admin.id, campaign=campaign.id)
    assert {r.company_id for r in records} == everyone & sight


def test_m1_not_bought_since_combines_with_fields(base: Base, buyers: list[int]) -> None:
    quiet = base.crm.marketing.save_segment(
        actor=base.admin.id,
        name="Sessiz İzmir",
        filter={
            "city": "İzmir",
            "purchases": [{"bought": False, "what": "brand", "values": ["Marshall"], "from": "2026-03-04"}],
        },
    )
    members = base.crm.marketing.members(actor=base.admin.id, segment=quiet.id, limit=100)
    recent = {base.companies[i].id for i in buyers if i >= 3}  # bought on 4 March or later
    expected = {c.id for c in base.companies if c.segmentation.city == "İzmir" and c.id not in recent}
    assert {c.id for c in members.items} == expected


@pytest.mark.parametrize(
    "condition",
    [
        {"what": "product", "values": ["P-404"], **MARCH},
        {"what": "category", "values": ["Cam"], **MARCH},
        {"what": "brand", "values": ["Yok"], **MARCH},
    ],
)
def test_m1_unknown_products_categories_and_brands_are_refused(
    base: Base, buyers: list[int], condition: dict[str, object]
) -> None:
    with pytest.raises(ValidationError) as raised:
        base.crm.marketing.save_segment(actor=base.admin.id, name="Yanlış", filter={"purchases": [condition]})
    assert raised.value.field == "values"
    assert base.crm.marketing.segments(actor=base.admin.id) == []
