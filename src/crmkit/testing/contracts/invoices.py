"""The contract every :class:`~crmkit.ports.invoices.InvoiceSource` passes (SPEC §7 V1, V2, §9).

Bind it with an ``invoice_source`` fixture: a source holding **at least three
invoices**, every one readable (no ``error`` records)::

    import pytest
    from crmkit.testing.contracts import InvoiceSourceContract

    class TestLogoErp(InvoiceSourceContract):
        @pytest.fixture
        def invoice_source(self, erp_server):
            return LogoErpSource.from_url(f"logo://{erp_server.host}/?firm=1")

The built-in ``ubl-tr`` and ``csv`` sources are bound in crmkit's own tests.
"""

from __future__ import annotations

from decimal import Decimal

from crmkit.domain.invoices import Invoice
from crmkit.ports.invoices import InvoiceSource, SourceRecord

__all__ = ["InvoiceSourceContract"]


def _invoices(records: list[SourceRecord]) -> list[Invoice]:
    return [r.invoice for r in records if r.invoice is not None]


class InvoiceSourceContract:
    """Reading since a cursor, stable order, resumable, lazy; invoices are well-formed values."""

    def test_v1_it_is_an_invoice_source_with_a_url(self, invoice_source: InvoiceSource) -> None:
        """The source satisfies the port and names its URL (§9)."""
        assert isinstance(invoice_source, InvoiceSource)
        assert isinstance(invoice_source.url, str) and "://" in invoice_source.url

    def test_v1_every_record_holds_an_invoice_with_a_cursor_and_a_location(
        self, invoice_source: InvoiceSource
    ) -> None:
        """Each record has a unique cursor and a location for reports (V1)."""
        records = list(invoice_source.read())
        assert len(records) >= 3, "bind the contract to a source with at least three invoices"
        for record in records:
            assert record.error is None, record.error
            assert record.cursor and record.location
        cursors = [r.cursor for r in records]
        assert len(set(cursors)) == len(cursors), "cursors must be unique"

    def test_v2_reading_twice_yields_the_same_records(self, invoice_source: InvoiceSource) -> None:
        """Reading has no side effects: the same records, in the same order (V2)."""
        first, second = list(invoice_source.read()), list(invoice_source.read())
        assert [r.cursor for r in first] == [r.cursor for r in second]
        assert _invoices(first) == _invoices(second)

    def test_v2_reading_since_a_cursor_resumes_right_after_it(self, invoice_source: InvoiceSource) -> None:
        """``read(since=c)`` yields exactly what followed the record of ``c`` (V2)."""
        records = list(invoice_source.read())
        for k, record in enumerate(records):
            rest = list(invoice_source.read(since=record.cursor))
            assert [r.cursor for r in rest] == [r.cursor for r in records[k + 1 :]]
            assert _invoices(rest) == _invoices(records[k + 1 :])
        assert list(invoice_source.read(since=records[-1].cursor)) == []

    def test_v2_reading_is_lazy(self, invoice_source: InvoiceSource) -> None:
        """The first record comes without reading the whole source."""
        iterator = iter(invoice_source.read())
        first = next(iterator)
        assert first.cursor == next(iter(invoice_source.read())).cursor

    def test_v2_invoice_ids_are_stable_and_unique_per_seller_and_number(
        self, invoice_source: InvoiceSource
    ) -> None:
        """Ids are stable across reads; seller + number is unique (V2)."""
        invoices = _invoices(list(invoice_source.read()))
        keys = [(i.seller_key, i.number) for i in invoices]
        assert len(set(keys)) == len(keys)
        assert [i.id for i in invoices] == [i.id for i in _invoices(list(invoice_source.read()))]

    def test_v1_invoices_carry_aware_times_and_decimal_amounts(self, invoice_source: InvoiceSource) -> None:
        """Aware times, Decimal amounts, lines; returns name what they cancel (V1)."""
        for invoice in _invoices(list(invoice_source.read())):
            assert invoice.issued_at.utcoffset() is not None
            assert isinstance(invoice.totals.payable, Decimal)
            assert invoice.lines
            for line in invoice.lines:
                assert isinstance(line.quantity, Decimal) and isinstance(line.line_extension, Decimal)
            if invoice.is_return:
                assert invoice.references, "a return names what it cancels (V1)"
