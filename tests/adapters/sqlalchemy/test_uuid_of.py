"""``uuid_of``: the shortcut that reads stored ids must give exactly what ``uuid.UUID`` gives."""

from __future__ import annotations

import pickle
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.adapters.sqlalchemy._convert import uuid_of


@given(st.uuids())
def test_hex_shortcut_equals_uuid(value: uuid.UUID) -> None:
    made = uuid_of(value.hex)
    assert made == value
    assert hash(made) == hash(value)
    assert str(made) == str(value)
    assert repr(made) == repr(value)
    assert made.version == value.version
    assert made.is_safe is uuid.SafeUUID.unknown
    assert pickle.loads(pickle.dumps(made)) == value
    with pytest.raises(TypeError):
        made.int = 0  # type: ignore[misc]


@given(st.uuids())
def test_uuid_objects_and_other_spellings(value: uuid.UUID) -> None:
    assert uuid_of(value) is value
    assert uuid_of(str(value)) == value
    assert uuid_of(value.hex.upper()) == value


@pytest.mark.parametrize(
    "bad", ["z" * 32, "g" + "0" * 31, "-" + "1" * 31, "{" + "0" * 30 + "}", "", "abc", "0" * 33]
)
def test_malformed_text_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        uuid_of(bad)


@given(st.text(alphabet="0123456789abcdefABCDEFxX+-_ {}:urn\u0663\uff11", min_size=28, max_size=40))
def test_never_laxer_than_the_standard_library(text: str) -> None:
    try:
        expected = uuid.UUID(text)
    except ValueError:
        with pytest.raises(ValueError):
            uuid_of(text)
    else:
        assert uuid_of(text) == expected
