"""Field validators and converters shared by the domain's attrs classes.

Each is written once here and used by every entity that has such a field:
aware datetimes, non-blank text, cleaned text, enum members read from their
value, versions, and the shapes of phone numbers, e-mail addresses and
Turkish tax numbers (with the VKN/TCKN checksum). Full parsing and
normalisation of user input (phone libraries, e-mail syntax) lives in
:mod:`crmkit.validation`, outside the domain.

>>> parse_enum(enum.Enum("Colour", {"RED": "red"}), "colour", "red").value
'red'
>>> tax_number_checksum_ok("9205121120"), tax_number_checksum_ok("1288331521")
(True, False)
"""

from __future__ import annotations

import enum
import re
from typing import Any, TypeVar

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import require_aware
from crmkit.domain.text import clean_text

__all__ = [
    "aware",
    "aware_or_none",
    "cleaned",
    "cleaned_or_none",
    "e164",
    "email_shape",
    "nonblank",
    "parse_enum",
    "positive_version",
    "tax_number_checksum_ok",
    "tax_number_shape",
]

E = TypeVar("E", bound=enum.Enum)

# fullmatch + [0-9]: "\d" also matches Arabic-Indic and full-width digits, and "$" lets a
# trailing newline through.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a timezone-aware datetime.

    Raises:
        ValidationError: naming the attribute, for a naive datetime or something else.
    """
    require_aware(attribute.name, value)  # type: ignore[arg-type]  # checked there: not a datetime → error


def aware_or_none(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``None`` or a timezone-aware datetime.

    Raises:
        ValidationError: naming the attribute, for a naive datetime or something else.
    """
    if value is not None:
        aware(_, attribute, value)


def nonblank(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    """Attrs validator: the text must not be empty or white space.

    Raises:
        ValidationError: naming the attribute.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, "must not be blank")


def positive_version(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    """Attrs validator: a record version, 1 or more.

    Raises:
        ValidationError: naming the attribute.
    """
    if value < 1:
        raise ValidationError(attribute.name, "versions start at 1")


def cleaned(value: str) -> str:
    """Attrs converter: text through :func:`~crmkit.domain.text.clean_text`; non-text is left as is."""
    return clean_text(value) if isinstance(value, str) else value


def cleaned_or_none(value: str | None) -> str | None:
    """Attrs converter: cleaned text, or ``None`` for ``None`` and for text that cleans to nothing."""
    if not isinstance(value, str):
        return value  # None stays None; anything else is left to the field's validator to name
    return clean_text(value) or None


def parse_enum(enum_type: type[E], field: str, value: object) -> E:
    """The member of ``enum_type`` whose value is ``value`` (or ``value`` itself, a member).

    attrs converters built on this (one named function per field, which mypy's
    attrs plugin needs) turn a bad string into a ValidationError, not a bare ValueError.

    Raises:
        ValidationError: naming ``field`` and listing the choices.
    """
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise ValidationError(field, f"{value!r} is not one of: {allowed}") from None


def e164(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """Attrs validator: ``None`` or a phone number in E.164 form (``+905321234567``).

    Raises:
        ValidationError: naming the attribute.
    """
    if value is not None and not (isinstance(value, str) and _E164.fullmatch(value)):
        raise ValidationError(attribute.name, f"{value!r} is not an E.164 phone number")


def email_shape(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """Attrs validator: ``None`` or something shaped like an e-mail address.

    Raises:
        ValidationError: naming the attribute.
    """
    if value is not None and not (isinstance(value, str) and _EMAIL.fullmatch(value)):
        raise ValidationError(attribute.name, f"{value!r} is not an e-mail address")


def tax_number_shape(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """Attrs validator: ``None``, a 10-digit VKN or an 11-digit TCKN (checksums: crmkit.validation).

    Raises:
        ValidationError: naming the attribute.
    """
    if value is not None and not (
        isinstance(value, str) and value.isascii() and value.isdigit() and len(value) in (10, 11)
    ):
        raise ValidationError(attribute.name, f"{value!r} is neither a 10-digit VKN nor an 11-digit TCKN")


def tax_number_checksum_ok(tax_no: str) -> bool:
    """Whether a Turkish VKN (10 digits) or TCKN (11 digits) passes its checksum.

    Other identifiers (foreign ids, ``TESISATNO``) are not tax numbers: ``False``.

    >>> tax_number_checksum_ok("10000000146"), tax_number_checksum_ok("12345678901")
    (True, False)
    """
    if not tax_no.isascii() or not tax_no.isdigit():
        return False
    digits = [int(c) for c in tax_no]
    if len(digits) == 10:
        total = 0
        for i, d in enumerate(digits[:9]):
            p = (d + 10 - (i + 1)) % 10
            total += 9 if p == 9 else (p * 2 ** (10 - (i + 1))) % 9
        return (10 - total % 10) % 10 == digits[9]
    if len(digits) == 11 and digits[0] != 0:
        odd, even = sum(digits[0:9:2]), sum(digits[1:8:2])
        return (odd * 7 - even) % 10 == digits[9] and sum(digits[:10]) % 10 == digits[10]
    return False
