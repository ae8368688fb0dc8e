"""Settings a host passes to :func:`crmkit.connect`: plain values, no environment reads."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import DEFAULT_TIMEZONE

__all__ = ["Settings"]


def _region(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not (len(value) == 2 and value.isalpha() and value.isupper()):
        raise ValidationError(attribute.name, f"{value!r} is not a two-letter region code like 'TR'")


def _zone(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValidationError(attribute.name, f"{value!r} is not an IANA time zone like 'Europe/Istanbul'")
    try:
        ZoneInfo(value)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ValidationError(attribute.name, f"{value!r} is not an IANA time zone") from None


def _positive(_: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(attribute.name, "a positive duration, like 72 hours")


@attrs.frozen(kw_only=True)
class Settings:
    """Configuration of one CRM.

    Attributes:
        timezone: the company's time zone for periods and day boundaries (Q4).
        phone_region: the region assumed for phone numbers typed without a country code.
        regional_access: the A1 switch: on, employees see only customers whose
            micro-region code belongs to one of their teams.
        currency: the default currency of amounts.
        delivery_report_horizon: how long after sending ``crm.deliveries.poll()`` asks the
            provider about an SMS; older ones without a final report are recorded expired
            (72 hours, the usual SMS validity period; SPEC §9).
    """

    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, validator=_zone)
    phone_region: str = attrs.field(default="TR", validator=_region)
    regional_access: bool = False
    currency: str = "TRY"
    delivery_report_horizon: timedelta = attrs.field(default=timedelta(hours=72), validator=_positive)
