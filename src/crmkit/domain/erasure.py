"""Erasure on request (SPEC M4; KVKK art. 7, GDPR art. 17): pure values and text rules.

A contact's personal data is erased from the record, its history (C12),
the outbox, documents and every free text it was copied into, while
aggregates (invoice actuals, points, counts) stay as they were:

* the contact record keeps its id (what refers to it still does) but its
  name becomes ``ERASED`` and its title, position, phone and e-mail go;
* every stored text that *contains* one of the contact's values — its name,
  e-mail or phone, now or earlier in its history — has that value replaced
  by ``ERASED`` (:func:`scrub_text`), matched as a whole word in the
  shapes people write it (:mod:`crmkit.domain.erasure_text`): any case and
  Turkish spelling of a name, any spacing of a phone number, so "Ali Can" is
  erased from "ALİ CAN'ı aradım" and "0532 123 45 67" from a note, but
  "Ali Canan" is left alone;
* the consent history keeps what proves the request — channel, decision,
  date, source and the contact id — but not the address in clear: the
  address becomes :func:`consent_token`, a keyed hash under the erasure's
  own id. Whoever knows the address *and* the erasure id can show the
  records were that address's (the request is proven); nobody can read the
  address back from the database. It is a pseudonym, not an anonymisation:
  someone holding the erasure id can test guesses, so the erasure ids are
  shown to admins only.

**Invoices and sales orders (V1, V2, V10).** An imported invoice is the
accounting system's document, and its amounts, dates, lines, taxes and
buyer tax number are what actuals (Q5), points (V4), orders (V10) and the
A8 filter are computed from; they are kept whole. What is the contact's
personal data on an invoice is the *buyer's name when the buyer is the
contact as a natural person*:

* an invoice of the contact's own company when that company is of kind
  ``individual`` (C1: a retail buyer or a sole proprietor *is* the person) —
  its tax number is among :attr:`ErasurePlan.own_buyers`;
* an invoice to a natural person — a ``TCKN`` buyer, an 11-digit number, or
  a buyer named only by name — who is no other stored company (a stored
  company of its own is another party, a namesake).

There, the contact's values are erased from the buyer's name; a buyer known
only by name (no tax number, matching key ``name:…``) gets a pseudonymous
key instead (:func:`party_token`), the same in the invoice, its sales
orders and its point ledger (V4), so its balance and its orders stay
together and stay apart from anyone else's. A buyer identified by a VKN (a
legal entity) keeps its name: a trade name is no one's personal data. The
tax number itself (a TCKN too) is the buyer party's key, stored also in the
company record that the contact's erasure does not erase, and kept. Who
received an invoice's original (V10) is free text and loses the values on
every invoice.

**Employees (C8).** An employee record with the contact's e-mail or phone is
the same person. Once the employment has ended (dismissed or resigned) its
name, e-mail, phone and login are erased like the contact's; while it lasts
the record is what the employment needs (C8, A5), so it is kept and the
report counts it under ``employees_kept_active``. A namesake — the same name,
no shared address — is someone else. Exit reasons lose the values as any
free text.

**The same person's other contact records (C2).** The person who asked may be
recorded as a contact of other companies too. A contact record is *the same
person* when it shares one of her e-mail addresses (now or earlier in her
history; compared without surrounding space and case) or one of her phone
numbers written in any shape (:func:`same_person`). A name alone is never
enough — two people share names, and a namesake's record is someone else's —
and a shared address is looked for only from the record erased on request (not
from the matches' own other addresses, which would chain through a shared office
phone to strangers). Every matching record is erased exactly like the one asked
for (its values, now and in its history, are searched for everywhere), and the
:class:`Erasure` names each (:attr:`Erasure.others`).

**Knowledge base and campaigns (S7, M2).** Articles lose the values from their
title, body and keywords, and their search index is rebuilt from the new texts;
campaigns from their name, subject and body (the messages rendered from them are
outbox rows, erased like every message).

**Length limits (issue 11).** Writing ``ERASED`` over a value shorter than it makes a
text longer; where that would pass the field's limit (:mod:`crmkit.domain.limits`),
the shorter ``ERASED_SHORT`` is written, so the text never grows and every back end
stores it (:func:`scrub_text`).

**Documents (C10).** The contact's own documents are deleted. Every other
document loses the values from its name and content — text files, binary files
(replaced by a notice) and compressed files (gzip, bzip2, xz, zip and the
zip-based office formats, opened and packed again): see
``crmkit.domain.erasure_files``. Documents live outside the storage's
transaction, so each deletion or rewrite is recorded as pending
(:class:`DocumentWork`) in the erasure's own
transaction and marked done once written; a crash in between leaves it pending,
the erasure's report says so (``documents_pending``,
``document_contents_pending``), and ``crm.parties.finish_erasures`` finishes it.

The erasure itself is kept as an :class:`Erasure` record — who, when, why,
which contact (and which other records of the same person), and the report of
what was erased where.

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
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NewType

import attrs

from crmkit.domain.erasure_files import (
    ERASED_NOTICE,
    DocumentAction,
    DocumentWork,
    document_place,
    erased_document,
)
from crmkit.domain.erasure_text import ERASED, WrittenPhone, scrub_text, scrubber
from crmkit.domain.fields import cleaned, nonblank
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.limits import NOTE_MAX, limited
from crmkit.domain.parties import Contact
from crmkit.domain.periods import require_aware

__all__ = [
    "CONSENT_TOKEN_PREFIX",
    "ERASED",
    "ERASED_NOTICE",
    "PERSONAL_FIELDS",
    "SEARCHED_FIELDS",
    "DocumentAction",
    "DocumentWork",
    "Erasure",
    "ErasureId",
    "ErasurePlan",
    "WrittenPhone",
    "consent_token",
    "document_place",
    "erased_contact",
    "erased_document",
    "erasure_phones",
    "erasure_values",
    "party_token",
    "person_buyer",
    "same_person",
    "scrub_text",
    "scrubber",
]

ErasureId = NewType("ErasureId", uuid.UUID)
"""Identifies one erasure (M4)."""

CONSENT_TOKEN_PREFIX = "erased:"
"""How an erased consent address (and a pseudonymous party key) starts (:func:`consent_token`)."""

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
    """``contact`` with every personal field erased: the name is ``ERASED``, the rest ``None`` (M4).

    The id, company and version stay: everything that refers to the contact still does.
    """
    return attrs.evolve(contact, name=ERASED, title=None, position_type=None, phone=None, email=None)


def _pairs(contact: Contact, earlier: Iterable[tuple[str, str | None]]) -> list[tuple[str, str]]:
    pairs = [(f, getattr(contact, f)) for f in SEARCHED_FIELDS] + list(earlier)
    return [(f, v.strip()) for f, v in pairs if f in SEARCHED_FIELDS and v and v != ERASED]


def erasure_values(contact: Contact, earlier: Iterable[tuple[str, str | None]] = ()) -> tuple[str, ...]:
    """The texts to erase wherever they were copied: the contact's name and e-mail (M4).

    Its phone numbers are matched from their digits instead (:func:`erasure_phones`).

    Args:
        contact: the contact as stored now.
        earlier: ``(field, value)`` pairs from its history (C12): a changed e-mail
            address was copied into messages before it changed.

    Returns:
        Distinct values, longest first (so ``"Ayşe Yılmaz Kaya"`` is erased before
        ``"Ayşe Yılmaz"``); none shorter than three characters, and never ``ERASED``.
    """
    found = {v for f, v in _pairs(contact, earlier) if f != "phone" and len(v) >= _MIN_SEARCHED}
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


def erasure_phones(contact: Contact, earlier: Iterable[tuple[str, str | None]] = ()) -> tuple[str, ...]:
    """The contact's phone numbers (E.164), now and earlier in its history, sorted (M4)."""
    return tuple(sorted({v for f, v in _pairs(contact, earlier) if f == "phone"}))


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


def party_token(key: str, erasure: uuid.UUID) -> str:
    """The pseudonymous matching key of a buyer known only by name, once erased (V1, V4, M4).

    The same keyed hash as :func:`consent_token`: one name key gives one token in every
    table (invoices, sales orders, point ledgers), so balances and orders stay together,
    and two erased buyers never share one.
    """
    return consent_token(key, erasure)


def person_buyer(tax_no: str | None, scheme: str | None) -> bool:
    """Whether an invoice party is a natural person: a TCKN (by scheme or 11 digits) or no number (V1, M4)."""
    if scheme is not None and scheme.strip().upper() == "TCKN":
        return True
    number = (tax_no or "").strip()
    if not number:
        return True
    is_tckn = len(number) == 11 and number.isascii() and number.isdigit()
    return is_tckn and (scheme is None or scheme.strip().upper() != "VKN")


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _phones(values: Iterable[WrittenPhone]) -> tuple[WrittenPhone, ...]:
    return tuple(values)


def _contacts(values: Iterable[Contact]) -> tuple[Contact, ...]:
    return tuple(values)


def _contact_ids(values: Iterable[ContactId]) -> tuple[ContactId, ...]:
    return tuple(values)


def _companies(values: Iterable[CompanyId]) -> frozenset[CompanyId]:
    return frozenset(values)


