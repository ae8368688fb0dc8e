"""The demo's invoice files: a few UBL-TR e-invoices and an ERP's CSV export of a few thousand lines (V1).

Both are generated for the demo's own organisation (its distributors sell to its
customers through its dealers), so the plan-vs-actual table and the point
statements have something to show; they are written to a folder and imported
through the ordinary ``ubl-tr://`` and ``csv://`` sources, like an operator's files.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import attrs

from crmkit.demos.organisation import Organisation

__all__ = ["PRODUCTS", "DemoFiles", "write_csv", "write_ubl"]

PRODUCTS = (  # code, name, unit price (TRY)
    ("YT-5", "Yüzey Temizleyici 5 L", Decimal("450.00")),
    ("EL-1", "El Dezenfektanı 1 L", Decimal("180.00")),
    ("VC-60", "Vitamin C 60 Tablet", Decimal("95.50")),
    ("KL-20", "Klor Tablet 20 kg", Decimal("1250.00")),
)
"""What the demo's distributors sell (``YT-5`` earns points in the points section's program)."""


@attrs.frozen
class DemoFiles:
    """Where the files are and how much they hold."""

    ubl_folder: Path
    ubl_count: int
    csv_file: Path
    csv_lines: int


_UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
 <cbc:CustomizationID>TR1.2</cbc:CustomizationID>
 <cbc:ProfileID>TICARIFATURA</cbc:ProfileID>
 <cbc:ID>{number}</cbc:ID>
 <cbc:CopyIndicator>false</cbc:CopyIndicator>
 <cbc:UUID>{uuid}</cbc:UUID>
 <cbc:IssueDate>{day}</cbc:IssueDate>
 <cbc:IssueTime>10:30:00</cbc:IssueTime>
 <cbc:InvoiceTypeCode>SATIS</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>TRY</cbc:DocumentCurrencyCode>
 <cbc:LineCountNumeric>1</cbc:LineCountNumeric>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PartyIdentification><cbc:ID schemeID="VKN">{seller_tax}</cbc:ID></cac:PartyIdentification>
  <cac:PartyName><cbc:Name>{seller}</cbc:Name></cac:PartyName>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cac:PartyIdentification><cbc:ID schemeID="VKN">{buyer_tax}</cbc:ID></cac:PartyIdentification>
  <cac:PartyName><cbc:Name>{buyer}</cbc:Name></cac:PartyName>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal>
  <cbc:TaxAmount currencyID="TRY">{vat}</cbc:TaxAmount>
  <cac:TaxSubtotal>
   <cbc:TaxableAmount currencyID="TRY">{net}</cbc:TaxableAmount>
   <cbc:TaxAmount currencyID="TRY">{vat}</cbc:TaxAmount>
   <cbc:Percent>20</cbc:Percent>
   <cac:TaxCategory><cac:TaxScheme><cbc:Name>KDV</cbc:Name><cbc:TaxTypeCode>0015</cbc:TaxTypeCode></cac:TaxScheme></cac:TaxCategory>
  </cac:TaxSubtotal>
 </cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="TRY">{net}</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="TRY">{net}</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="TRY">{gross}</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="TRY">{gross}</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine>
  <cbc:ID>1</cbc:ID>
  <cbc:InvoicedQuantity unitCode="NIU">{quantity}</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="TRY">{net}</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>{product}</cbc:Name><cac:SellersItemIdentification><cbc:ID>{code}</cbc:ID></cac:SellersItemIdentification></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="TRY">{price}</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
</Invoice>
"""


def write_ubl(folder: Path, org: Organisation, year: int, count: int = 3) -> int:
    """Write ``count`` UBL-TR e-invoices (GİB's TICARIFATURA profile) into ``folder``; return how many."""
    folder.mkdir(parents=True, exist_ok=True)
    seller = org.distributors[0]
    for n in range(count):
        buyer = org.customers[n]
        code, product, price = PRODUCTS[n % len(PRODUCTS)]
        quantity = 10 + 5 * n
        net = price * quantity
        vat = (net * Decimal("0.20")).quantize(Decimal("0.01"))
        text = _UBL.format(
            number=f"DMU{year}{n + 1:09d}",
            uuid=f"6f1c2a3e-0000-4000-8000-{year:04d}{n + 1:08d}",
            day=date(year, 1, 20 + n).isoformat(),
            seller_tax=seller.tax_no,
            seller=escape(seller.name),
            buyer_tax=buyer.tax_no,
            buyer=escape(buyer.name),
            net=f"{net:.2f}",
            vat=f"{vat:.2f}",
            gross=f"{net + vat:.2f}",
            quantity=quantity,
            product=escape(product),
            code=code,
            price=f"{price:.2f}",
        )
        (folder / f"DMU{year}{n + 1:09d}.xml").write_text(text, encoding="utf-8")
    return count


def write_csv(path: Path, org: Organisation, until: datetime, invoices: int = 1000) -> int:
    """Write an ERP export of ``invoices`` invoices of one to five lines, January to ``until``; return lines.

    Each invoice is a distributor's sale to a customer through a dealer (``store``) by the rep
    who calls on the customer's micro-region (``sales_person``); the numbers are seeded, so the
    file is the same on every run.
    """
    draw = random.Random(17)
    dealers = list(org.dealers.values())
    start = org.year_start
    span = max(int((until - start).total_seconds()) - 3600, 3600)
    lines = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            (
                "invoice_number", "issue_date", "issue_time", "currency", "seller_name", "seller_tax_no",
                "buyer_name", "buyer_tax_no", "store", "sales_person", "product_code", "product_name",
                "quantity", "unit_price", "line_total", "vat_percent",
            )
        )  # fmt: skip
        for n in range(invoices):
            buyer = draw.choice(org.customers)
            seller = org.distributors[n % len(org.distributors)]
            rep = org.rep_of_code[buyer.segmentation.micro_region or ""]
            at = start + timedelta(seconds=draw.randrange(span))
            store = draw.choice(dealers)
            for _ in range(draw.randint(1, 5)):
                code, name, price = draw.choice(PRODUCTS)
                quantity = draw.randint(1, 12)
                writer.writerow(
                    (
                        f"DMC{start.year}{n + 1:09d}", at.date().isoformat(), at.strftime("%H:%M:%S"), "TRY",
                        seller.name, seller.tax_no, buyer.name, buyer.tax_no, store, rep.login, code, name,
                        quantity, f"{price:.2f}", f"{price * quantity:.2f}", "20",
                    )
                )  # fmt: skip
                lines += 1
    return lines
