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
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from crmkit.adapters.invoices.collector import gc_option, maybe_fewer_collections
from crmkit.adapters.invoices.csv_invoice import _InvoiceRows, _Rows, parse_date, parse_decimal
from crmkit.adapters.invoices.csv_lines import (
    UNDECODABLE,
    decode_errors,
    foreign_bom,
    records,
    register_undecodable,
)
from crmkit.adapters.invoices.csv_numbers import NumberFormat
from crmkit.domain.errors import ValidationError
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


class _Columns:
    """Where each known column is in a row (``-1``: not in the file)."""

    def __init__(self, header: list[str]) -> None:
        self.at = {column: (header.index(column) if column in header else -1) for column in COLUMNS}


class CsvInvoiceSource(_InvoiceRows):
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
