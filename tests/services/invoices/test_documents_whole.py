"""One bad UBL file never stops an import; what a document says is kept whole (V1, V2; issue 11 item 4).

Each test fails on the code before issue 11: a refused encoding aborted the whole
folder (with or without workers), document allowances and exchange rates were
dropped, an exempt invoice owed its subtotal's computed KDV, a 10-digit TCKN was
checked as a VKN, ``24:00:00`` was not a time, and totals warnings named no file.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crmkit.adapters.invoices.ubl import UblInvoiceSource, parse_invoice
from crmkit.domain.invoices import VAT, AllowanceCharge, ExchangeRate, RateKind
from crmkit.domain.money import Money
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.invoices.test_import import World, make_world

D = Decimal
ISTANBUL = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> World:
    return make_world(storage, clock, ids, [])


def _text(samples: Path, name: str) -> str:
    return (samples / name).read_text(encoding="utf-8")


def _declared(text: str, encoding: str) -> str:
    """The document with its XML declaration naming ``encoding``."""
    head, rest = text.split("?>", 1)
    assert head.startswith("<?xml"), head
    return f'<?xml version="1.0" encoding="{encoding}"?>' + rest


REFUSED = {
    "02-utf7.xml": ("UTF-7", "utf_7"),
    "03-sjis.xml": ("Shift_JIS", "shift_jis"),
    "04-utf32.xml": ("UTF-32", "utf_32"),
    "05-unknown.xml": ("x-mac-klingon", "ascii"),
}
"""File → (the encoding it declares, the codec its bytes are written in)."""


def _folder(tmp_path: Path, samples: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(samples / "Good_TemelFatura.xml", folder / "01-good.xml")
    text = _text(samples, "Good_TemelFatura.xml")
    for name, (declared, codec) in REFUSED.items():
        (folder / name).write_bytes(_declared(text, declared).encode(codec, errors="xmlcharrefreplace"))
    shutil.copy(next(samples.glob("YTB_*.xml")), folder / "06-good.xml")  # another UUID than 01's
    return folder


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "workers"])
def test_v2_a_file_in_an_encoding_the_parser_refuses_is_rejected_and_the_rest_imports(
    world: World, tmp_path: Path, samples: Path, workers: int
) -> None:
    folder = _folder(tmp_path, samples)
    source = UblInvoiceSource(folder, workers=workers, parallel_from=1)
    report = world.crm.invoices.import_from(source, actor=world.admin.id)
    assert report.imported == 2
    assert [r.location for r in report.rejected] == list(REFUSED)
    for rejection in report.rejected:
        declared = REFUSED[rejection.location][0]
        assert rejection.reason.startswith(f"{rejection.location}: line 1: ")
        assert declared in rejection.reason and "UTF-8" in rejection.reason
    assert report.cursor == "06-good.xml"
    again = world.crm.invoices.import_from(source, actor=world.admin.id)  # the stored cursor moved past
    assert (again.imported, again.rejected, again.duplicates) == (0, [], 0)


def test_v2_whatever_the_parser_raises_becomes_a_rejected_record(
    tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, samples)
    import crmkit.adapters.invoices.ubl as ubl

    real = ubl.parse_invoice

    def fragile(data: bytes, **kwargs: object) -> object:
        if kwargs.get("where") == "06-good.xml":
            raise RecursionError("maximum recursion depth exceeded")
        return real(data, **kwargs)  # type: ignore[arg-type]  # passes the caller's keywords through

    monkeypatch.setattr(ubl, "parse_invoice", fragile)
    records = list(UblInvoiceSource(folder, workers=0).read())
    assert [r.invoice is not None for r in records] == [True, False, False, False, False, False]
    assert (
        records[-1].error
        == "06-good.xml: could not be read (RecursionError: maximum recursion depth exceeded)"
    )


_DOCUMENT_ALLOWANCE = """
	<cac:AllowanceCharge>
		<cbc:ChargeIndicator>false</cbc:ChargeIndicator>
		<cbc:AllowanceChargeReason>Kampanya indirimi</cbc:AllowanceChargeReason>
		<cbc:MultiplierFactorNumeric>0.1</cbc:MultiplierFactorNumeric>
		<cbc:Amount currencyID="TRY">1.55</cbc:Amount>
		<cbc:BaseAmount currencyID="TRY">15.50</cbc:BaseAmount>
	</cac:AllowanceCharge>
	<cac:AllowanceCharge>
		<cbc:ChargeIndicator>true</cbc:ChargeIndicator>
		<cbc:Amount currencyID="TRY">0.40</cbc:Amount>
	</cac:AllowanceCharge>
	<cac:TaxTotal>"""


def test_v1_document_allowances_and_charges_are_kept_and_change_the_net_on_every_back_end(
    world: World, tmp_path: Path, samples: Path
) -> None:
    text = _text(samples, "Good_TemelFatura.xml")
    text = text.replace("\n\t<cac:TaxTotal>", _DOCUMENT_ALLOWANCE, 1)
    text = text.replace(
        '<cbc:TaxExclusiveAmount currencyID="TRY">15.15</cbc:TaxExclusiveAmount>',
        '<cbc:TaxExclusiveAmount currencyID="TRY">14.00</cbc:TaxExclusiveAmount>',
    )
    (tmp_path / "a.xml").write_text(text, encoding="utf-8")
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path / 'a.xml'}", actor=world.admin.id)
    assert report.imported == 1, report.rejected
    assert not [w for w in report.warnings if "come to" in w]
    stored = world.crm.invoices.get(parse_invoice(text.encode(), where="a.xml")[0].id, actor=world.admin.id)
    assert stored.allowance_charges == (
        AllowanceCharge(
            charge=False,
            amount=D("1.55"),
            reason="Kampanya indirimi",
            multiplier=D("0.1"),
            base_amount=D("15.50"),
        ),
        AllowanceCharge(charge=True, amount=D("0.40")),
    )
    assert stored.net == Money("14.00", "TRY")  # 15.15 − 1.55 + 0.40


def test_v1_a_net_that_does_not_meet_the_tax_exclusive_total_is_a_warning_naming_the_file(
    world: World, tmp_path: Path, samples: Path
) -> None:
    text = _text(samples, "Good_TemelFatura.xml").replace("\n\t<cac:TaxTotal>", _DOCUMENT_ALLOWANCE, 1)
    (tmp_path / "b.xml").write_text(text, encoding="utf-8")
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path / 'b.xml'}", actor=world.admin.id)
    assert report.imported == 1
    found = [w for w in report.warnings if "allowances and charges come to 14.00" in w]
    assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'b.xml'}: invoice ")


def test_v1_totals_warnings_name_the_file(world: World, tmp_path: Path, samples: Path) -> None:
    text = _text(samples, "Good_TemelFatura.xml").replace(
        '<cbc:TaxInclusiveAmount currencyID="TRY">17.88</cbc:TaxInclusiveAmount>',
        '<cbc:TaxInclusiveAmount currencyID="TRY">19.88</cbc:TaxInclusiveAmount>',
    )
    (tmp_path / "c.xml").write_text(text, encoding="utf-8")
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path / 'c.xml'}", actor=world.admin.id)
    found = [w for w in report.warnings if "tax-inclusive" in w]
    assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'c.xml'}: invoice "), found


def test_v1_exchange_rates_are_kept_on_every_back_end_and_convert_the_net(
    world: World, tmp_path: Path, samples: Path
) -> None:
    otv = parse_invoice((samples / "OTV.xml").read_bytes(), where="OTV.xml")[0]
    alternative = ExchangeRate(
        kind=RateKind.PAYMENT_ALTERNATIVE, source="EUR", target="TRY", rate=D("2.2581")
    )
    assert otv.exchange_rates == (alternative,)
    text = _text(samples, "ISTISNA-1.xml").replace("0E02B2C3D479", "0E02B2C3D999")  # OTV.xml has its UUID
    text = text.replace(
        "\n\t<cac:TaxTotal>",
        """
	<cac:PricingExchangeRate>
		<cbc:SourceCurrencyCode>USD</cbc:SourceCurrencyCode>
		<cbc:TargetCurrencyCode>TRY</cbc:TargetCurrencyCode>
		<cbc:CalculationRate>1.5025</cbc:CalculationRate>
		<cbc:Date>2010-05-31</cbc:Date>
	</cac:PricingExchangeRate>
	<cac:TaxTotal>""",
        1,
    )
    (tmp_path / "istisna.xml").write_text(text, encoding="utf-8")
    shutil.copy(samples / "OTV.xml", tmp_path / "otv.xml")
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path}", actor=world.admin.id)
    assert report.imported == 2, report.rejected
    usd = parse_invoice(text.encode(), where="istisna.xml")[0]
    stored_usd, stored_otv = (
        world.crm.invoices.get(usd.id, actor=world.admin.id),
        world.crm.invoices.get(otv.id, actor=world.admin.id),
    )
    assert stored_usd.exchange_rates == (
        ExchangeRate(kind=RateKind.PRICING, source="USD", target="TRY", rate=D("1.5025"), day=usd.issue_date),
    )
    assert stored_otv.exchange_rates == (alternative,)
    assert stored_usd.net_in("TRY") == Money("33693.56", "TRY")  # 22425 × 1.5025 = 33693.5625
    assert stored_otv.net_in("EUR") == Money("2830.55", "EUR")  # 6391.67 ÷ 2.2581
    assert stored_otv.net_in("USD") is None  # the document gives no such rate


def test_v1_an_exempt_invoice_owes_no_vat_whatever_its_subtotal_computed(samples: Path) -> None:
    text = _text(samples, "ISTISNA-1.xml")
    head, lines = text.split("<cac:InvoiceLine>", 1)
    head = head.replace(
        """			<cbc:TaxAmount currencyID="USD">0</cbc:TaxAmount>
			<cac:TaxCategory>
				<cbc:TaxExemptionReasonCode>301</cbc:TaxExemptionReasonCode>
				<cac:TaxScheme/>""",
        """			<cbc:TaxableAmount currencyID="USD">22425</cbc:TaxableAmount>
			<cbc:TaxAmount currencyID="USD">4036.50</cbc:TaxAmount>
			<cbc:Percent>18</cbc:Percent>
			<cac:TaxCategory>
				<cbc:TaxExemptionReasonCode>301</cbc:TaxExemptionReasonCode>
				<cac:TaxScheme><cbc:Name>KDV</cbc:Name><cbc:TaxTypeCode>0015</cbc:TaxTypeCode></cac:TaxScheme>""",
    )
    invoice, _ = parse_invoice((head + "<cac:InvoiceLine>" + lines).encode(), where="x.xml")
    assert invoice.taxes[0].amount == D("4036.50")  # kept as the document wrote it
    assert invoice.tax(VAT) == Money(0, "USD")  # but nothing is owed


@pytest.mark.parametrize(
    ("scheme", "number", "expected"),
    [
        ("TCKN", "9205121120", "buyer TCKN 9205121120 is not 11 digits"),  # a valid VKN, labelled TCKN
        ("TCKN", "10000000146", None),
        ("TCKN", "10000000147", "buyer TCKN 10000000147 fails its checksum"),
        ("VKN", "10000000146", "buyer VKN 10000000146 is not 10 digits"),
        ("VKN", "9205121120", None),
    ],
)
def test_v1_a_number_is_checked_as_what_its_scheme_says(
    world: World, tmp_path: Path, samples: Path, scheme: str, number: str, expected: str | None
) -> None:
    text = _text(samples, "Good_TemelFatura.xml")
    customer = text.index("<cac:AccountingCustomerParty>")
    start = text.index('<cbc:ID schemeID="', customer)
    end = text.index("</cbc:ID>", start)
    text = text[:start] + f'<cbc:ID schemeID="{scheme}">{number}' + text[end:]
    (tmp_path / "d.xml").write_text(text, encoding="utf-8")
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path / 'd.xml'}", actor=world.admin.id)
    assert report.imported == 1
    found = [w for w in report.warnings if "buyer" in w]
    assert [w.split(": ")[-1] for w in found] == ([] if expected is None else [expected])


def test_v1_an_issue_time_of_24_00_00_is_the_next_midnight(samples: Path) -> None:
    text = _text(samples, "Good_TemelFatura.xml")
    for given, zone in (("24:00:00", ISTANBUL), ("24:00:00+03:00", None), ("24:00:00.000Z", None)):
        changed = text.replace(
            "<cbc:IssueTime>14:42:00</cbc:IssueTime>", f"<cbc:IssueTime>{given}</cbc:IssueTime>"
        )
        invoice, warnings = parse_invoice(changed.encode(), where="e.xml")
        assert warnings == [], given
        expected = datetime(2026, 1, 6, 0, 0, tzinfo=zone or ISTANBUL)
        if given.endswith("Z"):
            expected = datetime(2026, 1, 6, 3, 0, tzinfo=ISTANBUL)
        assert invoice.issued_at == expected, given
        assert invoice.issued_at.utcoffset() == (timedelta(0) if given.endswith("Z") else timedelta(hours=3))
    bad = text.replace("<cbc:IssueTime>14:42:00</cbc:IssueTime>", "<cbc:IssueTime>24:00:01</cbc:IssueTime>")
    invoice, warnings = parse_invoice(bad.encode(), where="e.xml")
    assert invoice.issued_at == datetime(2026, 1, 5, tzinfo=ISTANBUL) and "is not a time" in warnings[0]
