"""What the memory and SQL erasure adapters share (M4): which texts change, and how.

Both adapters walk the same places (:data:`~crmkit.ports.erasure.ERASURE_PLACES`)
and change a row exactly when these functions say so, so their reports agree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from crmkit.domain.erasure import ERASED, PERSONAL_FIELDS, person_buyer, scrub_text
from crmkit.domain.erasure_text import ERASED_SHORT
from crmkit.domain.knowledge import index_terms
from crmkit.domain.limits import (
    EMAIL_MAX,
    FILE_NAME_MAX,
    LABEL_MAX,
    NAME_MAX,
    NOTE_MAX,
    SUBJECT_MAX,
    TEXT_MAX,
)
from crmkit.domain.messaging import OutboxState
from crmkit.domain.text import fold

__all__ = [
    "ERASED_CONTENT",
    "ERASED_DIGEST",
    "ERASED_MESSAGE_ERROR",
    "FREE_TEXTS",
    "MESSAGE_TEXTS",
    "NAME_KEY",
    "TEXT_LIMITS",
    "erased_article",
    "erased_company",
    "erased_employee",
    "erased_invoice",
    "erased_message",
    "limit_of",
    "rekeyed",
    "same_address",
    "scrub_changes",
    "scrub_fields",
]

NAME_KEY = "name:"
"""How the matching key of a party known only by name starts (:func:`~crmkit.domain.invoices.party_key`)."""

FREE_TEXTS: dict[str, tuple[str, ...]] = {
    "interactions": ("subject", "text"),
    "appointments": ("description",),
    "reminders": ("text",),
    "meeting_notes": ("text",),
    "samples": ("note",),
    "service_cases": ("reason", "resolution"),
    "service_bookings": ("note",),
    "claims": ("reason",),
    "regions": ("notes",),
    "opportunities": ("title", "next_step", "loss_reason"),
    "offers": ("reason",),
    "visits": ("note",),
    "service_work_entries": ("note",),
    "service_contracts": ("title",),
    "campaigns": ("name", "subject", "body"),
}
"""Free texts a contact's values may be copied into, by place: the same field names in the
domain objects and the SQL columns (M4)."""

TEXT_LIMITS: dict[str, dict[str, int]] = {
    "interactions": {"subject": SUBJECT_MAX},
    "appointments": {"description": NOTE_MAX},
    "reminders": {"text": NOTE_MAX},
    "service_cases": {"reason": SUBJECT_MAX},
    "claims": {"reason": NOTE_MAX},
    "regions": {"notes": NOTE_MAX},
    "opportunities": {"title": SUBJECT_MAX, "next_step": SUBJECT_MAX, "loss_reason": LABEL_MAX},
    "offers": {"reason": LABEL_MAX},
    "service_work_entries": {"note": NOTE_MAX},
    "service_contracts": {"title": LABEL_MAX},
    "companies": {"name": NAME_MAX, "referred_by_person_name": LABEL_MAX},
    "employees": {"name": LABEL_MAX, "exit_reason": NOTE_MAX},
    "invoices": {"buyer_name": NAME_MAX, "received_by": LABEL_MAX},
    "point_entries": {"reason": SUBJECT_MAX},
    "outbox_messages": {"recipient": EMAIL_MAX, "subject": SUBJECT_MAX, "last_error": NOTE_MAX}
    | {"delivery_error": NOTE_MAX},
    "outbox_attachments": {"filename": FILE_NAME_MAX},
    "documents": {"name": FILE_NAME_MAX},
    "kb_articles": {"title": NAME_MAX},
    "campaigns": {"name": LABEL_MAX, "subject": SUBJECT_MAX},
}
"""The length limit of each erased text shorter than :data:`~crmkit.domain.limits.TEXT_MAX`, by place
and field: the domain's limits (:mod:`crmkit.domain.limits`), which the SQL columns are made from.
A replacement never makes a text longer than its field allows (:func:`limit_of`, M4, issue 11)."""


def limit_of(place: str, field: str) -> int:
    """The length limit of ``field`` in ``place`` (:data:`TEXT_LIMITS`; else ``TEXT_MAX``)."""
    return TEXT_LIMITS.get(place, {}).get(field, TEXT_MAX)


MESSAGE_TEXTS: tuple[str, ...] = ("subject", "body", "last_error", "delivery_error")
"""The texts of an outbox message to someone else that may mention the contact (§9, M4)."""

ERASED_MESSAGE_ERROR = "the recipient's data was erased on request (M4)"
"""Why a message to an erased contact that was still waiting is skipped."""

ERASED_CONTENT = ERASED.encode()
"""What a file sent to an erased contact holds afterwards (its rendered text named them, I8, M4)."""
ERASED_DIGEST = hashlib.sha256(ERASED_CONTENT).hexdigest()
"""The SHA-256 of :data:`ERASED_CONTENT`, its key among the outbox's stored contents."""

