"""UBL-TR / UBL 2.1 parsing: every sample with its real figures, safe XML (SPEC §7 V1)."""

from __future__ import annotations

import os
import time
import tracemalloc
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crmkit.adapters.invoices.ubl import UblInvoiceSource, UnsafeXml, parse_invoice, read_file
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import SCT, VAT, Invoice, InvoiceKind, check_totals

D = Decimal
IST = ZoneInfo("Europe/Istanbul")


def load(samples: Path, name: str) -> tuple[Invoice, list[str]]:
    return parse_invoice((samples / name).read_bytes(), where=name)


def test_v1_ticari_fatura_8_lines_discounts_and_payable(samples: Path) -> None:
    inv, warnings = load(samples, "TicariFaturaOrnegi.xml")
    assert (inv.profile, inv.type_code, inv.kind) == ("TICARIFATURA", "SATIS", InvoiceKind.SALE)
    assert inv.number == "GIB2009000000011"
    assert inv.id == uuid.UUID("F47AC10B-58CC-4372-A567-0E02B2C3D479")
    assert inv.issued_at == datetime(2009, 1, 5, 14, 42, tzinfo=IST)
    assert inv.currency == "TRY" and len(inv.lines) == 8
    t = inv.totals
    assert (t.line_extension, t.tax_exclusive, t.tax_inclusive, t.payable) == (
        D("26003.40"),
        D("25216.50"),
        D("29755.47"),
        D("29755.47"),
    )
    assert t.allowance == D("786.90")  # written "786.90 " with a stray space
    assert t.tax == D("4538.97") and inv.tax(VAT).amount == D("4538.97")
    assert inv.taxes[0].percent == D(18) and inv.taxes[0].taxable_amount == D("25216.50")
    first = inv.lines[0]
    assert (first.product_name, first.quantity, first.unit_code, first.unit_price) == (
        "Masa Üstü Bilgisayar",
        D(12),
        "NIU",
        D("825.5"),
    )
    assert (first.discount, first.line_extension, first.tax(VAT)) == (D("495.3"), D("9410.7"), D("1693.93"))
    assert inv.lines[4].unit_code == "BX" and inv.lines[4].quantity == D(200)
    assert sum(line.line_extension for line in inv.lines) == D("25216.5")
    assert sum(line.tax(VAT) for line in inv.lines) == D("4538.97")
    assert (inv.seller.tax_no, inv.seller.scheme, inv.seller.name) == (
        "1288331521",
        "VKN",
        "AAA Anonim Şirketi",
    )
    assert (inv.buyer.tax_no, inv.buyer.name, inv.buyer.city) == (
        "9205121120",
        "BBB Limited Şirketi",
        "Ankara",
    )
    assert warnings == []
    # GİB states the gross line total (before line discounts) as LineExtensionAmount.
    assert any("gross" in w for w in check_totals(inv))


def test_v1_temel_fatura_person_buyer_kwh(samples: Path) -> None:
    inv, _ = load(samples, "TemelFaturaOrnegi.xml")
    assert (inv.profile, inv.number, len(inv.lines)) == ("TEMELFATURA", "GIB20090000000001", 1)
    line = inv.lines[0]
    assert (line.quantity, line.unit_code, line.unit_price, line.line_extension) == (
        D(101),
        "KWH",
        D("0.15"),
        D("15.15"),
    )
    assert (inv.totals.tax, inv.payable.amount) == (D("2.73"), D("17.88"))
    assert (inv.buyer.tax_no, inv.buyer.scheme, inv.buyer.name) == ("1234567890", "TCKN", "Ali YILMAZ")
    assert check_totals(inv) == ()


def test_v1_good_temel_fatura(samples: Path) -> None:
    inv, _ = load(samples, "Good_TemelFatura.xml")
    assert (inv.number, inv.buyer.tax_no) == ("GIB2026000000001", "12345678901")
    assert inv.issued_at == datetime(2026, 1, 5, 14, 42, tzinfo=IST)
    assert (inv.net.amount, inv.tax(VAT).amount, inv.payable.amount) == (D("15.15"), D("2.73"), D("17.88"))


