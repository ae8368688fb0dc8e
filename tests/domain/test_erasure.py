"""M4: which texts an erasure finds and what it leaves; the consent token; who may erase."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.employees import Employee, Position
from crmkit.domain.erasure import (
    ERASED,
    ERASED_NOTICE,
    WrittenPhone,
    consent_token,
    erased_contact,
    erased_document,
    erasure_phones,
    erasure_values,
    person_buyer,
    scrub_text,
    scrubber,
)
from crmkit.domain.erasure_text import anchors, phone_like
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.parties import Contact
from crmkit.domain.permissions import may_erase_contact
from crmkit.validation import phone_parts

CONTACT = Contact(
    id=ContactId(uuid.UUID(int=7)),
    company_id=CompanyId(uuid.UUID(int=1)),
    name="Ali Can",
    title="Satınalma",
    phone="+905321234567",
    email="ali.can@ornek.com.tr",
)


def test_m4_values_are_the_name_and_email_now_and_earlier_and_phones_apart() -> None:
    earlier = [
        ("email", "eski@ornek.com.tr"),
        ("title", "Satınalma"),
        ("name", "Al"),
        ("name", ERASED),
        ("phone", "+905551112233"),
    ]
    assert set(erasure_values(CONTACT, earlier)) == {
        "Ali Can",
        "ali.can@ornek.com.tr",
        "eski@ornek.com.tr",
    }  # a title names no one; a two-letter name would erase half the database
    assert erasure_phones(CONTACT, earlier) == ("+905321234567", "+905551112233")  # matched by digits


PHONE = WrittenPhone("90", "5321234567")
PATTERN = scrubber(erasure_values(CONTACT), (PHONE,))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ali Can'ı aradım", "[erased]'ı aradım"),
        ("ALI CAN geldi", "[erased] geldi"),
        ("ALİ CAN ve alı  can geldi", "[erased] ve [erased] geldi"),
        ("Ali Canan geldi", "Ali Canan geldi"),
        ("tel: 05321234567.", "tel: [erased]."),
        ("tel: +905321234567 / 905321234567", "tel: [erased] / [erased]"),
        ("tel: 0532 123 45 67, +90 (532) 123-45-67", "tel: [erased], [erased]"),
        ("tel: (0532) 123 45 67; 0090 532 1234567; 532.123.45.67", "tel: [erased]; [erased]; [erased]"),
        (
            "başka: 0532 123 45 678, 0212 123 45 67, 15321234567",
            "başka: 0532 123 45 678, 0212 123 45 67, 15321234567",
        ),
        ("yaz: ali.can@ornek.com.tr, bekle", "yaz: [erased], bekle"),
        ("yaz: ALI.CAN@ORNEK.COM.TR", "yaz: [erased]"),
        ("", ""),
    ],
)
def test_m4_values_are_erased_as_whole_words_in_the_shapes_people_write_them(
    text: str, expected: str
) -> None:
    assert scrub_text(text, PATTERN) == expected


def test_m4_phone_parts_split_a_stored_number_for_the_pattern() -> None:
    assert phone_parts("+905321234567") == ("90", "5321234567")
    assert scrub_text("call 0532-123-4567", scrubber((), (WrittenPhone(*phone_parts("+905321234567")),))) == (
        "call [erased]"
    )


_SPELLINGS = {"i": "iıIİ", "s": "sşSŞ", "c": "cçCÇ", "g": "gğGĞ", "o": "oöOÖ", "u": "uüUÜ"}


@st.composite
def _written(draw: st.DrawFn) -> tuple[str, str]:
    """A value and a text holding it as someone wrote it: other case, other Turkish letters, spacing."""
    words = draw(
        st.lists(st.text("abcçdegğhıiİklmnoöprsştuüvyz", min_size=2, max_size=8), min_size=1, max_size=3)
    )
    value = " ".join(words)
    written = []
    for char in value:
        base = next((b for b, spellings in _SPELLINGS.items() if char in spellings), None)
        if char == " ":
            written.append(draw(st.sampled_from([" ", "  ", "\n"])))
        elif base is not None:
            written.append(draw(st.sampled_from(_SPELLINGS[base])))
        else:
            written.append(draw(st.sampled_from([char.lower(), char.upper()])))
    before, after = draw(st.sampled_from(["", "Not: ", "("])), draw(st.sampled_from(["", ".", " aradı"]))
    return value, before + "".join(written) + after


@given(_written())
def test_m4_every_written_shape_matches_and_passes_the_sql_prefilter(case: tuple[str, str]) -> None:
    """What the pattern erases, the SQL ``LIKE`` prefilter lets through: each anchor is in the text."""
    value, text = case
    pattern = scrubber((value,))
    assert pattern is not None and pattern.search(text), (value, text)
    lowered = "".join(ch.lower() if ch.isascii() else ch for ch in text)
    assert all(anchor in lowered for anchor in anchors(value)), (value, text, anchors(value))


@given(
    st.from_regex(r"\A5[0-9]{9}\Z"),
    st.lists(st.sampled_from(["", " ", "-", ".", "/", " (", ") "]), min_size=10, max_size=10),
    st.sampled_from(["", "0", "+90", "+90 ", "0090 ", "90", "(0"]),
)
def test_m4_a_phone_with_any_separators_matches_and_passes_the_sql_prefilter(
    national: str, separators: list[str], prefix: str
) -> None:
    written = prefix + "".join(d + s for d, s in zip(national, [*separators[:9], ""], strict=True))
    phone = WrittenPhone("90", national)
    assert scrub_text(f"Tel {written} ara", scrubber((), (phone,))).startswith("Tel [erased]")
    like = re.compile(".*".join(re.escape(part) for part in phone_like(phone).split("%")), re.DOTALL)
    assert like.fullmatch(written)


def test_m4_a_person_buyer_is_a_tckn_or_no_number_and_a_vkn_is_not() -> None:
    assert person_buyer("10000000146", "TCKN") and person_buyer("10000000146", None)
    assert person_buyer(None, None) and person_buyer("", None)
    assert not person_buyer("1234567890", "VKN") and not person_buyer("1234567890", None)
    assert not person_buyer("10000000146", "VKN")
    assert person_buyer("1234567890", "tckn")  # the scheme says so (its length is a warning, V1)


def test_m4_documents_text_is_scrubbed_in_its_encoding_binary_is_replaced() -> None:
    assert erased_document("a.txt", "text/plain", b"Ali Can", None) is None
    assert erased_document("a.txt", "text/plain", b"Ali Can: 0532 123 45 67", PATTERN) == (
        "a.txt",
        "text/plain",
        b"[erased]: [erased]",
    )
    utf16 = b"\xff\xfe" + "ALİ CAN".encode("utf-16-le")
    assert erased_document("b.csv", "text/csv", utf16, PATTERN) == (
        "b.csv",
        "text/csv",
        b"\xff\xfe" + "[erased]".encode("utf-16-le"),
    )
    assert erased_document("Ali Can.pdf", "application/pdf", b"%PDF ali.can@ornek.com.tr", PATTERN) == (
        "[erased].pdf",
        "text/plain; charset=utf-8",
        ERASED_NOTICE,
    )
    assert erased_document("c.pdf", "application/pdf", b"%PDF \x00\xff katalog", PATTERN) is None
    assert erased_document("c.xml", "application/xml", b"\xff\xfe\x00", PATTERN) is None


def test_m4_the_record_keeps_id_company_and_version_but_no_personal_field() -> None:
    erased = erased_contact(CONTACT)
    assert (erased.id, erased.company_id, erased.version) == (CONTACT.id, CONTACT.company_id, CONTACT.version)
    assert (erased.name, erased.title, erased.position_type, erased.phone, erased.email) == (
        ERASED,
        None,
        None,
        None,
        None,
    )


def test_m4_the_consent_token_is_keyed_by_the_erasure_and_hides_the_address() -> None:
    one, two = uuid.UUID(int=1), uuid.UUID(int=2)
    token = consent_token("+905321234567", one)
    assert token == consent_token("+905321234567", one)  # provable by whoever holds address and erasure id
    assert token != consent_token("+905321234567", two)
    assert token != consent_token("+905321234568", one)
    assert "5321234567" not in token and token.startswith("erased:")


@pytest.mark.parametrize(
    ("position", "allowed"),
    [
        (Position.ADMIN, True),
        (Position.ADMIN_MANAGER, True),
        (Position.MANAGER, False),
        (Position.EMPLOYEE, False),
    ],
)
def test_m4_only_admins_erase(position: Position, allowed: bool) -> None:
    actor = Employee(
        id=EmployeeId(uuid.UUID(int=3)),
        name="Zeynep",
        position=position,
        hired_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    decision = may_erase_contact(actor)
    assert (decision.allowed, decision.rule) == (allowed, "M4")
