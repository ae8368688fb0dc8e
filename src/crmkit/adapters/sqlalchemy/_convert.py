"""Rows ↔ domain objects, through a private cattrs converter.

The domain classes are frozen, slotted attrs classes that know nothing of
SQLAlchemy. :class:`RowMapper` turns one into the flat ``dict`` a Core
``insert``/``update`` takes and a result row back into it:

* nested attrs values are flattened into prefixed columns
  (``segmentation.city`` → ``city``, ``referred_by.kind`` → ``referred_by_kind``);
  a ``None`` nested value is all-``NULL`` columns;
* enums are stored by value; UUIDs, bools and ints are passed through as is;
* datetimes are stored in UTC and always come back aware in UTC, whether the
  back end keeps a time zone (PostgreSQL) or not (SQLite, MariaDB);
* strings longer than their column raise :class:`ValidationError` naming the
  field, the same on every back end (SQLite would store them, MariaDB refuse).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

import attrs
import cattrs
import sqlalchemy as sa

from crmkit.domain.errors import ValidationError

__all__ = ["RowMapper", "converter", "utc"]

T = TypeVar("T")


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(uuid.UUID, lambda v: v)
    conv.register_structure_hook(uuid.UUID, lambda v, _: v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)))
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda v: v.value
    )
    conv.register_unstructure_hook(datetime, utc)
    conv.register_structure_hook(datetime, lambda v, _: utc(v))
    return conv


converter = _make_converter()
"""The adapter's own converter: enums by value, UUIDs as is, times normalised to UTC."""


class RowMapper(Generic[T]):
    """Maps one aggregate class to the rows of one table.

    Args:
        cls: the frozen attrs class.
        table: its table.
        nested: nested attrs field → column prefix (``{"segmentation": ""}``).
        extra: computes extra columns from the object (a folded search key ...).
    """

    def __init__(
        self,
        cls: type[T],
        table: sa.Table,
        *,
        nested: Mapping[str, str] | None = None,
        extra: Callable[[T], dict[str, Any]] | None = None,
    ) -> None:
        self.cls = cls
        self.table = table
        self._nested: dict[str, tuple[str, list[str]]] = {}
        self._extra = extra
        self._field_of: dict[str, str] = {}
        self._optional: frozenset[str] = frozenset()
        for field in attrs.fields(attrs.resolve_types(cast(Any, cls))):
            prefix = (nested or {}).get(field.name)
            if prefix is None:
                self._field_of[field.name] = field.name
                continue
            inner_type = _attrs_class(field.type)
            inner = [f.name for f in attrs.fields(inner_type)]
            self._nested[field.name] = (prefix, inner)
            if _is_optional(field.type):
                self._optional |= {field.name}
            for name in inner:
                self._field_of[prefix + name] = f"{field.name}.{name}"
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
        for name, (prefix, inner) in self._nested.items():
            value = row.pop(name)
            for key in inner:
                row[prefix + key] = None if value is None else value[key]
        if self._extra is not None:
            row.update(self._extra(item))
        for column, length, field in self._limits:
            value = row.get(column)
            if isinstance(value, str) and len(value) > length:
                raise ValidationError(field, f"is longer than {length} characters")
        return row

    def from_row(self, row: Mapping[Any, Any]) -> T:
        """Rebuild the domain object from a result row (``row._mapping``)."""
        data = {key: row[key] for key in self._field_of}
        for name, (prefix, inner) in self._nested.items():
            values = {key: data.pop(prefix + key) for key in inner}
            if name in self._optional and all(v is None for v in values.values()):
                data[name] = None
            else:
                data[name] = values
        return converter.structure(data, self.cls)


def _is_optional(annotation: Any) -> bool:
    return type(None) in getattr(annotation, "__args__", ())


def _attrs_class(annotation: Any) -> type[Any]:
    candidates = [a for a in getattr(annotation, "__args__", (annotation,)) if attrs.has(a)]
    if len(candidates) != 1:
        raise TypeError(f"cannot flatten a field of type {annotation!r}")
    found: type[Any] = candidates[0]
    return found
