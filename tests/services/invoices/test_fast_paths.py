"""The import's fast paths equal the slow, obviously right ones (V1, V2)."""

from __future__ import annotations

import csv
import gc
import io
import shutil
from collections.abc import Generator
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.adapters.invoices.collector import IMPORT_GC_THRESHOLD
from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.adapters.invoices.csv_lines import records
from crmkit.adapters.invoices.trusted import trusted_line, trusted_tax
from crmkit.adapters.invoices.ubl import UblInvoiceSource
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import InvoiceLine, Tax
from crmkit.ports.invoices import SourceRecord
from tests.adapters.invoices.test_csv import ROWS, write

_FIELD = st.text(alphabet=st.sampled_from(list('ab ;,"\tşİ1.\r\n')), max_size=8)
_LINES = st.lists(st.lists(_FIELD, min_size=1, max_size=5), min_size=1, max_size=8)


@given(rows=_LINES, delimiter=st.sampled_from([";", ",", "\t"]))
def test_records_split_exactly_as_the_csv_module_reads(rows: list[list[str]], delimiter: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([["header"], *rows])
    text = buffer.getvalue()
    expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1:]
    handle = iter(io.StringIO(text, newline=""))
    next(handle)  # the header is read before the records
    got = [fields for _, fields, problem in records(handle, delimiter) if problem is None]
    assert got == expected


_AMOUNT = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False)


@given(
    number=st.integers(1, 999),
    name=st.text(min_size=1, max_size=20).filter(str.strip),
    quantity=_AMOUNT,
    price=_AMOUNT,
    total=_AMOUNT,
    vat=_AMOUNT,
    percent=st.none() | st.decimals(0, 100, places=2),
)
def test_trusted_line_equals_the_validating_constructor(
    number: int,
    name: str,
    quantity: Decimal,
    price: Decimal,
    total: Decimal,
    vat: Decimal,
    percent: Decimal | None,
) -> None:
    tax = Tax(type_code="0015", amount=vat, percent=percent)
    assert trusted_tax("0015", vat, percent) == tax
    slow = InvoiceLine(
        number=number,
        product_name=name,
        quantity=quantity,
        unit_price=price,
        line_extension=total,
        taxes=(tax,),
    )
    fast = trusted_line(number, name, quantity, price, total, None, None, Decimal(0), Decimal(0), (tax,))
    assert fast == slow


@pytest.mark.parametrize("kind", ["csv", "ubl-tr"])
def test_the_collector_threshold_is_raised_only_while_an_opted_in_source_reads(
    tmp_path: Path, samples: Path, kind: str
) -> None:
    """The gc tweak is the source's opt-in (``?gc=fewer``), restored when its read ends, however it ends."""
    if kind == "csv":
        path = write(tmp_path, *ROWS)
    else:
        path = tmp_path / "inbox"
        path.mkdir()
        for name in ("Good_TemelFatura.xml", "IadeFaturasiOrnegi.xml"):
            shutil.copy(samples / name, path / name)
    before = gc.get_threshold()
    plain = list(from_url(f"{kind}://{path}").read())
    assert gc.get_threshold() == before
    opted = from_url(f"{kind}://{path}?gc=fewer")
    seen = []
    for record in opted.read():
        seen.append((record, gc.get_threshold()[0]))
    assert [record for record, _ in seen] == plain
    assert {threshold for _, threshold in seen} == {max(IMPORT_GC_THRESHOLD, before[0])}
    assert gc.get_threshold() == before
    reader = cast(Generator[SourceRecord, None, None], opted.read())
    next(reader)
    reader.close()  # stopped early: restored too
    assert gc.get_threshold() == before
    with pytest.raises(ValidationError) as refused:
        from_url(f"{kind}://{path}?gc=always")
    assert refused.value.field == "url"


def from_url(url: str) -> CsvInvoiceSource | UblInvoiceSource:
    source: CsvInvoiceSource | UblInvoiceSource
    if url.startswith("csv:"):
        source = CsvInvoiceSource.from_url(url)
    else:
        source = UblInvoiceSource.from_url(url + ("&" if "?" in url else "?") + "workers=0")
    return source
