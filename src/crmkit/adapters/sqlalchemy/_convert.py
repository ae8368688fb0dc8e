"""Rows ↔ domain objects, through a private cattrs converter.

The domain classes are frozen, slotted attrs classes that know nothing of
SQLAlchemy. :class:`RowMapper` turns one into the flat ``dict`` a Core
``insert``/``update`` takes and a result row back into it:

* nested attrs values are flattened into prefixed columns
  (``segmentation.city`` → ``city``, ``referred_by.kind`` → ``referred_by_kind``);
  a ``None`` nested value is all-``NULL`` columns;
* enums are stored by value; UUIDs, bools and ints are passed through as is;
* datetimes are stored in UTC and come back aware, whether the back end keeps a
  time zone (PostgreSQL) or not (SQLite, MariaDB): at the UTC offset they were
  given in where the table keeps it beside them (``<time>_offset``, V1), else in UTC;
* strings longer than their column raise :class:`ValidationError` naming the
  field, the same on every back end (SQLite would store them, MariaDB refuse);
* loading does not re-run the domain classes' converters and validators: the
  values were checked when they were written, and re-checking every row made
  reading 2.4× slower than a plain Core query. Each field gets a precompiled
  loader (enum by value, UUID, UTC datetime; anything else through cattrs) and
  the object is assembled directly.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

import attrs
import cattrs
import sqlalchemy as sa

from crmkit.adapters.slots import compile_function, slot_setter
from crmkit.domain.errors import ValidationError

__all__ = ["OFFSET_SUFFIX", "RowMapper", "converter", "local", "offset_of", "utc", "uuid_of", "uuids_of"]

T = TypeVar("T")


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def offset_of(value: datetime) -> int | None:
    """The UTC offset of an aware ``value`` in whole seconds, to store beside its UTC instant.

    >>> from datetime import timedelta, timezone
    >>> offset_of(datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=3))))
    10800
    """
    offset = value.utcoffset()
    return None if offset is None else int(offset.total_seconds())


@functools.lru_cache(maxsize=64)
def _zone(seconds: int) -> timezone:
    return UTC if seconds == 0 else timezone(timedelta(seconds=seconds))


def local(value: datetime, offset: int | None) -> datetime:
    """A stored UTC time back at the offset it was written with (``None``: UTC).

    The same instant, with the local date and time the domain gave it (V1: an
    invoice issued at 00:30 Istanbul time keeps its day on every back end).

    >>> local(datetime(2025, 12, 31, 21, 30), 10800).isoformat()
    '2026-01-01T00:30:00+03:00'
    """
    instant = utc(value)
    return instant if not offset else instant.astimezone(_zone(offset))


OFFSET_SUFFIX = "_offset"
"""Suffix of the integer column holding a time column's UTC offset in seconds (``at`` → ``at_offset``)."""

_new = object.__new__
_set = object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown


def uuid_of(value: Any) -> uuid.UUID:
    """A UUID read from a column: as is when the driver made one, else from 32 hex digits.

    Stored ids come back as 32-character hex strings on SQLite and MariaDB; building
    :class:`uuid.UUID` from them the usual way is half the cost of reading a 500-node
    subtree, so a 32-character string that ``int(…, 16)`` takes as a non-negative
    number takes a shortcut (same value, hash and text; exactly the strings
    ``uuid.UUID`` accepts, as a property test checks). Anything else goes through
    ``uuid.UUID(str(value))`` and its checks.
    """
    if value.__class__ is str and len(value) == 32:
        try:
            number = int(value, 16)
        except ValueError:
            number = -1
        if number >= 0:
            made = _new(uuid.UUID)
            _set(made, "int", number)
            _set(made, "is_safe", _UNKNOWN)
            return made
    if value.__class__ is uuid.UUID:
        return value
    return uuid.UUID(str(value))


def uuids_of(values: Sequence[Any]) -> list[uuid.UUID]:
    """:func:`uuid_of` of every value, in order."""
    return [uuid_of(v) for v in values]


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(uuid.UUID, lambda v: v)
    conv.register_structure_hook(uuid.UUID, lambda v, _: v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)))
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda v: v.value
    )
    conv.register_unstructure_hook(datetime, utc)
    conv.register_structure_hook(datetime, lambda v, _: utc(v))
    conv.register_structure_hook(date, lambda v, _: v if type(v) is date else date.fromisoformat(str(v)[:10]))
    return conv


converter = _make_converter()
"""The adapter's own converter: enums by value, UUIDs as is, times normalised to UTC."""


class RowMapper(Generic[T]):
    """Maps one aggregate class to the rows of one table.

    An aware time field whose column ``<name>`` has a companion integer column
    ``<name>_offset`` is stored as its UTC instant plus the UTC offset (seconds) it was
    given in, and read back at that offset (:func:`local`): the same instant *and* the
    same local date and time on every back end (V1, issue 11 item 3). This holds for the
    fields of a nested value too (``validity.valid_from`` → ``valid_from_offset``).

    Args:
        cls: the frozen attrs class.
        table: its table.
        nested: nested attrs field → column prefix (``{"segmentation": ""}``).
        extra: computes extra columns from the object (a folded search key ...).
        unstored: fields kept elsewhere (another table): not written, loaded as
            their attrs default (or, with no default, given to :meth:`from_row` /
            :meth:`from_values` as ``late`` values) for the caller to fill in.
        columns: field → column, for a top-level field whose column has another name.
        offset_columns: time column → its offset column, where it is not ``<column>_offset``.
    """

    def __init__(
        self,
        cls: type[T],
        table: sa.Table,
        *,
        nested: Mapping[str, str] | None = None,
        extra: Callable[[T], dict[str, Any]] | None = None,
        unstored: Collection[str] = (),
        columns: Mapping[str, str] | None = None,
        offset_columns: Mapping[str, str] | None = None,
    ) -> None:
        self.cls = cls
        renamed = dict(columns or {})
        self.table = table
        self._nested: dict[str, tuple[str, list[str]]] = {}
        self._extra = extra
        plan: list[_Slot] = []
        self._field_of: dict[str, str] = {}
        self._optional: frozenset[str] = frozenset()
        self._unstored = tuple(unstored)
        unknown = set(self._unstored) - {f.name for f in attrs.fields(cast(Any, cls))}
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {sorted(unknown)}")
        for field in attrs.fields(attrs.resolve_types(cast(Any, cls))):
            if field.name in self._unstored:
                default = None if field.default is attrs.NOTHING else field.default  # None: given late
                plan.append(_Slot(field.name, None, field.type, unstored=True, default=default))
                continue
            prefix = (nested or {}).get(field.name)
            if prefix is None:
                column = renamed.get(field.name, field.name)
                self._field_of[column] = field.name
                plan.append(_Slot(field.name, column, field.type))
                continue
            inner_type = _attrs_class(field.type)
            inner_fields = attrs.fields(attrs.resolve_types(inner_type))
            inner = [f.name for f in inner_fields]
            self._nested[field.name] = (prefix, inner)
            if _is_optional(field.type):
                self._optional |= {field.name}
            for name in inner:
                self._field_of[prefix + name] = f"{field.name}.{name}"
            plan.append(
                _Slot(
                    field.name,
                    None,
                    inner_type,
                    [_Slot(f.name, prefix + f.name, f.type) for f in inner_fields],
                    _is_optional(field.type),
                )
            )
        self._renamed = renamed
        known = set(table.columns.keys())
        offsets: dict[str, str] = {}
        self._offsets: list[tuple[tuple[str, ...], str]] = []  # (attribute path, offset column)
        for slot in plan:
            for path, column in _time_columns(slot):
                offset = (offset_columns or {}).get(column, column + OFFSET_SUFFIX)
                if offset in known:
                    offsets[column] = offset
                    self._offsets.append((path, offset))
        self._load = _compile_loader(cls, plan, offsets=offsets)
        self._load_values = _compile_loader(
            cls, plan, {column.name: i for i, column in enumerate(table.columns)}, offsets=offsets
        )
        self._limits = [
            (column.name, column.type.length, self._field_of.get(column.name, column.name))
            for column in table.columns
            if isinstance(column.type, sa.String) and column.type.length is not None
        ]

    def field_of(self, column: str) -> str:
        """The domain field (dotted for nested values) stored in ``column``."""
        return self._field_of.get(column, column)

    def to_row(self, item: T) -> dict[str, Any]:
        """The row to store for ``item``.

        Raises:
            ValidationError: a text is longer than its column, naming the field.
        """
        row: dict[str, Any] = converter.unstructure(item)
        for name in self._unstored:
            del row[name]
        for name, column in self._renamed.items():
            row[column] = row.pop(name)
        for name, (prefix, inner) in self._nested.items():
            value = row.pop(name)
            for key in inner:
                row[prefix + key] = None if value is None else value[key]
        if self._extra is not None:
            row.update(self._extra(item))
        for path, offset_column in self._offsets:
            time: Any = item
            for attribute in path:  # a nested value's field: ``validity.valid_from``
                time = None if time is None else getattr(time, attribute)
            row[offset_column] = None if time is None else offset_of(time)
        for column, length, field in self._limits:
            value = row.get(column)
            if isinstance(value, str) and len(value) > length:
                raise ValidationError(field, f"is longer than {length} characters")
        return row

    def from_row(self, row: Mapping[Any, Any], /, **late: Any) -> T:
        """Rebuild the domain object from a result row (``row._mapping``), without re-validation.

        ``late``: values of unstored fields read elsewhere (an invoice's lines).
        """
        return cast(T, _filled(self._load(row), late))

    def from_values(self, row: Sequence[Any], /, **late: Any) -> T:
        """Rebuild the domain object from a row of ``select(table)``: values in column order."""
        return cast(T, _filled(self._load_values(row), late))


