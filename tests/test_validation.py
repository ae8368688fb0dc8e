"""Input validation: phones to E.164, e-mail syntax, VKN/TCKN checksums (issue 2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.errors import ValidationError
from crmkit.testing.strategies import phones, tax_numbers
from crmkit.validation import normalize_email, normalize_phone, normalize_tax_no

# -- phones --------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "0532 123 45 67",
        "+90 532 123 4567",
        "(0532) 1234567",
        "05321234567",
        "532 123 45 67",
        "+90 (532) 123-45-67",
        "0090 532 123 45 67",
        "+905321234567",
    ],
)
def test_turkish_forms_normalise_to_e164(typed: str) -> None:
    assert normalize_phone(typed) == "+905321234567"


def test_landline_with_area_code() -> None:
    assert normalize_phone("0212 555 12 34") == "+902125551234"


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("0151 23456789", "de", "+4915123456789"),
        ("(212) 555-0100", "US", "+12125550100"),
        ("+90 532 123 45 67", "DE", "+905321234567"),  # a country code wins over the region
    ],
)
def test_default_region_is_configurable(typed: str, region: str, expected: str) -> None:
    assert normalize_phone(typed, region=region) == expected


def test_a_german_local_number_is_not_turkish() -> None:
    with pytest.raises(ValidationError):
        normalize_phone("030 1234567")  # read as Turkish, area code 030 does not exist


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "abc",
        "0532 123",
        "0532 123 45 67 89 01",
        "+90 000 000 00 00",
        "12",
        "+90 532 123 45 67 ext",
    ],
)
def test_malformed_phones_raise_naming_the_field(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_phone(typed, field="contact.phone")
    assert info.value.field == "contact.phone"
    assert repr(typed) in info.value.reason


def test_phone_field_defaults_to_phone() -> None:
    with pytest.raises(ValidationError) as info:
        normalize_phone("abc")
    assert info.value.field == "phone"


@given(phones(), st.sampled_from(["0{a} {b} {c} {d}", "+90 {a} {b}{c}{d}", "({a}) {b}-{c}-{d}"]))
def test_generated_mobiles_are_valid_and_survive_local_forms(e164: str, template: str) -> None:
    national = e164[3:]
    typed = template.format(a=national[:3], b=national[3:6], c=national[6:8], d=national[8:])
    assert normalize_phone(e164) == e164
    assert normalize_phone(typed) == e164


# -- e-mail --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ayse@example.com", "ayse@example.com"),
        ("  ayse.yilmaz@ornek.com.tr ", "ayse.yilmaz@ornek.com.tr"),
        ("Ayse@EXAMPLE.COM", "Ayse@example.com"),
        ("satış@örnek.com.tr", "satış@örnek.com.tr"),
    ],
)
def test_valid_emails_are_normalised(typed: str, expected: str) -> None:
    assert normalize_email(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "ayse", "ayse@", "@example.com", "ayse@@example.com", "ay se@example.com"]
)
def test_invalid_emails_raise_naming_the_field(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_email(typed, field="contact.email")
    assert info.value.field == "contact.email"
    assert "not a valid e-mail address" in info.value.reason


def test_no_dns_lookup_is_needed() -> None:
    assert normalize_email("kisi@bu-alan-adi-yok.example") == "kisi@bu-alan-adi-yok.example"


# -- tax numbers ---------------------------------------------------------------


@pytest.mark.parametrize("number", ["1234567890", "9205121120", "0000000019"])
def test_valid_vkn_passes(number: str) -> None:
    assert normalize_tax_no(number) == number


@pytest.mark.parametrize("number", ["10000000146", "12345678950"])
def test_valid_tckn_passes(number: str) -> None:
    assert normalize_tax_no(number) == number


def test_spaces_are_ignored() -> None:
    assert normalize_tax_no(" 123 456 7890 ") == "1234567890"


@pytest.mark.parametrize(("number", "kind"), [("1234567891", "VKN"), ("10000000147", "TCKN")])
def test_a_wrong_checksum_raises_naming_the_field(number: str, kind: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_tax_no(number, field="company.tax_no")
    assert info.value.field == "company.tax_no"
    assert f"not a valid {kind}" in info.value.reason
    assert "checksum" in info.value.reason.lower()


def test_tckn_cannot_start_with_zero() -> None:
    with pytest.raises(ValidationError, match="TCKN"):
        normalize_tax_no("01234567890")


@pytest.mark.parametrize("number", ["", "123456789", "123456789012", "1234"])
def test_wrong_lengths_raise(number: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_tax_no(number)
    assert info.value.field == "tax_no"
    assert "10-digit VKN" in info.value.reason


@pytest.mark.parametrize("number", ["12345678AB", "1234-56789"])
def test_non_digits_raise(number: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_tax_no(number)
    assert info.value.field == "tax_no"


@given(tax_numbers())
def test_generated_tax_numbers_pass(number: str) -> None:
    assert normalize_tax_no(number) == number


@given(tax_numbers(), st.data())
def test_changing_any_single_digit_breaks_the_checksum(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(number) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    broken = number[:position] + digit + number[position + 1 :]
    with pytest.raises(ValidationError):
        normalize_tax_no(broken)
