"""The invoice-source port: invoices from the accounting system since a cursor (SPEC §7 V1, §9).

An :class:`InvoiceSource` reads one place (a folder of UBL-TR XML files, a
CSV file, an ERP's API) and yields a :class:`SourceRecord` per invoice, in a
stable order. Each record carries an opaque ``cursor``; ``read(since=cursor)``
resumes right after that record, so an interrupted import can go on where it
stopped. Adapters: ``ubl-tr://`` and ``csv://`` built in, others by plugins
(:func:`crmkit.hookspecs.crmkit_register_invoice_sources`); all of them pass
:class:`crmkit.testing.contracts.InvoiceSourceContract`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import (
    HandOverStatus,
    Invoice,
    InvoiceId,
    LineReversal,
    OrderLine,
    ReturnReference,
    SalesOrder,
)
from crmkit.domain.predicates import Predicate

__all__ = [
    "CURSOR_MAX",
    "SOURCE_MAX",
    "Delivery",
    "HandOversAndOrders",
    "ImportCursors",
    "InvoiceRecords",
    "InvoiceRepository",
    "InvoiceSource",
    "SourceRecord",
    "StoredKey",
    "check_cursor",
]

SOURCE_MAX = 500
"""Longest source name (a URL, or a name the caller gives) whose resume cursor a storage keeps."""
CURSOR_MAX = 1000
"""Longest resume cursor a storage keeps."""


def check_cursor(source: str, cursor: str) -> None:
    """Refuse a resume cursor no storage keeps: an empty or too long source name or cursor.

    >>> check_cursor("csv:///srv/erp/sales.csv", "line:12")
    >>> check_cursor("", "line:12")
    Traceback (most recent call last):
    crmkit.domain.errors.ValidationError: source: must not be empty

    Raises:
        ValidationError: naming ``source`` or ``cursor``.
    """
    for field, value, limit in (("source", source, SOURCE_MAX), ("cursor", cursor, CURSOR_MAX)):
        if not value:
            raise ValidationError(field, "must not be empty")
        if len(value) > limit:
            raise ValidationError(field, f"is longer than {limit} characters")


@attrs.frozen(kw_only=True)
class SourceRecord:
    """One invoice read from a source — or why it could not be read.

    Exactly one of ``invoice`` and ``error`` is set.

    Attributes:
        cursor: opaque; ``read(since=cursor)`` resumes after this record.
        location: where it was read (``inbox/a.xml``, ``sales.csv:12-14``), for reports.
        invoice: the invoice, when it could be read.
        error: why it could not be read (a bad row, a malformed or unsafe file).
        warnings: what was odd but did not stop it (an unparsable issue time …).
    """

    cursor: str
    location: str
    invoice: Invoice | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if (self.invoice is None) == (self.error is None):
            raise ValueError("a SourceRecord holds either an invoice or an error")


@runtime_checkable
class InvoiceSource(Protocol):
    """Where invoices come from.

    Attributes:
        url: the URL the source was built from (``ubl-tr:///srv/inbox``).
    """

    url: str

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Yield the source's invoices after the cursor ``since`` (all of them when ``None``).

        The order is stable: reading twice without new data yields the same
        records with the same cursors, and ``read(since=r.cursor)`` yields
        exactly the records that followed ``r``. Records are produced lazily
        (memory stays bounded whatever the source's size). A record that
        cannot be read is yielded with its ``error`` and reading goes on.
        Reading has no side effects (idempotent).

        Raises:
            ValidationError: ``since`` is not a cursor of this source (naming ``since``),
                or the source itself cannot be opened (naming ``url``).
        """
        ...


@attrs.frozen
class StoredKey:
    """The identity of a stored invoice, as :meth:`InvoiceRecords.known` reports it.

    Attributes:
        id: the invoice's id (its UUID).
        seller_key: the seller's matching key.
        number: the invoice number.
    """

    id: InvoiceId
    seller_key: str
    number: str


@attrs.frozen
class Delivery:
    """Whether and when the original of an invoice was handed to the customer (V10).

    Attributes:
        invoice: the invoice's id.
        status: pending or delivered.
        at: when it was delivered (aware), ``None`` while pending.
        received_by: who took it, when recorded.
    """

    invoice: InvoiceId
    status: HandOverStatus
    at: datetime | None = None
    received_by: str | None = None


class InvoiceRecords(Protocol):
    """Imported invoices and what returns took back from them (V1, V2).

    Invoices are stored whole and never changed (only their hand-over and
    returned quantities are). Like every repository, nothing is visible to
    other units of work before ``commit()``.
    """

    def add_many(self, invoices: Sequence[Invoice]) -> None:
        """Store new invoices with all their lines, in one batch; all or nothing.

        Raises:
            Duplicate: an id, or a seller + number, is already stored (names ``id`` or ``number``).
            ValidationError: a text is longer than the storage allows, naming the field.
        """
        ...

    def get(self, invoice: InvoiceId) -> Invoice:
        """The invoice with this id, equal to what was added.

        Raises:
            NotFound: when there is none.
        """
        ...

    def known(self, ids: Iterable[InvoiceId], numbers: Iterable[str]) -> list[StoredKey]:
        """Stored invoices whose id is in ``ids`` or whose number is in ``numbers``, in one query.

        Order is unspecified; used to skip duplicates before writing (V2).
        """
        ...

    def by_number(self, seller_key: str, number: str) -> Invoice | None:
        """The invoice this seller issued under this number, or ``None``."""
        ...

    def count(self) -> int:
        """How many invoices are stored."""
        ...

    def line_count(self) -> int:
        """How many invoice lines are stored, counted in the storage."""
        ...

    def returned_quantities(self, invoices: Iterable[InvoiceId]) -> dict[tuple[InvoiceId, int], Decimal]:
        """Quantities returned so far, per ``(invoice id, line number)``; lines with none are left out."""
        ...

    def returned_amounts(self, invoice: InvoiceId) -> dict[int, tuple[Decimal, Decimal]]:
        """What returns took back from one invoice: line number → (quantity, net amount)."""
        ...

    def record_reversals(self, reversals: Sequence[LineReversal]) -> None:
        """Add returned quantities and amounts to the original invoices' lines (V1).

        Raises:
            NotFound: a reversal names an invoice line that is not stored.
        """
        ...

    def add_return_references(self, references: Sequence[ReturnReference]) -> None:
        """Store the references of newly imported returns: cited original × return line, with what waits.

        Written in the import's transaction with the returns themselves (V1, V8).

        Raises:
            Duplicate: a reference is stored already (its return was imported before).
        """
        ...

    def waiting_returns(self, originals: Iterable[tuple[str, str]]) -> list[ReturnReference]:
        """The references with a quantity waiting that cite one of ``originals`` (seller key, number).

        One indexed look-up per thousand originals, however many returns are stored: the
        import asks it for every batch, so an original finds returns imported before it.
        """
        ...

    def set_waiting(self, references: Sequence[ReturnReference]) -> None:
        """Store the ``waiting`` quantity of each of these references (found by its key); others stay."""
        ...

    def references_citing(self, originals: Iterable[tuple[str, str]]) -> list[ReturnReference]:
        """Every reference (waiting or not) that cites one of ``originals`` (seller key, number).

        Like :meth:`waiting_returns`, one indexed look-up per thousand originals; the return
        matching reads a whole group of returns and originals with it (V1, V8).
        """
        ...

    def reference_page(
        self,
        after: tuple[str, str, InvoiceId, int] | None = None,
        *,
        limit: int = 1000,
        waiting: bool = False,
    ) -> list[ReturnReference]:
        """Up to ``limit`` references after the key ``after`` (seller key, number, return, line), by key.

        With ``waiting``, only those with a quantity waiting (what the matching job looks at).
        """
        ...

    def lock_returns(self, sellers: Iterable[str]) -> None:
        """Hold the return matching of these sellers' originals until the unit of work ends (V1, V8).

        A second unit of work locking one of them waits until the first ends, and then reads
        what it committed. Every return a seller's originals are cited by has that seller as
        its buyer, so a group of returns and their originals is under one seller's lock.
        """
        ...


class HandOversAndOrders(Protocol):
    """The hand-over of invoices' originals, and sales orders with what is still to be invoiced (V10)."""

    def mark_delivered(self, invoice: InvoiceId, at: datetime, received_by: str | None) -> Delivery:
        """Record that the original invoice was handed over (V10); idempotent for the same values.

        Raises:
            NotFound: when the invoice is not stored.
        """
        ...

    def delivery(self, invoice: InvoiceId) -> Delivery:
        """The invoice's delivery state (V10).

        Raises:
            NotFound: when the invoice is not stored.
        """
        ...

    def undelivered(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        buyers: Predicate | None = None,
        strangers: bool = True,
    ) -> list[InvoiceId]:
        """Invoices whose original was not handed over yet, oldest issue first, then by id (V10).

        ``buyers`` (an access predicate, A8) keeps only invoices whose buyer is a stored
        company (its tax number is the buyer's key) matching it; ``strangers`` whether
        invoices of buyers that are no stored company are kept too. The filter runs in the
        storage, before the page is cut (a SQL back end joins the buyer company).
        """
        ...

    def add_order(self, order: SalesOrder) -> None:
        """Store a new sales order (V10).

        Raises:
            Duplicate: the order number is taken (names ``number``).
        """
        ...

    def orders(self, numbers: Iterable[str]) -> dict[str, SalesOrder]:
        """The orders with these numbers, in one query; unknown numbers are left out."""
        ...

    def save_order(self, order: SalesOrder) -> SalesOrder:
        """Store a changed order when ``order.version`` is the stored one; returns it with ``version + 1``.

        Raises:
            ConcurrencyConflict: a stale copy; nothing is written.
            NotFound: the order was never added.
        """
        ...

    def to_be_invoiced(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        buyers: Predicate | None = None,
        strangers: bool = True,
    ) -> list[tuple[str, OrderLine]]:
        """Order lines not fully invoiced, as ``(order number, line)``, by order number then line id (V10).

        ``buyers``/``strangers`` filter by the order's customer in the storage, as for
        :meth:`~HandOversAndOrders.undelivered` (A8).
        """
        ...


class ImportCursors(Protocol):
    """Where each invoice source's last committed import stopped (V2)."""

    def cursor(self, source: str) -> str | None:
        """The last resume cursor stored for ``source`` (a source's URL or a name), or ``None``."""
        ...

    def save_cursor(self, source: str, cursor: str) -> None:
        """Store ``cursor`` as ``source``'s resume cursor, replacing the one before (V2).

        Written in this unit of work, so it commits (or not) with the invoices it covers.

        Raises:
            ValidationError: ``source`` or ``cursor`` is empty or longer than the storage allows.
        """
        ...


class InvoiceRepository(InvoiceRecords, HandOversAndOrders, ImportCursors, Protocol):
    """Everything a storage keeps of invoices: ``uow.invoices`` (V1, V2, V10).

    Three ports in one object, because they share the invoice tables and the unit of
    work's transaction (a batch of invoices commits with its cursor and the orders it
    invoiced); code that needs only one part can take the narrower Protocol.
    """
