"""The demo's loyalty points section (§7 V3–V8): credits from invoices, statements, SMS both ways."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from crmkit.bootstrap import Crm
from crmkit.domain.ids import EmployeeId
from crmkit.domain.invoices import (
    Invoice,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    invoice_id_for,
)
from crmkit.domain.points import Campaign, PointRule, Product, Program, Role, Serial, Target
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.messaging import InboundSms

__all__ = ["points_demo"]

_SELLER = InvoiceParty("Marmara Dağıtım A.Ş.", tax_no="4730180002")
_BUYER = InvoiceParty("ISPARTA GÜL KOZMETİK", tax_no="6800120004")
_PHONE = "+905321234567"


def _invoice(crm: Crm, number: str, quantity: int, days_ago: int, returns: str | None = None) -> Invoice:
    price = Decimal("450.00")
    seller, buyer = (_BUYER, _SELLER) if returns else (_SELLER, _BUYER)
    return Invoice(
        id=invoice_id_for(seller.key, number),
        number=number,
        issued_at=crm.clock.now() - timedelta(days=days_ago),
        currency="TRY",
        seller=seller,
        buyer=buyer,
        lines=(
            InvoiceLine(
                number=1,
                product_name="Yüzey Temizleyici 5 L",
                product_code="YT-5",
                quantity=Decimal(quantity),
                unit_price=price,
                line_extension=price * quantity,
            ),
        ),
        totals=InvoiceTotals.of(price * quantity, payable=price * quantity),
        type_code="IADE" if returns else "SATIS",
        references=(InvoiceReference(returns),) if returns else (),
        store=None if returns else "EGE-1",
        sales_person=None if returns else "gulsen",
    )


def points_demo(crm: Crm, admin: EmployeeId, out: TextIO) -> None:
    """Credit points from two invoices and a return, print statements, answer a balance and a serial SMS."""
    pts = crm.points
    today = crm.clock.now().date()
    pts.define_program(actor=admin, program=Program(code="TEMIZ", name="Temiz Kulüp", expiry_days=365))
    pts.add_products(
        actor=admin, products=[Product(code="YT-5", name="Yüzey Temizleyici", category="TEMIZLIK")]
    )
    start = today - timedelta(days=400)
    pts.add_rules(
        actor=admin,
        rules=[
            PointRule(program="TEMIZ", role=Role.CUSTOMER, target=Target.CATEGORY, key="TEMIZLIK",
                      points=Decimal(5), valid_from=start),
            PointRule(program="TEMIZ", role=Role.DEALER, target=Target.PRODUCT, key="YT-5",
                      points=Decimal(2), valid_from=start),
            PointRule(program="TEMIZ", role=Role.SALES_PERSON, target=Target.PRODUCT, key="YT-5",
                      points=Decimal(1), valid_from=start),
        ],
    )  # fmt: skip
    week = timedelta(days=7)
    overstock = Campaign(code="STOK", program="TEMIZ", multiplier=Decimal(2), starts=today - week,
                         ends=today + week, products=("YT-5",))  # fmt: skip
    pts.add_campaign(actor=admin, campaign=overstock)
    pts.register_phone(actor=admin, phone=_PHONE, program="TEMIZ", role="customer", party="6800120004")
    invoices = [
        _invoice(crm, "SF-100", 10, 30),
        _invoice(crm, "SF-101", 4, 2),
        _invoice(crm, "IA-100", 4, 1, "SF-100"),
    ]
    records = [SourceRecord(cursor=str(n), location="demo", invoice=i) for n, i in enumerate(invoices)]
    report = crm.invoices.import_records(records, actor=admin)
    print(
        f"points: imported {report.imported} invoices (one a return); each credited three parties", file=out
    )
    for role, party in ((Role.CUSTOMER, "6800120004"), (Role.DEALER, "EGE-1"), (Role.SALES_PERSON, "gulsen")):
        s = pts.statement(actor=admin, program="TEMIZ", role=role, party=party, start=start, end=today)
        lines = ", ".join(f"{e.kind.value} {e.points:+d}" for e in s.entries)
        print(f"  {role.value} {party}: opening {s.opening}, {lines}, closing {s.closing}", file=out)
    with crm.storage.unit_of_work() as uow:
        queued = [m.body for m in uow.outbox.list() if m.recipient == _PHONE]
    print(f"  SMS queued to {_PHONE}: {queued}", file=out)
    # crmkit.connect routed PUAN and serials to crm.points already (V6, V7)
    pts.issue_serials(actor=admin, serials=[Serial(serial="YT5-000123", program="TEMIZ", product="YT-5")])
    for n, text in enumerate(("puan", "YT5-000123", "YT5-000123", "12")):
        result = crm.inbound.receive(InboundSms(sender=_PHONE, text=text, provider_id=f"demo-{n}"))
        print(f"  SMS {text!r} → {result.reply.body if result.reply else '(no reply)'}", file=out)
