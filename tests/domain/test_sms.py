"""SMS encoding and part counting: GSM-7 160/153, UCS-2 70/67, Turkish letters."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.sms import GSM7_BASIC, GSM7_EXTENSION, SmsParts, is_gsm7, sms_parts

BASIC = "".join(sorted(GSM7_BASIC))
EXTENDED = "".join(sorted(GSM7_EXTENSION))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsParts("GSM-7", 0, 1)),
        ("a" * 160, SmsParts("GSM-7", 160, 1)),
        ("a" * 161, SmsParts("GSM-7", 161, 2)),
        ("a" * 306, SmsParts("GSM-7", 306, 2)),
        ("a" * 307, SmsParts("GSM-7", 307, 3)),
        ("ı" * 70, SmsParts("UCS-2", 70, 1)),
        ("ı" * 71, SmsParts("UCS-2", 71, 2)),
        ("ı" * 134, SmsParts("UCS-2", 134, 2)),
        ("ı" * 135, SmsParts("UCS-2", 135, 3)),
    ],
)
def test_single_and_concatenated_limits(text: str, expected: SmsParts) -> None:
    assert sms_parts(text) == expected


@pytest.mark.parametrize("letter", list("şŞğĞıİç"))
def test_turkish_letters_outside_the_gsm_alphabet_force_ucs2(letter: str) -> None:
    assert sms_parts(f"Sayın müşteri {letter}").encoding == "UCS-2"
    assert not is_gsm7(letter)


@pytest.mark.parametrize("letter", list("ÇöÖüÜ"))
def test_turkish_letters_in_the_gsm_alphabet_keep_gsm7(letter: str) -> None:
    assert sms_parts(f"Sayin {letter}").encoding == "GSM-7"


def test_a_single_turkish_letter_turns_a_two_part_gsm_text_into_three_ucs2_parts() -> None:
    text = "Sayin musteri, " + "x" * 140
    assert sms_parts(text) == SmsParts("GSM-7", 155, 1)
    assert sms_parts(text.replace("musteri", "müşteri")) == SmsParts("UCS-2", 155, 3)


def test_extension_characters_take_two_septets() -> None:
    assert sms_parts("€" * 80) == SmsParts("GSM-7", 160, 1)
    assert sms_parts("€" * 81) == SmsParts("GSM-7", 162, 2)
    assert sms_parts("{[~]}|^\\\f") == SmsParts("GSM-7", 18, 1)


def test_an_escaped_character_is_never_split_across_parts() -> None:
    # 152 septets, then "€" (2) would straddle the 153-septet boundary: it moves to part two.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_parts(text) == SmsParts("GSM-7", 306, 3)


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    text = "ı" * 66 + "🙂" + "ı" * 66
    assert sms_parts(text) == SmsParts("UCS-2", 134, 3)
    assert sms_parts("🙂" * 35) == SmsParts("UCS-2", 70, 1)


@given(st.text(alphabet=BASIC, max_size=1000))
def test_basic_gsm_text_parts_follow_the_formula(text: str) -> None:
    n = len(text)
    assert sms_parts(text) == SmsParts("GSM-7", n, 1 if n <= 160 else math.ceil(n / 153))


@given(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_characters=BASIC + EXTENDED), min_size=1))
def test_bmp_text_outside_gsm_parts_follow_the_formula(text: str) -> None:
    n = len(text)
    assert sms_parts(text) == SmsParts("UCS-2", n, 1 if n <= 70 else math.ceil(n / 67))


@given(st.text(max_size=400), st.text(max_size=40))
def test_appending_text_never_needs_fewer_parts_within_one_encoding(text: str, more: str) -> None:
    before, after = sms_parts(text), sms_parts(text + more)
    if before.encoding == after.encoding:
        assert after.parts >= before.parts
        assert after.units >= before.units
    assert after.parts >= 1
