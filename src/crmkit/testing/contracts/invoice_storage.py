"""The contract of every storage's :class:`~crmkit.ports.invoices.InvoiceRepository` (SPEC §7 V1, V2, V10).

Bind it with the same ``storage`` fixture as the other storage suites (a
migrated, empty :class:`~crmkit.ports.storage.Storage`)::

    class TestAcmeInvoices(InvoiceRepositoryContract):
        pass
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, ValidationError
from crmkit.domain.invoices import (
    VAT,
    AllowanceCharge,
    ExchangeRate,
    HandOverStatus,
    Invoice,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    LineReversal,
    OrderLine,
    RateKind,
    ReturnReference,
    SalesOrder,
    Tax,
    invoice_id_for,
)
from crmkit.domain.parties import Segmentation
from crmkit.domain.predicates import CodeIn
from crmkit.ports.storage import Storage
from crmkit.testing.factories import make_company

__all__ = ["LOCAL_TIMES", "InvoiceRepositoryContract", "sample_invoice"]

_AT = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
_ISTANBUL = ZoneInfo("Europe/Istanbul")

LOCAL_TIMES: tuple[datetime, ...] = (
    datetime(2026, 1, 1, 0, 0, tzinfo=_ISTANBUL),  # no issue time: local midnight, UTC is last year
    datetime(2026, 1, 1, 0, 30, tzinfo=_ISTANBUL),
    datetime(2026, 3, 1, 2, 59, 59, 999999, tzinfo=_ISTANBUL),  # UTC is 28 February
    datetime(2026, 3, 31, 23, 59, 59, tzinfo=_ISTANBUL),
    datetime(2015, 11, 1, 0, 30, tzinfo=_ISTANBUL),  # +02:00 (winter time before 2016)
    datetime(2015, 10, 1, 0, 30, tzinfo=_ISTANBUL),  # +03:00 (summer time)
    datetime(2026, 4, 30, 22, 0, tzinfo=timezone(timedelta(hours=-5))),  # UTC is 1 May
    datetime(2026, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=14))),  # UTC is 30 June
    datetime(2026, 8, 1, 0, 10, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    datetime(2026, 6, 30, 23, 59, tzinfo=UTC),
)
"""Times near local midnight and across month ends, in several offsets: each must read back
with the same instant, the same UTC offset and the same local date (V1)."""


def _local(value: datetime) -> tuple[datetime, timedelta | None, date, datetime]:
    """What must survive storage: the instant, the offset, the local date and wall time."""
    return value.astimezone(UTC), value.utcoffset(), value.date(), value.replace(tzinfo=None)


def sample_invoice(
    number: str = "ABC2026000000001", *, seller: str = "9205121120", lines: int = 3
) -> Invoice:
    """A sale of ``lines`` lines with KDV 20 %, every optional field filled, exact decimals."""
    built = tuple(
        InvoiceLine(
            number=n,
            product_name=f"Ürün {n} — çay",
            product_code=f"P{n}",
            quantity=Decimal(n) + Decimal("0.125"),
            unit_code="NIU",
            unit_price=Decimal("1234.5678"),
            line_extension=((Decimal(n) + Decimal("0.125")) * Decimal("1234.5678")).quantize(Decimal("0.01")),
            discount=Decimal("0.10"),
            taxes=(
                Tax(
                    type_code=VAT,
                    amount=Decimal("10.01"),
                    percent=Decimal(20),
                    taxable_amount=Decimal("50.05"),
                ),
            ),
            order_number="SO-1",
            order_line=str(n),
        )
        for n in range(1, lines + 1)
    )
    net = sum((line.line_extension for line in built), Decimal(0))
    return Invoice(
        id=invoice_id_for(seller, number),
        number=number,
        issued_at=_AT,
        currency="TRY",
        seller=InvoiceParty(
            "Marmara Dağıtım A.Ş.", tax_no=seller, scheme="VKN", city="İstanbul", country="Türkiye"
        ),
        buyer=InvoiceParty("Ege Market", tax_no="1234567890", scheme="VKN"),
        lines=built,
        totals=InvoiceTotals.of(net, payable=net + Decimal("30.03"), tax=Decimal("30.03")),
        type_code="SATIS",
        profile="TICARIFATURA",
        exchange_rate=Decimal("1.000000"),
        taxes=(
            Tax(type_code=VAT, amount=Decimal("30.03"), percent=Decimal(20), name="KDV"),
            Tax(type_code="606", amount=Decimal("3.00"), percent=Decimal(90), withholding=True),
        ),
        references=(InvoiceReference("OLD-1", _AT.date()),),
        store="S-01",
        sales_person="R-12",
        order_number="SO-1",
        source="sales.csv:2-4",
        allowance_charges=(
            AllowanceCharge(
                charge=False,
                amount=Decimal("10.00"),
                reason="Kampanya indirimi",
                multiplier=Decimal("0.015"),
                base_amount=Decimal("666.67"),
            ),
            AllowanceCharge(charge=True, amount=Decimal("2.50")),
        ),
        exchange_rates=(
            ExchangeRate(
                kind=RateKind.PRICING, source="TRY", target="USD", rate=Decimal("0.0291"), day=_AT.date()
            ),
            ExchangeRate(
                kind=RateKind.PAYMENT_ALTERNATIVE, source="EUR", target="TRY", rate=Decimal("2.2581")
            ),
        ),
    )


class InvoiceRepositoryContract:
    """Whole invoices stored and read back exactly; duplicates refused whole; returns, delivery, orders."""

    def test_v1_an_invoice_reads_back_equal_with_exact_decimals(self, storage: Storage) -> None:
        """``get(add(x)) == x``: every field, line and tax, decimals exact (V1)."""
        invoice = sample_invoice()
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([invoice])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.invoices.get(invoice.id) == invoice
            assert uow.invoices.by_number("9205121120", invoice.number) == invoice
            assert (uow.invoices.count(), uow.invoices.line_count()) == (1, 3)
            with pytest.raises(NotFound):
                uow.invoices.get(invoice_id_for("x", "y"))

    def test_v1_times_keep_their_local_date_and_offset(self, storage: Storage) -> None:
        """Issue, order and delivery times read back with their own offset and local date (V1).

        Comparing instants is not enough: an invoice issued at 00:30 Istanbul time is
        still 21:30 the day before in UTC, and must keep its own date as ``issue_date``.
        """
        stored = [
            attrs.evolve(sample_invoice(f"T-{n}", lines=1), issued_at=at) for n, at in enumerate(LOCAL_TIMES)
        ]
        orders = [
            SalesOrder(number=f"SO-T{n}", customer="1234567890", ordered_at=at, lines=())
            for n, at in enumerate(LOCAL_TIMES)
        ]
        with storage.unit_of_work() as uow:
            uow.invoices.add_many(stored)
            for order in orders:
                uow.invoices.add_order(order)
            for invoice, at in zip(stored, reversed(LOCAL_TIMES), strict=True):
                uow.invoices.mark_delivered(invoice.id, at, None)
            uow.commit()
        with storage.unit_of_work() as uow:
            for invoice, at in zip(stored, reversed(LOCAL_TIMES), strict=True):
                read = uow.invoices.get(invoice.id)
                assert _local(read.issued_at) == _local(invoice.issued_at), invoice.number
                assert read.issue_date == invoice.issued_at.date(), invoice.number
                found = uow.invoices.delivery(invoice.id).at
                assert found is not None and _local(found) == _local(at), invoice.number
            read_orders = uow.invoices.orders([o.number for o in orders])
            for order in orders:
                assert _local(read_orders[order.number].ordered_at) == _local(order.ordered_at), order.number

    def test_v2_a_duplicate_in_a_batch_writes_nothing_of_the_batch(self, storage: Storage) -> None:
        """A taken id or seller + number refuses the whole batch (V2)."""
        first = sample_invoice("A-1")
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([first])
            uow.commit()
        again = sample_invoice("A-2"), sample_invoice("A-1")
        with storage.unit_of_work() as uow:
            with pytest.raises(Duplicate):
                uow.invoices.add_many(list(again))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert (uow.invoices.count(), uow.invoices.line_count()) == (1, 3)
            found = uow.invoices.known([again[0].id], ["A-1"])
            assert [(k.id, k.seller_key, k.number) for k in found] == [(first.id, "9205121120", "A-1")]

    def test_v2_nothing_is_visible_before_commit_and_a_rollback_leaves_nothing(
        self, storage: Storage
    ) -> None:
        """Uncommitted invoices are invisible to others and gone after rollback (V2)."""
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([sample_invoice()])
            with storage.unit_of_work() as other:
                assert other.invoices.count() == 0
        with storage.unit_of_work() as uow:
            assert (uow.invoices.count(), uow.invoices.line_count()) == (0, 0)

    def test_v2_a_source_cursor_commits_with_its_unit_of_work_and_is_replaced(self, storage: Storage) -> None:
        """A source's resume cursor is stored per source, in the unit of work's transaction (V2)."""
        source, other = "csv:///srv/erp/satışlar.csv", "ubl-tr:///srv/inbox"
        with storage.unit_of_work() as uow:
            assert uow.invoices.cursor(source) is None
            uow.invoices.add_many([sample_invoice("A-1")])
            uow.invoices.save_cursor(source, "line:4")
            assert uow.invoices.cursor(source) == "line:4"  # its own writes are visible to it
            with storage.unit_of_work() as outside:
                assert outside.invoices.cursor(source) is None
            # not committed: the cursor goes with the invoice it covers
        with storage.unit_of_work() as uow:
            assert (uow.invoices.cursor(source), uow.invoices.count()) == (None, 0)
            uow.invoices.add_many([sample_invoice("A-1")])
            uow.invoices.save_cursor(source, "line:4")
            uow.invoices.save_cursor(other, "0001.xml")
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.invoices.save_cursor(source, "line:9")
            uow.commit()
        with storage.unit_of_work() as uow:
            assert (uow.invoices.cursor(source), uow.invoices.cursor(other)) == ("line:9", "0001.xml")
            assert uow.invoices.count() == 1
            for bad_source, bad_cursor, field in (
                ("", "line:1", "source"),
                ("x" * 501, "line:1", "source"),
                (source, "", "cursor"),
                (source, "9" * 1001, "cursor"),
            ):
                with pytest.raises(ValidationError) as refused:
                    uow.invoices.save_cursor(bad_source, bad_cursor)
                assert refused.value.field == field
            long_source, long_cursor = "s" * 500, "c" * 1000  # the longest kept
            uow.invoices.save_cursor(long_source, long_cursor)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.invoices.cursor(long_source) == long_cursor

    def test_v1_reversals_add_up_per_line(self, storage: Storage) -> None:
        """Returned quantities and amounts accumulate on the original lines (V1)."""
        invoice = sample_invoice()
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([invoice])
            uow.invoices.record_reversals([LineReversal(invoice.id, 2, Decimal("1.5"), Decimal("10.25"))])
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.invoices.record_reversals([LineReversal(invoice.id, 2, Decimal("0.5"), Decimal("1.75"))])
            with pytest.raises(NotFound):
                uow.invoices.record_reversals([LineReversal(invoice.id, 9, Decimal(1), Decimal(1))])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.invoices.returned_amounts(invoice.id) == {2: (Decimal(2), Decimal(12))}
            assert uow.invoices.returned_quantities([invoice.id]) == {(invoice.id, 2): Decimal(2)}

    def test_v8_return_references_are_found_by_the_original_they_cite(self, storage: Storage) -> None:
        """Return references are found by the original they cite, updated by key, stored once (V1, V8).

        A look-up by (seller, number) gives the references with something waiting (migration 0024).
        """
        ret = attrs.evolve(sample_invoice("IA-1", seller="1234567890"), type_code="IADE",
                           references=(InvoiceReference("A-9"),))  # fmt: skip
        refs = [
            ReturnReference("9205121120", "A-9", ret.id, 1, Decimal("1.125")),
            ReturnReference("9205121120", "A-9", ret.id, 2, Decimal(0)),
            ReturnReference("9205121120", "A-8", ret.id, 1, Decimal("0.5")),
        ]
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([ret])
            uow.invoices.add_return_references(refs)
            assert uow.invoices.waiting_returns([("9205121120", "A-9")]) == [refs[0]]  # its own writes
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.invoices.waiting_returns([("1111111111", "A-9"), ("9205121120", "A-7")]) == []
            assert uow.invoices.waiting_returns([("9205121120", "A-9"), ("9205121120", "A-8")]) == [
                refs[2], refs[0]
            ]  # fmt: skip
            uow.invoices.set_waiting([attrs.evolve(refs[0], waiting=Decimal("0.125"))])
            uow.invoices.set_waiting([attrs.evolve(refs[2], waiting=Decimal("0.000"))])
            uow.commit()
        with storage.unit_of_work() as uow:
            found = uow.invoices.waiting_returns([("9205121120", "A-9"), ("9205121120", "A-8")])
            assert found == [attrs.evolve(refs[0], waiting=Decimal("0.125"))]
            with pytest.raises(Duplicate) as twice:
                uow.invoices.add_return_references([refs[1]])
            assert twice.value.field == "return_id"

    def test_v8_every_reference_is_found_by_its_original_and_read_by_pages(self, storage: Storage) -> None:
        """References are found by their original, waiting or not, and read by pages (V1, V8).

        ``reference_page`` reads them all in key order, page by page, or only those waiting
        (what the matching job looks at).
        """
        ret = attrs.evolve(sample_invoice("IA-2", seller="1234567890"), type_code="IADE",
                           references=(InvoiceReference("A-9"),))  # fmt: skip
        refs = [
            ReturnReference("9205121120", "A-8", ret.id, 1, Decimal("0.5")),
            ReturnReference("9205121120", "A-9", ret.id, 1, Decimal("1.125")),
            ReturnReference("9205121120", "A-9", ret.id, 2, Decimal(0)),
        ]
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([ret])
            uow.invoices.add_return_references(refs)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.invoices.references_citing([("9205121120", "A-9")]) == refs[1:]
            assert uow.invoices.references_citing([("1111111111", "A-9")]) == []
            assert uow.invoices.reference_page() == refs
            first = uow.invoices.reference_page(limit=2)
            assert first == refs[:2]
            last = first[-1]
            after = (last.seller_key, last.number, last.return_id, last.line_number)
            assert uow.invoices.reference_page(after, limit=2) == refs[2:]
            assert uow.invoices.reference_page(waiting=True) == refs[:2]
            assert uow.invoices.reference_page(after, waiting=True) == []

    def test_v8_the_return_lock_is_taken_by_a_unit_of_work_and_reversals_can_be_taken_back(
        self, storage: Storage
    ) -> None:
        """``lock_returns`` is taken for a new seller and again after a commit (V1, V8).

        A negative reversal moves a returned quantity back (a return's unit moved to an
        older original).
        """
        invoice = sample_invoice()
        with storage.unit_of_work() as uow:
            uow.invoices.lock_returns(["9205121120", "1234567890"])
            uow.invoices.add_many([invoice])
            uow.invoices.record_reversals([LineReversal(invoice.id, 2, Decimal(2), Decimal(12))])
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.invoices.lock_returns(["9205121120"])
            uow.invoices.record_reversals([LineReversal(invoice.id, 2, Decimal(-2), Decimal(-12))])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.invoices.returned_amounts(invoice.id) == {}
            assert uow.invoices.returned_quantities([invoice.id]) == {}

    def test_v10_delivery_is_tracked_and_undelivered_are_listed_oldest_first(self, storage: Storage) -> None:
        """The original's delivery is recorded; the rest stay on the undelivered list (V10)."""
        a, b = sample_invoice("A-1"), sample_invoice("A-2")
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([a, b])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.invoices.delivery(a.id).status is HandOverStatus.PENDING
            uow.invoices.mark_delivered(a.id, _AT, "Mehmet Bey")
            with pytest.raises(NotFound):
                uow.invoices.mark_delivered(invoice_id_for("x", "y"), _AT, None)
            uow.commit()
        with storage.unit_of_work() as uow:
            delivery = uow.invoices.delivery(a.id)
            assert (delivery.status, delivery.at, delivery.received_by) == (
                HandOverStatus.DELIVERED, _AT, "Mehmet Bey",
            )  # fmt: skip
            assert uow.invoices.undelivered() == [b.id]

    def test_v10_orders_keep_lines_to_be_invoiced_with_optimistic_versions(self, storage: Storage) -> None:
        """Order lines stay "to be invoiced" until invoiced; a stale save conflicts (V10)."""
        order = SalesOrder(
            number="SO-1",
            customer="1234567890",
            ordered_at=_AT,
            lines=(
                OrderLine(line_id="1", product_name="Çay", quantity=Decimal("2.5")),
                OrderLine(line_id="2", product_name="Şeker", quantity=Decimal(1)),
            ),
        )
        with storage.unit_of_work() as uow:
            uow.invoices.add_order(order)
            uow.commit()
        with storage.unit_of_work() as uow, pytest.raises(Duplicate):
            uow.invoices.add_order(order)
        with storage.unit_of_work() as uow:
            stored = uow.invoices.orders(["SO-1", "nope"])
            assert stored == {"SO-1": order}
            changed = SalesOrder(
                number="SO-1",
                customer=order.customer,
                ordered_at=_AT,
                lines=(
                    OrderLine(
                        line_id="1", product_name="Çay", quantity=Decimal("2.5"), invoiced=Decimal("2.5")
                    ),
                    order.lines[1],
                ),
            )
            saved = uow.invoices.save_order(changed)
            uow.commit()
        assert saved.version == 2
        with storage.unit_of_work() as uow:
            assert [(n, line.line_id) for n, line in uow.invoices.to_be_invoiced()] == [("SO-1", "2")]
            with pytest.raises(ConcurrencyConflict):
                uow.invoices.save_order(changed)

    def test_a8_v10_the_buyer_filter_runs_in_the_storage(self, storage: Storage) -> None:
        """``undelivered``/``to_be_invoiced`` keep the parties a predicate allows (A8).

        A stored company is found by its tax number; parties that are no stored company are
        kept only with ``strangers``; the page is cut after the filter.
        """
        seen = make_company(name="Görünen", type="customer", tax_no="1234567890",
                            segmentation=Segmentation(micro_region="M-01"))  # fmt: skip
        hidden = make_company(name="Gizli", type="customer", tax_no="6800120004",
                              segmentation=Segmentation(micro_region="M-02"))  # fmt: skip
        parties = {"B-1": seen.tax_no, "B-2": hidden.tax_no, "B-3": "4730180002"}
        bills = [
            attrs.evolve(sample_invoice(n), buyer=InvoiceParty(n, tax_no=key, scheme="VKN"))
            for n, key in parties.items()
        ]
        orders = [
            SalesOrder(number=f"SO-{n}", customer=key or "", ordered_at=_AT,
                       lines=(OrderLine(line_id="1", product_name="Çay", quantity=Decimal(1)),))
            for n, key in parties.items()
        ]  # fmt: skip
        with storage.unit_of_work() as uow:
            uow.companies.add_many([seen, hidden])
            uow.invoices.add_many(bills)
            for order in orders:
                uow.invoices.add_order(order)
            uow.commit()
        codes = CodeIn(frozenset({"M-01"}), at=_AT)
        with storage.unit_of_work() as uow:
            assert set(uow.invoices.undelivered(buyers=codes, strangers=False)) == {bills[0].id}
            assert set(uow.invoices.undelivered(buyers=codes)) == {bills[0].id, bills[2].id}
            assert set(uow.invoices.undelivered()) == {b.id for b in bills}
            assert [n for n, _ in uow.invoices.to_be_invoiced(buyers=codes, strangers=False)] == ["SO-B-1"]
            assert [n for n, _ in uow.invoices.to_be_invoiced(buyers=codes)] == ["SO-B-1", "SO-B-3"]
            kept = sorted((bills[0], bills[2]), key=lambda b: (b.issued_at, b.id))
            assert uow.invoices.undelivered(buyers=codes, limit=1, offset=1) == [kept[1].id]
