"""Invoices exported by an ERP as CSV, one row per invoice line (SPEC §7 V1).

``csv:///srv/erp/sales.csv`` (options below the table).
The first row names the columns; their order is free, names are matched
case-insensitively, unknown columns are ignored. Rows of one invoice are
consecutive (same seller and ``invoice_number``).

===================  ========  ===============================================
column               required  meaning
===================  ========  ===============================================
invoice_number       yes       the invoice number, unique per seller
issue_date           yes       ``2026-01-05`` or ``05.01.2026``
currency             yes       ISO 4217 code (``TRY``)
seller_name          yes*      * or ``seller_tax_no``
buyer_name           yes*      * or ``buyer_tax_no``
product_name         yes       the item's name
quantity             yes       a number
unit_price           yes       a number
line_total           yes       the line's net amount (quantity × price − discount)
invoice_uuid                   the document UUID (ETTN); derived from seller + number if absent
issue_time                     ``14:42`` or ``14:42:00``; midnight if absent
type                           ``SATIS`` (default), ``IADE``, ``TEVKIFAT``, ``ISTISNA`` …
profile                        ``TICARIFATURA`` …
exchange_rate                  TRY per unit of a foreign currency
seller_tax_no                  VKN/TCKN of the seller
buyer_tax_no                   VKN/TCKN of the buyer
store                          the dealer/store code that sold
sales_person                   the sales person's code
order_number                   the order the line delivers (V10)
order_line                     the line of that order
product_code                   the item's code
unit                           unit code (``NIU``, ``KGM``)
line_no                        line number; the row's position in the invoice if absent
discount                       the line's discount amount
vat_percent                    KDV rate in percent
vat_amount                     KDV amount of the line
reference                      the invoice number a return (``IADE``) cancels
reference_date                 that invoice's date
invoice_net_total              the document's line-extension total; checked against the lines
invoice_payable                the document's payable amount; lines + KDV if absent
===================  ========  ===============================================

Options: ``?delimiter=;``, ``?tz=Europe/Istanbul``, ``?encoding=cp1254`` (UTF-8 by
default), ``?decimal=,&thousands=.`` (the separators of numbers, see
:mod:`~crmkit.adapters.invoices.csv_numbers`: unconfigured, a number is read only
when it can mean one thing, so ``1.250`` is refused as ambiguous; never floats).
A missing issue time is local midnight in ``tz``.

A bad row (a missing value, a bad number or date, a byte the encoding cannot
decode, a NUL, a field over 131,072 characters) rejects its invoice — never half
of one — with the file, line number and reason; the other invoices are read on.
A UTF-16/32 file read as another encoding is one rejected record. A record's
cursor is the number of the last line of its invoice, so ``read(since=cursor)``
resumes after it.

Over 500 lines because the per-row hot path (:meth:`CsvInvoiceSource._lines`) and
the column table above belong with the reader they describe.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo

from crmkit.adapters.invoices.collector import gc_option, maybe_fewer_collections
from crmkit.adapters.invoices.csv_lines import (
    UNDECODABLE,
    decode_errors,
    foreign_bom,
    records,
    register_undecodable,
)
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
from crmkit.ports.invoices import SourceRecord

__all__ = ["COLUMNS", "REQUIRED", "SCHEME", "CsvInvoiceSource", "parse_date", "parse_decimal"]

SCHEME = "csv"
"""The URL scheme of this source."""

REQUIRED: tuple[str, ...] = (
    "invoice_number",
    "issue_date",
    "currency",
    "product_name",
    "quantity",
    "unit_price",
    "line_total",
)
"""Columns every file must have (plus a seller and a buyer name or tax number)."""

COLUMNS: tuple[str, ...] = (
    *REQUIRED,
    "seller_name",
    "seller_tax_no",
    "buyer_name",
    "buyer_tax_no",
    "invoice_uuid",
    "issue_time",
    "type",
    "profile",
    "exchange_rate",
    "store",
    "sales_person",
    "order_number",
    "order_line",
    "product_code",
    "unit",
    "line_no",
    "discount",
    "vat_percent",
    "vat_amount",
    "reference",
    "reference_date",
    "invoice_net_total",
    "invoice_payable",
)
"""Every column the adapter reads (see the module's table)."""

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


class _Columns:
    """Where each known column is in a row (``-1``: not in the file)."""

    def __init__(self, header: list[str]) -> None:
        self.at = {column: (header.index(column) if column in header else -1) for column in COLUMNS}


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


class CsvInvoiceSource:
    """A CSV file of invoice lines as an :class:`~crmkit.ports.invoices.InvoiceSource`.

    Args:
        path: the file (UTF-8 by default; a UTF-8 BOM is allowed).
        url: the URL it was built from.
        delimiter: the field separator; guessed from the header (``;``, tab or ``,``) when ``None``.
        timezone_name: zone of the issue dates and times.
        encoding: the file's encoding (``utf-8``, ``cp1254``, ``utf-16`` …).
        decimal: the decimal separator of its numbers (``.`` or ``,``); ``None``: numbers are read
            only when unambiguous (see :mod:`crmkit.adapters.invoices.csv_numbers`).
        thousands: their thousands separator (default: the other of ``.`` and ``,``; ``""``: none).
        fewer_collections: raise the garbage collector's threshold while reading
            (:mod:`crmkit.adapters.invoices.collector`; ``?gc=fewer``).

    Raises:
        ValidationError: an unknown encoding, or separators that are not allowed, naming the option.
    """

    def __init__(
        self,
        path: Path,
        *,
        url: str = "",
        delimiter: str | None = None,
        timezone_name: str = "Europe/Istanbul",
        encoding: str = "utf-8",
        decimal: str | None = None,
        thousands: str | None = None,
        fewer_collections: bool = False,
    ) -> None:
        self.path = path
        self.url = url or f"{SCHEME}://{path}"
        self.delimiter = delimiter
        self.zone = ZoneInfo(timezone_name)
        try:
            self.encoding = codecs.lookup(encoding).name
        except LookupError:
            raise ValidationError("encoding", f"{encoding!r} is not an encoding Python knows") from None
        self.numbers = NumberFormat(decimal, thousands)
        self.fewer_collections = fewer_collections
        self._dates: dict[str, date] = {}
        self._numbers: dict[str, Decimal] = {}

    @classmethod
    def from_url(cls, url: str) -> CsvInvoiceSource:
        """Build a source from ``csv:///path/file.csv?delimiter=;&tz=Europe/Istanbul``.

        Further options: ``encoding`` (``cp1254``), ``decimal`` and ``thousands``
        (``?decimal=,&thousands=.`` for Turkish numbers; ``thousands=`` for none),
        ``gc=fewer`` (:mod:`~crmkit.adapters.invoices.collector`).

        Raises:
            ValidationError: naming ``url`` when the file does not exist or an option is bad.
        """
        parts = urlsplit(url)
        path = Path(unquote(parts.netloc + parts.path))
        if not path.is_file():
            raise ValidationError("url", f"{url}: {path} is not a file")
        options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        delimiter = options.get("delimiter")
        if delimiter is not None and len(delimiter) != 1:
            raise ValidationError("url", f"{url}: delimiter must be one character")
        try:
            return cls(
                path,
                url=url,
                delimiter=delimiter,
                timezone_name=options.get("tz", "Europe/Istanbul"),
                encoding=options.get("encoding", "utf-8"),
                decimal=options.get("decimal"),
                thousands=options.get("thousands"),
                fewer_collections=gc_option(options, url),
            )
        except ValidationError as error:
            raise ValidationError("url", f"{url}: {error.field}: {error.reason}") from None
        except (ValueError, KeyError) as error:
            raise ValidationError("url", f"{url}: {error}") from None

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Yield one record per invoice (consecutive rows of one seller and number), lazily.

        Raises:
            ValidationError: the header lacks a required column (naming ``url``), or
                ``since`` is not a cursor of this source.
        """
        with maybe_fewer_collections(self.fewer_collections):
            yield from self._read(since)

    def _read(self, since: str | None) -> Iterator[SourceRecord]:
        skip_to = 0
        if since is not None:
            if not since.startswith("line:") or not since[5:].isdigit():
                raise ValidationError("since", f"{since!r} is not a cursor of {self.url}")
            skip_to = int(since[5:])
        name = self.path.name
        with self.path.open("rb") as raw:
            foreign = foreign_bom(raw.read(4), self.encoding)
            if foreign is not None:  # the whole file is unreadable: one record, past its last line
                yield from self._unreadable(raw, name, skip_to, f"is {foreign} (its byte-order mark says so)")
                return
            raw.seek(0)
            codec = "utf-8-sig" if self.encoding == "utf-8" else self.encoding
            register_undecodable()
            marked = decode_errors()
            handle = io.TextIOWrapper(raw, encoding=codec, errors=UNDECODABLE, newline="")
            header_line = handle.readline()
            if "\0" in header_line:
                yield from self._unreadable(raw, name, skip_to, "has NUL characters in its header")
                return
            delimiter = self.delimiter or (
                ";" if ";" in header_line else "\t" if "\t" in header_line else ","
            )
            header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delimiter))]
            missing = [c for c in REQUIRED if c not in header]
            if not {"seller_name", "seller_tax_no"} & set(header):
                missing.append("seller_name or seller_tax_no")
            if not {"buyer_name", "buyer_tax_no"} & set(header):
                missing.append("buyer_name or buyer_tax_no")
            if missing:
                raise ValidationError("url", f"{self.url}: the header lacks {', '.join(missing)}")
            columns = _Columns(header)
            i_number = columns.at["invoice_number"]
            i_seller = (
                columns.at["seller_tax_no"] if columns.at["seller_tax_no"] >= 0 else columns.at["seller_name"]
            )
            current: _Rows | None = None
            rows: list[tuple[int, list[str]]] = []
            width = len(header)
            seller_text = number_text = ""  # the current invoice's key fields, as written
            for line_no, values, bad in records(handle, delimiter, self.encoding, marked):
                if line_no <= skip_to:
                    continue
                problem = None if bad is None else f"{name}:{line_no}: {bad}"
                if not values and problem is not None:  # not even split: a record of its own
                    if current is not None:
                        yield self._record(current, name, columns)
                        current, seller_text, number_text = None, "", ""
                    yield SourceRecord(cursor=f"line:{line_no}", location=f"{name}:{line_no}", error=problem)
                    continue
                if len(values) != width and problem is None:
                    if not any(v.strip() for v in values):
                        continue
                    problem = f"{name}:{line_no}: {len(values)} fields, the header has {width}"
                if len(values) < width:
                    values = values + [""] * (width - len(values))
                if current is None or values[i_number] != number_text or values[i_seller] != seller_text:
                    seller_text, number_text = values[i_seller], values[i_number]
                    key = (seller_text.strip(), number_text.strip())
                    if current is None or key != current.key:
                        if current is not None:
                            yield self._record(current, name, columns)
                        current = _Rows(key, line_no)
                        rows = current.rows
                if problem is not None and current.error is None:
                    current.error = problem
                rows.append((line_no, values))
            if current is not None:
                yield self._record(current, name, columns)

    def _unreadable(
        self, raw: io.BufferedReader, name: str, skip_to: int, why: str
    ) -> Iterator[SourceRecord]:
        """One rejected record for a file none of whose lines can be read: its cursor is past its end."""
        raw.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
        last = max(lines, 1)
        if last <= skip_to:
            return
        reason = (
            f"{name}:1: the file {why}, but the source reads {self.encoding}; set its encoding (?encoding=)"
        )
        yield SourceRecord(cursor=f"line:{last}", location=f"{name}:1-{last}", error=reason)

    def _record(self, rows: _Rows, name: str, columns: _Columns) -> SourceRecord:
        span = (
            str(rows.first_line)
            if rows.first_line == rows.last_line
            else f"{rows.first_line}-{rows.last_line}"
        )
        location = f"{name}:{span}"
        cursor = f"line:{rows.last_line}"
        if rows.error is not None:
            return SourceRecord(cursor=cursor, location=location, error=rows.error)
        try:
            invoice = self._invoice(rows, name, columns.at)
        except ValidationError as error:
            return SourceRecord(cursor=cursor, location=location, error=error.reason)
        return SourceRecord(cursor=cursor, location=location, invoice=invoice)

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
