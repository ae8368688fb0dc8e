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

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import attrs

from crmkit.domain.invoices import Invoice

__all__ = ["InvoiceSource", "SourceRecord"]


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
