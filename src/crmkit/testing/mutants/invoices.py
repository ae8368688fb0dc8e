"""Invoice sources broken on purpose; :class:`~crmkit.testing.contracts.InvoiceSourceContract` fails each.

Every mutant wraps a working source (``Mutant(source)``) and passes reading
through except the one promise it breaks. :class:`AcceptsAnUnopenableUrl`
wraps the *building* of a source instead (``AcceptsAnUnopenableUrl(build)``),
since that is where a URL is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.ports.invoices import CURSOR_MAX, InvoiceSource, SourceRecord

__all__ = [
    "MUTANTS",
    "AcceptsAnUnopenableUrl",
    "CursorsTooLong",
    "RaisesOnABadRecord",
    "ReadsAheadOfWhatItYields",
    "ReadsEverythingAfterAnUnknownSince",
    "ReturnsTheWrongWayRound",
    "SourceMutant",
]


class SourceMutant:
    """A mutant that breaks nothing yet: passes reading to the wrapped source; subclasses break one."""

    def __init__(self, source: InvoiceSource) -> None:
        self.source = source
        self.url = source.url

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Read through the wrapped source."""
        return self.source.read(since)


class ReadsEverythingAfterAnUnknownSince(SourceMutant):
    """An unknown ``since`` silently reads the whole source again."""

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Read; a refused ``since`` reads from the start."""
        try:
            records = list(self.source.read(since))
        except ValidationError:
            records = list(self.source.read())
        yield from records


class ReadsAheadOfWhatItYields(SourceMutant):
    """Reads the whole source before yielding the first record."""

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Read everything, then yield."""
        yield from list(self.source.read(since))


class CursorsTooLong(SourceMutant):
    """Returns cursors longer than storage keeps (it packs the whole location into them)."""

    _PAD = "#" + "x" * CURSOR_MAX

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Read, with every cursor padded past CURSOR_MAX."""
        inner = since.removesuffix(self._PAD) if since is not None else None
        for record in self.source.read(inner):
            yield attrs.evolve(record, cursor=record.cursor + self._PAD)


class RaisesOnABadRecord(SourceMutant):
    """Raises at the first record that cannot be read instead of yielding it with its error."""

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Read; an error record raises."""
        for record in self.source.read(since):
            if record.error is not None:
                raise ValidationError("record", record.error)
            yield record


class ReturnsTheWrongWayRound(SourceMutant):
    """Reads a return with its seller and buyer swapped (the original's direction)."""

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Read; returns have seller and buyer swapped."""
        for record in self.source.read(since):
            invoice = record.invoice
            if invoice is not None and invoice.is_return:
                swapped = attrs.evolve(invoice, seller=invoice.buyer, buyer=invoice.seller)
                record = attrs.evolve(record, invoice=swapped)
            yield record


class AcceptsAnUnopenableUrl:
    """Builds lazily and reads nothing when the URL cannot be opened (an import of "no news")."""

    def __init__(self, build: Callable[[], InvoiceSource]) -> None:
        self._build = build
        self.url = "mutant://accepts-an-unopenable-url"

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Read the built source; a refused URL reads as empty."""
        try:
            source = self._build()
        except ValidationError:
            return
        yield from source.read(since)


MUTANTS: tuple[type[SourceMutant], ...] = (
    ReadsEverythingAfterAnUnknownSince,
    ReadsAheadOfWhatItYields,
    CursorsTooLong,
    RaisesOnABadRecord,
    ReturnsTheWrongWayRound,
)
"""The mutants that wrap a source (:class:`AcceptsAnUnopenableUrl` wraps its building)."""
