"""Money: Decimal amounts with an ISO 4217 currency (issue 2, domain kernel)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.money import CurrencyMismatch, Money, minor_units, to_decimal


def test_amounts_are_decimal_and_keep_exact_cents() -> None:
    total = Money("10.10", "TRY") + Money("0.20", "TRY")
    assert total == Money(Decimal("10.30"), "TRY")
    assert isinstance(total.amount, Decimal)
    assert str(total) == "10.30 TRY"


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan")])
def test_floats_are_refused_naming_the_field(value: float) -> None:
    with pytest.raises(ValidationError) as info:
        Money(value, "TRY")
    assert info.value.field == "amount"
    assert "float" in info.value.reason


@pytest.mark.parametrize("value", [True, "abc", "", None, object()])
def test_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        to_decimal(value, "price")
    assert info.value.field == "price"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", Decimal("NaN"), Decimal("sNaN")])
def test_non_finite_amounts_are_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="finite"):
        to_decimal(value)


@pytest.mark.parametrize(("value", "expected"), [(5, "5"), (" 12.50 ", "12.50"), ("-0.001", "-0.001")])
def test_ints_and_strings_are_converted(value: object, expected: str) -> None:
    assert to_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("code", ["TL", "XYZ", "TRL", "", 949, None])
def test_unknown_currency_codes_are_refused(code: object) -> None:
    with pytest.raises(ValidationError) as info:
        Money("1", code)
    assert info.value.field == "currency"


def test_currency_code_is_upper_cased() -> None:
    assert Money("1", "try").currency == "TRY"


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_raises(operation: object) -> None:
    assert callable(operation)
    with pytest.raises(CurrencyMismatch) as info:
        operation(Money("1", "TRY"), Money("1", "EUR"))
    assert info.value.field == "currency"
    assert "TRY" in info.value.reason and "EUR" in info.value.reason


def test_currency_mismatch_is_a_validation_error() -> None:
    assert issubclass(CurrencyMismatch, ValidationError)


def test_combining_with_a_plain_number_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Money("1", "TRY") + 1  # type: ignore[operator]  # deliberately wrong operand


def test_total_of_nothing_is_zero_and_total_refuses_other_currencies() -> None:
    assert Money.total([], "TRY") == Money.zero("TRY")
    assert Money.total([Money("1.5", "TRY"), Money("2", "TRY")], "TRY") == Money("3.5", "TRY")
    with pytest.raises(CurrencyMismatch):
        Money.total([Money("1", "USD")], "TRY")


def test_multiplication_by_decimal_or_int_but_never_float() -> None:
    assert Money("2.50", "TRY") * 3 == Money("7.50", "TRY")
    assert 3 * Money("2.50", "TRY") == Money("7.50", "TRY")
    assert Money("10", "TRY") * Decimal("0.18") == Money("1.80", "TRY")
    with pytest.raises(ValidationError) as info:
        Money("1", "TRY") * 0.5  # type: ignore[operator]  # floats are refused
    assert info.value.field == "factor"


def test_negation_and_zero() -> None:
    assert -Money("3.20", "TRY") == Money("-3.20", "TRY")
    assert Money.zero("JPY").is_zero()
    assert not Money("0.01", "TRY").is_zero()


@pytest.mark.parametrize(("currency", "places"), [("TRY", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3)])
def test_minor_units(currency: str, places: int) -> None:
    assert minor_units(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "TRY", "10.00"),  # half to even: 0 stays
        ("10.015", "TRY", "10.02"),  # half to even: 1 goes up to 2
        ("10.0251", "TRY", "10.03"),
        ("-2.345", "EUR", "-2.34"),
        ("1234.5", "JPY", "1234"),
        ("1235.5", "JPY", "1236"),
        ("1.23456", "KWD", "1.235"),
        ("7", "TRY", "7.00"),
    ],
)
def test_rounding_follows_the_minor_unit_half_to_even(amount: str, currency: str, expected: str) -> None:
    rounded = Money(amount, currency).rounded()
    assert rounded.amount == Decimal(expected)
    assert rounded.amount.as_tuple().exponent == -minor_units(currency)
    assert rounded.currency == currency


def test_comparisons_within_one_currency() -> None:
    assert Money("1.00", "TRY") == Money("1", "TRY")
    assert Money("1", "TRY") < Money("1.01", "TRY") <= Money("1.01", "TRY")
    assert Money("2", "TRY") > Money("1", "TRY") >= Money("1", "TRY")
    assert Money("1", "TRY") != Money("1", "EUR")


def test_money_is_frozen_and_hashable() -> None:
    price = Money("1", "TRY")
    with pytest.raises(AttributeError):
        price.amount = Decimal(2)  # type: ignore[misc]  # frozen on purpose
    assert len({Money("1.0", "TRY"), Money("1.00", "TRY")}) == 1


def test_arithmetic_keeps_every_digit_beyond_28_significant_digits() -> None:
    big = Money(Decimal("1e20"), "TRY") + Money(Decimal("1e-9"), "TRY")
    assert big.amount == Decimal("100000000000000000000.000000001")
    assert (big - Money(Decimal("1e20"), "TRY")).amount == Decimal("1e-9")


def test_rounding_a_30_digit_amount_does_not_raise() -> None:
    amount = Money("12345678901234567890123456789.125", "TRY").rounded()
    assert amount.amount == Decimal("12345678901234567890123456789.12")
