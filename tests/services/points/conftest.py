"""A CRM with an admin and a loyalty program, on every storage back end (§7 V3–V8)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.domain.employees import Employee
from crmkit.domain.invoices import (
    Invoice,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    invoice_id_for,
)
from crmkit.domain.points import PointRule, Product, Program, Role, Target
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds

SELLER = "9205121120"
BUYER = "1234567890"


@attrs.define
class World:
    """A CRM, its admin and clock."""

    crm: crmkit.Crm
    admin: Employee
    clock: FixedClock

    def setup(self, *, window: int = 0, expiry: int | None = None, store_bound: bool = False) -> None:
        """Program ``P``: customer 10/unit of category KOMBI, dealer 2/unit of K-24, sales person 1."""
        pts = self.crm.points
        actor = self.admin.id
        pts.define_program(
            actor=actor,
            program=Program(
                code="P", name="Isı", return_window_days=window, expiry_days=expiry, store_bound=store_bound
            ),
        )
        pts.add_products(
            actor=actor, products=[Product(code="K-24", name="Kombi", category="KOMBI", brand="ISI")]
        )
        pts.add_rules(
            actor=actor,
            rules=[
                PointRule(
                    program="P",
                    role=Role.CUSTOMER,
                    target=Target.CATEGORY,
                    key="KOMBI",
                    points=Decimal(10),
                    valid_from=date(2026, 1, 1),
                ),
                PointRule(
                    program="P",
                    role=Role.DEALER,
                    target=Target.PRODUCT,
                    key="K-24",
                    points=Decimal(2),
                    valid_from=date(2026, 1, 1),
                ),
                PointRule(
                    program="P",
                    role=Role.SALES_PERSON,
                    target=Target.BRAND,
                    key="ISI",
                    points=Decimal(1),
                    valid_from=date(2026, 1, 1),
                ),
            ],
        )

    def sale(self, number: str, quantity: int = 3, *, on: date = date(2026, 3, 2)) -> Invoice:
        """A sale of ``quantity`` K-24 to the buyer by store S-1 and sales person R-12."""
        return _invoice(number, quantity, on=on)

    def ret(self, number: str, original: str, quantity: int, *, on: date = date(2026, 3, 10)) -> Invoice:
        """A return (*iade*) of ``quantity`` K-24 cancelling ``original``, issued by the buyer."""
        return _invoice(number, quantity, on=on, ret=original)

    def imported(self, *invoices: Invoice) -> None:
        """Import invoices through the invoice import (its hook earns the points)."""
        records = [SourceRecord(cursor=str(n), location=f"t:{n}", invoice=i) for n, i in enumerate(invoices)]
        report = self.crm.invoices.import_records(records, actor=self.admin.id)
        assert not report.rejected, report.rejected

    def balance(self, role: Role = Role.CUSTOMER, party: str = BUYER) -> int:
        """A party's balance in program P."""
        return self.crm.points.balance(actor=self.admin.id, program="P", role=role, party=party)


def _invoice(number: str, quantity: int, *, on: date, ret: str | None = None) -> Invoice:
    price = Decimal("1000.00")
    line = InvoiceLine(
        number=1,
        product_name="Kombi 24 kW",
        product_code="K-24",
        quantity=Decimal(quantity),
        unit_price=price,
        line_extension=price * quantity,
    )
    net = price * quantity
    seller, buyer = InvoiceParty("Isı A.Ş.", tax_no=SELLER), InvoiceParty("Ege Market", tax_no=BUYER)
    if ret is not None:
        seller, buyer = buyer, seller
    return Invoice(
        id=invoice_id_for(seller.key, number),
        number=number,
        issued_at=datetime(on.year, on.month, on.day, 9, tzinfo=UTC),
        currency="TRY",
        seller=seller,
        buyer=buyer,
        lines=(line,),
        totals=InvoiceTotals.of(net, payable=net),
        type_code="IADE" if ret else "SATIS",
        references=(InvoiceReference(ret),) if ret else (),
        store=None if ret else "S-1",
        sales_person=None if ret else "R-12",
    )


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[World]:
    """A CRM on the parametrized storage with an admin."""
    sms = ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids)
    crm = crmkit.connect(storage, sms=sms, clock=clock, ids=ids, load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    yield World(crm, admin, clock)
