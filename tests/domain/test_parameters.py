"""Pick-lists are data, not code (C9)."""

from __future__ import annotations

import pytest
from hypothesis import given

from crmkit.domain.errors import ValidationError
from crmkit.domain.parameters import KNOWN_PICKLISTS, PickList
from crmkit.domain.text import fold
from crmkit.testing.strategies import picklists


def test_c9_known_lists_cover_the_spec() -> None:
    for name in [
        "company_type_names",
        "departments",
        "sectors",
        "income_levels",
        "duties",
        "customer_value_classes",
        "occupation_types",
        "interaction_categories",
        "micro_region_codes",
    ]:
        assert name in KNOWN_PICKLISTS


def test_c9_values_keep_order_and_turkish_spelling() -> None:
    cities = PickList("cities", ("İzmir", "Iğdır", " Şanlıurfa ", "Çorum"))
    assert cities.values == ("İzmir", "Iğdır", "Şanlıurfa", "Çorum")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("İzmir", "izmir"),
        ("Iğdır", "IĞDIR"),
        ("ISPARTA", "ısparta"),
        ("Çorum", "corum"),
        ("Gıda  Ürünleri", "gida urunleri"),
    ],
)
def test_c9_duplicates_under_turkish_folding_are_refused(first: str, second: str) -> None:
    with pytest.raises(ValidationError) as info:
        PickList("cities", (first, "Ankara", second))
    assert info.value.field == "values[2]"
    assert "repeats" in info.value.reason


def test_c9_blank_values_and_names_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        PickList("sectors", ("Kimya", "  "))
    assert info.value.field == "values[1]"
    with pytest.raises(ValidationError) as info:
        PickList(" ", ("Kimya",))
    assert info.value.field == "name"


def test_c9_membership_and_canonical_spelling_ignore_case_and_accents() -> None:
    cities = PickList("cities", ("İstanbul", "Isparta", "Muğla"))
    assert "ISTANBUL" in cities
    assert "ısparta" in cities
    assert "mugla" in cities
    assert "Ankara" not in cities
    assert 34 not in cities
    assert cities.canonical("city", "ISTANBUL") == "İstanbul"
    assert cities.canonical("city", "ısparta") == "Isparta"


def test_c9_canonical_names_the_field_and_shows_the_list() -> None:
    cities = PickList("cities", tuple(f"Şehir {i}" for i in range(12)))
    with pytest.raises(ValidationError) as info:
        cities.canonical("segmentation.city", "Ankara")
    assert info.value.field == "segmentation.city"
    assert "cities" in info.value.reason
    assert "Şehir 9" in info.value.reason and "…" in info.value.reason
    assert "Şehir 11" not in info.value.reason


def test_c9_an_empty_list_is_allowed_and_holds_nothing() -> None:
    empty = PickList("duties")
    assert empty.values == ()
    assert "x" not in empty


@given(picklists())
def test_c9_every_value_of_a_generated_list_is_its_own_canonical_spelling(pl: PickList) -> None:
    assert len({fold(v) for v in pl.values}) == len(pl.values)
    for value in pl.values:
        assert pl.canonical("v", value.upper()) == value
        assert pl.canonical("v", value.lower()) == value
        assert pl.canonical("v", value) == value


def test_c9_a_single_string_is_not_a_list_of_values() -> None:
    with pytest.raises(ValidationError) as info:
        PickList("sectors", "Kimya")
    assert info.value.field == "values"
    assert PickList("sectors", ["Kimya", "Gıda"]).values == ("Kimya", "Gıda")