def _time_columns(slot: _Slot) -> list[tuple[tuple[str, ...], str]]:
    """``(attribute path, column)`` of every column a slot is stored in, nested values' fields included."""
    if slot.column is not None:
        return [((slot.attribute,), slot.column)]
    return [
        ((slot.attribute, *path), column) for inner in slot.inner for path, column in _time_columns(inner)
    ]


def _filled(item: Any, late: Mapping[str, Any]) -> Any:
    """``item`` with its unstored fields set from ``late`` (it was just built, never shared)."""
    for name, value in late.items():
        object.__setattr__(item, name, value)
    return item


@attrs.frozen
class _Slot:
    """One attribute to load: from a column, or a nested attrs value made of columns."""

    attribute: str
    column: str | None
    annotation: Any
    inner: list[_Slot] = attrs.field(factory=list)
    optional: bool = False
    unstored: bool = False
    default: Any = None
    """For a field not stored in the table: its attrs default (a value or an ``attrs.Factory``)."""


class _CodeGen:
    """Writes the source of a loader function, compiled by :func:`~crmkit.adapters.slots.compile_function`."""

    def __init__(self, positions: Mapping[str, int] | None, offsets: Mapping[str, str] | None = None) -> None:
        self.positions = positions
        self.offsets = offsets or {}
        self.globals: dict[str, Any] = {
            "_new": object.__new__,
            "_set": object.__setattr__,
            "_UUID": uuid.UUID,
            "_utc": utc,
            "_local": local,
            "_structure": converter.structure,
        }
        self.lines: list[str] = []

    def name_for(self, value: Any) -> str:
        name = f"_g{len(self.globals)}"
        self.globals[name] = value
        return name

    def expression(self, annotation: Any) -> str:
        """Python code turning the column value ``v`` into the field's value."""
        origin = typing.get_origin(annotation)
        if origin is typing.Union or origin is types.UnionType:
            inner = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(inner) == 1:
                code = self.expression(inner[0])
                return "v" if code == "v" else f"(None if v is None else {code})"
            return f"_structure(v, {self.name_for(annotation)})"
        while hasattr(annotation, "__supertype__"):  # NewType ids
            annotation = annotation.__supertype__
        if annotation in (str, int, bool, Decimal):
            return "v"
        if annotation is uuid.UUID:
            return "(v if v.__class__ is _UUID else _UUID(str(v)))"
        if annotation is datetime:
            return "_utc(v)"
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return f"{self.name_for(annotation)}(v)"
        return f"_structure(v, {self.name_for(annotation)})"

    def column(self, name: str) -> str:
        """Code reading column ``name`` from ``row``: by position, or by key."""
        return f"row[{self.positions[name]}]" if self.positions is not None else f"row[{name!r}]"

    def setter(self, cls: type[Any], attribute: str) -> str:
        """A global calling the slot's own descriptor (:func:`~crmkit.adapters.slots.slot_setter`)."""
        return self.name_for(slot_setter(cls, attribute))

    def fill(self, target: str, cls: type[Any], slots: list[_Slot], indent: str) -> None:
        for slot in slots:
            put = self.setter(cls, slot.attribute)
            if slot.column is not None:
                expression = self.expression(slot.annotation)
                if slot.column in self.offsets:  # an aware time read back at its own offset
                    shift = self.column(self.offsets[slot.column])
                    expression = f"(None if v is None else _local(v, {shift}))"
                if expression == "v":
                    self.lines.append(f"{indent}{put}({target}, {self.column(slot.column)})")
                else:
                    self.lines.append(f"{indent}v = {self.column(slot.column)}")
                    self.lines.append(f"{indent}{put}({target}, {expression})")
                continue
            if slot.unstored:  # not stored here: the class's own default
                default = slot.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    made = self.name_for(default.factory) + (f"({target})" if default.takes_self else "()")
                    self.lines.append(f"{indent}{put}({target}, {made})")
                else:
                    self.lines.append(f"{indent}{put}({target}, {self.name_for(default)})")
                continue
            nested = f"n_{slot.attribute}"
            body = indent
            if slot.optional:
                columns = " and ".join(f"{self.column(s.column or '')} is None" for s in slot.inner)
                self.lines.append(f"{indent}if {columns}:")
                self.lines.append(f"{indent}    {put}({target}, None)")
                self.lines.append(f"{indent}else:")
                body = indent + "    "
            self.lines.append(f"{body}{nested} = _new({self.name_for(slot.annotation)})")
            self.fill(nested, slot.annotation, slot.inner, body)
            self.lines.append(f"{body}{put}({target}, {nested})")


def _compile_loader(
    cls: type[Any],
    plan: list[_Slot],
    positions: Mapping[str, int] | None = None,
    *,
    offsets: Mapping[str, str] | None = None,
) -> Callable[[Any], Any]:
    """A function building ``cls`` from a row without calling ``__init__``.

    The row is read by column name, or by position when ``positions`` is given;
    ``offsets`` maps a time column to its offset column (read back with :func:`local`).
    """
    gen = _CodeGen(positions, offsets)
    gen.lines.append("def load(row):")
    gen.lines.append(f"    obj = _new({gen.name_for(cls)})")
    gen.fill("obj", cls, plan, "    ")
    gen.lines.append("    return obj")
    return compile_function("load", gen.lines, gen.globals)


def _is_optional(annotation: Any) -> bool:
    return type(None) in getattr(annotation, "__args__", ())


def _attrs_class(annotation: Any) -> type[Any]:
    candidates = [a for a in getattr(annotation, "__args__", (annotation,)) if attrs.has(a)]
    if len(candidates) != 1:
        raise TypeError(f"cannot flatten a field of type {annotation!r}")
    found: type[Any] = candidates[0]
    return found
