"""Erasure on request (SPEC M4; KVKK art. 7, GDPR art. 17): pure values and text rules.

A contact's personal data is erased from the record, its history (C12),
the outbox, documents and every free text it was copied into, while
aggregates (invoice actuals, points, counts) stay as they were:

* the contact record keeps its id (what refers to it still does) but its
  name becomes :data:`ERASED` and its title, position, phone and e-mail go;
* every stored text that *contains* one of the contact's values — its name,
  e-mail or phone, now or earlier in its history — has that value replaced
  by :data:`ERASED` (:func:`scrub_text`), matched as a whole word, case-
  insensitively, so "Ali Can" is erased from "Ali Can'ı aradım" but
  "Ali Canan" is left alone;
* the consent history keeps what proves the request — channel, decision,
  date, source and the contact id — but not the address in clear: the
  address becomes :func:`consent_token`, a keyed hash under the erasure's
  own id. Whoever knows the address *and* the erasure id can show the
  records were that address's (the request is proven); nobody can read the
  address back from the database. It is a pseudonym, not an anonymisation:
  someone holding the erasure id can test guesses, so the erasure ids are
  shown to admins only.

The erasure itself is kept as an :class:`Erasure` record — who, when, why,
which contact, and the report of what was erased where.

>>> scrub_text("Ayşe Yılmaz aradı, ayse@ornek.com.tr", ("Ayşe Yılmaz", "ayse@ornek.com.tr"))
'[erased] aradı, [erased]'
>>> scrub_text("Ali Canan geldi", ("Ali Can",))
'Ali Canan geldi'
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NewType

import attrs

from crmkit.domain.fields import cleaned, nonblank
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.limits import NOTE_MAX, limited
from crmkit.domain.parties import Contact
from crmkit.domain.periods import require_aware

__all__ = [
    "CONSENT_TOKEN_PREFIX",
    "ERASED",
    "PERSONAL_FIELDS",
    "SEARCHED_FIELDS",
    "Erasure",
    "ErasureId",
    "ErasurePlan",
    "consent_token",
    "erased_contact",
    "erasure_values",
    "scrub_text",
    "scrubber",
]

ErasureId = NewType("ErasureId", uuid.UUID)
"""Identifies one erasure (M4)."""

ERASED = "[erased]"
"""What an erased value is replaced with, in records and in free text (M4)."""

CONSENT_TOKEN_PREFIX = "erased:"
"""How an erased consent address starts (:func:`consent_token`)."""

PERSONAL_FIELDS: tuple[str, ...] = ("name", "title", "position_type", "phone", "email")
"""A contact's personal fields: erased in the record and in every audit entry of the contact (M4)."""

SEARCHED_FIELDS: tuple[str, ...] = ("name", "phone", "email")
"""The fields whose values are looked for in every other stored text (M4).

A title ("Satınalma Müdürü") names no one, so it is erased in the record and
its own history but not searched for elsewhere.
"""

_MIN_SEARCHED = 3
"""Shortest value looked for in free text: a two-letter name would erase half the database."""


def erased_contact(contact: Contact) -> Contact:
    """``contact`` with every personal field erased: the name is :data:`ERASED`, the rest ``None`` (M4).

    The id, company and version stay: everything that refers to the contact still does.
    """
    return attrs.evolve(contact, name=ERASED, title=None, position_type=None, phone=None, email=None)


def _phone_forms(phone: str) -> list[str]:
    """``+905321234567`` as people also write it: ``905321234567`` and ``05321234567``."""
    forms = [phone, phone.removeprefix("+")]
    if phone.startswith("+90"):
        forms.append("0" + phone[3:])
    return forms


