"""Turkish text folding for search keys (issue 2: Turkish text survives everything)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given

from crmkit.domain.text import clean_text, fold
from crmkit.testing.strategies import turkish_text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("İSTANBUL", "istanbul"),
        ("ISPARTA", "ısparta"),
        ("IĞDIR", "ığdır"),
        ("ŞANLIURFA", "şanlıurfa"),
        ("Çağlayan Şişe Ürünleri", "CAGLAYAN SISE URUNLERI"),
        ("GÜMÜŞHANE", "gumushane"),
        ("Kâğıt", "KAGIT"),
        ("I\u0307STANBUL", "istanbul"),  # İ typed as I + combining dot above (NFD)
        ("  Çorum   Merkez ", "corum merkez"),
    ],
)
def test_fold_matches_the_turkish_way(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_output() -> None:
    assert fold("Çağlayan Şişe Ürünleri") == "caglayan sise urunleri"
    assert fold("İĞNE") == "igne"
    assert fold("ılık") == "ilik"
    assert fold("") == ""


def test_python_lower_alone_would_get_it_wrong() -> None:
    # Why fold exists: default Unicode lowering turns İ into i + U+0307 and I into i.
    assert "İ".lower() != "i"
    assert fold("İ") == "i"


def test_fold_keeps_distinct_words_distinct() -> None:
    assert fold("Ankara") != fold("Antalya")
    assert fold("Muğla") != fold("Muş")


def test_clean_text_normalises_to_nfc_and_collapses_space() -> None:
    decomposed = unicodedata.normalize("NFD", "Şişli  Çiçek\tEvi ")
    cleaned = clean_text(decomposed)
    assert cleaned == "Şişli Çiçek Evi"
    assert unicodedata.is_normalized("NFC", cleaned)


@given(turkish_text())
def test_fold_is_idempotent_and_ascii_for_turkish_letters(text: str) -> None:
    key = fold(text)
    assert fold(key) == key
    assert not any(ch in key for ch in "İıŞşĞğÇçÖöÜüI")
    assert fold(text.upper()) == fold(text.lower())


@given(turkish_text())
def test_clean_text_leaves_generated_text_untouched(text: str) -> None:
    assert clean_text(text) == text
