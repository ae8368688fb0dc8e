"""The contract every :class:`~crmkit.ports.invoices.InvoiceSource` passes (SPEC §7 V1, V2, §9).

Bind it with these fixtures::

    import pytest
    from crmkit.testing.contracts import InvoiceSourceContract

    class TestLogoErp(InvoiceSourceContract):
        @pytest.fixture
        def invoice_source(self, erp_server):
            return LogoErpSource.from_url(f"logo://{erp_server.host}/?firm=1")

        ...  # and the four below

* ``invoice_source``: a source holding **at least three invoices**, every
  one readable (no ``error`` records);
* ``source_of``: a callable ``n -> source`` holding ``n`` readable invoices
  (the suite asks for a few and for :data:`LAZY_SIZE`, to see that reading
  the first does not read them all);
* ``source_with_a_bad_record``: a source whose records include exactly one
  that cannot be read (a malformed row or file), with readable ones after it;
* ``source_with_a_return``: a source holding a sale and a return (*iade*)
  that cancels it by number;
* ``unopenable_source``: a callable building the source from a URL that
  cannot be opened (a missing file or folder, a host that does not answer).

Each test names what it guards: V1/V2 of SPEC §7, §9, and the port's
docstrings in :mod:`crmkit.ports.invoices` (``InvoiceSource.read``,
``CURSOR_MAX``). The built-in ``ubl-tr`` and ``csv`` sources are bound in
crmkit's own tests (``tests/contracts/test_invoice_sources.py``).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TypeVar

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import Invoice
from crmkit.ports.invoices import CURSOR_MAX, SOURCE_MAX, InvoiceSource, SourceRecord, check_cursor

__all__ = ["LAZY_SIZE", "NO_SUCH_CURSOR", "InvoiceSourceContract"]

LAZY_SIZE = 120
"""How many invoices the laziness check asks ``source_of`` for."""
NO_SUCH_CURSOR = "\x00crmkit-contract: no such cursor\x00"
"""A ``since`` no source can have issued."""

T = TypeVar("T")


def _invoices(records: list[SourceRecord]) -> list[Invoice]:
    return [r.invoice for r in records if r.invoice is not None]


def _traced(action: Callable[[], T]) -> tuple[T, int, int]:
    """``action()``, with the Python memory it left allocated and its peak, in bytes."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = action()
        current, peak = tracemalloc.get_traced_memory()
        return result, current - base, peak - base
    finally:
        if started:
            tracemalloc.stop()


def _first(source: InvoiceSource) -> SourceRecord:
    records: Iterator[SourceRecord] = iter(source.read())
    try:
        return next(records)
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


class InvoiceSourceContract:
    """Reading since a cursor, stable order, resumable, lazy; bad records and bad URLs; returns."""

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

    def test_v2_cursors_and_the_url_fit_what_storage_keeps(self, invoice_source: InvoiceSource) -> None:
        """V2, ports.invoices CURSOR_MAX / SOURCE_MAX: every resume cursor can be stored.

        The import stores the cursor of the last record it wrote; one longer
        than storage keeps would stop every import at its first commit.
        """
        for record in invoice_source.read():
            try:
                check_cursor(invoice_source.url, record.cursor)
            except ValidationError as error:
                pytest.fail(
                    f"record {record.location}: {error} (cursors hold at most {CURSOR_MAX} characters,"
                    f" source URLs {SOURCE_MAX}: crmkit.ports.invoices)"
                )

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

    def test_v2_an_unknown_since_is_refused_naming_since(self, invoice_source: InvoiceSource) -> None:
        """V2, InvoiceSource.read: a ``since`` the source never issued is a ValidationError on ``since``.

        Reading everything instead would import the whole source again after
        a cursor was lost or mistyped.
        """
        with pytest.raises(ValidationError) as raised:
            list(invoice_source.read(since=NO_SUCH_CURSOR))
        assert raised.value.field == "since", raised.value

    def test_v2_reading_is_lazy(self, source_of: Callable[[int], InvoiceSource]) -> None:
        """InvoiceSource.read: the first record comes without reading the whole source.

        Measured in memory (deterministic, unlike time): reading the first of
        :data:`~crmkit.testing.contracts.invoices.LAZY_SIZE` invoices may not hold
        much more than reading the first of three; holding all takes what their
        records take.
        """
        small, big = source_of(3), source_of(LAZY_SIZE)
        first, _, small_peak = _traced(lambda: _first(small))
        assert first.invoice is not None, first.error
        _, _, big_peak = _traced(lambda: _first(big))
        records, held, _ = _traced(lambda: list(big.read()))
        assert len(records) == LAZY_SIZE, f"source_of({LAZY_SIZE}) gave {len(records)} records"
        assert big_peak - small_peak < held / 2, (
            f"reading the first of {LAZY_SIZE} invoices took {big_peak} bytes at its peak, the first"
            f" of 3 took {small_peak}, all {LAZY_SIZE} records hold {held}: the source reads ahead"
            " of what it yields (InvoiceSource.read: records are produced lazily)"
        )

    def test_v1_a_bad_record_is_yielded_as_an_error_and_reading_goes_on(
        self, source_with_a_bad_record: InvoiceSource
    ) -> None:
        """V1, InvoiceSource.read: a record that cannot be read is yielded with its ``error``.

        Raising instead would stop every import at the first bad row, and no
        report could name it.
        """
        records = list(source_with_a_bad_record.read())
        bad = [k for k, r in enumerate(records) if r.error is not None]
        assert len(bad) == 1, f"expected exactly one error record, got {len(bad)}"
        (k,) = bad
        assert records[k].cursor and records[k].location and records[k].error
        assert k < len(records) - 1, "bind a source with readable records after the bad one"
        assert all(r.invoice is not None for r in records[k + 1 :])
        rest = list(source_with_a_bad_record.read(since=records[k].cursor))
        assert [r.cursor for r in rest] == [r.cursor for r in records[k + 1 :]]

    def test_v1_an_unopenable_url_is_a_validation_error_naming_url(
        self, unopenable_source: Callable[[], InvoiceSource]
    ) -> None:
        """§9, InvoiceSource.read: a source that cannot be opened is a ValidationError on ``url``.

        Raised when the source is built or at the latest when it is read —
        never an empty import that looks like "no new invoices".
        """
        with pytest.raises(ValidationError) as raised:
            list(unopenable_source().read())
        assert raised.value.field == "url", raised.value

    def test_v1_a_return_is_issued_by_the_buyer_of_what_it_cancels(
        self, source_with_a_return: InvoiceSource
    ) -> None:
        """V1: a return (*iade*) names what it cancels, and its seller is the original's buyer.

        The import finds the original by the return's buyer and the referenced
        number; a return read the wrong way round reverses nothing.
        """
        invoices = _invoices(list(source_with_a_return.read()))
        returns = [i for i in invoices if i.is_return]
        assert returns, "bind a source holding a return and the sale it cancels"
        for ret in returns:
            assert ret.references, f"return {ret.number} names nothing it cancels (V1)"
            numbers = {ref.number.strip() for ref in ret.references}
            originals = [i for i in invoices if not i.is_return and i.number.strip() in numbers]
            assert originals, f"return {ret.number}: the source holds none of {sorted(numbers)}"
            for original in originals:
                assert (ret.seller.key, ret.buyer.key) == (original.buyer.key, original.seller.key), (
                    f"return {ret.number} is from {ret.seller.key} to {ret.buyer.key}, but"
                    f" {original.number} was sold by {original.seller.key} to {original.buyer.key}:"
                    " a return goes from the original's buyer back to its seller (SPEC §7 V1)"
                )

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
