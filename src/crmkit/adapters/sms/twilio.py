"""Twilio over its REST API (form-encoded), without the Twilio SDK.

``twilio://ACCOUNT_SID:AUTH_TOKEN@?from=%2B15005550006`` (or
``?messaging_service=MG…``); ``status_callback=URL`` asks Twilio to post
delivery reports there, and ``webhook_url=URL`` (the public URL Twilio posts
to) turns on ``X-Twilio-Signature`` checks in :meth:`TwilioGateway.parse_callback`.

* send: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with ``To``,
  ``From`` or ``MessagingServiceSid``, ``Body``, ``StatusCallback``?; HTTP Basic
  auth; reply 201 ``{"sid": "SM…", "status": "queued", …}``.
* status: ``GET /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json``; 404 = none.
* callbacks (form-encoded): ``MessageSid`` + ``MessageStatus`` is a delivery
  report; ``From`` + ``Body`` (``SmsStatus=received``) an inbound SMS.

Errors come as ``{"code": 21211, "message", "status": 400}``. Codes meaning
"this message can never go" are **permanent**: 21211 invalid To, 21408 region
not enabled, 21610 recipient opted out (STOP), 21612 unroutable, 21614 not a
mobile, 21617 body too long, 21606/21659/21660 bad From; any other 4xx is
permanent too, except 401/403/404 (account set-up) and 429 (rate limit),
which are **temporary** with 5xx and network errors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any, Self
from urllib.parse import parse_qsl

import httpx

from crmkit.adapters.sms._http import GatewayUrl, HttpGateway, to_e164
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.hookspecs import AdapterContext
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus, InboundSms, SmsMessage

__all__ = ["TwilioGateway", "twilio_signature"]

DEFAULT_BASE = "https://api.twilio.com"

_STATUS = {
    "accepted": DeliveryStatus.PENDING,
    "scheduled": DeliveryStatus.PENDING,
    "queued": DeliveryStatus.PENDING,
    "sending": DeliveryStatus.PENDING,
    "sent": DeliveryStatus.PENDING,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL and the sorted form fields.

    >>> twilio_signature("token", "https://example.com/sms", {"b": "2", "a": "1"})
    '2cT9LFqHRsKo9nXCP465refcFzg='
    """
    payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class TwilioGateway(HttpGateway):
    """Sends SMS through Twilio's Messages API (see the module docs for the format).

    Args:
        config: the parsed ``twilio://`` URL.
        transport: an httpx transport (tests only).
    """

    provider = "twilio"
    PERMANENT = frozenset({"21211", "21408", "21610", "21612", "21614", "21617", "21606", "21659", "21660"})

    def __init__(self, config: GatewayUrl, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        self.from_ = config.options.get("from", "")
        self.messaging_service = config.options.get("messaging_service", "")
        if bool(self.from_) == bool(self.messaging_service):
            raise ValidationError(
                "sms", "twilio:// needs exactly one of ?from=+E164 or ?messaging_service=MG…"
            )
        self.status_callback = config.options.get("status_callback", "")
        self.webhook_url = config.options.get("webhook_url", "")

    @classmethod
    def from_url(cls, url: str, context: AdapterContext | None = None) -> Self:
        """Build from ``twilio://ACCOUNT_SID:AUTH_TOKEN@?from=…[&base_url=…&timeout=…]``.

        Raises:
            ValidationError: on ``sms`` for missing credentials or sender.
        """
        return cls(GatewayUrl.parse(url, default_base=DEFAULT_BASE))

    @property
    def _messages(self) -> str:
        return f"/2010-04-01/Accounts/{self.config.user}/Messages"

    def _auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.config.user, self.config.password)

    def _error(self, response: httpx.Response) -> Exception:
        data: Any = self.json_of(response) if response.content else {}
        code = str(data.get("code") or f"http-{response.status_code}") if isinstance(data, dict) else ""
        message = str(data.get("message") or "refused") if isinstance(data, dict) else "refused"
        if code in self._permanent:
            return self.failure(code, message, permanent=True)
        status = response.status_code
        permanent = 400 <= status < 500 and status not in (401, 403, 404, 408, 429)
        if code in self.config.codes("temporary"):
            permanent = False
        return self.failure(code, message, permanent=permanent)

    def send(self, message: SmsMessage) -> str:
        """Send one SMS; return Twilio's message SID.

        Raises:
            DeliveryFailed: Twilio refused it (see the module docs for which codes are permanent).
        """
        form = {"To": message.to, "Body": message.text}
        if self.from_:
            form["From"] = self.from_
        else:
            form["MessagingServiceSid"] = self.messaging_service
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        response = self.request("POST", f"{self._messages}.json", data=form, auth=self._auth())
        if response.status_code not in (200, 201):
            raise self._error(response)
        data = self.json_of(response)
        return str(data["sid"])

    def status(self, provider_id: str) -> DeliveryReport:
        """Fetch one message resource.

        Raises:
            NotFound: Twilio knows no such message (404).
            DeliveryFailed: Twilio could not be asked.
        """
        response = self.request("GET", f"{self._messages}/{provider_id}.json", auth=self._auth())
        if response.status_code == 404:
            raise NotFound("sms", provider_id)
        if response.status_code != 200:
            raise self._error(response)
        data = self.json_of(response)
        raw = str(data.get("status", ""))
        return DeliveryReport(
            provider_id=provider_id,
            status=_STATUS.get(raw, DeliveryStatus.UNKNOWN),
            raw_status=raw,
            recipient=data.get("to"),
            error_code=str(data["error_code"]) if data.get("error_code") else None,
        )

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Read a status callback or an incoming-message webhook (form-encoded).

        With ``webhook_url`` set, the ``X-Twilio-Signature`` header must match.

        Raises:
            ValidationError: on ``callback`` for a bad signature or an unknown body.
        """
        form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        if self.webhook_url:
            given = {k.lower(): v for k, v in headers.items()}.get("x-twilio-signature", "")
            expected = twilio_signature(self.config.password, self.webhook_url, form)
            if not hmac.compare_digest(given, expected):
                raise ValidationError("callback", "X-Twilio-Signature does not match")
        if form.get("MessageSid") and form.get("MessageStatus"):
            raw = form["MessageStatus"]
            return [
                DeliveryReport(
                    provider_id=form["MessageSid"],
                    status=_STATUS.get(raw, DeliveryStatus.UNKNOWN),
                    raw_status=raw,
                    recipient=form.get("To") or None,
                    error_code=form.get("ErrorCode") or None,
                )
            ]
        if form.get("From") and "Body" in form:
            return [
                InboundSms(
                    sender=to_e164(form["From"]),
                    text=form["Body"],
                    to=form.get("To") or None,
                    provider_id=form.get("MessageSid") or form.get("SmsSid") or None,
                )
            ]
        raise ValidationError("callback", "not a Twilio status callback or incoming message")
