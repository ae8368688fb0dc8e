"""UBL-TR e-invoices (e-Fatura, e-Arşiv) and OASIS UBL 2.1 invoices as an invoice source (SPEC §7 V1).

``ubl-tr:///srv/efatura/inbox`` reads every ``*.xml`` file of a folder, in
file-name order; ``ubl-tr:///srv/a.xml`` one file; :class:`UblInvoiceSource`
also takes a list of paths. The cursor of a record is its file's name
(relative to the folder), so ``read(since=...)`` resumes after that file.

Profiles TEMELFATURA, TICARIFATURA, EARSIVFATURA (and any other) and every
type code (SATIS, IADE, TEVKIFAT, ISTISNA …, UBL ``380``) are read the same
way; the codes are kept as given.

**Untrusted input.** Files are parsed with :mod:`defusedxml` with DTDs
forbidden: an entity bomb, an external entity or any ``<!DOCTYPE`` fails at
once with a clear error. A file larger than ``max_bytes`` (16 MiB by default,
``?max_bytes=`` in the URL) is refused from its size before it is read, so a
1 GB file costs neither time nor memory. Neither ``xsi:schemaLocation`` nor
the ``xml-stylesheet`` instruction is ever followed.

**Traps of GİB's samples** handled here: amounts with stray spaces
(``786.90 ``), ``Percent`` written ``18``, ``18.0`` or ``20``, ``IssueTime``
with or without fractions and zone (or missing), parties identified by
``VKN``/``TCKN`` scheme ids or (generic UBL) ``PartyTaxScheme/CompanyID``.

**Per-unit taxes.** ÖTV (``0071`` …) may be given as ``cbc:PerUnitAmount``
with ``cbc:BaseUnitMeasure`` instead of a ``cbc:Percent``, on a line or on the
document: it is kept as :attr:`~crmkit.domain.invoices.Tax.per_unit_amount`
(with the base quantity and unit) and
:func:`~crmkit.domain.invoices.check_totals` checks a line's ``TaxAmount``
against quantity × per-unit amount.

The parsing lives in :mod:`~crmkit.adapters.invoices.ubl_document` (the document),
:mod:`~crmkit.adapters.invoices.ubl_lines` (lines and taxes) and
:mod:`~crmkit.adapters.invoices.ubl_xml` (safe XML); this module reads the files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from crmkit.adapters.invoices.collector import gc_option, maybe_fewer_collections
from crmkit.adapters.invoices.ubl_document import DEFAULT_TIMEZONE, parse_invoice
from crmkit.adapters.invoices.ubl_xml import UnsafeXml
from crmkit.domain.errors import ValidationError
from crmkit.ports.invoices import SourceRecord

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEZONE",
    "MAX_WORKERS",
    "PARALLEL_FROM",
    "SCHEME",
    "UblInvoiceSource",
    "UnsafeXml",
    "parse_invoice",
    "read_record",
]


SCHEME = "ubl-tr"
"""The URL scheme of this source."""
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
"""Largest file read (GİB's samples with an embedded XSLT are about 300 KB)."""
PARALLEL_FROM = 200
"""The fewest files read by worker processes when ``workers`` is not given (starting one costs ~0.3 s)."""
MAX_WORKERS = 4
"""Most parsing processes started when ``workers`` is not given."""


def read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, refused from its size when larger than ``max_bytes``.

    Raises:
        UnsafeXml: the file is too large (checked before reading, and again while reading
            in case it grows or is not a regular file).
        OSError: it cannot be read.
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise UnsafeXml("file", f"{path.name}: {size:,} bytes is over the {max_bytes:,}-byte limit; not read")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafeXml("file", f"{path.name}: over the {max_bytes:,}-byte limit; not read")
    return data


class UblInvoiceSource:
    """UBL-TR / UBL 2.1 XML files as an :class:`~crmkit.ports.invoices.InvoiceSource`.

    Args:
        paths: a folder (its ``*.xml`` files, by name) or files, in the order given.
        url: the URL it was built from (for reports).
        max_bytes: files larger than this are refused unread.
        timezone_name: zone of issue times given without one.
        workers: parsing processes; ``None``: one per CPU (at most :data:`MAX_WORKERS`) when
            there is more than one CPU and at least ``parallel_from`` files are to be read;
            ``0``: parse in this process.
        parallel_from: the fewest files worth starting workers for.
        fewer_collections: raise the garbage collector's threshold while reading
            (:mod:`crmkit.adapters.invoices.collector`; ``?gc=fewer``).

    Parsing a file costs several times more than storing its invoice, so a folder of
    many files is parsed by worker processes (``python -m crmkit.adapters.invoices.ubl_workers``)
    while this process stores what they return; records still come in file-name order,
    and a worker that cannot start or dies leaves its files to this process (see
    :mod:`crmkit.adapters.invoices.ubl_workers`).

    A record's cursor is the file's name relative to the folder (its path for a
    file list); ``read(since=cursor)`` yields the files after it.
    """

    def __init__(
        self,
        paths: Path | Sequence[Path],
        *,
        url: str = "",
        max_bytes: int = DEFAULT_MAX_BYTES,
        timezone_name: str = DEFAULT_TIMEZONE,
        workers: int | None = None,
        parallel_from: int = PARALLEL_FROM,
        fewer_collections: bool = False,
    ) -> None:
        if workers is not None and workers < 0:
            raise ValidationError("workers", f"must be 0 or more, not {workers}")
        self.workers = workers
        self.parallel_from = parallel_from
        self.fewer_collections = fewer_collections
        self._folder: Path | None = paths if isinstance(paths, Path) and paths.is_dir() else None
        self._files: list[Path] | None = (
            None if self._folder is not None else ([paths] if isinstance(paths, Path) else list(paths))
        )
        self.url = url or f"{SCHEME}://{paths if isinstance(paths, Path) else ','.join(map(str, paths))}"
        self.max_bytes = max_bytes
        self.timezone_name = timezone_name
        ZoneInfo(timezone_name)

    @classmethod
    def from_url(cls, url: str) -> UblInvoiceSource:
        """Build a source from ``ubl-tr:///folder`` or ``ubl-tr:///file.xml``.

        Query options: ``max_bytes`` (an integer), ``tz`` (an IANA zone name),
        ``workers`` (parsing processes; ``0`` parses in this process), ``gc=fewer``
        (:mod:`~crmkit.adapters.invoices.collector`).

        Raises:
            ValidationError: naming ``url`` when the path does not exist or an option is bad.
        """
        parts = urlsplit(url)
        path = Path(unquote(parts.netloc + parts.path))
        if not path.exists():
            raise ValidationError("url", f"{url}: {path} does not exist")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            max_bytes = int(options.get("max_bytes", DEFAULT_MAX_BYTES))
            zone = options.get("tz", DEFAULT_TIMEZONE)
            workers = int(options["workers"]) if "workers" in options else None
            return cls(
                path,
                url=url,
                max_bytes=max_bytes,
                timezone_name=zone,
                workers=workers,
                fewer_collections=gc_option(options, url),
            )
        except (ValueError, KeyError) as error:
            raise ValidationError("url", f"{url}: {error}") from None

    def _entries(self) -> list[tuple[str, Path]]:
        if self._folder is not None:
            names = sorted(
                entry.name
                for entry in os.scandir(self._folder)
                if entry.name.lower().endswith(".xml") and entry.is_file()
            )
            return [(name, self._folder / name) for name in names]
        assert self._files is not None
        return [(str(path), path) for path in self._files]

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Yield one record per file after the cursor ``since``, parsing lazily.

        Raises:
            ValidationError: ``since`` names no file of a file list, or is no XML file name
                (a folder resumes after a name even once its file is gone).
        """
        with maybe_fewer_collections(self.fewer_collections):
            yield from self._read(since)

    def _read(self, since: str | None) -> Iterator[SourceRecord]:
        entries = self._entries()
        if since is not None:
            if self._folder is not None:
                # a folder resumes after a name even once that file is gone; a since that is no
                # file name at all was never a cursor of this source (ports.invoices: naming since)
                if not since.lower().endswith(".xml") or any(c in since for c in "/\\\x00"):
                    raise ValidationError("since", f"{since!r} is not an XML file name of {self.url}")
                entries = [(name, path) for name, path in entries if name > since]
            else:
                names = [name for name, _ in entries]
                if since not in names:
                    raise ValidationError("since", f"{since!r} is not a file of {self.url}")
                entries = entries[names.index(since) + 1 :]
        workers = self.workers
        if workers is None:
            cpus = os.cpu_count() or 1
            many = cpus > 1 and len(entries) >= self.parallel_from  # one worker beside us does not pay
            workers = min(cpus, MAX_WORKERS) if many else 0
        if workers > 0 and entries:
            from crmkit.adapters.invoices.ubl_workers import ParsePool

            pool = ParsePool(workers, max_bytes=self.max_bytes, timezone_name=self.timezone_name)
            yield from pool.records(entries)
            return
        for name, path in entries:
            yield read_record(name, path, max_bytes=self.max_bytes, timezone_name=self.timezone_name)


def read_record(name: str, path: Path, *, max_bytes: int, timezone_name: str) -> SourceRecord:
    """The record of one file: its invoice and warnings, or why it could not be read.

    What :meth:`UblInvoiceSource.read` yields per file, in this process or in a parsing worker.
    """
    try:
        data = read_file(path, max_bytes)
        invoice, warnings = parse_invoice(data, where=name, timezone_name=timezone_name)
    except ValidationError as error:
        reason = error.reason if error.reason.startswith(name) else f"{name}: {error.reason}"
        return SourceRecord(cursor=name, location=name, error=reason)
    except OSError as error:
        return SourceRecord(cursor=name, location=name, error=f"{name}: cannot be read ({error})")
    except Exception as error:  # one bad file never stops an import: whatever the parser met, reject it
        reason = f"{name}: could not be read ({type(error).__name__}: {error})"
        return SourceRecord(cursor=name, location=name, error=reason)
    return SourceRecord(cursor=name, location=name, invoice=invoice, warnings=tuple(warnings))
