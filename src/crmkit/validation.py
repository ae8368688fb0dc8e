"""Parsing and normalising user input: phones, e-mails, Turkish tax numbers.

This layer wraps phonenumbers and email-validator so the domain stays on the
standard library; tax numbers are checked with the domain's own checksum
(:func:`crmkit.domain.fields.tax_number_checksum_ok`). Every function raises
:class:`~crmkit.domain.errors.ValidationError` naming the field.

>>> normalize_phone("0532 123 45 67", field="phone")
'+905321234567'
>>> normalize_tax_no("1234567890", field="tax_no")
'1234567890'
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import tax_number_checksum_ok
from crmkit.domain.limits import EMAIL_MAX, NOTE_MAX, check_text

__all__ = ["normalize_email", "normalize_phone", "normalize_tax_no", "phone_parts"]


def normalize_phone(value: str, *, field: str = "phone", region: str = "TR") -> str:
    """Parse a phone number typed in local or international form and return it in E.164.

    Args:
        value: e.g. ``"0532 123 45 67"``, ``"+90 (532) 123-45-67"``.
        field: the field name used in errors.
        region: the default region for numbers without a country code.

    Raises:
        ValidationError: when the number cannot be parsed or is not a valid number.
    """
    check_text(field, value, NOTE_MAX)
    try:
        parsed = phonenumbers.parse(value, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(field, f"{value!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(field, f"{value!r} is not a valid phone number for region {region}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_parts(e164: str) -> tuple[str, str]:
    """Split a stored E.164 number into its country calling code and national number (M4).

    What :class:`~crmkit.domain.erasure_text.WrittenPhone` matches in free text: people
    write the national number after a ``0`` or a country prefix, spaced as they like.
    A number phonenumbers cannot split gives ``("", all its digits)``.

    >>> phone_parts("+905321112233")
    ('90', '5321112233')
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "", "".join(ch for ch in e164 if ch.isdigit())
    return str(parsed.country_code), phonenumbers.national_significant_number(parsed)


def normalize_email(value: str, *, field: str = "email") -> str:
    """Check e-mail syntax (no DNS look-up) and return the normalised address.

    Raises:
        ValidationError: with the validator's reason.
    """
    check_text(field, value, EMAIL_MAX)
    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValidationError(field, f"{value!r} is not a valid e-mail address: {exc}") from None


def normalize_tax_no(value: str, *, field: str = "tax_no") -> str:
    """Validate a Turkish VKN (10 digits) or TCKN (11 digits) with its checksum.

    Raises:
        ValidationError: for a wrong length, non-digits or a failed checksum.
    """
    compact = "".join(check_text(field, value, NOTE_MAX).split())
    if len(compact) in (10, 11):
        kind = "VKN" if len(compact) == 10 else "TCKN"
        if not (compact.isascii() and compact.isdigit()):
            raise ValidationError(field, f"{value!r} is not a valid {kind}: it must be digits only")
        if not tax_number_checksum_ok(compact):
            reason = "a TCKN never starts with 0" if compact[0] == "0" and kind == "TCKN" else "bad checksum"
            raise ValidationError(field, f"{value!r} is not a valid {kind}: {reason}")
        return compact
    raise ValidationError(field, f"{value!r} is neither a 10-digit VKN nor an 11-digit TCKN")
