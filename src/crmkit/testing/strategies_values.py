"""Hypothesis strategies for crmkit's plain values: decimals, money, datetimes, text, numbers.

Re-exported by :mod:`crmkit.testing.strategies`, whose docstring states what every
generated value guarantees (valid, round-trip-able on every back end).
"""

from __future__ import annotations

import functools
import string
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from hypothesis import strategies as st
from stdnum.tr import tckimlik, vkn

from crmkit.domain.money import CURRENCIES, Money, minor_units

__all__ = [
    "MAX_DATETIME",
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "MIN_DATETIME",
    "TURKISH_LETTERS",
    "aware_datetimes",
    "currencies",
    "emails",
    "extreme_decimals",
    "money",
    "phones",
    "tax_numbers",
    "turkish_text",
]

T = TypeVar("T")

MAX_INTEGER_DIGITS = 18
"""Digits before the decimal point that :func:`extreme_decimals` may use (``Numeric(24, 6)``)."""
MAX_FRACTION_DIGITS = 6
"""Digits after the decimal point that :func:`extreme_decimals` may use (``Numeric(24, 6)``)."""
MIN_DATETIME = datetime(2000, 1, 1, tzinfo=UTC)
"""The earliest instant :func:`aware_datetimes` produces."""
MAX_DATETIME = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The latest instant :func:`aware_datetimes` produces."""

TURKISH_LETTERS = "İıŞşĞğÇçÖöÜü"
"""The letters that break naive case mapping and collations; :func:`turkish_text` favours them."""

_WORD_ALPHABET = TURKISH_LETTERS * 3 + string.ascii_letters + "ÂâÎîÛû" + string.digits
_PUNCTUATION = ".&-'/()"

_CITIES = (
    "İstanbul", "İzmir", "Ankara", "Şanlıurfa", "Muğla", "Çanakkale", "Ağrı", "Iğdır",
    "Kırşehir", "Gümüşhane", "Eskişehir", "Düzce", "Çorum", "Uşak", "Isparta", "Bingöl",
)  # fmt: skip
_MOBILE_PREFIXES = tuple(f"5{a}{b}" for a in "0345" for b in string.digits)
_EMAIL_DOMAINS = ("example.com", "example.com.tr", "örnek.example.org", "bayi.example.net")


# -- scalars ------------------------------------------------------------------


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes that :class:`~crmkit.domain.money.Money` accepts (TRY, EUR, USD … first)."""
    favourites = ["TRY", "EUR", "USD", "JPY", "KWD"]
    return st.sampled_from(favourites + sorted(CURRENCIES - set(favourites)))


def _scaled(draw: st.DrawFn, integer_digits: int, fraction_digits: int, signed: bool) -> Decimal:
    scale = draw(st.integers(0, fraction_digits))
    limit = 10 ** (integer_digits + scale) - 1
    magnitude = draw(
        st.one_of(
            st.integers(0, limit),
            # favour the edges: the largest and the smallest magnitudes of this scale
            st.integers(max(0, limit - 1000), limit),
            st.integers(0, 1000),
        )
    )
    sign = 1 if signed and draw(st.booleans()) else 0
    return Decimal((sign, tuple(int(d) for d in str(magnitude)), -scale))