_STOPPED = frozenset({OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.DEAD})


def scrub_fields(
    row: Mapping[str, Any], fields: Sequence[str], pattern: re.Pattern[str], place: str
) -> dict[str, Any]:
    """The ``fields`` of ``row`` whose text changes when the values are erased, with their new text.

    Each new text fits its field's limit (:func:`limit_of` of ``place``).
    """
    changed: dict[str, Any] = {}
    for field in fields:
        value = row[field]
        if isinstance(value, str):
            new = scrub_text(value, pattern, limit_of(place, field))
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
    contacts: Collection[object],
    addresses: Collection[str],
    pattern: re.Pattern[str] | None,
) -> dict[str, Any]:
    """The fields of an outbox message that change when the contact is erased (§9, M4).

    A message to the person (a ``contact_id`` among ``contacts``, or a recipient that is one of
    ``addresses``) loses recipient, subject and body; one not yet sent is skipped for
    good, its claim dropped (a dispatcher holding it finds its claim lost and writes
    nothing). Any other message loses the erased values from its texts.

    ``row`` maps the message's field names to values; ``state`` is an :class:`OutboxState`.
    """
    if row["contact_id"] in contacts or row["recipient"] in addresses:
        changed: dict[str, Any] = {
            "recipient": ERASED,
            "subject": ERASED if row["subject"] else "",
            "body": ERASED,
        }
        if row["state"] in _STOPPED:
            changed |= {"state": OutboxState.SKIPPED, "claim": None, "last_error": ERASED_MESSAGE_ERROR}
        elif pattern is not None:
            changed |= scrub_fields(row, ("last_error", "delivery_error"), pattern, "outbox_messages")
        return {k: v for k, v in changed.items() if row[k] != v}
    return {} if pattern is None else scrub_fields(row, MESSAGE_TEXTS, pattern, "outbox_messages")


def same_address(value: str | None, addresses: Collection[str]) -> bool:
    """Whether ``value`` is one of the contact's phone numbers or e-mail addresses (e-mail case aside)."""
    if not value:
        return False
    return value.casefold() in {a.casefold() for a in addresses}


def rekeyed(key: str | None, pattern: re.Pattern[str] | None, token: Callable[[str], str]) -> str | None:
    """The pseudonym of a party key made of a name holding the values; ``None``: unchanged (V4, M4)."""
    if key is None or pattern is None or not key.startswith(NAME_KEY) or not pattern.search(key):
        return None
    return token(key)


def erased_employee(
    row: Mapping[str, Any], *, active: bool, addresses: Collection[str], pattern: re.Pattern[str] | None
) -> tuple[dict[str, Any], bool]:
    """The fields of an employee record that change, and whether it is the same person, kept (C8, M4).

    An employee with one of the contact's addresses is the same person: once the
    employment ended, name, e-mail, phone and credentials go; while it lasts the
    record is kept (``True``). Any employee's exit reason loses the values.
    """
    same = same_address(row["email"], addresses) or same_address(row["phone"], addresses)
    changed: dict[str, Any] = {}
    if same and not active:
        changed = {"name": ERASED, "email": None, "phone": None, "login": None, "password_hash": None}
    if pattern is not None:
        changed |= scrub_fields(row, ("exit_reason",), pattern, "employees")
    return {k: v for k, v in changed.items() if row[k] != v}, same and active


