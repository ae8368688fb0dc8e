"""ÖTV given per unit (``cbc:PerUnitAmount``, ``cbc:BaseUnitMeasure``) not as a percent (SPEC §7 V1).

The fixture ``OTV-per-unit-line.xml`` is GİB's ``OTV.xml`` with the line given
its own ``cac:TaxTotal`` (ÖTV 0071 at 1.9985 TRY per KGM on 922 KGM, and KDV
18 %): none of the shipped samples has a line-level per-unit tax. See the
comment at the top of the file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from crmkit.adapters.invoices.ubl import parse_invoice
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import SCT, VAT, Tax, TaxAmountMismatch, check_totals
from crmkit.domain.money import Money
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.invoices.test_import import make_world

D = Decimal
FIXTURE = Path(__file__).resolve().parent / "OTV-per-unit-line.xml"
LINE_OTV = b'<cbc:TaxAmount currencyID="TRY">1842.62</cbc:TaxAmount>\n\t\t\t\t<cbc:BaseUnitMeasure'


def fixture_bytes(old: bytes = b"", new: bytes = b"") -> bytes:
    data = FIXTURE.read_bytes()
    if old:
        assert data.count(old) == 1, old
        data = data.replace(old, new)
    return data


def test_v1_a_line_otv_per_unit_is_read_with_its_base_unit_and_checked() -> None:
    invoice, warnings = parse_invoice(fixture_bytes(), where="OTV-per-unit-line.xml")
    [line] = invoice.lines
    otv, vat = line.taxes
    assert (otv.type_code, otv.amount, otv.percent) == (SCT, D("1842.62"), None)
    assert (otv.per_unit_amount, otv.base_quantity, otv.base_unit_code) == (D("1.9985"), D(1), "KGM")
    assert otv.is_per_unit and not vat.is_per_unit
    assert (vat.percent, vat.taxable_amount, vat.amount) == (D(18), D("8234.29"), D("1482.17"))
    assert (line.quantity, line.unit_code) == (D(922), "KGM")
    assert otv.per_unit(line.quantity, invoice.currency) == Money(D("1842.62"), "TRY")
    assert line.tax(SCT) == D("1842.62") and line.tax(VAT) == D("1482.17")
    # 922 × 1.9985 = 1842.617: within half a kuruş of the stated 1842.62, so no error and no per-unit warning
    assert not any("per-unit" in w or "per KGM" in w for w in check_totals(invoice))
    assert warnings == []


def test_v1_a_line_otv_that_is_not_quantity_times_per_unit_amount_is_an_error_naming_the_figures() -> None:
    wrong = LINE_OTV.replace(b"1842.62", b"1843.62")
    invoice, _ = parse_invoice(fixture_bytes(LINE_OTV, wrong), where="bad.xml")
    with pytest.raises(TaxAmountMismatch) as caught:
        check_totals(invoice)
    error = caught.value
    assert error.field == "lines.taxes"
    assert (error.number, error.line, error.actual, error.expected) == (
        "SRM2012000045143",
        1,
        D("1843.62"),
        D("1842.6170"),
    )
    assert "line 1" in error.reason and "1843.62" in error.reason and "1842.6170" in error.reason


def test_v1_the_base_unit_measure_divides_the_quantity() -> None:
    per_thousand = b'<cbc:BaseUnitMeasure unitCode="KGM">1000</cbc:BaseUnitMeasure>'
    data = fixture_bytes(b'<cbc:BaseUnitMeasure unitCode="KGM">1</cbc:BaseUnitMeasure>', per_thousand)
    data = data.replace(
        b'<cbc:PerUnitAmount currencyID="TRY">1.9985</cbc:PerUnitAmount>\n\t\t\t\t<cac',
        b'<cbc:PerUnitAmount currencyID="TRY">1998.5</cbc:PerUnitAmount>\n\t\t\t\t<cac',
    )
    invoice, _ = parse_invoice(data, where="per-tonne.xml")
    otv = invoice.lines[0].taxes[0]
    assert (otv.per_unit_amount, otv.base_quantity) == (D("1998.5"), D(1000))
    check_totals(invoice)  # 922 / 1000 × 1998.5 = 1842.617: accepted
    bad = data.replace(LINE_OTV, LINE_OTV.replace(b"1842.62", b"1.84"))
    with pytest.raises(TaxAmountMismatch):
        check_totals(parse_invoice(bad, where="per-tonne.xml")[0])


def test_v1_a_per_unit_tax_in_another_unit_than_the_line_is_a_warning_not_a_guess() -> None:
    data = fixture_bytes(
        b'<cbc:BaseUnitMeasure unitCode="KGM">1</cbc:BaseUnitMeasure>',
        b'<cbc:BaseUnitMeasure unitCode="LTR">1</cbc:BaseUnitMeasure>',
    )
    invoice, _ = parse_invoice(data.replace(LINE_OTV, LINE_OTV.replace(b"1842.62", b"99.00")), where="x.xml")
    assert any("is per LTR, the line counts KGM; not checked" in w for w in check_totals(invoice))


def test_v1_gibs_document_level_otv_per_unit_is_read_and_checked_against_the_lines(samples: Path) -> None:
    data = (samples / "OTV.xml").read_bytes()
    invoice, _ = parse_invoice(data, where="OTV.xml")
    otv = next(t for t in invoice.taxes if t.type_code == SCT)
    assert (otv.per_unit_amount, otv.percent, otv.amount) == (D("1.9985"), None, D("1842.62"))
    assert not any("per-unit amount" in w for w in check_totals(invoice))
    off = data.replace(
        b'<cbc:TaxAmount currencyID="TRY">1842.62</cbc:TaxAmount>',
        b'<cbc:TaxAmount currencyID="TRY">1900.00</cbc:TaxAmount>',
    )
    warnings = check_totals(parse_invoice(off, where="OTV.xml")[0])
    assert any("quantity 922 × per-unit amount 1.9985 is 1842.6170" in w for w in warnings)


def test_v1_a_tax_is_a_percent_or_a_per_unit_amount_not_both() -> None:
    with pytest.raises(ValidationError) as both:
        Tax(type_code=SCT, amount=D(1), percent=D(20), per_unit_amount=D("0.5"))
    assert both.value.field == "per_unit_amount"
    with pytest.raises(ValidationError) as stray:
        Tax(type_code=SCT, amount=D(1), percent=D(20), base_quantity=D(1))
    assert stray.value.field == "base_quantity"
    with pytest.raises(ValidationError) as zero:
        Tax(type_code=SCT, amount=D(1), per_unit_amount=D("0.5"), base_quantity=D(0))
    assert zero.value.field == "base_quantity"
    with pytest.raises(ValidationError):
        Tax(type_code=SCT, amount=D(1), per_unit_amount=D("-0.5"))
    with pytest.raises(ValueError, match="is a percent"):
        Tax(type_code=VAT, amount=D(1), percent=D(20)).per_unit(D(1), "TRY")
    # in UBL: a non-zero percent beside a per-unit amount is refused, naming the element
    both_xml = fixture_bytes(
        b'<cbc:BaseUnitMeasure unitCode="KGM">1</cbc:BaseUnitMeasure>',
        b'<cbc:Percent>25</cbc:Percent><cbc:BaseUnitMeasure unitCode="KGM">1</cbc:BaseUnitMeasure>',
    )
    with pytest.raises(ValidationError) as refused:
        parse_invoice(both_xml, where="both.xml")
    assert refused.value.field == "cbc:PerUnitAmount" and "both cbc:Percent 25" in refused.value.reason
    # … a zero percent beside it is how some integrators write it: the per-unit amount is the rate
    zero_xml = both_xml.replace(b"<cbc:Percent>25</cbc:Percent>", b"<cbc:Percent>0</cbc:Percent>")
    otv = parse_invoice(zero_xml, where="zero.xml")[0].lines[0].taxes[0]
    assert (otv.percent, otv.per_unit_amount) == (None, D("1.9985"))


def test_v1_per_unit_taxes_are_stored_and_read_back_equal_and_a_wrong_one_is_rejected(
    storage: Storage, clock: FixedClock, ids: SequentialIds, tmp_path: Path
) -> None:
    world = make_world(storage, clock, ids, [])
    (tmp_path / "a.xml").write_bytes(fixture_bytes())
    wrong = fixture_bytes(LINE_OTV, LINE_OTV.replace(b"1842.62", b"1843.62"))
    (tmp_path / "b.xml").write_bytes(
        wrong.replace(b"SRM2012000045143", b"SRM2012000045144").replace(
            b"6D1E2B7A-0F3C-4C55-9B0E-3A7C1D2E0071", b"6D1E2B7A-0F3C-4C55-9B0E-3A7C1D2E0072"
        )
    )
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path}", actor=world.admin.id)
    assert report.imported == 1
    [rejected] = report.rejected
    assert rejected.location == "b.xml" and rejected.number == "SRM2012000045144"
    assert "line 1: tax 0071 is 1843.62, but quantity × per-unit amount is 1842.6170" in rejected.reason
    expected, _ = parse_invoice(fixture_bytes(), where="a.xml")
    stored = world.crm.invoices.get(expected.id, actor=world.admin.id)
    assert stored == expected
    assert stored.lines[0].taxes[0].per_unit_amount == D("1.9985")
    assert stored.lines[0].taxes[0].base_unit_code == "KGM"
    assert next(t for t in stored.taxes if t.type_code == SCT).per_unit_amount == D("1.9985")
