"""The shared RowMapper's fields kept in another table (issue 12 §2: one read way per direction)."""

from __future__ import annotations

import uuid

import attrs
import pytest
import sqlalchemy as sa

from crmkit.adapters.sqlalchemy._convert import RowMapper

_metadata = sa.MetaData()
_things = sa.Table("things", _metadata, sa.Column("id", sa.Uuid()), sa.Column("name", sa.String(20)))


@attrs.frozen
class _Thing:
    id: uuid.UUID
    name: str
    parts: tuple[str, ...] = ()
    tags: list[str] = attrs.field(factory=list)


def test_an_unstored_field_is_not_written_and_loads_as_its_default() -> None:
    mapper = RowMapper(_Thing, _things, unstored=("parts", "tags"))
    thing = _Thing(uuid.uuid4(), "a", ("x",), ["y"])
    row = mapper.to_row(thing)
    assert row == {"id": thing.id, "name": "a"}
    for loaded in (mapper.from_row(row), mapper.from_values([thing.id.hex, "a"])):
        assert loaded == _Thing(thing.id, "a")
    first, second = mapper.from_row(row), mapper.from_row(row)
    assert first.tags is not second.tags  # a factory default is made afresh for each object


def test_an_unstored_field_must_exist() -> None:
    with pytest.raises(TypeError, match="no field"):
        RowMapper(_Thing, _things, unstored=("nope",))


_renamed = sa.Table(
    "renamed",
    _metadata,
    sa.Column("id", sa.Uuid()),
    sa.Column("label", sa.String(20)),
    sa.Column("parts", sa.String(20)),
)


def test_an_unstored_field_without_default_is_given_late_and_a_field_may_have_its_own_column() -> None:
    """An invoice's lines come from another table; its ``references`` live in ``refs`` (§2)."""
    mapper = RowMapper(_Thing, _renamed, unstored=("tags",), columns={"name": "label"})
    thing = _Thing(uuid.uuid4(), "a", ("x",), ["y"])
    row = mapper.to_row(thing)
    assert set(row) == {"id", "label", "parts"} and row["label"] == "a"
    strict = RowMapper(_Thing, _things, unstored=("name", "parts", "tags"))
    loaded = strict.from_values([thing.id.hex], name="late")
    assert (loaded.id, loaded.name, loaded.parts) == (thing.id, "late", ())
