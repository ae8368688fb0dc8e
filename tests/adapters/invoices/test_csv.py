"""CSV invoice source: documented columns, both decimal separators, two date forms, bad rows (SPEC §7 V1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.adapters.invoices.csv import COLUMNS, CsvInvoiceSource, parse_date, parse_decimal
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import VAT, InvoiceKind, invoice_id_for

D = Decimal
IST = ZoneInfo("Europe/Istanbul")

HEADER = (
    "invoice_number;invoice_uuid;issue_date;issue_time;type;currency;seller_tax_no;seller_name;buyer_tax_no;"
    "buyer_name;store;sales_person;order_number;product_code;product_name;quantity;unit;unit_price;discount;"
    "line_total;vat_percent;vat_amount;reference"
)


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "sales.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8-sig")
    return path


ROWS = (
    "A-1;;05.01.2026;14:30;SATIS;TRY;9205121120;Marmara Dağıtım;1234567890;Ege Market;S-01;R-12;SO-9;"
    "P1;Kalem;10;NIU;2,50;0;25,00;20;5,00;",
    "A-1;;05.01.2026;14:30;SATIS;TRY;9205121120;Marmara Dağıtım;1234567890;Ege Market;S-01;R-12;SO-9;"
    "P2;Defter;2;NIU;1.234,56;0;2.469,12;20;493,82;",
    "A-2;;2026-01-06;;SATIS;TRY;9205121120;Marmara Dağıtım;1234567890;Ege Market;S-01;R-12;;"
    "P1;Kalem;4;NIU;2.50;0;10.00;20;2.00;",
    "R-1;;2026-01-07;;IADE;TRY;1234567890;Ege Market;9205121120;Marmara Dağıtım;;;;"
    "P1;Kalem;3;NIU;2.50;0;7.50;20;1.50;A-1",
)


def test_v1_rows_group_into_invoices_with_decimal_amounts_and_both_date_forms(tmp_path: Path) -> None:
    records = list(CsvInvoiceSource(write(tmp_path, *ROWS)).read())
    assert [r.location for r in records] == ["sales.csv:2-3", "sales.csv:4", "sales.csv:5"]
    first = records[0].invoice
    assert first is not None and first.number == "A-1"
    assert first.issued_at == datetime(2026, 1, 5, 14, 30, tzinfo=IST)
    assert [line.unit_price for line in first.lines] == [D("2.50"), D("1234.56")]
    assert [line.line_extension for line in first.lines] == [D("25.00"), D("2469.12")]
    assert (first.totals.line_extension, first.totals.tax, first.payable.amount) == (
        D("2494.12"),
        D("498.82"),
        D("2992.94"),
    )
    assert first.tax(VAT).amount == D("498.82") and first.lines[1].tax(VAT) == D("493.82")
    assert (first.store, first.sales_person, first.order_number) == ("S-01", "R-12", "SO-9")
    assert first.id == invoice_id_for("9205121120", "A-1")
    second = records[1].invoice
    assert second is not None and second.issued_at == datetime(2026, 1, 6, tzinfo=IST)
    ret = records[2].invoice
    assert ret is not None and ret.kind is InvoiceKind.RETURN and ret.references[0].number == "A-1"


def test_v1_a_bad_row_is_reported_with_file_line_and_reason_and_the_good_rows_still_read(
    tmp_path: Path,
) -> None:
    bad = ROWS[2].replace(";4;NIU;", ";dört;NIU;")
    records = list(CsvInvoiceSource(write(tmp_path, ROWS[0], ROWS[1], bad, ROWS[3])).read())
    assert [r.error is None for r in records] == [True, False, True]
    assert records[1].error == "sales.csv:4: quantity: 'dört' is not a number"
    bad_date = ROWS[2].replace("2026-01-06", "31.02.2026")
    [_, record, _] = CsvInvoiceSource(write(tmp_path, ROWS[0], ROWS[1], bad_date, ROWS[3])).read()
    assert record.error is not None and record.error.startswith("sales.csv:4: issue_date: '31.02.2026'")


def test_v2_a_bad_row_rejects_its_whole_invoice_never_half_of_it(tmp_path: Path) -> None:
    bad = ROWS[1].replace("Defter", "")
    [record, good, _] = CsvInvoiceSource(write(tmp_path, ROWS[0], bad, ROWS[2], ROWS[3])).read()
    assert record.invoice is None and record.error == "sales.csv:3: product_name: is empty"
    assert record.location == "sales.csv:2-3" and good.invoice is not None


def test_v1_a_row_with_too_few_fields_is_an_error_naming_the_line(tmp_path: Path) -> None:
    [record, *_] = CsvInvoiceSource(write(tmp_path, ROWS[0][:40], ROWS[2])).read()
    assert record.error is not None and record.error.startswith("sales.csv:2: ")


def test_v1_a_header_without_required_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "A;1", header="invoice_number;quantity")
    with pytest.raises(ValidationError) as caught:
        list(CsvInvoiceSource(path).read())
    assert "issue_date" in caught.value.reason and "seller_name or seller_tax_no" in caught.value.reason


def test_v2_read_since_a_cursor_resumes_after_that_invoice(tmp_path: Path) -> None:
    source = CsvInvoiceSource(write(tmp_path, *ROWS))
    records = list(source.read())
    assert [r.cursor for r in records] == ["line:3", "line:4", "line:5"]
    assert [r.location for r in source.read(since="line:3")] == ["sales.csv:4", "sales.csv:5"]
    with pytest.raises(ValidationError):
        list(source.read(since="somewhere"))


def test_v1_comma_delimited_files_with_iso_dates_and_minimal_columns(tmp_path: Path) -> None:
    header = "invoice_number,issue_date,currency,seller_name,buyer_name,product_name,quantity,unit_price,"
    header += "line_total"
    path = write(
        tmp_path, 'X1,2026-02-01,EUR,Seller,Buyer,"Kalem, mavi",3,"1,5","4,5"', header=header, name="x.csv"
    )
    [record] = CsvInvoiceSource.from_url(f"csv://{path}").read()
    assert record.invoice is not None
    line = record.invoice.lines[0]
    assert (line.product_name, line.unit_price, line.line_extension) == ("Kalem, mavi", D("1.5"), D("4.5"))
    assert record.invoice.currency == "EUR" and record.invoice.taxes == ()


def test_v1_numbers_and_dates() -> None:
    assert parse_decimal("1234,5") == D("1234.5")
    assert parse_decimal("-1.234.567,891") == D("-1234567.891")
    assert parse_decimal("1,234,567.891") == D("1234567.891")
    assert parse_decimal(" 786.90 ") == D("786.90")
    for bad in ("", "abc", "1,2,3x", "NaN", "Infinity"):
        with pytest.raises(ValidationError):
            parse_decimal(bad)
    assert str(parse_date("01.12.2026")) == "2026-12-01"
    with pytest.raises(ValidationError):
        parse_date("2026/12/01")


def test_v1_the_documented_columns_are_all_read() -> None:
    import crmkit.adapters.invoices.csv as module

    assert module.__doc__ is not None
    for column in COLUMNS:
        assert f"\n{column} " in module.__doc__, column


def _grouped(d: Decimal, thousands: str, point: str) -> str:
    sign, whole, _, fraction = f"{d:f}".partition("-")[1], *f"{abs(d):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", thousands)
    return f"{sign}{groups}{point + fraction if fraction else ''}"


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False))
def test_v1_every_decimal_written_the_turkish_or_english_way_reads_back_exactly(value: Decimal) -> None:
    assert parse_decimal(f"{value:f}") == value
    assert parse_decimal(f"{value:f}".replace(".", ",")) == value
    assert parse_decimal(_grouped(value, ".", ",")) == value  # 1.234.567,891
    assert parse_decimal(_grouped(value, ",", ".")) == value  # 1,234,567.891
