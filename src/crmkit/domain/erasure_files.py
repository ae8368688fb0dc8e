"""Erasure inside stored files (SPEC M4, C10): text, binary and compressed documents, and their rewrite.

A document other than the contact's own loses the erased values
(:func:`erased_document`):

* its **name** loses them (within :data:`~crmkit.domain.limits.FILE_NAME_MAX`);
* a **text** file (``text/*``, JSON, XML, CSV, YAML; UTF-8 or with a UTF-16
  byte-order mark) loses them from its text, in its own encoding;
* a **compressed** file — gzip, bzip2, xz, or a zip archive (and so the zip-based
  office formats: ``.docx``, ``.xlsx``, ``.odt``) — is opened, each member is
  treated by these same rules (a member's type is guessed from its name; an
  archive inside an archive is opened too, :data:`MAX_DEPTH` deep), and it is
  packed again the way it was packed (each zip member with its own compression,
  in its own order), so what does not show a value is kept byte for byte;
* any other **binary** file whose bytes, read as UTF-8 or Latin-1, show a value
  cannot be edited safely: its content becomes :data:`ERASED_NOTICE` (a top-level
  file's type becomes ``text/plain``).

An archive that would unpack to more than :data:`MAX_UNPACKED` bytes is not
opened (a "zip bomb") and is treated as an opaque binary file.

Rewriting documents happens outside the storage's transaction (the document store
is its own port), so it is recorded first as :class:`DocumentWork` — pending, in
the same transaction as the erasure — and marked done once written: a crash in
between leaves the work pending, never a record that claims it was done.
"""

from __future__ import annotations

import bz2
import enum
import gzip
import io
import lzma
import mimetypes
import re
import uuid
import zipfile

import attrs

from crmkit.domain.erasure_text import ERASED, scrub_text
from crmkit.domain.ids import DocumentId
from crmkit.domain.limits import FILE_NAME_MAX

__all__ = [
    "ERASED_NOTICE",
    "MAX_DEPTH",
    "MAX_UNPACKED",
    "DocumentAction",
    "DocumentWork",
    "document_place",
    "erased_bytes",
    "erased_document",
]

ERASED_NOTICE = (
    b"[erased] This file showed personal data that was erased on request (KVKK art. 7, GDPR art. 17)."
)
"""The content a binary document (or archive member) is left with when it showed an erased value."""

MAX_DEPTH = 3
"""How many archives deep an erasure looks (an archive in an archive in an archive)."""

MAX_UNPACKED = 64 * 1024 * 1024
"""The most bytes an archive may unpack to before it is treated as opaque (64 MiB)."""

_TEXT_TYPES = frozenset(
    {"application/json", "application/xml", "application/csv", "application/x-yaml", "application/yaml"}
)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_STREAMS = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
_ZIPS = (b"PK\x03\x04", b"PK\x05\x06")
_SUFFIXES = {"gzip": (".gz", ".tgz"), "bzip2": (".bz2",), "xz": (".xz",)}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _is_text_type(media_type: str) -> bool:
    kind = media_type.split(";")[0].strip().lower()
    return kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+xml", "+json"))


def _decoded(content: bytes, media_type: str) -> tuple[str, str, bytes] | None:
    """``(text, encoding, bom)`` of a text document, or ``None`` for a binary one."""
    if not _is_text_type(media_type):
        return None
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                return content[len(bom) :].decode(encoding), encoding, bom
            except UnicodeDecodeError:
                return None
    try:
        return content.decode("utf-8"), "utf-8", b""
    except UnicodeDecodeError:
        return None


def _stream(content: bytes) -> str | None:
    return next((kind for magic, kind in _STREAMS if content.startswith(magic)), None)


def _bounded(reader: io.BufferedIOBase | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile) -> bytes | None:
    """Everything ``reader`` gives, or ``None`` past :data:`MAX_UNPACKED` bytes."""
    data = reader.read(MAX_UNPACKED + 1)
    return None if len(data) > MAX_UNPACKED else data


def _unpack_stream(kind: str, content: bytes) -> bytes | None:
    source = io.BytesIO(content)
    try:
        if kind == "gzip":
            with gzip.GzipFile(fileobj=source) as reader:
                return _bounded(reader)
        if kind == "bzip2":
            with bz2.BZ2File(source) as bz2_reader:
                return _bounded(bz2_reader)
        with lzma.LZMAFile(source) as xz_reader:
            return _bounded(xz_reader)
    except (OSError, EOFError, lzma.LZMAError):
        return None


