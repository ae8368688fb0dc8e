"""What the memory and SQL erasure adapters share (M4): which texts change, and how.

Both adapters walk the same places (:data:`~crmkit.ports.erasure.ERASURE_PLACES`)
and change a row exactly when these functions say so, so their reports agree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crmkit.domain.erasure import ERASED, PERSONAL_FIELDS, scrub_text
from crmkit.domain.messaging import OutboxState

__all__ = [
    "ERASED_CONTENT",
    "ERASED_DIGEST",
    "ERASED_MESSAGE_ERROR",
    "FREE_TEXTS",
    "MESSAGE_TEXTS",
    "erased_message",
    "scrub_changes",
    "scrub_fields",
]

FREE_TEXTS: dict[str, tuple[str, ...]] = {
    "interactions": ("subject", "text"),
    "appointments": ("description",),
    "reminders": ("text",),
    "meeting_notes": ("text",),
    "samples": ("note",),
    "service_cases": ("reason", "resolution"),
    "service_bookings": ("note",),
}
"""Free texts a contact's values may be copied into, by place: the same field names in the
domain objects and the SQL columns (M4)."""

MESSAGE_TEXTS: tuple[str, ...] = ("subject", "body", "last_error", "delivery_error")
"""The texts of an outbox message to someone else that may mention the contact (§9, M4)."""

ERASED_MESSAGE_ERROR = "the recipient's data was erased on request (M4)"
"""Why a message to an erased contact that was still waiting is skipped."""

ERASED_CONTENT = ERASED.encode()
"""What a file sent to an erased contact holds afterwards (its rendered text named them, I8, M4)."""
ERASED_DIGEST = hashlib.sha256(ERASED_CONTENT).hexdigest()
"""The SHA-256 of :data:`ERASED_CONTENT`, its key among the outbox's stored contents."""

_STOPPED = frozenset({OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.DEAD})


def scrub_fields(row: Mapping[str, Any], fields: Sequence[str], pattern: re.Pattern[str]) -> dict[str, Any]:
    """The ``fields`` of ``row`` whose text changes when the values are erased, with their new text."""
    changed: dict[str, Any] = {}
    for field in fields:
        value = row[field]
        if isinstance(value, str):
            new = scrub_text(value, pattern)
            if new != value:
                changed[field] = new
    return changed


def scrub_changes(
    changes: Sequence[Sequence[str | None]], pattern: re.Pattern[str] | None, *, own: bool
) -> list[list[str | None]] | None:
    """An audit entry's ``[field, old, new]`` triples with the values erased; ``None``: unchanged (C12, M4).

    ``own``: the entry is the erased contact's own, so each of its personal fields
    (:data:`~crmkit.domain.erasure.PERSONAL_FIELDS`) loses its values whole.
    """
    out: list[list[str | None]] = []
    dirty = False
    for field, old, new in changes:
        if own and field in PERSONAL_FIELDS:
            now_old = None if old is None else ERASED
            now_new = None if new is None else ERASED
        else:
            now_old = old if old is None or pattern is None else scrub_text(old, pattern)
            now_new = new if new is None or pattern is None else scrub_text(new, pattern)
        dirty = dirty or (now_old, now_new) != (old, new)
        out.append([field, now_old, now_new])
    return out if dirty else None


def erased_message(
    row: Mapping[str, Any],
    *,
    contact: object,
    addresses: Collection[str],
    pattern: re.Pattern[str] | None,
) -> dict[str, Any]:
    """The fields of an outbox message that change when the contact is erased (§9, M4).

    A message to the contact (its ``contact_id``, or a recipient that is one of
    ``addresses``) loses recipient, subject and body; one not yet sent is skipped for
    good, its claim dropped (a dispatcher holding it finds its claim lost and writes
    nothing). Any other message loses the erased values from its texts.

    ``row`` maps the message's field names to values; ``state`` is an :class:`OutboxState`.
    """
    if row["contact_id"] == contact or row["recipient"] in addresses:
        changed: dict[str, Any] = {
            "recipient": ERASED,
            "subject": ERASED if row["subject"] else "",
            "body": ERASED,
        }
        if row["state"] in _STOPPED:
            changed |= {"state": OutboxState.SKIPPED, "claim": None, "last_error": ERASED_MESSAGE_ERROR}
        elif pattern is not None:
            changed |= scrub_fields(row, ("last_error", "delivery_error"), pattern)
        return {k: v for k, v in changed.items() if row[k] != v}
    return {} if pattern is None else scrub_fields(row, MESSAGE_TEXTS, pattern)
