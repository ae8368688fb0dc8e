"""Checks of the arguments ``crm.points`` takes (§7 V3–V8): days, typed values, lists and parties.

Each returns the value it was given (or its parsed form) and raises a
:class:`~crmkit.domain.errors.ValidationError` naming the field otherwise, the same
on every back end and before anything is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeVar

from crmkit.domain.errors import ValidationError
from crmkit.domain.points import PartyRef, Role

__all__ = ["FIRST_DAY", "LAST_DAY", "day", "each", "one", "party"]

T = TypeVar("T")

FIRST_DAY = date(1000, 1, 1)
"""The first business day every back end's DATE column stores."""
LAST_DAY = date(9999, 12, 31)
"""The last business day every back end's DATE column stores."""


def day(field: str, value: object) -> date:
    """``value`` if it is a business day (a ``date``, not a ``datetime``) every back end stores (V8).

    Raises:
        ValidationError: naming ``field``.
    """
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(field, f"must be a date, not {type(value).__name__}")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(field, f"must be from {FIRST_DAY} to {LAST_DAY} (got {value})")
    return value


def one(field: str, value: object, kind: type[T]) -> T:
    """``value`` if it is a ``kind``, else a ValidationError naming ``field``."""
    if not isinstance(value, kind):
        raise ValidationError(field, f"must be a {kind.__name__}, not {type(value).__name__}")
    return value


def each(field: str, values: object, kind: type[T]) -> list[T]:
    """``values`` as a list if it is a sequence of ``kind``, else a ValidationError naming ``field``."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError(field, f"must be a list of {kind.__name__}, not {type(values).__name__}")
    return [one(field, value, kind) for value in values]


def party(role: Role | str, key: str) -> PartyRef:
    """The party with ``role`` (a :class:`~crmkit.domain.points.Role` or its value) and ``key``.

    Raises:
        ValidationError: on ``role`` when it is not a role; on ``party`` when ``key`` is bad.
    """
    try:
        parsed = Role(role)
    except ValueError:
        raise ValidationError("role", f"{role!r} is not one of: customer, dealer, sales_person") from None
    return PartyRef(role=parsed, key=key)  # a bad key names ``party``
