"""Invoices built from the rows of a CSV invoice file (SPEC §7 V1).

Rows of one invoice (:class:`_Rows`) become an :class:`~crmkit.domain.invoices.Invoice`;
each problem names the file, the line and the column. The file, its columns and
its cursor are :mod:`crmkit.adapters.invoices.csv`'s.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from crmkit.adapters.invoices.csv_numbers import NumberFormat
from crmkit.adapters.invoices.trusted import trusted_line, trusted_tax
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import (
    VAT,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    Tax,
    invoice_id_for,
    party_key,
)

__all__ = ["parse_date", "parse_decimal"]

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_NO_RATE = Decimal(-1)
"""The key of KDV amounts given without a rate."""
_NUMBER_CACHE = 100_000
"""Most parsed numbers remembered (by their text) before the memo starts over."""


def parse_decimal(
    text: str, field: str = "amount", *, decimal: str | None = None, thousands: str | None = None
) -> Decimal:
    """Read a number with the given separators (:class:`NumberFormat`); unconfigured, only unambiguous ones.

    >>> parse_decimal("1.234,56"), parse_decimal("1,234.56"), parse_decimal(" 786,90 ")
    (Decimal('1234.56'), Decimal('1234.56'), Decimal('786.90'))
    >>> parse_decimal("1.250", decimal=","), parse_decimal("1.250", decimal=".", thousands="")
    (Decimal('1250'), Decimal('1.250'))

    Raises:
        ValidationError: naming ``field`` when it is not a finite number, is grouped wrongly,
            or is ambiguous with no separators configured (``1.250``).
    """
    return NumberFormat(decimal, thousands).parse(text, field)


def parse_date(text: str, field: str = "issue_date") -> date:
    """Read ``2026-01-05`` (ISO, a time part is ignored) or ``05.01.2026``.

    >>> parse_date("05.01.2026"), parse_date("2026-01-05T10:00:00")
    (datetime.date(2026, 1, 5), datetime.date(2026, 1, 5))

    Raises:
        ValidationError: naming ``field``.
    """
    value = text.strip()
    try:
        if len(value) >= 10 and value[2] == "." and value[5] == ".":
            return date(int(value[6:10]), int(value[3:5]), int(value[0:2]))
        return date.fromisoformat(value[:10])
    except (ValueError, IndexError):
        raise ValidationError(field, f"{text!r} is not a date (2026-01-05 or 05.01.2026)") from None


def _parse_time(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("issue_time", f"{text!r} is not a time (14:42 or 14:42:00)") from None


class _Rows:
    """The rows of one invoice, as read."""

    def __init__(self, key: tuple[str, str], first_line: int) -> None:
        self.key = key
        self.first_line = first_line
        self.rows: list[tuple[int, list[str]]] = []
        self.error: str | None = None

    @property
    def last_line(self) -> int:
        """The number of the invoice's last line."""
        return self.rows[-1][0] if self.rows else self.first_line


def _problem(name: str, line_no: int, column: str, reason: str) -> ValidationError:
    return ValidationError(column, f"{name}:{line_no}: {column}: {reason}")


def _decimal(text: str, column: str, name: str, line_no: int, numbers: NumberFormat) -> Decimal:
    """A required number of a row, read with the source's separators."""
    quick = numbers.quick(text)  # the hot path: the usual unambiguous shapes, one Decimal call
    if quick is not None:
        return quick
    try:
        return numbers.parse(text, column)
    except ValidationError as error:
        if not text.strip():
            raise _problem(name, line_no, column, "is empty") from None
        raise _problem(name, line_no, column, error.reason) from None