def erased_company(
    row: Mapping[str, Any], *, own: bool, addresses: Collection[str], pattern: re.Pattern[str] | None
) -> dict[str, Any]:
    """The fields of a company that change (C1, C7, C11, M4).

    Any company: the name of a referring person loses the values, and an e-mail,
    phone or portal user name that is one of the contact's addresses goes (with the
    portal password). ``own``: the contact's own company of kind ``individual`` —
    the person herself — whose name loses the values too (``name_key`` follows).
    """
    changed: dict[str, Any] = {}
    if pattern is not None:
        changed |= scrub_fields(row, ("referred_by_person_name",), pattern, "companies")
        if own:
            name = scrub_text(row["name"], pattern, limit_of("companies", "name"))
            if name != row["name"]:
                changed |= {"name": name, "name_key": fold(name)}
    for field in ("email", "phone"):
        if same_address(row[field], addresses):
            changed[field] = None
    if same_address(row["portal_username"], addresses):
        changed |= {"portal_username": None, "portal_password_hash": None}
    return {k: v for k, v in changed.items() if row.get(k) != v}


def erased_invoice(
    row: Mapping[str, Any],
    *,
    own_buyers: Collection[str],
    registered: bool,
    pattern: re.Pattern[str] | None,
    token: Callable[[str], str],
) -> dict[str, Any]:
    """The header fields of an imported invoice that change (V1, V10, M4; see :mod:`crmkit.domain.erasure`).

    The buyer is the person when its key is one of ``own_buyers`` (her individual companies), or when
    it is a natural person (:func:`~crmkit.domain.erasure.person_buyer`) and no other stored
    company (``registered``): then its name loses the values, and a key made of the name
    becomes a pseudonymous one (``buyer_key`` and ``buyer_tax_no`` both, as the key follows
    the tax number). Who received the original loses the values on every invoice.
    """
    if pattern is None:
        return {}
    changed: dict[str, Any] = {}
    key = row["buyer_key"]
    own = key in own_buyers
    if own or (not registered and person_buyer(row["buyer_tax_no"], row["buyer_scheme"])):
        name = scrub_text(row["buyer_name"], pattern, limit_of("invoices", "buyer_name"))
        if name != row["buyer_name"]:
            changed["buyer_name"] = name
        new_key = rekeyed(key, pattern, token)
        if new_key is not None:
            changed |= {"buyer_key": new_key, "buyer_tax_no": new_key}
    changed |= scrub_fields(row, ("received_by",), pattern, "invoices")
    return changed


def erased_article(
    row: Mapping[str, Any], pattern: re.Pattern[str] | None
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """A knowledge-base article's changed texts and its new index terms; ``None``: unchanged (S7, M4).

    Title, body and each keyword lose the values (the title within its limit); a keyword
    that was nothing but a value goes. The terms (:func:`~crmkit.domain.knowledge.index_terms`)
    are those of the new texts, so a search for an erased value finds nothing and the article
    is still found by its other words.
    """
    if pattern is None:
        return None
    changed = scrub_fields(row, ("title", "body"), pattern, "kb_articles")
    keywords = [scrub_text(k, pattern) for k in row["keywords"]]
    keywords = list(dict.fromkeys(k for k in keywords if k.strip() and k not in (ERASED, ERASED_SHORT)))
    if keywords != list(row["keywords"]):
        changed["keywords"] = keywords
    if not changed:
        return None
    new = {f: row[f] for f in ("title", "body", "keywords")} | changed
    return changed, index_terms(title=new["title"], body=new["body"], keywords=tuple(new["keywords"]))