def same_person(
    email: str | None, phone: str | None, emails: Iterable[str], phones: Iterable[WrittenPhone]
) -> bool:
    """Whether a contact record with ``email`` and ``phone`` is the erased person's (M4).

    The same person is a record sharing one of her e-mail addresses (``emails``: hers now
    and earlier), compared without surrounding space and case, or one of her phone
    numbers (``phones``) written in any shape (``+90 532 …``, ``0532-…``, ``(0532) …``:
    :func:`~crmkit.domain.erasure_text.phone_pattern`). A name alone is never enough: two
    people share names, and a record without a shared address may be a namesake.

    >>> same_person("ZELIHA@ornek.com.tr ", None, ["zeliha@ornek.com.tr"], [])
    True
    >>> same_person(None, "0532 111 22 33", [], [WrittenPhone("90", "5321112233")])
    True
    >>> same_person("z.korkmaz@baska.com", "+905329998877", ["zeliha@ornek.com.tr"], [])
    False
    """
    wanted = {e.strip().casefold() for e in emails if e and e.strip()}
    if email and email.strip().casefold() in wanted:
        return True
    if not phone or not phone.strip():
        return False
    pattern = scrubber((), tuple(phones))
    return pattern is not None and pattern.fullmatch(phone.strip()) is not None


@attrs.frozen(kw_only=True)
class ErasurePlan:
    """What a storage adapter is asked to erase for one person: a contact and her other records (M4).

    Attributes:
        erasure: the erasure's id (the key of :func:`consent_token` and :func:`party_token`).
        contact: the contact as read, with its ``version`` (the adapter stores
            :func:`erased_contact` of it only if nobody changed it since).
        others: the same person's other contact records (:func:`same_person`), as read,
            erased like ``contact`` (:attr:`contacts`).
        values: the texts to erase wherever they were copied (:func:`erasure_values`).
        addresses: the contact's phone numbers and e-mail addresses, now and
            earlier: consent records, outbox messages, campaign sends and employee
            records with them are the contact's even when they name no contact id.
        phones: the contact's phone numbers as people write them, matched in free text.
        own_buyers: the tax numbers of the companies of kind ``individual`` (C1) that
            these contacts belong to: their invoices' buyer is the person (see the module).
        own_companies: those companies: each is the person, so its name loses her values
            and its e-mail and phone go when they are hers.
    """

    erasure: ErasureId
    contact: Contact
    values: tuple[str, ...] = attrs.field(converter=_texts)
    addresses: tuple[str, ...] = attrs.field(converter=_texts)
    phones: tuple[WrittenPhone, ...] = attrs.field(default=(), converter=_phones)
    others: tuple[Contact, ...] = attrs.field(default=(), converter=_contacts)
    own_buyers: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    own_companies: frozenset[CompanyId] = attrs.field(default=frozenset(), converter=_companies)

    @property
    def contacts(self) -> tuple[Contact, ...]:
        """The records erased: :attr:`contact`, then :attr:`others`."""
        return (self.contact, *self.others)

    @property
    def contact_ids(self) -> frozenset[ContactId]:
        """The ids of :attr:`contacts`."""
        return frozenset(c.id for c in self.contacts)

    def pattern(self) -> re.Pattern[str] | None:
        """The one pattern matching any of :attr:`values` and :attr:`phones` (:func:`scrubber`)."""
        return scrubber(self.values, self.phones)

    def token(self, key: str) -> str:
        """:func:`party_token` of ``key`` under this erasure."""
        return party_token(key, self.erasure)


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
            (:data:`~crmkit.ports.erasure.ERASURE_PLACES`; ``contacts``: the records erased,
            hers and the same person's others; ``documents``: her own, deleted;
            ``document_contents``: other documents rewritten; ``documents_pending`` and
            ``document_contents_pending``: deletions and rewrites recorded but not yet done,
            which ``crm.parties.finish_erasures`` finishes; ``documents_unsearched``: 1 when
            the document store cannot be walked) had something erased;
            ``employees_kept_active`` counts records of the same person still employed, kept.
            Places with none are left out.
        others: the same person's other contact records, erased with it (:func:`same_person`).
    """

    id: ErasureId
    contact_id: ContactId
    company_id: CompanyId
    actor_id: EmployeeId
    at: datetime = attrs.field()
    reason: str = attrs.field(converter=cleaned, validator=[limited(NOTE_MAX), nonblank])
    report: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_report)
    others: tuple[ContactId, ...] = attrs.field(default=(), converter=_contact_ids)

    @at.validator
    def _check_at(self, attribute: attrs.Attribute[datetime], value: datetime) -> None:
        require_aware(attribute.name, value)

    @property
    def counts(self) -> dict[str, int]:
        """The report as a dict: place → rows erased."""
        return dict(self.report)
