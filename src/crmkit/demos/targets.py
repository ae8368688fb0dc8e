"""The targets section of the demo: a year's plan for the regions, invoices, plan-vs-actual (Q1, Q5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from crmkit.bootstrap import Crm
from crmkit.domain.ids import EmployeeId
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.ports.invoices import SourceRecord

__all__ = ["targets_demo"]

_SELLER = InvoiceParty("Ecza Deposu A.Ş.", tax_no="1234567890")


def _invoice(number: str, at: datetime, buyer: str, amount: str, currency: str = "TRY") -> Invoice:
    value = Decimal(amount)
    line = InvoiceLine(
        number=1, product_name="Vitamin C", quantity=Decimal(1), unit_price=value, line_extension=value
    )
    return Invoice(
        id=invoice_id_for(_SELLER.key, number),
        number=number,
        issued_at=at,
        currency=currency,
        exchange_rate=Decimal("38.50") if currency != "TRY" else None,
        seller=_SELLER,
        buyer=InvoiceParty(buyer, tax_no=buyer),
        lines=(line,),
        totals=InvoiceTotals.of(value, payable=value),
    )


def targets_demo(crm: Crm, admin: EmployeeId, out: TextIO) -> None:
    """Enter a plan for the leaf regions of the demo territory, import invoices, print plan-vs-actual.

    Needs the territory section to have run: regions under a top region, codes ``M-01`` and ``A-01``
    linked, and its customers Kadıköy Eczanesi (``M-01``) and Çankaya Kimya (``A-01``).
    """
    zone = ZoneInfo(crm.settings.timezone)
    year = crm.clock.now().astimezone(zone).year
    [top] = crm.territory.children(actor=admin)
    [country] = crm.territory.children(actor=admin, region=top.id)
    leaves = crm.territory.children(actor=admin, region=country.id)
    buyers = {"M-01": "2233445565", "A-01": "3344556677"}
    customers = {}
    for name, tax_no in (("Kadıköy Eczanesi", buyers["M-01"]), ("Çankaya Kimya", buyers["A-01"])):
        [customer] = crm.parties.search_companies(actor=admin, text=name)
        crm.customers.update(actor=admin, id=customer.id, tax_no=tax_no)  # invoices find their buyer by it
        customers[customer.id] = name
    plan = crm.targets.add_plan(
        actor=admin,
        name=f"{year} bölge planı",
        year=year,
        currency="TRY",
        scope_type="sales_region",
        amounts={str(r.id): Decimal("120000.00") for r in leaves},
    )
    now = crm.clock.now().astimezone(zone)  # the territory was linked now: credit what is sold from now on
    last = datetime(year + 1, 1, 1, tzinfo=zone) - timedelta(seconds=1)
    sales = [
        (buyers["M-01"], "TRY"),
        (buyers["A-01"], "TRY"),
        (buyers["M-01"], "EUR"),
        (buyers["A-01"], "TRY"),
    ]
    batch = [
        _invoice(
            f"DMO{year}{n:09d}", min(now + timedelta(minutes=n + 1), last), buyer, f"{1500 + 250 * n}.00", cur
        )
        for n, (buyer, cur) in enumerate(sales * 3)
    ]
    imported = crm.invoices.import_records(
        [SourceRecord(cursor=str(n), location=f"demo:{n}", invoice=i) for n, i in enumerate(batch)],
        actor=admin,
    )
    print(f"imported {imported.imported} invoices for the plan-vs-actual table", file=out)
    report = crm.targets.report(actor=admin, plan=plan.id)
    names = {str(r.id): r.name for r in (top, country, *leaves)}
    month = now.month
    print(f"plan-vs-actual, {plan.name} (TRY), month {month} and the year:", file=out)
    print(
        f"  {'region':<12} {'target':>11} {'actual':>11} {'year target':>12} {'year actual':>12}  source",
        file=out,
    )
    for row in sorted(report.rows, key=lambda r: names.get(r.scope, r.scope)):
        cell, whole = row.month(month), row.year()
        figures = f"{cell.target:>11,.2f} {cell.actual:>11,.2f} {whole.target:>12,.2f} {whole.actual:>12,.2f}"
        print(f"  {names.get(row.scope, row.scope):<12} {figures}  {row.source.value}", file=out)
    for gap in report.missing_rates:
        print(f"  not converted (no rate): {gap.amount} {gap.currency} in month {gap.month}", file=out)
    _quota_and_scores(crm, admin, out, year, customers)


def _quota_and_scores(crm: Crm, admin: EmployeeId, out: TextIO, year: int, customers: dict[Any, str]) -> None:
    """A yearly member quota (Q2) against the summary, and every customer's V9 score and class."""
    kadikoy = next(c for c, name in customers.items() if name == "Kadıköy Eczanesi")
    crm.targets.add_quota(
        actor=admin,
        scope="member",
        value=str(kadikoy),
        direction="sales",
        period="year",
        year=year,
        index=1,
        amount=Decimal("400000.00"),
    )
    [quota] = crm.targets.quota_report(actor=admin, year=year)
    print(
        f"yearly quota of Kadıköy Eczanesi: {quota.quota.amount:,.2f} TRY, invoiced {quota.amount:,.2f}"
        f" ({quota.attainment or 0:.0%})",
        file=out,
    )
    zone = ZoneInfo(crm.settings.timezone)
    scoring = crm.targets.score_customers(
        actor=admin, start=datetime(year, 1, 1, tzinfo=zone), end=datetime(year + 1, 1, 1, tzinfo=zone)
    )
    for score in scoring.scores:
        name = crm.parties.get_company(actor=admin, company=score.company_id).name
        print(f"  V9 score {name}: {score.score} → class {scoring.classes[score.company_id]}", file=out)
