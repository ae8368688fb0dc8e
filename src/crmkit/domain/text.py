"""Turkish-aware text folding for search keys.

Databases disagree on how to compare ``İSTANBUL`` and ``istanbul`` (Turkish
dotted and dotless i do not follow the default Unicode case mapping), so
crmkit stores a *folded* key beside every searchable name and compares keys.

>>> fold("İSTANBUL") == fold("istanbul")
True
>>> fold("ISPARTA") == fold("ısparta")
True
>>> fold("Çağlayan Şişe Ürünleri")
'caglayan sise urunleri'
"""

from __future__ import annotations

import unicodedata

__all__ = ["clean_text", "fold"]

_TURKISH_UPPER = str.maketrans({"İ": "i", "I": "ı"})
_TO_ASCII = str.maketrans({"ı": "i", "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u"})


def fold(text: str) -> str:
    """Fold ``text`` for case- and accent-insensitive matching, the Turkish way.

    Upper case is lowered by Turkish rules (``I`` → ``ı``, ``İ`` → ``i``), then
    every letter loses its accents (``ı`` → ``i``, ``ş`` → ``s`` ...), and runs
    of white space become one space.
    """
    lowered = text.translate(_TURKISH_UPPER).lower().translate(_TO_ASCII)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def clean_text(value: str) -> str:
    """Normalise user-typed text: NFC form, trimmed, inner white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", value).split())
