"""Text limits every back end agrees on: checked in the domain, before any storage sees the value.

Memory would store what SQL refuses (a 10 MB name), PostgreSQL refuses a NUL
byte the others store, MariaDB refuses text that is not valid Unicode with
its own "Incorrect string value". So the domain checks type, NUL, Unicode and
length itself, and every back end gives the same
:class:`~crmkit.domain.errors.ValidationError` naming the field. The lengths
are the column lengths of the SQL schema, which reads them from here.

>>> check_text("name", "Kadıköy Eczanesi", NAME_MAX)
'Kadıköy Eczanesi'
>>> check_text("name", "a" + chr(0) + "b", NAME_MAX)
Traceback (most recent call last):
...
crmkit.domain.errors.ValidationError: name: must not contain NUL characters
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from crmkit.domain.errors import ValidationError

__all__ = [
    "CODE_MAX",
    "EMAIL_MAX",
    "FILE_NAME_MAX",
    "KEY_MAX",
    "LABEL_MAX",
    "NAME_MAX",
    "NOTE_MAX",
    "PHONE_MAX",
    "SEARCH_MAX",
    "SUBJECT_MAX",
    "TEMPLATE_MAX",
    "TEXT_MAX",
    "check_page",
    "check_text",
    "limited",
]

NAME_MAX = 300
"""Company names."""
LABEL_MAX = 200
"""Names of contacts, employees and segments; pick-list values, titles, departments, logins."""
KEY_MAX = 100
"""Pick-list names."""
EMAIL_MAX = 254
"""E-mail addresses (RFC 5321)."""
PHONE_MAX = 20
"""Phone numbers in E.164 form."""
NOTE_MAX = 1000
"""Reasons and notes."""
SEARCH_MAX = NAME_MAX
"""A search text: longer than any name, it cannot match one."""
SUBJECT_MAX = 500
"""Subjects of interactions, campaigns and e-mails."""
CODE_MAX = 50
"""Micro-region codes as linked to teams (T3)."""
TEXT_MAX = 16_000
"""Long free text (interaction texts, meeting notes, campaign bodies). These live in ``TEXT``
columns, which hold 65,535 bytes on MariaDB/MySQL: 16,000 characters fit even at 4 bytes each,
so every back end stores what the domain accepts."""
FILE_NAME_MAX = 255
"""Document (and template) names."""
TEMPLATE_MAX = 1_000_000
"""Document templates (I8), stored as bytes."""


def check_text(field: str, value: object, max_len: int) -> str:
    """``value`` if it is text every back end stores as given, else a ValidationError naming ``field``.

    Raises:
        ValidationError: not text, a NUL character, not valid Unicode, or longer than ``max_len``.
    """
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise ValidationError(field, "must not contain NUL characters")
    if len(value) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters, not {len(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "is not valid Unicode text (a lone surrogate)") from None
    return value


def limited(max_len: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """An attrs validator: ``None`` or text passing :func:`check_text` with ``max_len``."""

    def validate(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check_text(attribute.name, value, max_len)

    return validate


def check_page(limit: object, offset: object) -> tuple[int, int]:
    """A page's ``limit`` and ``offset``: whole numbers, not negative.

    Raises:
        ValidationError: naming ``limit`` or ``offset``.
    """
    for field, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(field, f"must be a whole number, not {type(value).__name__}")
        if value < 0:
            raise ValidationError(field, "must not be negative")
    assert isinstance(limit, int) and isinstance(offset, int)  # checked above
    return limit, offset
