"""A line tax given only as a ``TaxAmount`` is kept, with the item's ``ClassifiedTaxCategory`` (SPEC §7 V1).

The OASIS UBL 2.1 example gives each line's ``cac:TaxTotal`` as a bare
``cbc:TaxAmount`` (254.6, −0.396, …) and the rate in the item's
``cac:ClassifiedTaxCategory``; an importer that read only ``cac:TaxSubtotal``
stored those lines with no taxes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from crmkit.adapters.invoices.ubl import parse_invoice
from crmkit.domain.invoices import Tax
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.invoices.test_import import World, make_world

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> World:
    return make_world(storage, clock, ids, [])


def _expected_line_taxes(path: Path) -> dict[int, tuple[Decimal, Decimal, str]]:
    """Line number → (TaxAmount, Percent, TaxScheme ID), read straight from the XML."""
    root = ET.parse(path).getroot()
    found: dict[int, tuple[Decimal, Decimal, str]] = {}
    for line in root.findall("cac:InvoiceLine", NS):
        category = line.find("cac:Item/cac:ClassifiedTaxCategory", NS)
        assert category is not None and line.find("cac:TaxTotal/cac:TaxSubtotal", NS) is None
        found[int(line.findtext("cbc:ID", namespaces=NS) or "")] = (
            Decimal((line.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) or "").strip()),
            Decimal(category.findtext("cbc:Percent", namespaces=NS) or ""),
            (category.findtext("cac:TaxScheme/cbc:ID", namespaces=NS) or "").strip(),
        )
    return found


def test_v1_line_taxes_without_subtotals_are_stored_from_the_oasis_example_on_every_back_end(
    world: World, samples: Path
) -> None:
    path = samples / "UBL-Invoice-2.1-Example.xml"
    expected = _expected_line_taxes(path)
    assert expected[1] == (Decimal("254.6"), Decimal("20"), "VAT")  # the tester's figures
    assert expected[2][0] == Decimal("-0.396")
    report = world.crm.invoices.import_from(f"ubl-tr://{path}", actor=world.admin.id)
    assert report.imported == 1, report.rejected
    invoice_id = parse_invoice(path.read_bytes(), where=path.name)[0].id
    stored = world.crm.invoices.get(invoice_id, actor=world.admin.id)
    got = {
        line.number: [(t.amount, t.percent, t.type_code, t.withholding) for t in line.taxes]
        for line in stored.lines
    }
    assert got == {n: [(amount, percent, scheme, False)] for n, (amount, percent, scheme) in expected.items()}
    assert stored.lines[0].tax("VAT") == Decimal("254.6")


_SUBTOTAL = """
			<cac:TaxSubtotal>
				<cbc:TaxableAmount currencyID="TRY">15.15</cbc:TaxableAmount>
				<cbc:TaxAmount currencyID="TRY">2.73</cbc:TaxAmount>
				<cbc:Percent>18.0</cbc:Percent>
				<cac:TaxCategory>
					<cac:TaxScheme>
						<cbc:Name>KDV</cbc:Name>
						<cbc:TaxTypeCode>0015</cbc:TaxTypeCode>
					</cac:TaxScheme>
				</cac:TaxCategory>
			</cac:TaxSubtotal>
		</cac:TaxTotal>
		<cac:Item>
			<cbc:Name>Elektrik Tüketim Bedeli</cbc:Name>
		</cac:Item>"""

_CLASSIFIED = """
		</cac:TaxTotal>
		<cac:Item>
			<cbc:Name>Elektrik Tüketim Bedeli</cbc:Name>
			<cac:ClassifiedTaxCategory>
				<cbc:Percent>18</cbc:Percent>
				<cbc:TaxExemptionReasonCode>351</cbc:TaxExemptionReasonCode>
				<cac:TaxScheme>
					<cbc:Name>KDV</cbc:Name>
					<cbc:TaxTypeCode>0015</cbc:TaxTypeCode>
				</cac:TaxScheme>
			</cac:ClassifiedTaxCategory>
		</cac:Item>"""


def test_v1_a_minimal_line_tax_amount_takes_scheme_and_percent_from_the_classified_category(
    samples: Path,
) -> None:
    text = (samples / "Good_TemelFatura.xml").read_text(encoding="utf-8")
    assert _SUBTOTAL in text
    invoice, warnings = parse_invoice(text.replace(_SUBTOTAL, _CLASSIFIED).encode(), where="min.xml")
    assert warnings == []
    assert invoice.lines[0].taxes == (
        Tax(
            type_code="0015", amount=Decimal("2.73"), percent=Decimal("18"), name="KDV", exemption_code="351"
        ),
    )
    bare = text.replace(_SUBTOTAL, "\n\t\t</cac:TaxTotal>\n\t\t<cac:Item><cbc:Name>x</cbc:Name></cac:Item>")
    line = parse_invoice(bare.encode(), where="bare.xml")[0].lines[0]
    assert line.taxes == (Tax(type_code="", amount=Decimal("2.73")),)  # the amount is kept even unclassified