def extreme_decimals(
    *,
    integer_digits: int = MAX_INTEGER_DIGITS,
    fraction_digits: int = MAX_FRACTION_DIGITS,
    allow_negative: bool = True,
) -> st.SearchStrategy[Decimal]:
    """Finite Decimals at the edges of what a ``Numeric(integer + fraction, fraction)`` holds.

    Defaults: up to 18 digits before the point and 6 after (``Numeric(24, 6)``),
    so ``999999999999999999.999999`` and ``0.000001`` are both possible. The
    exponent (scale) varies between 0 and ``-fraction_digits``; the value is
    never NaN or infinite and is exactly representable (no rounding happened).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Decimal:
        return _scaled(draw, integer_digits, fraction_digits, allow_negative)

    edges = [
        Decimal(10**integer_digits - 1) + (1 - Decimal(1).scaleb(-fraction_digits)),
        Decimal(1).scaleb(-fraction_digits) if fraction_digits else Decimal(1),
        Decimal(0),
    ]
    if allow_negative:
        edges += [-e for e in edges if e]
    return st.one_of(st.sampled_from(edges), build())


def money(
    currency: str | None = None,
    *,
    integer_digits: int = 15,
    allow_negative: bool = True,
) -> st.SearchStrategy[Money]:
    """:class:`~crmkit.domain.money.Money` in ``currency`` (from :func:`currencies` if ``None``).

    The amount has at most ``integer_digits`` digits before the point and at
    most the currency's minor-unit digits after it, so ``m.rounded() == m``.
    """
    codes = currencies()

    @st.composite
    def build(draw: st.DrawFn) -> Money:
        code = currency if currency is not None else draw(codes)
        amount = _scaled(draw, integer_digits, minor_units(code.upper()), allow_negative)
        return Money(amount, code)

    return build()


def aware_datetimes(
    min_value: datetime = MIN_DATETIME, max_value: datetime = MAX_DATETIME
) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes, whole seconds (microsecond 0, fold 0), in ``[min_value, max_value]``."""
    low = min_value.astimezone(UTC).replace(tzinfo=None)
    high = max_value.astimezone(UTC).replace(tzinfo=None)
    if low.microsecond:
        low = low.replace(microsecond=0) + timedelta(seconds=1)
    return st.datetimes(min_value=low, max_value=high, timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=0, fold=0)
    )


def turkish_text(*, min_words: int = 1, max_words: int = 4) -> st.SearchStrategy[str]:
    """Printable, non-blank names rich in İ ı Ş ş Ğ ğ Ç ç Ö ö Ü ü.

    Words are joined by single spaces and the text is NFC with no leading or
    trailing space, so ``clean_text(t) == t``. Every value holds at least one
    letter from :data:`~crmkit.testing.strategies_values.TURKISH_LETTERS`.
    At most ``max_words`` × 15 characters.
    """
    return _turkish_text(min_words, max_words)


@functools.cache
def _turkish_text(min_words: int, max_words: int) -> st.SearchStrategy[str]:
    # Built once per size: strategies are immutable, and building one inside every draw of a
    # composite (a company draws several texts) cost more than the examples' storage work.
    word_lists = st.lists(
        st.text(alphabet=_WORD_ALPHABET, min_size=1, max_size=12), min_size=min_words, max_size=max_words
    )
    letters = st.sampled_from(TURKISH_LETTERS)
    punctuation = st.sampled_from(_PUNCTUATION)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        words = draw(word_lists)
        index = draw(st.integers(0, len(words) - 1))
        words[index] = words[index] + draw(letters)
        if draw(st.booleans()):
            last = len(words) - 1
            words[last] = words[last] + draw(punctuation)
        return " ".join(words)

    return build()


def tax_numbers(kind: str | None = None) -> st.SearchStrategy[str]:
    """Turkish tax numbers with correct check digits.

    Args:
        kind: ``"vkn"`` (10 digits, companies), ``"tckn"`` (11 digits, people,
            never starting with 0) or ``None`` for either.
    """
    nine = st.text(alphabet=string.digits, min_size=9, max_size=9)
    vkns = nine.map(lambda d: d + vkn.calc_check_digit(d))
    tckns = nine.filter(lambda d: d[0] != "0").map(lambda d: d + tckimlik.calc_check_digits(d))
    if kind == "vkn":
        return vkns
    if kind == "tckn":
        return tckns
    if kind is None:
        return st.one_of(vkns, tckns)
    raise ValueError(f"kind must be 'vkn', 'tckn' or None, not {kind!r}")


def phones() -> st.SearchStrategy[str]:
    """Valid Turkish mobile numbers in E.164 form, e.g. ``+905321234567``."""
    return st.builds(
        lambda prefix, rest: f"+90{prefix}{rest}",
        st.sampled_from(_MOBILE_PREFIXES),
        st.text(alphabet=string.digits, min_size=7, max_size=7),
    )


def emails() -> st.SearchStrategy[str]:
    """Plain ASCII-local-part e-mail addresses on example domains (one with a Turkish IDN)."""
    return _EMAILS


_EMAILS = st.builds(
    lambda a, d: f"{a}@{d}",
    st.from_regex(r"\A[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,8})?\Z"),
    st.sampled_from(_EMAIL_DOMAINS),
)
_HASHES = st.from_regex(r"\A[0-9a-f]{64}\Z")
_LOGINS = st.from_regex(r"\A[a-z][a-z0-9.]{2,15}\Z")


def _optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy
