"""The shared RowMapper's fields kept in another table (issue 12 §2: one read way per direction)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

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


@attrs.frozen
class _Span:
    start: datetime
    end: datetime | None = None


@attrs.frozen
class _Dated:
    id: uuid.UUID
    span: _Span | None


_dated = sa.Table(
    "dated",
    _metadata,
    sa.Column("id", sa.Uuid()),
    sa.Column("start", sa.DateTime(timezone=True)),
    sa.Column("end", sa.DateTime(timezone=True)),
    sa.Column("start_offset", sa.Integer),
    sa.Column("end_offset", sa.Integer),
)


def test_v1_a_nested_values_times_keep_their_offsets() -> None:
    """V1, T4 (revision 0023): a nested value's times keep their offsets in their columns."""
    mapper = RowMapper(_Dated, _dated, nested={"span": ""})
    istanbul, kathmandu = timezone(timedelta(hours=3)), timezone(timedelta(hours=5, minutes=45))
    item = _Dated(
        uuid.uuid4(),
        _Span(datetime(2026, 1, 1, 0, 30, tzinfo=istanbul), datetime(2026, 2, 1, tzinfo=kathmandu)),
    )
    row = mapper.to_row(item)
    assert (row["start_offset"], row["end_offset"]) == (10800, 20700)
    assert row["start"] == datetime(2025, 12, 31, 21, 30, tzinfo=UTC)
    back = mapper.from_row(row)
    assert back == item
    assert back.span is not None and item.span is not None
    assert (back.span.start.utcoffset(), back.span.start.date()) == (
        timedelta(hours=3),
        item.span.start.date(),
    )
    assert back.span.end is not None and back.span.end.utcoffset() == timedelta(hours=5, minutes=45)
    empty = mapper.to_row(_Dated(item.id, None))
    assert (empty["start_offset"], empty["end_offset"]) == (None, None)
    assert mapper.from_row(empty).span is None
    open_ended = mapper.to_row(_Dated(item.id, _Span(item.span.start)))
    assert open_ended["end_offset"] is None and mapper.from_row(open_ended).span == _Span(item.span.start)
