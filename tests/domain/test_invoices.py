"""Invoice values and their arithmetic rules (SPEC §7 V1, V10)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.tr import tckimlik, vkn

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import tax_number_checksum_ok
from crmkit.domain.invoices import (
    VAT,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    InvoiceTotalsMismatch,
    OrderLine,
    SalesOrder,
    Tax,
    check_totals,
    invoice_id_for,
    kind_of,
    settle,
)
from crmkit.domain.money import CurrencyMismatch, Money

D = Decimal
AT = datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=3)))


def line(
    number: int,
    qty: str,
    price: str,
    net: str,
    *,
    discount: str = "0",
    code: str | None = None,
    name: str = "Kalem",
) -> InvoiceLine:
    return InvoiceLine(
        number=number,
        product_name=name,
        product_code=code,
        quantity=D(qty),
        unit_price=D(price),
        line_extension=D(net),
        discount=D(discount),
        taxes=(Tax(type_code=VAT, percent=D(20), taxable_amount=D(net), amount=D(net) * D("0.2")),),
    )


def invoice(
    *lines: InvoiceLine,
    stated: str | None = None,
    number: str = "ABC2026000000001",
    type_code: str = "SATIS",
    refs: tuple[InvoiceReference, ...] = (),
    seller: str = "9205121120",
    buyer: str = "1234567890",
    currency: str = "TRY",
) -> Invoice:
    net = sum((ln.line_extension for ln in lines), D(0))
    total = D(stated) if stated is not None else net
    return Invoice(
        id=invoice_id_for(seller, number),
        number=number,
        issued_at=AT,
        currency=currency,
        seller=InvoiceParty("Satıcı A.Ş.", tax_no=seller),
        buyer=InvoiceParty("Alıcı Ltd.", tax_no=buyer),
        lines=lines,
        totals=InvoiceTotals.of(total, payable=total * D("1.2"), tax=total * D("0.2")),
        taxes=(Tax(type_code=VAT, percent=D(20), taxable_amount=total, amount=total * D("0.2")),),
        type_code=type_code,
        references=refs,
    )


def test_v1_lines_that_add_up_pass_without_warnings() -> None:
    inv = invoice(line(1, "12", "825.5", "9410.70", discount="495.30"), line(2, "3", "10", "30"))
    assert check_totals(inv) == ()
    assert inv.net == Money("9440.70", "TRY")
    assert inv.tax(VAT) == Money("1888.14", "TRY")


def test_v1_a_totals_mismatch_is_an_error_naming_the_invoice_and_both_figures() -> None:
    inv = invoice(line(1, "2", "10", "20"), line(2, "1", "5", "5"), stated="26.00", number="XYZ1")
    with pytest.raises(InvoiceTotalsMismatch) as caught:
        check_totals(inv)
    assert caught.value.field == "totals.line_extension"
    assert (caught.value.number, caught.value.expected, caught.value.actual) == ("XYZ1", D("26.00"), D("25"))
    assert "XYZ1" in str(caught.value) and "25" in str(caught.value) and "26.00" in str(caught.value)


def test_v1_one_cent_of_line_rounding_is_tolerated_but_two_are_not() -> None:
    check_totals(invoice(line(1, "922", "6.9324", "6391.67"), stated="6391.67"))
    with pytest.raises(InvoiceTotalsMismatch):
        check_totals(invoice(line(1, "1", "10", "10.00"), stated="10.02"))


def test_v1_gib_style_gross_line_extension_total_is_accepted_with_a_warning() -> None:
    lines = (line(1, "12", "825.5", "9410.7", discount="495.3"), line(2, "1", "100", "100"))
    inv = invoice(*lines, stated="9511.00")
    inv = Invoice(
        **{
            **{
                f: getattr(inv, f)
                for f in ("id", "number", "issued_at", "currency", "seller", "buyer", "lines", "taxes")
            },
            "totals": InvoiceTotals(
                line_extension=D("10006.00"),
                tax_exclusive=D("9510.70"),
                tax_inclusive=D("11412.84"),
                payable=D("11412.84"),
                allowance=D("495.30"),
            ),
        }
    )
    warnings = check_totals(inv)
    assert any("gross" in w and "9510.7" in w for w in warnings)


def test_v1_a_line_whose_arithmetic_is_off_is_a_warning_naming_the_line() -> None:
    warnings = check_totals(invoice(line(1, "2", "10", "20"), line(2, "3", "10", "33")))
    assert warnings == ("invoice ABC2026000000001 line 2: 3 × 10 − 0 + 0 = 30, the line states 33",)


def test_v1_a_return_must_name_what_it_cancels() -> None:
    with pytest.raises(ValidationError) as caught:
        invoice(line(1, "1", "10", "10"), type_code="IADE")
    assert caught.value.field == "references"
    ret = invoice(line(1, "1", "10", "10"), type_code="IADE", refs=(InvoiceReference("ABC1"),))
    assert ret.is_return and ret.sign == -1 and ret.kind is InvoiceKind.RETURN


def test_v1_kinds_are_open_and_case_insensitive() -> None:
    assert kind_of("TEVKIFAT") is InvoiceKind.WITHHOLDING
    assert kind_of("istisna") is InvoiceKind.EXEMPT
    assert kind_of("YTBSATIS") is InvoiceKind.SALE
    assert kind_of("381") is InvoiceKind.RETURN
    assert kind_of("SATIS", "IHRACAT") is InvoiceKind.EXPORT
    assert kind_of("SOMETHINGNEW") is InvoiceKind.OTHER


def test_v1_money_is_decimal_never_float_and_currencies_do_not_mix() -> None:
    with pytest.raises(ValidationError):
        InvoiceLine(number=1, product_name="x", quantity=1.5, unit_price=D(1), line_extension=D(1))
    usd = invoice(line(1, "1", "10", "10"), currency="usd")
    assert usd.currency == "USD"
    with pytest.raises(CurrencyMismatch):
        _ = usd.payable + Money("1", "TRY")


def test_v1_times_must_be_aware_and_an_invoice_needs_lines() -> None:
    good = invoice(line(1, "1", "10", "10"))
    with pytest.raises(ValidationError):
        Invoice(
            id=good.id,
            number="N",
            issued_at=datetime(2026, 1, 1),
            currency="TRY",
            seller=good.seller,
            buyer=good.buyer,
            lines=good.lines,
            totals=good.totals,
        )
    with pytest.raises(ValidationError) as caught:
        Invoice(
            id=good.id,
            number="N",
            issued_at=AT,
            currency="TRY",
            seller=good.seller,
            buyer=good.buyer,
            lines=(),
            totals=good.totals,
        )
    assert caught.value.field == "lines"


def test_v2_derived_ids_are_stable_per_seller_and_number() -> None:
    assert invoice_id_for("1", "A") == invoice_id_for("1", " A ")
    assert invoice_id_for("1", "A") != invoice_id_for("2", "A")
    assert isinstance(invoice_id_for("1", "A"), uuid.UUID)


@given(st.from_regex(r"[0-9]{10,11}", fullmatch=True))
def test_v1_tax_number_checksum_agrees_with_python_stdnum(number: str) -> None:
    expected = vkn.is_valid(number) if len(number) == 10 else tckimlik.is_valid(number)
    assert tax_number_checksum_ok(number) == expected


def test_v1_gib_sample_tax_numbers() -> None:
    assert tax_number_checksum_ok("9205121120")
    assert not tax_number_checksum_ok("1288331521")  # GİB's own sample VKN fails its checksum
    assert not tax_number_checksum_ok("3333333888")
    assert not tax_number_checksum_ok("Supp123")


def test_v1_a_return_reverses_matching_lines_and_refuses_to_take_back_more_than_sold() -> None:
    original = invoice(line(1, "10", "5", "50", code="P1"), line(2, "4", "2", "8", code="P2"), number="S1")
    stored = {(original.seller_key, "S1"): original}

    def ret(number: str, quantity: str, amount: str, code: str = "P1") -> Invoice:
        return invoice(
            line(1, quantity, "5", amount, code=code),
            type_code="IADE",
            number=number,
            refs=(InvoiceReference("S1"),),
            seller="1234567890",
            buyer="9205121120",
        )

    r1 = ret("R1", "3", "15")
    done = settle([r1], stored)
    assert done.returned == {(original.id, 1): (D(3), D(15))}
    assert (done.waiting, done.refused, done.excess) == ({}, {}, {})
    r0 = ret("R0", "8", "40")  # settled before R1 (same time, lower number): 2 are left for R1
    refused = settle([r1, r0], stored, frozenset({r1.id}))
    assert "more than" in refused.refused[r1.id] and refused.returned == {(original.id, 1): (D(8), D(40))}
    assert settle([r1, r0], stored).excess == {r1.id: {1: D(1)}}  # stored already: named, not refused
    unknown = ret("R2", "1", "5", code="P9")
    assert settle([unknown], stored).returned == {}
    assert settle([unknown], stored).excess == {unknown.id: {1: D(1)}}
    assert settle([unknown], {}).waiting == {unknown.id: {1: D(1)}}  # S1 not stored: it waits


def test_v10_order_lines_stay_to_be_invoiced_until_fully_invoiced_and_returns_reopen_them() -> None:
    order = SalesOrder(
        number="SO-1",
        customer="1234567890",
        ordered_at=AT,
        lines=(
            OrderLine(line_id="1", product_name="Kalem", product_code="P1", quantity=D(10)),
            OrderLine(line_id="2", product_name="Defter", product_code="P2", quantity=D(5)),
        ),
    )
    assert [ol.line_id for ol in order.to_be_invoiced] == ["1", "2"]
    order, matched = order.invoiced_by(line(1, "10", "1", "10", code="P1"), 1)
    assert matched == "1"
    assert [ol.line_id for ol in order.to_be_invoiced] == ["2"]
    order, matched = order.invoiced_by(line(1, "2", "1", "2", code="P1"), -1)
    assert matched == "1" and order.lines[0].invoiced == D(8) and order.lines[0].remaining == D(2)
    unchanged, matched = order.invoiced_by(line(1, "1", "1", "1", code="P9"), 1)
    assert matched is None and unchanged == order
    with pytest.raises(ValidationError):
        SalesOrder(
            number="SO-2",
            customer="c",
            ordered_at=AT,
            lines=(
                OrderLine(line_id="1", product_name="a", quantity=D(1)),
                OrderLine(line_id="1", product_name="b", quantity=D(1)),
            ),
        )
    assert datetime.now(UTC).tzinfo is not None
