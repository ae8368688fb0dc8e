"""Reading a CSV file's lines whatever they hold (SPEC §7 V1, V2; issue 11 item 4).

:func:`records` splits the lines of :mod:`crmkit.adapters.invoices.csv` into
fields, fast for plain lines and through :func:`csv.reader` for quoted ones, and
says why a line cannot be read instead of raising: a byte the file's encoding
cannot decode (the file is opened with the :data:`UNDECODABLE` error handler,
which leaves a lone surrogate per such byte), a NUL character (PostgreSQL
refuses it), a field over the csv module's 131,072-character limit. One bad
line never stops the others. :func:`foreign_bom` tells a UTF-16/32 file read
as another encoding from its first bytes.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator

__all__ = ["FIELD_LIMIT", "UNDECODABLE", "decode_errors", "foreign_bom", "records", "register_undecodable"]


class _Continuation:
    """The lines a :func:`csv.reader` reads: the one it is given, then what follows in the file."""

    def __init__(self, handle: Iterator[str]) -> None:
        self.handle = handle
        self.first: str | None = None
        self.more = 0  # lines taken from the file after ``first``

    def __iter__(self) -> _Continuation:
        return self

    def __next__(self) -> str:
        if self.first is not None:
            line, self.first = self.first, None
            return line
        line = next(self.handle)
        self.more += 1
        return line


FIELD_LIMIT = 131_072
"""The csv module's default field size limit: a longer field is refused, not read."""
_UNDECODABLE = re.compile("[\ud800-\udfff]")
"""What :func:`_mark_undecodable` leaves for bytes the encoding cannot decode (never valid text)."""
UNDECODABLE = "crmkit.csv.undecodable"
"""The codec error handler's name under which :func:`register_undecodable` registers the marker."""


def register_undecodable() -> None:
    """Register :func:`_mark_undecodable` under :data:`UNDECODABLE` (once; at first read, not at import)."""
    try:
        codecs.lookup_error(UNDECODABLE)
    except LookupError:
        codecs.register_error(UNDECODABLE, _mark_undecodable)


_marked = [0]
"""How many decode errors :func:`_mark_undecodable` has met in this process: lines are searched for
its marks only once it has met one, so a clean file costs nothing (another file's error only
makes this one search, never miss)."""


def decode_errors() -> int:
    """How many decode errors the :data:`UNDECODABLE` handler has met in this process so far."""
    return _marked[0]


def _mark_undecodable(error: UnicodeError) -> tuple[str, int]:
    """A decode error handler: each undecodable byte becomes the lone surrogate U+DC00 + byte."""
    assert isinstance(error, UnicodeDecodeError)
    _marked[0] += 1
    bad = error.object[error.start : error.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), error.end


def _decoding_problem(line: str, encoding: str) -> str | None:
    """Why a decoded line is not text (a byte the encoding cannot decode, a NUL), or ``None``."""
    if "\0" in line:
        return f"contains a NUL character at character {line.index(chr(0)) + 1}"
    if line.isascii():
        return None
    found = _UNDECODABLE.search(line)
    if found is None:
        return None
    code = ord(found[0])
    byte = f"byte 0x{code - 0xDC00:02X}" if 0xDC00 <= code <= 0xDCFF else "a lone surrogate"
    return (
        f"{byte} at character {found.start() + 1} is not {encoding}; set the source's encoding"
        " (?encoding=cp1254 for a Turkish Windows export)"
    )


def _overlong(values: list[str]) -> str | None:
    for column, value in enumerate(values, start=1):
        if len(value) > FIELD_LIMIT:
            return f"field {column} is longer than {FIELD_LIMIT:,} characters"
    return None


def records(
    handle: Iterator[str], delimiter: str, encoding: str = "utf-8", marked: int = -1
) -> Iterator[tuple[int, list[str], str | None]]:
    """``(line number, fields, problem)`` of each record after the header (line 1).

    A line with no quote character is a record of its own whose fields the csv module would
    split exactly at the delimiter: it is split with :meth:`str.split`, several times faster
    (a field over the csv module's limit is refused the same way). Any other line, and the
    lines a quoted field runs on to, go through one :func:`csv.reader`. The number is that of
    the record's last physical line.

    ``marked`` is :func:`decode_errors` before the file's first byte was decoded: lines are
    searched for undecodable bytes only once the handler has met one since (``-1``: always).

    ``problem`` says why a record cannot be read (a byte the encoding cannot decode, a NUL,
    a field over the csv module's limit); its fields are then as split, or empty when the
    csv module could not split them. One bad line never stops the others.
    """
    feed = _Continuation(handle)
    reader = csv.reader(feed, delimiter=delimiter)
    plain = delimiter not in '"\r\n\0'
    line_no = 1
    for line in handle:
        line_no += 1
        problem = None
        if "\0" in line or (_marked[0] != marked and not line.isascii() and _UNDECODABLE.search(line)):
            problem = _decoding_problem(line, encoding)
        if plain and '"' not in line:
            stripped = line.rstrip("\r\n")
            values = stripped.split(delimiter) if stripped else []
            if problem is None and len(line) > FIELD_LIMIT:
                problem = _overlong(values)
            yield line_no, values, problem
            continue
        feed.first, feed.more = (line.replace("\0", "") if "\0" in line else line), 0
        try:
            values = next(reader)
        except StopIteration:  # pragma: no cover - a line always makes a record
            return
        except csv.Error as error:  # a quoted field over the limit, a NUL in a continued line
            line_no += feed.more
            yield line_no, [], problem or f"cannot be split into fields ({error})"
            continue
        if problem is None and feed.more:  # the lines a quoted field ran on to
            problem = _decoding_problem("\n".join(values), encoding) or _overlong(values)
        line_no += feed.more
        yield line_no, values, problem


_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def foreign_bom(start: bytes, encoding: str) -> str | None:
    """The UTF-16/32 a file's byte-order mark declares when the source reads another encoding."""
    family = encoding.lower().replace("_", "-")
    for bom, name in _BOMS:
        if start.startswith(bom):
            return None if family.startswith(name.lower()) else name
    return None
