"""What reading an SMS gateway's JSON webhook shares, whatever the gateway (§8 delivery reports, inbound SMS).

Used by İleti Merkezi and by the development gateways of :mod:`crmkit.adapters.console`;
it imports no HTTP client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crmkit.domain.errors import ValidationError

__all__ = ["json_objects"]


def json_objects(body: bytes) -> Iterator[dict[str, Any]]:
    """The JSON objects of a webhook ``body``, one by one: one object or a list of them, UTF-8.

    Raises:
        ValidationError: on ``callback`` when the body is not JSON or holds anything but objects.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError("callback", f"not JSON: {error}") from None
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError("callback", "expected JSON objects")
        yield item
