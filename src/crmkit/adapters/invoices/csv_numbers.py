"""How a CSV source writes its numbers: decimal and thousands separators as configuration (SPEC §7 V1).

An ERP export writes ``1.250`` for one thousand two hundred and fifty (Turkish)
or for one and a quarter (English). The separators are therefore part of the
source's configuration (``csv:///sales.csv?decimal=,&thousands=.``), and a value
is never guessed:

* **Configured** (:class:`NumberFormat` with ``decimal``): every character has one
  meaning. The thousands separator (by default the other of ``.`` and ``,``; ``""``
  for none) must group whole thousands (``1.234.567``); anything else is refused.
* **Not configured** (the default): a value is read only when it can mean one thing.
  With both ``.`` and ``,`` the last is the decimal separator (``1.234,56``); a mark
  that appears twice groups thousands (``1.250.000``); a single mark followed by
  exactly three digits after one to three digits (``1.250``, ``-12,500``) could be
  either and is refused as *ambiguous*, naming the settings that decide it.

>>> NumberFormat().parse("1.234,56"), NumberFormat().parse("12,5"), NumberFormat().parse("0.250")
(Decimal('1234.56'), Decimal('12.5'), Decimal('0.250'))
>>> NumberFormat(decimal=",").parse("1.250")
Decimal('1250')
>>> NumberFormat().parse("1.250")  # doctest: +ELLIPSIS
Traceback (most recent call last):
crmkit.domain.errors.ValidationError: amount: '1.250' is ambiguous: '.' may be the decimal or ...
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import attrs

from crmkit.domain.errors import ValidationError

__all__ = ["DECIMAL_MARKS", "THOUSANDS_MARKS", "NumberFormat", "quick_number"]

DECIMAL_MARKS = (".", ",")
"""The decimal separators a source may be configured with."""
THOUSANDS_MARKS = (".", ",", " ", "'", "")
"""The thousands separators a source may be configured with (``""``: none)."""

_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")
"""One mark after one to three digits, followed by exactly three digits: decimal or thousands?"""
_MARKS = ".,"


def _check_decimal(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and value not in DECIMAL_MARKS:
        raise ValidationError("decimal", f"{value!r} is not a decimal separator ('.' or ',')")


def _check_thousands(instance: NumberFormat, _: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    if value not in THOUSANDS_MARKS:
        raise ValidationError(
            "thousands", f"{value!r} is not a thousands separator ('.', ',', ' ', ''' or none)"
        )
    if instance.decimal is None:
        raise ValidationError("thousands", "is given without the decimal separator")
    if value == instance.decimal:
        raise ValidationError("thousands", f"{value!r} is the decimal separator too")


@attrs.frozen
class NumberFormat:
    """The separators of a CSV source's numbers.

    Attributes:
        decimal: ``.`` or ``,``; ``None``: not configured (only unambiguous values are read).
        thousands: the grouping mark; ``None`` with a ``decimal``: the other of ``.`` and ``,``;
            ``""``: numbers are not grouped.

    Raises:
        ValidationError: naming ``decimal`` or ``thousands``.
    """

    decimal: str | None = attrs.field(default=None, validator=_check_decimal)
    thousands: str | None = attrs.field(default=None, validator=_check_thousands)

    @property
    def grouping(self) -> str | None:
        """The thousands separator in effect (``None``: not configured)."""
        if self.decimal is None:
            return None
        if self.thousands is None:
            return "," if self.decimal == "." else "."
        return self.thousands

    def parse(self, text: str, field: str = "amount") -> Decimal:
        """The number ``text`` writes, exactly.

        Raises:
            ValidationError: naming ``field``: not a finite number, badly grouped, or
                ambiguous when the separators are not configured.
        """
        quick = self.quick(text)
        if quick is not None:
            return quick
        value = text.strip()
        try:
            plain = self._plain(value)
        except ValueError as problem:
            raise ValidationError(field, f"{value!r} {problem}") from None
        try:
            result = Decimal(plain)
        except InvalidOperation:
            raise ValidationError(field, f"{value!r} is not a number") from None
        if not result.is_finite():
            raise ValidationError(field, f"{value!r} is not a number")
        return result

    def quick(self, text: str) -> Decimal | None:
        """The number when unconfigured and ``text`` has one of the usual unambiguous shapes, else ``None``.

        One :class:`Decimal` call, no other work: the hot path of every CSV amount.
        :meth:`parse` gives the same for these texts, and the reason for the others.
        """
        if self.decimal is not None:
            return None
        plain = quick_number(text)
        if plain is None:
            return None
        try:
            result = Decimal(plain)
        except InvalidOperation:
            return None
        return result if result.is_finite() else None

    def _plain(self, value: str) -> str:
        """``value`` with ``.`` as its decimal point and no grouping, for :class:`Decimal`."""
        if self.decimal is not None:
            return _ungroup(value, self.decimal, self.grouping or "")
        value = value.replace(" ", "")  # a space is never a decimal separator
        comma, dot = value.rfind(","), value.rfind(".")
        if comma < 0 and dot < 0:
            return value
        if comma >= 0 and dot >= 0:  # both: the last one is the decimal separator
            point = "," if comma > dot else "."
            return _ungroup(value, point, "." if point == "," else ",")
        mark = "," if comma >= 0 else "."
        if value.count(mark) > 1:  # twice: it can only group thousands
            return _ungroup(value, "," if mark == "." else ".", mark)
        if _AMBIGUOUS.fullmatch(value):
            raise ValueError(
                f"is ambiguous: {mark!r} may be the decimal or the thousands separator; set the source's"
                " separators (?decimal=,&thousands=. or ?decimal=.&thousands=,)"
            )
        return value.replace(",", ".")


def quick_number(value: str) -> str | None:
    """``value`` ready for :class:`Decimal` when it has one mark at most and is not ambiguous, else ``None``.

    No mark, or one ``.`` or ``,`` not followed by exactly three characters: the shapes
    of nearly every amount, read without the general path's work (which gives the same).
    """
    comma = value.find(",")
    if comma < 0:
        dot = value.find(".")
        if dot < 0 or (len(value) - dot != 4 and value.find(".", dot + 1) < 0):
            return value
        return None
    if len(value) - comma != 4 and value.find(",", comma + 1) < 0 and "." not in value:
        return value.replace(",", ".")
    return None


def _ungroup(value: str, point: str, grouping: str) -> str:
    """Remove thousands separators that group whole thousands; make ``point`` a ``.``.

    Raises:
        ValueError: a separator that is neither, or thousands grouped wrongly.
    """
    whole, _, fraction = value.partition(point)
    if any(mark in fraction for mark in _MARKS + grouping) or (point in fraction):
        raise ValueError(f"has a separator after its decimal separator {point!r}")
    for mark in _MARKS:
        if mark not in (point, grouping) and mark in whole:
            raise ValueError(f"has {mark!r}, which is neither the decimal nor the thousands separator")
    if grouping and grouping in whole:
        digits = whole.lstrip("+-")
        groups = digits.split(grouping)
        if not (1 <= len(groups[0]) <= 3) or any(len(group) != 3 for group in groups[1:]):
            raise ValueError(f"groups thousands wrongly for the thousands separator {grouping!r}")
        whole = whole[: len(whole) - len(digits)] + "".join(groups)
    return whole + ("." + fraction if point in value else "")
