"""Settings refuse a time zone that does not exist, at once (Q4: periods and day boundaries use it).

Before, ``connect(timezone="Mars/Base")`` was accepted and the error surfaced later as a raw
``ZoneInfoNotFoundError`` (the PUAN reply) or blamed the import's ``url``.
"""

from __future__ import annotations

import pytest

import crmkit
from crmkit.domain.errors import ValidationError
from crmkit.domain.settings import Settings


@pytest.mark.parametrize("zone", ["Mars/Base", "", "../etc/passwd", None, 3])
def test_an_unknown_time_zone_names_timezone(zone: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(timezone=zone)  # type: ignore[arg-type]
    assert caught.value.field == "timezone"


def test_connect_checks_the_time_zone_before_building_anything() -> None:
    with pytest.raises(ValidationError) as caught:
        crmkit.connect(timezone="Mars/Base", load_entrypoints=False)
    assert caught.value.field == "timezone"
    assert Settings(timezone="Europe/Istanbul").timezone == "Europe/Istanbul"