def erasure_values(contact: Contact, earlier: Iterable[tuple[str, str | None]] = ()) -> tuple[str, ...]:
    """The texts to erase wherever they were copied: the contact's name, phone and e-mail (M4).

    Args:
        contact: the contact as stored now.
        earlier: ``(field, value)`` pairs from its history (C12): a changed e-mail
            address was copied into messages before it changed.

    Returns:
        Distinct values, longest first (so ``"Ayşe Yılmaz Kaya"`` is erased before
        ``"Ayşe Yılmaz"``); none shorter than three characters, and never :data:`ERASED`.
    """
    pairs = [(f, getattr(contact, f)) for f in SEARCHED_FIELDS] + list(earlier)
    found: set[str] = set()
    for field, value in pairs:
        if field not in SEARCHED_FIELDS or not value or value == ERASED:
            continue
        for form in _phone_forms(value) if field == "phone" else [value]:
            if len(form.strip()) >= _MIN_SEARCHED:
                found.add(form.strip())
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


def scrubber(values: Sequence[str]) -> re.Pattern[str] | None:
    """One compiled pattern matching any of ``values`` as a whole word, case-insensitively; ``None``: none."""
    if not values:
        return None
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=lambda v: (-len(v), v)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub_text(text: str, values: Sequence[str] | re.Pattern[str] | None) -> str:
    """``text`` with every whole-word occurrence of ``values`` replaced by :data:`ERASED` (M4).

    ``values`` may be a pattern from :func:`scrubber` (compile once, scrub many).
    """
    pattern = values if isinstance(values, re.Pattern) or values is None else scrubber(values)
    if pattern is None or not text:
        return text
    return pattern.sub(ERASED, text)


def consent_token(address: str, erasure: uuid.UUID) -> str:
    """What an erased consent record keeps instead of the address: a keyed hash (M3, M4).

    HMAC-SHA-256 of the address under the erasure id, 24 hex digits, after
    :data:`CONSENT_TOKEN_PREFIX`. It proves the request to whoever knows the
    address and the erasure id, and reads back to nothing on its own.

    >>> consent_token("+905321234567", uuid.UUID(int=1))
    'erased:67007459a69d718bc2241aae'
    """
    digest = hmac.new(erasure.bytes, address.encode("utf-8"), hashlib.sha256).hexdigest()
    return CONSENT_TOKEN_PREFIX + digest[:24]


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class ErasurePlan:
    """What a storage adapter is asked to erase for one contact (M4).

    Attributes:
        erasure: the erasure's id (the key of :func:`consent_token`).
        contact: the contact as read, with its ``version`` (the adapter stores
            :func:`erased_contact` of it only if nobody changed it since).
        values: the texts to erase wherever they were copied (:func:`erasure_values`).
        addresses: the contact's phone numbers and e-mail addresses, now and
            earlier: consent records, outbox messages and campaign sends to them
            are the contact's even when they name no contact id.
    """

    erasure: ErasureId
    contact: Contact
    values: tuple[str, ...] = attrs.field(converter=_texts)
    addresses: tuple[str, ...] = attrs.field(converter=_texts)


def _report(value: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((str(k), int(v)) for k, v in dict(value).items() if v))


@attrs.frozen(kw_only=True)
class Erasure:
    """The record of one erasure (M4): who erased which contact, when, why, and what went where.

    Attributes:
        id: the erasure id (also the key of the consent tokens it left).
        contact_id: the erased contact.
        company_id: the contact's company.
        actor_id: the admin who erased it.
        at: when (aware).
        reason: why, as the admin wrote it (the erased values are scrubbed out of it).
        report: ``(place, count)`` pairs, sorted by place: how many rows of each kind
            (a table, or ``"documents"``) had something erased; places with none are left out.
    """

    id: ErasureId
    contact_id: ContactId
    company_id: CompanyId
    actor_id: EmployeeId
    at: datetime = attrs.field()
    reason: str = attrs.field(converter=cleaned, validator=[limited(NOTE_MAX), nonblank])
    report: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_report)

    @at.validator
    def _check_at(self, attribute: attrs.Attribute[datetime], value: datetime) -> None:
        require_aware(attribute.name, value)

    @property
    def counts(self) -> dict[str, int]:
        """The report as a dict: place → rows erased."""
        return dict(self.report)
