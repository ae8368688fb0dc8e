"""Money: a ``Decimal`` amount with an ISO 4217 currency.

Floats are refused (binary fractions cannot hold 0.10 exactly); mixing
currencies raises. Arithmetic keeps full precision; :meth:`Money.rounded`
quantizes to the currency's minor unit.

>>> from decimal import Decimal
>>> Money("10.10", "TRY") + Money("0.20", "TRY")
Money(amount=Decimal('10.30'), currency='TRY')
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, InvalidOperation

import attrs

from crmkit.domain.errors import ValidationError

__all__ = ["CURRENCIES", "CurrencyMismatch", "Money", "minor_units", "to_decimal"]

# Active ISO 4217 codes. Minor units are 2 unless listed in _MINOR below.
CURRENCIES: frozenset[str] = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW ZWG""".split()
)
"""The currency codes :class:`Money` accepts: the active ISO 4217 codes."""

_MINOR: dict[str, int] = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0,
    "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0,
    "UYU": 2, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip


_EXACT = Context(prec=60, traps=[InvalidOperation, Inexact])
"""Money arithmetic runs in this context: 60 significant digits, and a result
that would have to be rounded raises instead of silently losing a digit."""


class CurrencyMismatch(ValidationError):
    """Two amounts in different currencies were combined."""


def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency`` (2 for TRY, 0 for JPY, 3 for KWD)."""
    return _MINOR.get(currency, 2)


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """Turn ``value`` into a finite ``Decimal``; floats and non-numbers are refused.

    Raises:
        ValidationError: naming ``field``.
    """
    if isinstance(value, bool | float):
        raise ValidationError(field, f"{value!r} is a {type(value).__name__}; use Decimal or str")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ValidationError(field, f"{value!r} is not a number") from None
    else:
        raise ValidationError(field, f"{value!r} is not a number")
    if not result.is_finite():
        raise ValidationError(field, f"{value!r} is not a finite number")
    return result


def _currency(value: object) -> str:
    if not isinstance(value, str) or value.upper() not in CURRENCIES:
        raise ValidationError("currency", f"{value!r} is not an ISO 4217 currency code")
    return value.upper()


@attrs.frozen(order=False)
class Money:
    """An amount of money in one currency.

    Attributes:
        amount: the amount, a ``Decimal`` (``int`` and ``str`` are converted; ``float`` raises).
        currency: the ISO 4217 code, e.g. ``"TRY"``.
    """

    amount: Decimal = attrs.field(converter=to_decimal)
    currency: str = attrs.field(converter=_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """The zero amount in ``currency``."""
        return cls(Decimal(0), currency)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch("currency", f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(_EXACT.add(self.amount, self._same(other).amount), self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(_EXACT.subtract(self.amount, self._same(other).amount), self.currency)

    def __neg__(self) -> Money:
        return Money(_EXACT.minus(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(_EXACT.multiply(self.amount, to_decimal(factor, "factor")), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return self.amount == 0

    def rounded(self) -> Money:
        """The amount quantized to the currency's minor unit, half to even."""
        exp = Decimal(1).scaleb(-minor_units(self.currency))
        rounding = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])
        return Money(self.amount.quantize(exp, context=rounding), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    @staticmethod
    def total(items: Iterable[Money], currency: str) -> Money:
        """Sum ``items``, all in ``currency``; an empty iterable gives zero."""
        result = Money.zero(currency)
        for item in items:
            result = result + item
        return result
