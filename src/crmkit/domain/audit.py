"""The audit trail (C12): who changed which record, when, and what changed.

Storage adapters write an :class:`AuditEntry` in the same transaction as
every committed change; the values here are pure and shared by all
adapters so they agree on what a "change" is.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["SECRET_FIELDS", "AuditEntry", "FieldChange", "audit_fields", "diff_fields"]

SECRET_FIELDS: frozenset[str] = frozenset({"password_hash", "portal_password_hash"})
"""Fields whose values never reach the audit trail (only that they changed)."""


@attrs.frozen
class FieldChange:
    """One field's old and new value, as text (``None`` for no value)."""

    field: str
    old: str | None
    new: str | None


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One committed change to one record (C12).

    Attributes:
        actor_id: who made the change (an employee id as text), ``None`` for the system.
        at: when (aware).
        aggregate_type: ``"company"``, ``"employee"`` ...
        aggregate_id: the record's id as text.
        version: the record's version after the change.
        action: ``"create"``, ``"update"`` or ``"delete"``.
        changes: the fields that changed.
    """

    actor_id: str | None
    at: datetime
    aggregate_type: str
    aggregate_id: str
    version: int
    action: str
    changes: tuple[FieldChange, ...]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | int | str | bool):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_text(v) or "" for v in value) + "]"
    return str(value)


def _flatten(entity: object, *, mask: bool) -> dict[str, str | None]:
    flat: dict[str, str | None] = {}

    def walk(prefix: str, obj: Any) -> None:
        for field in attrs.fields(type(obj)):
            name = prefix + field.name
            value = getattr(obj, field.name)
            if name == "version":
                continue
            if attrs.has(type(value)):
                walk(name + ".", value)
            elif mask and field.name in SECRET_FIELDS:
                flat[name] = None if value is None else "***"
            else:
                flat[name] = _text(value)

    walk("", entity)
    return flat


def audit_fields(entity: object) -> dict[str, str | None]:
    """Flatten an attrs entity into ``{"field": text}``; nested attrs values become ``a.b``.

    The ``version`` field is left out (the entry carries it) and secrets are masked.
    """
    return _flatten(entity, mask=True)


def diff_fields(old: object | None, new: object | None) -> tuple[FieldChange, ...]:
    """The field changes from ``old`` to ``new`` (either may be ``None`` for create/delete).

    Secrets are compared by their real values but shown masked, so a changed
    password hash is recorded as ``*** → ***``: the trail says *that* it changed.
    """
    before = audit_fields(old) if old is not None else {}
    after = audit_fields(new) if new is not None else {}
    raw_before = _flatten(old, mask=False) if old is not None else {}
    raw_after = _flatten(new, mask=False) if new is not None else {}
    names = list(after) + [n for n in before if n not in after]
    return tuple(
        FieldChange(n, before.get(n), after.get(n)) for n in names if raw_before.get(n) != raw_after.get(n)
    )