class _InvoiceRows:
    """Makes invoices from rows; a base of :class:`~crmkit.adapters.invoices.csv.CsvInvoiceSource`."""

    zone: ZoneInfo
    numbers: NumberFormat
    _dates: dict[str, date]
    _numbers: dict[str, Decimal]

    def _date(self, text: str, field: str, name: str, line_no: int) -> date:
        found = self._dates.get(text)
        if found is None:
            if not text:
                raise _problem(name, line_no, field, "is empty")
            try:
                found = self._dates[text] = parse_date(text, field)
            except ValidationError as error:
                raise _problem(name, line_no, field, error.reason) from None
        return found

    def _lines(
        self, group: _Rows, name: str, at: dict[str, int]
    ) -> tuple[list[InvoiceLine], Decimal, dict[Decimal, tuple[Decimal, Decimal]]]:
        """The lines, their KDV total and KDV per rate; raises the first problem, with its line and column."""
        i_name, i_code, i_qty, i_unit = at["product_name"], at["product_code"], at["quantity"], at["unit"]
        i_price, i_total, i_discount = at["unit_price"], at["line_total"], at["discount"]
        i_vat, i_rate, i_line = at["vat_amount"], at["vat_percent"], at["line_no"]
        i_order, i_order_line = at["order_number"], at["order_line"]
        numbers = self._numbers
        number = numbers.get
        number_format = self.numbers

        def amount(text: str, column: str, line: int) -> Decimal:
            # Every value the file repeats (prices, rates, quantities) is parsed once: a finite Decimal.
            # Callers try ``number(text) or amount(...)`` first (a zero comes back here, and is found).
            found = number(text)
            if found is None:
                found = numbers[text] = _decimal(text, column, name, line, number_format)
            return found

        lines: list[InvoiceLine] = []
        append = lines.append
        vat_total = _ZERO
        vat_base: dict[Decimal, tuple[Decimal, Decimal]] = {}
        for position, (line_no, row) in enumerate(group.rows, start=1):
            value = row[i_total]
            net = number(value) or amount(value, "line_total", line_no)
            vat_text = row[i_vat] if i_vat >= 0 else ""
            rate_text = row[i_rate] if i_rate >= 0 else ""
            taxes: tuple[Tax, ...] = ()
            if vat_text or rate_text:
                given = (number(vat_text) or amount(vat_text, "vat_amount", line_no)) if vat_text else None
                vat_percent = None
                if rate_text:
                    vat_percent = number(rate_text) or amount(rate_text, "vat_percent", line_no)
                if given is not None:
                    vat_amount = given
                else:
                    assert vat_percent is not None
                    vat_amount = (net * vat_percent / 100).quantize(_CENT)
                # The values are finite Decimals already: build without the domain's converters.
                taxes = (trusted_tax(VAT, vat_amount, vat_percent, net),)
                vat_total += vat_amount
                key = _NO_RATE if vat_percent is None else vat_percent
                base, tax_amount = vat_base.get(key, (_ZERO, _ZERO))
                vat_base[key] = (base + net, tax_amount + vat_amount)
            product = row[i_name].strip()
            if not product:
                raise _problem(name, line_no, "product_name", "is empty")
            number_text = row[i_line].strip() if i_line >= 0 else ""
            discount = _ZERO
            if i_discount >= 0:
                discount_text = row[i_discount]
                if discount_text.strip():
                    found = number(discount_text)
                    discount = amount(discount_text, "discount", line_no) if found is None else found
            append(
                trusted_line(
                    int(number_text) if number_text.isdigit() else position,
                    product,
                    number(row[i_qty]) or amount(row[i_qty], "quantity", line_no),
                    number(row[i_price]) or amount(row[i_price], "unit_price", line_no),
                    net,
                    (row[i_unit].strip() or None) if i_unit >= 0 else None,
                    (row[i_code].strip() or None) if i_code >= 0 else None,
                    discount,
                    _ZERO,
                    taxes,
                    (row[i_order].strip() or None) if i_order >= 0 else None,
                    (row[i_order_line].strip() or None) if i_order_line >= 0 else None,
                )
            )
        return lines, vat_total, vat_base

    def _invoice(self, group: _Rows, name: str, at: dict[str, int]) -> Invoice:
        line_no, first = group.rows[0]

        def text(values: list[str], column: str) -> str:
            index = at[column]
            return values[index].strip() if index >= 0 else ""

        def required(values: list[str], column: str, line: int) -> str:
            value = text(values, column)
            if not value:
                raise _problem(name, line, column, "is empty")
            return value

        def optional(values: list[str], column: str, line: int) -> Decimal | None:
            value = text(values, column)
            return _decimal(value, column, name, line, self.numbers) if value else None

        seller_tax = text(first, "seller_tax_no") or None
        buyer_tax = text(first, "buyer_tax_no") or None
        seller = InvoiceParty(text(first, "seller_name") or seller_tax or "", tax_no=seller_tax)
        buyer = InvoiceParty(text(first, "buyer_name") or buyer_tax or "", tax_no=buyer_tax)
        invoice_number = required(first, "invoice_number", line_no)
        day = self._date(text(first, "issue_date"), "issue_date", name, line_no)
        issue_time = text(first, "issue_time")
        clock = _parse_time(issue_time) if issue_time else time(0)
        issued_at = datetime.combine(day, clock, self.zone)
        numbers = self._numbers
        if len(numbers) > _NUMBER_CACHE:
            numbers.clear()
        lines, vat_total, vat_base = self._lines(group, name, at)
        line_no = group.first_line
        net_total = sum((line.line_extension for line in lines), _ZERO)
        stated = optional(first, "invoice_net_total", line_no)
        payable = optional(first, "invoice_payable", line_no)
        totals = InvoiceTotals(
            line_extension=net_total if stated is None else stated,
            tax_exclusive=net_total,
            tax_inclusive=net_total + vat_total,
            payable=net_total + vat_total if payable is None else payable,
            tax=vat_total,
        )
        references: tuple[InvoiceReference, ...] = ()
        reference = text(first, "reference")
        if reference:
            ref_date = text(first, "reference_date")
            references = (
                InvoiceReference(
                    reference, self._date(ref_date, "reference_date", name, line_no) if ref_date else None
                ),
            )
        uuid_text = text(first, "invoice_uuid")
        invoice_id: InvoiceId
        if uuid_text:
            try:
                invoice_id = InvoiceId(UUID(uuid_text))
            except ValueError:
                raise _problem(name, line_no, "invoice_uuid", f"{uuid_text!r} is not a UUID") from None
        else:
            invoice_id = invoice_id_for(party_key(seller.tax_no, seller.name), invoice_number)
        try:
            return Invoice(
                id=invoice_id,
                number=invoice_number,
                issued_at=issued_at,
                currency=required(first, "currency", line_no),
                seller=seller,
                buyer=buyer,
                lines=tuple(lines),
                totals=totals,
                type_code=text(first, "type") or "SATIS",
                profile=text(first, "profile") or None,
                exchange_rate=optional(first, "exchange_rate", line_no),
                taxes=tuple(
                    trusted_tax(VAT, tax_amount, None if rate < 0 else rate, base)
                    for rate, (base, tax_amount) in vat_base.items()
                ),
                references=references,
                store=text(first, "store") or None,
                sales_person=text(first, "sales_person") or None,
                order_number=text(first, "order_number") or None,
                source=f"{name}:{group.first_line}",
            )
        except ValidationError as error:
            raise _problem(name, line_no, error.field, error.reason) from None