def _pack_stream(kind: str, data: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(data, mtime=0)
    if kind == "bzip2":
        return bz2.compress(data)
    return lzma.compress(data)


def _inner_name(name: str, kind: str) -> str:
    for suffix in _SUFFIXES[kind]:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
    return name


def _guess(name: str) -> str:
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def _zip_members(content: bytes) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_UNPACKED:
                return None
            return [(info, archive.read(info)) for info in infos]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return None


def _erased_zip(content: bytes, pattern: re.Pattern[str], depth: int) -> bytes | None:
    members = _zip_members(content)
    if members is None:
        return None
    dirty = False
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, data in members:
            name = scrub_text(info.filename, pattern)
            new = erased_bytes(info.filename, _guess(info.filename), data, pattern, depth + 1)
            dirty = dirty or name != info.filename or new is not None
            copy = zipfile.ZipInfo(name, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            copy.comment = info.comment
            copy.extra = info.extra
            archive.writestr(copy, data if new is None else new)
    return out.getvalue() if dirty else None


def _shows(content: bytes, pattern: re.Pattern[str]) -> bool:
    return content != ERASED_NOTICE and any(
        pattern.search(content.decode(encoding, "replace")) for encoding in ("utf-8", "latin-1")
    )


def erased_bytes(
    name: str, media_type: str, content: bytes, pattern: re.Pattern[str], depth: int = 0
) -> bytes | None:
    """The content of a file (or archive member) without the values; ``None``: unchanged (see the module).

    A binary file that shows a value gives :data:`ERASED_NOTICE`.
    """
    if depth <= MAX_DEPTH:
        kind = _stream(content)
        if kind is not None:
            inner = _unpack_stream(kind, content)
            if inner is not None:
                inner_name = _inner_name(name, kind)
                new = erased_bytes(inner_name, _guess(inner_name), inner, pattern, depth + 1)
                return None if new is None else _pack_stream(kind, new)
        elif content.startswith(_ZIPS):
            rezipped = _erased_zip(content, pattern, depth)
            if rezipped is not None or _zip_members(content) is not None:
                return rezipped
    decoded = _decoded(content, media_type)
    if decoded is None and depth > 0 and not _is_text_type(media_type):
        decoded = _plain(content)  # a member or a packed stream of unknown type that reads as text
    if decoded is not None:
        text, encoding, bom = decoded
        scrubbed = scrub_text(text, pattern)
        return None if scrubbed == text else bom + scrubbed.encode(encoding)
    return ERASED_NOTICE if _shows(content, pattern) else None


def _plain(content: bytes) -> tuple[str, str, bytes] | None:
    """UTF-8 text without control characters, or ``None``."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else (text, "utf-8", b"")


def erased_document(
    name: str, media_type: str, content: bytes, pattern: re.Pattern[str] | None
) -> tuple[str, str, bytes] | None:
    """A document's ``(name, media type, content)`` without the erased values; ``None``: unchanged (M4).

    The name loses the values; the content as ``erased_bytes`` says (see the module).
    A binary file that showed a value gets ``ERASED_NOTICE`` as its content and
    ``text/plain`` as its type; a compressed one keeps its type.
    """
    if pattern is None:
        return None
    new_name = scrub_text(name, pattern, FILE_NAME_MAX)
    new_type, new_content = media_type, content
    new = erased_bytes(name, media_type, content, pattern)
    if new is not None:
        new_content = new
        if new == ERASED_NOTICE and not _is_text_type(media_type):
            new_type = "text/plain; charset=utf-8"
    if (new_name, new_type, new_content) == (name, media_type, content):
        return None
    return new_name or ERASED, new_type, new_content


class DocumentAction(enum.Enum):
    """What an erasure does to a document (C10, M4)."""

    DELETE = "delete"
    """The contact's own document: deleted."""
    REPLACE = "replace"
    """Another record's document that showed a value: its name and content are replaced."""


@attrs.frozen(kw_only=True)
class DocumentWork:
    """One document an erasure deletes or rewrites, recorded before it is done (M4, C10).

    It is stored pending in the erasure's own transaction; the rewrite then happens in
    the document store, and it is marked done. A recovery finishes pending work
    (``crm.parties.finish_erasures``); doing it twice changes nothing.

    Attributes:
        erasure: the erasure it belongs to.
        document: the document.
        action: delete or replace.
        done: written to the document store.
        name: the new name (replace; dropped once done).
        media_type: the new media type (replace; dropped once done).
        content: the new content, without any erased value (replace; dropped once done,
            so the erasure record keeps no copy of the document).
    """

    erasure: uuid.UUID
    document: DocumentId
    action: DocumentAction
    done: bool = False
    name: str | None = None
    media_type: str | None = None
    content: bytes | None = None


def document_place(action: DocumentAction, done: bool) -> str:
    """The report's place of a document's work (M4): done or still pending, deleted or rewritten.

    >>> document_place(DocumentAction.DELETE, True), document_place(DocumentAction.REPLACE, False)
    ('documents', 'document_contents_pending')
    """
    place = "documents" if action is DocumentAction.DELETE else "document_contents"
    return place if done else f"{place}_pending"
