"""Settings a host passes to :func:`crmkit.connect`: plain values, no environment reads."""

from __future__ import annotations

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.periods import DEFAULT_TIMEZONE

__all__ = ["Settings"]


def _region(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not (len(value) == 2 and value.isalpha() and value.isupper()):
        raise ValidationError(attribute.name, f"{value!r} is not a two-letter region code like 'TR'")


@attrs.frozen(kw_only=True)
class Settings:
    """Configuration of one CRM.

    Attributes:
        timezone: the company's time zone for periods and day boundaries (Q4).
        phone_region: the region assumed for phone numbers typed without a country code.
        regional_access: the A1 switch: on, employees see only customers whose
            micro-region code belongs to one of their teams.
        currency: the default currency of amounts.
    """

    timezone: str = DEFAULT_TIMEZONE
    phone_region: str = attrs.field(default="TR", validator=_region)
    regional_access: bool = False
    currency: str = "TRY"
