"""How an erasure finds a contact's values in stored text (SPEC M4): names, e-mails and phones as written.

People copy a contact's values into free text in many shapes, so a value is
matched the way a reader would recognise it, as a whole word:

* **names and e-mail addresses** regardless of case and of the Turkish letters
  an ASCII system writes plainly (``ZELİHA``, ``Zeliha``, ``zelıha`` and
  ``ZELIHA`` are one name; ``Çağlar`` is also ``CAGLAR``), with any run of white
  space where the value has a space (:func:`value_pattern`);
* **phone numbers** from their digits: the national number with spaces,
  dashes, dots, slashes or parentheses between any digits, after an optional
  ``+90`` / ``0090`` / ``90`` country prefix or the ``0`` trunk prefix
  (:func:`phone_pattern`): ``0532 111 22 33``, ``+90 (532) 111-22-33``,
  ``(0532) 1112233`` and ``905321112233`` are all ``+905321112233``. A longer
  digit run that merely contains the number (``0532 111 22 334``) is another
  number and stays.

A SQL database cannot run these patterns, so the SQL adapter first narrows
the rows with ``LIKE`` filters that every match passes (:func:`anchors`,
:func:`phone_like`); the patterns then decide, row by row, exactly as the
memory back end decides.

>>> phone = WrittenPhone("90", "5321112233")
>>> scrub_text("Ara: +90 (532) 111-22-33 ya da 0532 111 22 33.", scrubber((), (phone,)))
'Ara: [erased] ya da [erased].'
>>> scrub_text("ZELİHA KORKMAZ ve ZELIHA  KORKMAZ", scrubber(("Zeliha Korkmaz",)))
'[erased] ve [erased]'
>>> anchors("Zeliha Korkmaz")
('zel', 'ha', 'rkmaz')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

__all__ = [
    "ERASED",
    "ERASED_SHORT",
    "WrittenPhone",
    "anchors",
    "phone_like",
    "phone_pattern",
    "scrub_text",
    "scrubber",
    "value_pattern",
]

ERASED = "[erased]"
"""What an erased value is replaced with, in records and in free text (M4)."""

ERASED_SHORT = "[-]"
"""The replacement used where ``ERASED`` would make a text longer than its field allows (M4).

Every value looked for is at least three characters long, so replacing each occurrence
shorter than :data:`ERASED` by this never makes a text longer than it was."""

_TURKISH = {
    "c": "cçCÇ",
    "g": "gğGĞ",
    "i": "iıIİ",
    "o": "oöOÖ",
    "s": "sşSŞ",
    "u": "uüUÜ",
}
"""Letters Turkish writes with or without a mark, each with every spelling an ASCII system may give it."""
_BASE = {spelling: base for base, spellings in _TURKISH.items() for spelling in spellings}

_SEPARATOR = r"[\s\-./()]{0,3}"
"""What may stand between two digits of a written phone number."""

_UNSAFE_ANCHOR = frozenset('"\\%_')
"""Characters never put in a ``LIKE`` anchor (JSON escapes them; ``LIKE`` reads them as wildcards)."""


@attrs.frozen
class WrittenPhone:
    """A phone number as people write it: the country code and the national number's digits (M4).

    ``+905321112233`` is ``WrittenPhone("90", "5321112233")``;
    :func:`crmkit.validation.phone_parts` splits a stored E.164 number.

    Attributes:
        country: the country calling code's digits (``""``: unknown; the number is then
            matched from all its digits).
        national: the national significant number's digits.
    """

    country: str
    national: str


def value_pattern(value: str) -> str:
    """The regular expression (source) matching ``value`` as people write it (see the module).

    Case- and Turkish-letter-insensitive, any white space run for a space; no flags needed.
    """
    parts: list[str] = []
    previous_space = False
    for char in value.strip():
        if char.isspace():
            if not previous_space:
                parts.append(r"\s+")
            previous_space = True
            continue
        previous_space = False
        base = _BASE.get(char)
        if base is not None:
            parts.append(f"[{_TURKISH[base]}]")
        elif char.lower() != char.upper() and len(char.lower()) == len(char.upper()) == 1:
            parts.append(f"[{re.escape(char.lower())}{re.escape(char.upper())}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _digits(digits: str) -> str:
    return _SEPARATOR.join(digits)


def phone_pattern(phone: WrittenPhone) -> str:
    """The regular expression (source) matching ``phone`` in its written shapes (see the module)."""
    national = _digits(phone.national)
    if not phone.country:
        return rf"\+?{_SEPARATOR}{national}"
    prefix = rf"(?:(?:\+|00){_SEPARATOR})?{_digits(phone.country)}{_SEPARATOR}|0{_SEPARATOR}"
    return rf"\(?(?:{prefix})?{national}"


def phone_like(phone: WrittenPhone) -> str:
    """A ``LIKE`` pattern every written shape of ``phone`` matches: its national digits in order."""
    return "%" + "%".join(phone.national) + "%"


def anchors(value: str) -> tuple[str, ...]:
    """Lower-case ASCII pieces every written shape of ``value`` contains (a ``LIKE`` prefilter, M4).

    The pieces are the runs of ``value`` between white space, non-ASCII letters and
    the letters Turkish writes with a mark (``c g i o s u``), two characters or
    longer: whatever the case and the marks, a text holding ``value`` holds each
    piece (ASCII case aside). Empty when no such piece exists: then every row is a
    candidate.
    """
    found: list[str] = []
    run: list[str] = []
    for char in value.lower() + " ":
        if char.isascii() and not char.isspace() and char not in _TURKISH and char not in _UNSAFE_ANCHOR:
            run.append(char)
            continue
        if len(run) >= 2:
            found.append("".join(run))
        run = []
    return tuple(dict.fromkeys(found))


def scrubber(values: Sequence[str], phones: Sequence[WrittenPhone] = ()) -> re.Pattern[str] | None:
    """One compiled pattern matching any of ``values`` or ``phones`` as a whole word; ``None``: none."""
    alternatives = [value_pattern(v) for v in sorted(values, key=lambda v: (-len(v), v)) if v.strip()]
    alternatives += [phone_pattern(p) for p in phones if p.national]
    if not alternatives:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


def _shorter(match: re.Match[str]) -> str:
    """A replacement no longer than the occurrence it replaces."""
    found = len(match.group(0))
    if found >= len(ERASED):
        return ERASED
    return ERASED_SHORT if found >= len(ERASED_SHORT) else "-" * found


def scrub_text(text: str, values: Sequence[str] | re.Pattern[str] | None, limit: int | None = None) -> str:
    """``text`` with every whole-word occurrence of ``values`` replaced by ``ERASED`` (M4).

    ``values`` may be a pattern from :func:`scrubber` (compile once, scrub many).
    ``limit``: the field's length limit (:mod:`crmkit.domain.limits`). When writing
    ``ERASED`` would make the text longer than that, each occurrence shorter than
    ``ERASED`` is replaced by ``ERASED_SHORT`` instead, so the text never grows and
    every back end stores it (PostgreSQL and MariaDB refuse an overlong value); a text
    already over the limit is cut to it.

    >>> scrub_text("Ece Ak aradı", ("Ece Ak",), limit=12)
    '[-] aradı'
    """
    pattern = values if isinstance(values, re.Pattern) or values is None else scrubber(values)
    if pattern is None or not text:
        return text
    scrubbed = pattern.sub(ERASED, text)
    if limit is None or len(scrubbed) <= limit:
        return scrubbed
    return pattern.sub(_shorter, text)[:limit]
