"""How many SMS parts a text takes: GSM-7 or UCS-2, single or concatenated.

An SMS carries 140 bytes. Text that fits the GSM 03.38 default alphabet is
packed in 7 bits: 160 characters, or 153 per part once a message is split
(the concatenation header takes the rest). Anything else goes as UCS-2:
70 characters, 67 per part. Characters of the GSM extension table (``€``,
``[``, ``{`` …) take two septets; characters outside Unicode's basic plane
(most emoji) take two UCS-2 units. Neither pair is ever split across parts.

Turkish ``ş ğ ı İ Ş Ğ ç`` are not in the default alphabet, so they force UCS-2
(crmkit does not use the Turkish national language shift table, which few
gateways support); ``Ç ö Ö ü Ü`` are in it.

>>> sms_parts("Randevunuz yarin 10:00")
SmsParts(encoding='GSM-7', units=22, parts=1)
>>> sms_parts("Randevunuz yarın 10:00")
SmsParts(encoding='UCS-2', units=22, parts=1)
>>> sms_parts("x" * 161).parts
2
"""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SmsEncoding",
    "SmsParts",
    "is_gsm7",
    "sms_parts",
]

SmsEncoding = Literal["GSM-7", "UCS-2"]
"""The two encodings crmkit sends SMS in."""

GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet (one septet each)."""

GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")
"""The GSM 03.38 extension table; each of these costs two septets (an escape plus one)."""

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_PER_PART = {"GSM-7": 153, "UCS-2": 67}


@attrs.frozen
class SmsParts:
    """The size of an SMS text once encoded.

    Attributes:
        encoding: ``"GSM-7"`` or ``"UCS-2"``.
        units: length in the encoding's units (septets or UTF-16 code units).
        parts: how many SMS the text is sent as (at least 1, even when empty).
    """

    encoding: SmsEncoding
    units: int
    parts: int


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM 03.38 alphabet or its extension.

    >>> is_gsm7("Çö €"), is_gsm7("şişe")
    (True, False)
    """
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _cost(ch: str, encoding: SmsEncoding) -> int:
    if encoding == "GSM-7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def sms_parts(text: str) -> SmsParts:
    """Encoding, length and number of parts of ``text`` sent as one SMS.

    A text that fits one message (160 septets or 70 UCS-2 units) is one part;
    a longer one is cut into parts of 153 septets or 67 units, never splitting
    an escaped GSM character or a surrogate pair.

    >>> sms_parts("€" * 80)
    SmsParts(encoding='GSM-7', units=160, parts=1)
    >>> sms_parts("ş" * 71)
    SmsParts(encoding='UCS-2', units=71, parts=2)
    >>> sms_parts("")
    SmsParts(encoding='GSM-7', units=0, parts=1)
    """
    encoding: SmsEncoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    costs = [_cost(ch, encoding) for ch in text]
    units = sum(costs)
    if units <= _SINGLE[encoding]:
        return SmsParts(encoding, units, 1)
    per_part = _PER_PART[encoding]
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return SmsParts(encoding, units, parts)
