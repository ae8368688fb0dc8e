"""M4 erasure inside files and within length limits (issue 11): pure domain rules."""

from __future__ import annotations

import gzip
import io
import re
import zipfile

import pytest

from crmkit.domain import erasure_files
from crmkit.domain.erasure import ERASED_NOTICE, erased_document, same_person
from crmkit.domain.erasure_files import DocumentAction, document_place, erased_bytes
from crmkit.domain.erasure_text import ERASED_SHORT, WrittenPhone, scrub_text, scrubber


def _pattern() -> re.Pattern[str]:
    pattern = scrubber(("Ali Can", "ali.can@ornek.com.tr"), (WrittenPhone("90", "5321234567"),))
    assert pattern is not None
    return pattern


PATTERN = _pattern()


def test_scrub_text_keeps_within_the_limit_by_writing_the_short_marker() -> None:
    assert scrub_text("Ali Can geldi", PATTERN, limit=100) == "[erased] geldi"
    assert scrub_text("Ali Can geldi", PATTERN, limit=13) == f"{ERASED_SHORT} geldi"
    # occurrences as long as the marker keep it; the text never grows
    text = "Ali Can Ali Can Ali Can 05321234567"
    assert scrub_text(text, PATTERN, limit=len(text)) == "[erased] [erased] [erased] [erased]"
    assert scrub_text(text, PATTERN, limit=len(text) - 1) == "[-] [-] [-] [erased]"
    assert scrub_text("x" * 10 + " Ali Can", PATTERN, limit=5) == "xxxxx"  # already too long: cut


def test_a_corrupt_archive_is_an_opaque_binary_file() -> None:
    broken = b"\x1f\x8b" + b"Ali Can"  # gzip magic, not gzip
    assert erased_bytes("a.gz", "application/gzip", broken, PATTERN) == ERASED_NOTICE
    assert erased_bytes("a.zip", "application/zip", b"PK\x03\x04 junk", PATTERN) is None


def test_an_archive_too_big_to_unpack_is_not_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "Ali Can " * 200)
    monkeypatch.setattr(erasure_files, "MAX_UNPACKED", 1000)
    assert erased_bytes("a.zip", "application/zip", out.getvalue(), PATTERN) is None
    monkeypatch.setattr(erasure_files, "MAX_UNPACKED", 10_000)
    assert erased_bytes("a.zip", "application/zip", out.getvalue(), PATTERN) is not None


def test_a_gzip_document_keeps_its_type_and_its_inner_text_loses_the_values() -> None:
    new = erased_document("not.csv.gz", "application/gzip", gzip.compress(b"ad;Ali Can\n"), PATTERN)
    assert new is not None
    assert (new[0], new[1], gzip.decompress(new[2])) == ("not.csv.gz", "application/gzip", b"ad;[erased]\n")
    assert erased_document("k.gz", "application/gzip", gzip.compress(b"katalog"), PATTERN) is None


def test_same_person_needs_a_shared_address_never_just_a_name() -> None:
    phones = [WrittenPhone("90", "5321234567")]
    assert same_person(None, "+90 (532) 123-45-67", [], phones)
    assert same_person(" ALI.CAN@ornek.com.tr", None, ["ali.can@ornek.com.tr"], [])
    assert not same_person("ali@baska.com", "+905321234568", ["ali.can@ornek.com.tr"], phones)
    assert not same_person(None, "0532 123 45 670", [], phones)  # a longer number is another
    assert not same_person(None, None, ["ali.can@ornek.com.tr"], phones)


def test_the_report_place_of_document_work() -> None:
    assert document_place(DocumentAction.DELETE, False) == "documents_pending"
    assert document_place(DocumentAction.REPLACE, True) == "document_contents"