def test_v1_iade_references_the_invoice_it_cancels(samples: Path) -> None:
    inv, _ = load(samples, "IadeFaturasiOrnegi.xml")
    assert inv.is_return and inv.sign == -1 and inv.type_code == "IADE"
    assert [(r.number, str(r.issue_date)) for r in inv.references] == [("GIB2009000000011", "2009-01-05")]
    assert (inv.seller.tax_no, inv.buyer.tax_no) == ("9205121120", "1288331521")
    line = inv.lines[0]
    assert (line.product_name, line.quantity, line.unit_price, line.line_extension) == (
        "Notebook Çantası",
        D(18),
        D("38.25"),
        D("688.5"),
    )
    assert (inv.totals.tax, inv.payable.amount) == (D("123.93"), D("812.43"))


def test_v1_tevkifat_withholding_is_reported_apart_from_vat(samples: Path) -> None:
    inv, _ = load(samples, "TEVKIFAT.xml")
    assert inv.kind is InvoiceKind.WITHHOLDING and len(inv.lines) == 1
    assert inv.tax(VAT).amount == D(3600)
    assert inv.withheld.amount == D(3240)
    withheld = [t for t in inv.taxes if t.withholding]
    assert [(t.type_code, t.percent) for t in withheld] == [("606", D(90))]
    t = inv.totals
    assert (t.tax, t.withholding, t.tax_inclusive, t.payable) == (D(360), D(3240), D(23600), D(20360))
    assert inv.lines[0].unit_code is None  # this legacy sample has no unitCode
    assert check_totals(inv) == ()


def test_v1_otv_two_taxes_on_one_line(samples: Path) -> None:
    inv, _ = load(samples, "OTV.xml")
    assert inv.tax(SCT).amount == D("1842.62")
    vat = next(t for t in inv.taxes if t.type_code == VAT)
    assert (vat.taxable_amount, vat.amount, vat.percent) == (D("8234.29"), D("1482.17"), D(18))
    otv = next(t for t in inv.taxes if t.type_code == SCT)
    assert (otv.percent, otv.per_unit_amount, otv.base_quantity) == (None, D("1.9985"), None)  # per KGM
    line = inv.lines[0]
    assert (line.quantity, line.unit_code, line.unit_price, line.line_extension) == (
        D(922),
        "KGM",
        D("6.9324"),
        D("6391.67"),
    )
    assert (inv.totals.tax, inv.payable.amount) == (D("3324.79"), D("9718.48"))
    # GİB's own figures: 6391.67 + 3324.79 = 9716.46, not the stated 9718.48 — a warning, not a rejection.
    assert any("9718.48" in w for w in check_totals(inv))


def test_v1_istisna_foreign_currency_two_lines(samples: Path) -> None:
    inv, _ = load(samples, "ISTISNA-1.xml")
    assert (inv.kind, inv.currency, len(inv.lines)) == (InvoiceKind.EXEMPT, "USD", 2)
    assert [line.line_extension for line in inv.lines] == [D(20700), D(1725)]
    assert inv.payable.amount == D(26475) and inv.payable.currency == "USD"
    assert inv.exchange_rate is None  # a legacy sample: no exchange rate given
    assert [(t.amount, t.exemption_code) for t in inv.taxes] == [(D(0), "301")]
    assert (inv.buyer.tax_no, inv.buyer.name) == (None, "XEZER BSS MMC")


def test_v1_earsiv_profile_with_embedded_xslt(samples: Path) -> None:
    name = "YTB_Satıs_EArşiv.xml"
    assert (samples / name).stat().st_size > 250_000
    inv, _ = load(samples, name)
    assert (inv.profile, inv.type_code, inv.kind) == ("EARSIVFATURA", "YTBSATIS", InvoiceKind.SALE)
    assert inv.id == uuid.UUID("A8005C43-2E67-4083-9DBA-B0E2A52D29CA")
    line = inv.lines[0]
    assert (line.quantity, line.unit_code, line.unit_price, line.line_extension) == (
        D(15),
        "C62",
        D(100),
        D(1500),
    )
    assert (inv.tax(VAT).amount, inv.taxes[0].percent, inv.payable.amount) == (D(300), D(20), D("1800.00"))
    assert inv.seller.tax_no == inv.buyer.tax_no == "3333333888"


def test_v1_generic_oasis_ubl_invoice(samples: Path) -> None:
    inv, _ = load(samples, "UBL-Invoice-2.1-Example.xml")
    assert (inv.number, inv.type_code, inv.profile, inv.currency) == ("TOSL108", "380", None, "EUR")
    assert len(inv.lines) == 5 and [line.quantity for line in inv.lines][:2] == [D(1), D(-1)]
    assert inv.lines[0].product_code == "JB007"
    t = inv.totals
    assert (t.line_extension, t.allowance, t.charge, t.prepaid, t.payable, t.tax) == (
        D("1436.5"),
        D(100),
        D(100),
        D(1000),
        D(729),
        D("292.20"),
    )
    assert [t.amount for t in inv.taxes] == [D("292.1"), D("0.1"), D(0)]
    assert inv.order_number == "123" and inv.lines[0].order_number == "123"
    assert (inv.seller.tax_no, inv.buyer.tax_no) == ("DK12345", "BE54321")
    # no cbc:UUID: the id is derived from seller and number, stable across reads
    assert inv.id == load(samples, "UBL-Invoice-2.1-Example.xml")[0].id


def test_v1_folder_source_reads_every_sample_in_name_order_and_resumes(samples: Path) -> None:
    source = UblInvoiceSource(samples)
    records = list(source.read())
    assert [r.cursor for r in records] == sorted(p.name for p in samples.glob("*.xml"))
    assert all(r.error is None for r in records)
    lines = {r.cursor: len(r.invoice.lines) for r in records if r.invoice}
    assert lines["TicariFaturaOrnegi.xml"] == 8 and lines["UBL-Invoice-2.1-Example.xml"] == 5
    after = list(source.read(since=records[3].cursor))
    assert [r.cursor for r in after] == [r.cursor for r in records[4:]]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14:42:00.1234567", datetime(2009, 1, 5, 14, 42, 0, 123456, tzinfo=IST)),
        ("14:42:00.123+03:00", datetime.fromisoformat("2009-01-05T14:42:00.123+03:00")),
        ("14:42:00Z", datetime.fromisoformat("2009-01-05T14:42:00+00:00")),
    ],
)
def test_v1_issue_time_variants(samples: Path, raw: str, expected: datetime) -> None:
    data = (samples / "TicariFaturaOrnegi.xml").read_bytes().replace(b"14:42:00</", raw.encode() + b"</", 1)
    inv, warnings = parse_invoice(data)
    assert inv.issued_at == expected and warnings == []


def test_v1_an_unparsable_issue_time_is_a_warning(samples: Path) -> None:
    data = (samples / "TicariFaturaOrnegi.xml").read_bytes().replace(b"14:42:00</", b"25:99:00</", 1)
    inv, warnings = parse_invoice(data, where="x.xml")
    assert inv.issued_at == datetime(2009, 1, 5, tzinfo=IST)
    assert warnings and "25:99:00" in warnings[0] and "x.xml" in warnings[0]


def test_v1_amounts_with_stray_whitespace(samples: Path) -> None:
    data = (samples / "TicariFaturaOrnegi.xml").read_bytes()
    data = data.replace(b">29755.47</cbc:PayableAmount>", b">\n  29755.47 \t</cbc:PayableAmount>")
    assert parse_invoice(data)[0].payable.amount == D("29755.47")


