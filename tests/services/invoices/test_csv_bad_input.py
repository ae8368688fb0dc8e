"""One bad CSV line never stops an import; numbers read as configured, not guessed (V1, V2; issue 11 item 4).

Each test fails on the code before issue 11: a cp1254 or UTF-16 file, a field over
the csv module's 131,072-character limit or a NUL byte aborted the whole import,
and ``1.250`` was read as one and a quarter.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.adapters.invoices.csv import CsvInvoiceSource, parse_decimal
from crmkit.domain.errors import ValidationError
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.adapters.invoices.test_csv import HEADER
from tests.services.invoices.test_import import World, make_world

D = Decimal


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> World:
    return make_world(storage, clock, ids, [])


def row(
    number: str,
    product: str = "Kalem",
    quantity: str = "4",
    price: str = "2.50",
    total: str = "10.00",
    vat: str = "2.00",
) -> str:
    return (
        f"{number};;2026-01-06;;SATIS;TRY;9205121120;Marmara Dagitim;1234567890;Ege Market;S-01;R-12;;"
        f"P1;{product};{quantity};NIU;{price};0;{total};20;{vat};"
    )


ROWS = (row("A-1"), row("A-1", "Çay"), row("A-2"), row("A-3"))
"""Line 3 (invoice A-1's second line) is the only one that is not ASCII."""


def write(tmp_path: Path, text: str, encoding: str) -> Path:
    path = tmp_path / "sales.csv"
    path.write_bytes(text.encode(encoding))
    return path


def lines(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def test_v2_a_cp1254_line_rejects_its_invoice_and_the_rest_imports(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, lines(*ROWS), "cp1254")
    report = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    assert report.imported == 2
    [rejected] = report.rejected
    assert rejected.location == "sales.csv:2-3"
    assert rejected.reason.startswith("sales.csv:3: byte 0xC7 at character ")
    assert "is not utf-8" in rejected.reason and "?encoding=cp1254" in rejected.reason
    assert report.cursor == "line:5"
    again = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    assert (again.imported, again.rejected) == (0, [])
    configured = world.crm.invoices.import_from(f"csv://{path}?encoding=cp1254", actor=world.admin.id)
    assert (configured.imported, configured.duplicates, configured.rejected) == (1, 2, [])
    stored = world.crm.invoices.find("9205121120", "A-1", actor=world.admin.id)
    assert stored is not None and [ln.product_name for ln in stored.lines] == ["Kalem", "Çay"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_v2_a_utf16_or_utf32_file_is_one_rejected_record_and_the_cursor_moves_past_it(
    world: World, tmp_path: Path, encoding: str
) -> None:
    path = write(tmp_path, lines(*ROWS), encoding)
    report = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    assert report.imported == 0
    [rejected] = report.rejected
    assert rejected.location == "sales.csv:1-5"
    assert rejected.reason.startswith(f"sales.csv:1: the file is {encoding.upper()} ")
    assert "?encoding=" in rejected.reason
    again = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    assert (again.imported, again.rejected) == (0, [])
    configured = world.crm.invoices.import_from(
        f"csv://{path}?encoding={encoding}", actor=world.admin.id, resume=False
    )
    assert (configured.imported, configured.rejected) == (3, [])


def test_v2_utf16_without_a_byte_order_mark_is_refused_from_its_header(tmp_path: Path) -> None:
    path = write(tmp_path, lines(*ROWS), "utf-16-le")
    [record] = CsvInvoiceSource(path).read()
    assert record.error is not None and "NUL characters in its header" in record.error


def test_v2_a_field_over_the_csv_limit_rejects_its_invoice_and_the_rest_imports(
    world: World, tmp_path: Path
) -> None:
    huge = "x" * 140_000
    quoted = row("A-4").replace(";Kalem;", f';"{huge}";')
    path = write(tmp_path, lines(ROWS[0], row("A-2", huge), ROWS[3], quoted, row("A-5")), "utf-8")
    report = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    assert report.imported == 3
    assert [(r.location, r.reason.split(": ", 1)[0]) for r in report.rejected] == [
        ("sales.csv:3", "sales.csv:3"),
        ("sales.csv:5", "sales.csv:5"),
    ]
    assert "field 15 is longer than 131,072 characters" in report.rejected[0].reason
    assert "131072" in report.rejected[1].reason  # the csv module's own words for a quoted field
    assert report.cursor == "line:6"


def test_v2_a_nul_byte_rejects_its_invoice_on_every_back_end_and_the_rest_imports(
    world: World, tmp_path: Path
) -> None:
    path = write(tmp_path, lines(ROWS[0], row("A-2", "Kal\0em"), row("A-3", '"Kal\0em"')), "utf-8")
    report = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    assert report.imported == 1
    assert [r.location for r in report.rejected] == ["sales.csv:3", "sales.csv:4"]
    assert all("contains a NUL character at character " in r.reason for r in report.rejected)


def test_v1_an_ambiguous_amount_is_rejected_unless_the_separators_are_configured(
    world: World, tmp_path: Path
) -> None:
    path = write(
        tmp_path, lines(row("A-1", quantity="1", price="1.250", total="1.250", vat="250,00")), "utf-8"
    )
    report = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    [rejected] = report.rejected
    assert rejected.reason.startswith("sales.csv:2: line_total: '1.250' is ambiguous")
    turkish = world.crm.invoices.import_from(f"csv://{path}?decimal=,", actor=world.admin.id, resume=False)
    assert turkish.imported == 1
    stored = world.crm.invoices.find("9205121120", "A-1", actor=world.admin.id)
    assert stored is not None and stored.lines[0].line_extension == D(1250)


def test_v1_configured_separators_read_exactly_and_refuse_what_does_not_fit(tmp_path: Path) -> None:
    assert parse_decimal("1.250", decimal=".", thousands="") == D("1.250")
    assert parse_decimal("1 234 567,5", decimal=",", thousands=" ") == D("1234567.5")
    assert parse_decimal("1,250", decimal=".") == D(1250)
    for text, options in (
        ("1.25", {"decimal": ","}),  # '.' groups thousands here: 1.25 is grouped wrongly
        ("1,5", {"decimal": "."}),
        ("1.250,5", {"decimal": ".", "thousands": ""}),
        ("1.2.3", {}),
        ("1,250", {}),
        ("-12.500", {}),
    ):
        with pytest.raises(ValidationError):
            parse_decimal(text, **options)
    with pytest.raises(ValidationError) as refused:
        CsvInvoiceSource.from_url(f"csv://{write(tmp_path, lines(), 'utf-8')}?decimal=;")
    assert refused.value.field == "url" and "decimal" in refused.value.reason
    with pytest.raises(ValidationError) as refused:
        CsvInvoiceSource.from_url(f"csv://{tmp_path / 'sales.csv'}?encoding=klingon")
    assert refused.value.field == "url" and "encoding" in refused.value.reason


def _written(value: Decimal, point: str, grouping: str) -> str:
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", grouping)
    return f"{sign}{groups}{point + fraction if fraction else ''}"


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([(".", ""), (",", ""), (",", "."), (".", ","), (",", " ")]),
)
def test_v1_a_number_is_read_exactly_as_configured_and_never_guessed_without(
    value: Decimal, style: tuple[str, str]
) -> None:
    point, grouping = style
    text = _written(value, point, grouping)
    assert parse_decimal(text, decimal=point, thousands=grouping) == value
    try:
        unconfigured = parse_decimal(text)
    except ValidationError as error:
        assert "ambiguous" in error.reason, text
    else:
        assert unconfigured == value, text
