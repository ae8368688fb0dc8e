from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crmkit.bootstrap import connect
from crmkit.cli.config import KEYS
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.ports.invoices import SourceRecord
from crmkit.testing.clock import FixedClock


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No CRMKIT_* variable and no crmkit.toml leak in from the machine running the tests."""
    for key in KEYS:
        monkeypatch.delenv(f"CRMKIT_{key.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, str]:
    """A migrated SQLite database with its first admin: ``(url, admin id)``."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with connect(url) as crm:
        crm.migrate()
        admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    return url, str(admin.id)


YEAR = 2026
"""The year of :func:`quota_database`'s plan."""

SALES = {  # region → (month, amount): each leaf's target is 10,000.00 a month
    "Marmara": ((2, "12000.00"), (3, "9000.00"), (5, "3000.00")),  # met, near, short
    "İç Anadolu": ((2, "10000.00"), (4, "5000.00")),  # met exactly, short
}


def _sale(number: str, at: datetime, buyer: str, amount: str) -> Invoice:
    value = Decimal(amount)
    seller = InvoiceParty("Ecza Deposu A.Ş.", tax_no="1234567890")
    line = InvoiceLine(
        number=1, product_name="Vitamin C", quantity=Decimal(1), unit_price=value, line_extension=value
    )
    return Invoice(
        id=invoice_id_for(seller.key, number),
        number=number,
        issued_at=at,
        currency="TRY",
        seller=seller,
        buyer=InvoiceParty(buyer, tax_no=buyer),
        lines=(line,),
        totals=InvoiceTotals.of(value, payable=value),
    )


@pytest.fixture
def quota_database(tmp_path: Path) -> tuple[str, str, str]:
    """A database with a sales-region plan for two leaf regions and :data:`SALES` invoiced (Q1, Q5).

    Returns ``(url, admin id, plan name)``; the territory is linked on 1 January so every
    month's sales are credited to it (T4).
    """
    url = f"sqlite:///{tmp_path / 'quota.db'}"
    zone = ZoneInfo("Europe/Istanbul")
    with connect(url, clock=FixedClock(datetime(YEAR, 1, 1, 0, 5, tzinfo=zone))) as crm:
        crm.migrate()
        admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr").id
        crm.parties.set_parameters(actor=admin, name="micro_region_codes", values=["M-01", "A-01"])
        top = crm.territory.add_region(actor=admin, name="Türkiye")
        taxes = {"Marmara": "2233445565", "İç Anadolu": "3344556677"}
        leaves = {}
        for name, code in (("Marmara", "M-01"), ("İç Anadolu", "A-01")):
            leaf = leaves[name] = crm.territory.add_region(actor=admin, name=name, parent=top.id)
            team = crm.territory.add_team(actor=admin, name=f"{name} Ekibi", region=leaf.id)
            crm.territory.link_code(actor=admin, team=team.id, code=code)
            crm.parties.register_company(
                actor=admin, name=f"{name} Eczanesi", type="customer", micro_region=code, tax_no=taxes[name]
            )
        crm.targets.add_plan(
            actor=admin,
            name="Bölge planı",
            year=YEAR,
            currency="TRY",
            scope_type="sales_region",
            amounts={str(leaf.id): [Decimal("10000.00")] * 12 for leaf in leaves.values()},
        )
        batch = [
            _sale(f"QTA{YEAR}{n:09d}", datetime(YEAR, month, 15, 12, tzinfo=zone), taxes[region], amount)
            for n, (region, month, amount) in enumerate(
                (region, month, amount) for region, sales in SALES.items() for month, amount in sales
            )
        ]
        crm.invoices.import_records(
            [SourceRecord(cursor=str(n), location=f"test:{n}", invoice=i) for n, i in enumerate(batch)],
            actor=admin,
        )
    return url, str(admin), "Bölge planı"
