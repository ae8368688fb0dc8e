"""The shared field validators of ``crmkit.domain.fields`` (issue 12 item 2)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.tr import tckimlik, vkn

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import (
    aware,
    aware_or_none,
    cleaned_or_none,
    nonblank,
    parse_enum,
    positive_version,
    tax_number_checksum_ok,
)


@attrs.frozen
class _Sample:
    name: str = attrs.field(validator=nonblank)
    at: datetime = attrs.field(validator=aware)
    until: datetime | None = attrs.field(default=None, validator=aware_or_none)
    version: int = attrs.field(default=1, validator=positive_version)
    note: str | None = attrs.field(default=None, converter=cleaned_or_none)


NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " ", "at": NOW}, "name"),
        ({"name": 3, "at": NOW}, "name"),
        ({"name": "a", "at": datetime(2026, 3, 2)}, "at"),
        ({"name": "a", "at": "2026-03-02"}, "at"),
        ({"name": "a", "at": NOW, "until": datetime(2026, 3, 2)}, "until"),
        ({"name": "a", "at": NOW, "version": 0}, "version"),
    ],
)
def test_each_validator_names_its_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        _Sample(**kwargs)  # type: ignore[arg-type]  # deliberately wrong types
    assert info.value.field == field


def test_valid_values_pass_and_blank_notes_become_none() -> None:
    sample = _Sample(name="a", at=NOW, until=None, note="  ")
    assert sample.note is None


class _Colour(enum.Enum):
    RED = "red"


def test_parse_enum_lists_the_choices() -> None:
    assert parse_enum(_Colour, "colour", "red") is _Colour.RED
    with pytest.raises(ValidationError, match="not one of: red") as info:
        parse_enum(_Colour, "colour", "blue")
    assert info.value.field == "colour"


@given(st.text(alphabet="0123456789", min_size=10, max_size=11))
def test_the_one_tax_number_checksum_agrees_with_python_stdnum(number: str) -> None:
    expected = (vkn if len(number) == 10 else tckimlik).is_valid(number)
    assert tax_number_checksum_ok(number) == expected
