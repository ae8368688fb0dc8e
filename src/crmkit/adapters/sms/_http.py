"""What the HTTP SMS gateways share: URL parsing, an httpx client, error mapping.

A gateway URL carries the credentials and options, never logged::

    netgsm://USERCODE:PASSWORD@?sender=ACME
    iletimerkezi://KEY:HASH@?sender=ACME
    twilio://ACCOUNT_SID:AUTH_TOKEN@?from=%2B15005550006

Options every HTTP gateway reads from the query string:

* ``base_url``: where the API lives (default: the provider's production
  address; a local emulator in tests). A host in the URL
  (``netgsm://u:p@api.example.com``) means ``https://`` that host.
* ``timeout``: seconds for connect/read/write (default 10).
* ``permanent`` / ``temporary``: comma-separated provider error codes that
  override the built-in classification (providers add codes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs
import httpx

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import DeliveryFailed

__all__ = ["GatewayUrl", "HttpGateway", "e164_digits", "to_e164"]


@attrs.frozen
class GatewayUrl:
    """A parsed gateway URL.

    Attributes:
        scheme: the URL scheme.
        user: the first credential (user code, API key, account SID).
        password: the second credential; never shown in ``repr``.
        base_url: where the API lives.
        timeout: seconds per request phase.
        options: every other query option.
    """

    scheme: str
    user: str
    password: str = attrs.field(repr=False)
    base_url: str
    timeout: float
    options: Mapping[str, str]

    @classmethod
    def parse(cls, url: str, *, default_base: str) -> GatewayUrl:
        """Parse ``scheme://user:password@[host]?options``.

        Raises:
            ValidationError: on ``sms`` when credentials are missing or an option is malformed
                (the message never repeats the password).
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        user = unquote(parts.username or "")
        password = unquote(parts.password or "")
        if not user or not password:
            raise ValidationError("sms", f"{scheme}:// needs credentials: '{scheme}://USER:SECRET@?…'")
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        host = parts.hostname
        base_url = options.pop("base_url", "") or (f"https://{host}" if host else default_base)
        try:
            timeout = float(options.pop("timeout", "10"))
        except ValueError:
            raise ValidationError("sms", f"{scheme}:// timeout must be a number of seconds") from None
        if timeout <= 0:
            raise ValidationError("sms", f"{scheme}:// timeout must be positive")
        return cls(scheme, user, password, base_url.rstrip("/"), timeout, options)

    def codes(self, name: str) -> frozenset[str]:
        """The comma-separated codes of option ``name`` (empty when absent)."""
        return frozenset(c.strip() for c in self.options.get(name, "").split(",") if c.strip())


def to_e164(number: str, *, default_country: str = "90") -> str:
    """A provider's number (``905321234567``, ``5321234567``, ``+90…``) as E.164.

    >>> to_e164("905321234567"), to_e164("5321234567"), to_e164("+15005550006")
    ('+905321234567', '+905321234567', '+15005550006')

    Raises:
        ValidationError: on ``sender`` when it holds no digits.
    """
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        raise ValidationError("sender", f"{number!r} is not a phone number")
    if number.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return f"+{default_country}{digits[1:]}"
    if len(digits) == 10 and default_country == "90":
        return f"+90{digits}"
    return "+" + digits


def e164_digits(number: str) -> str:
    """An E.164 number without its ``+`` (``905321234567``), as Turkish providers want it."""
    return number.removeprefix("+")


class HttpGateway:
    """An httpx client with crmkit's error mapping; the base of the HTTP SMS gateways.

    Args:
        config: the parsed URL.
        provider: the provider's name, for errors.
        transport: an httpx transport (tests only; default: the network).
    """

    provider = "http"
    idempotent = False
    """None of the HTTP providers deduplicates a repeated send."""
    PERMANENT: frozenset[str] = frozenset()
    """Provider error codes that retrying cannot fix."""

    def __init__(self, config: GatewayUrl, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self._client = httpx.Client(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.timeout),
            transport=transport,
            headers={"User-Agent": "crmkit"},
        )
        self._permanent = (self.PERMANENT | config.codes("permanent")) - config.codes("temporary")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r}, user={self.config.user!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def is_permanent(self, code: str) -> bool:
        """Whether the provider's error ``code`` is a permanent failure (URL overrides applied)."""
        return code in self._permanent

    def failure(self, code: str, message: str, *, permanent: bool | None = None) -> DeliveryFailed:
        """A :class:`DeliveryFailed` for a provider error code."""
        if permanent is None:
            permanent = self.is_permanent(code)
        return DeliveryFailed(self.provider, code, message, permanent=permanent)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; network trouble becomes a temporary :class:`DeliveryFailed`.

        A timeout after the request was written may have reached the provider:
        it is flagged ``maybe_sent``.
        """
        try:
            return self._client.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise DeliveryFailed(
                self.provider, "network", f"cannot connect: {type(error).__name__}", permanent=False
            ) from None
        except httpx.TransportError as error:
            raise DeliveryFailed(
                self.provider,
                "network",
                f"no answer: {type(error).__name__}",
                permanent=False,
                maybe_sent=True,
            ) from None

    def json_of(self, response: httpx.Response) -> Any:
        """The JSON body, or a temporary failure naming the HTTP status when there is none."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            code = f"http-{response.status_code}"
            permanent = 400 <= response.status_code < 500 and response.status_code not in (401, 403, 408, 429)
            raise DeliveryFailed(self.provider, code, "the answer is not JSON", permanent=permanent) from None