def test_v1_a_bad_amount_names_the_file_invoice_and_element(samples: Path) -> None:
    data = (
        (samples / "TicariFaturaOrnegi.xml")
        .read_bytes()
        .replace(b">29755.47</cbc:Pay", b">29.755,4x</cbc:Pay")
    )
    with pytest.raises(ValidationError) as caught:
        parse_invoice(data, where="bad.xml")
    assert "bad.xml" in caught.value.reason and "GIB2009000000011" in caught.value.reason
    assert "PayableAmount" in caught.value.reason


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol9;</ID></Invoice>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"""


@pytest.mark.parametrize(("payload", "label"), [(BOMB, "entity bomb"), (XXE, "external entity")])
def test_v1_unsafe_xml_fails_fast_with_a_clear_error(payload: bytes, label: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(UnsafeXml) as caught:
        parse_invoice(payload, where="evil.xml")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "evil.xml" in caught.value.reason and "unsafe XML" in caught.value.reason, label
    assert elapsed < 0.5 and peak < 5_000_000


def test_v1_a_1_gb_file_is_refused_from_its_size_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:
        handle.truncate(1024**3)  # sparse: 1 GB on paper
    tracemalloc.start()
    started = time.perf_counter()
    records = list(UblInvoiceSource(tmp_path).read())
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(records) == 1 and records[0].error is not None
    assert "huge.xml" in records[0].error and "1,073,741,824 bytes" in records[0].error
    assert elapsed < 0.5 and peak < 5_000_000


def test_v1_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    import threading

    def writer() -> None:
        with fifo.open("wb") as handle:
            handle.write(b"<" * 2048)

    thread = threading.Thread(target=writer)
    thread.start()
    with pytest.raises(UnsafeXml) as caught:
        read_file(fifo, max_bytes=1024)
    thread.join()
    assert "limit" in caught.value.reason


def test_v1_malformed_and_foreign_documents_are_errors_and_reading_goes_on(
    tmp_path: Path, samples: Path
) -> None:
    (tmp_path / "a.xml").write_bytes(b"<Invoice><unclosed>")
    (tmp_path / "b.xml").write_bytes(b'<?xml version="1.0"?><Order xmlns="urn:x"/>')
    (tmp_path / "c.xml").write_bytes((samples / "TEVKIFAT.xml").read_bytes())
    (tmp_path / "notes.txt").write_text("ignored")
    records = list(UblInvoiceSource(tmp_path).read())
    assert [r.cursor for r in records] == ["a.xml", "b.xml", "c.xml"]
    assert records[0].error is not None and "a.xml: not well-formed XML" in records[0].error
    assert records[1].error is not None and "not a UBL Invoice" in records[1].error
    assert records[2].invoice is not None and records[2].invoice.number == "SRM2012000086985"


def test_v1_a_return_without_reference_is_rejected_with_the_file_name(tmp_path: Path, samples: Path) -> None:
    data = (samples / "IadeFaturasiOrnegi.xml").read_bytes()
    start, end = data.index(b"<cac:BillingReference>"), data.index(b"</cac:BillingReference>")
    (tmp_path / "iade.xml").write_bytes(data[:start] + data[end + len(b"</cac:BillingReference>") :])
    [record] = UblInvoiceSource(tmp_path).read()
    assert record.error is not None and record.error.startswith("iade.xml: return invoice GIB2009000000022")


def test_v1_source_from_url_and_options(samples: Path) -> None:
    source = UblInvoiceSource.from_url(f"ubl-tr://{samples}/TEVKIFAT.xml?max_bytes=100")
    [record] = source.read()
    assert record.error is not None and "100-byte limit" in record.error
    with pytest.raises(ValidationError) as caught:
        UblInvoiceSource.from_url("ubl-tr:///no/such/folder")
    assert caught.value.field == "url"


def test_v1_a_bomb_in_utf16_is_refused_too() -> None:
    data = BOMB.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(UnsafeXml) as caught:
        parse_invoice(data.encode("utf-16"), where="evil16.xml")
    assert "unsafe XML" in caught.value.reason


def test_v1_any_doctype_is_refused_even_without_entities() -> None:
    doc = b'<?xml version="1.0"?><!DOCTYPE Invoice><Invoice xmlns="urn:x"/>'
    with pytest.raises(UnsafeXml) as caught:
        parse_invoice(doc, where="dtd.xml")
    assert "DTDForbidden" in caught.value.reason


def test_v1_other_encodings_and_doctype_in_comments_still_parse(samples: Path) -> None:
    text = (samples / "TEVKIFAT.xml").read_text(encoding="utf-8")
    turkish = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-9"', 1).encode("iso-8859-9")
    assert b"ISO-8859-9" in turkish[:100]
    assert parse_invoice(turkish)[0].seller.name.startswith("Örnek İnşaat")
    commented = text.replace("<cbc:UBLVersionID>", "<!-- not a <!DOCTYPE here --><cbc:UBLVersionID>", 1)
    assert parse_invoice(commented.encode())[0].number == "SRM2012000086985"
