"""The import's fast paths equal the slow, obviously right ones (V1, V2)."""

from __future__ import annotations

import csv
import gc
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

import crmkit
from crmkit.adapters.invoices.csv_lines import records
from crmkit.adapters.invoices.trusted import trusted_line, trusted_tax
from crmkit.domain.invoices import Invoice, InvoiceLine, Tax
from crmkit.ports.invoices import SourceRecord
from crmkit.services.invoices import IMPORT_GC_THRESHOLD, Invoices
from crmkit.testing.contracts.invoice_storage import sample_invoice

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


def test_the_collector_threshold_is_raised_only_while_an_import_runs() -> None:
    """V2 imports raise the cyclic collector's threshold while they run, and restore it after."""
    crm = crmkit.connect(load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    seen: list[int] = []

    def hook(invoice: Invoice, warnings: tuple[str, ...]) -> None:
        seen.append(gc.get_threshold()[0])

    before = gc.get_threshold()
    service = Invoices(crm.context, on_imported=hook)
    record = SourceRecord(cursor="1", location="x", invoice=sample_invoice())
    report = service.import_records([record], actor=admin.id)
    assert report.imported == 1
    assert seen == [max(IMPORT_GC_THRESHOLD, before[0])]
    assert gc.get_threshold() == before
