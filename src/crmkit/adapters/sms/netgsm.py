"""Netgsm (Turkey) over its JSON REST v2 API.

``netgsm://USERCODE:PASSWORD@?sender=HEADER`` — the sender is an approved
message header (at most 11 characters). Requests use HTTP Basic auth with the
user code and password (per Netgsm's official SDK; unverified against the
live service, see ``shared/notes/integrations.md`` §2).

* send: ``POST /sms/rest/v2/send`` ``{"msgheader", "messages": [{"msg", "no"}], "encoding"?, "iysfilter"}``
  → ``{"code": "00", "jobid": …}``. ``encoding`` is ``"TR"`` when the text
  needs UCS-2 (option ``encoding=TR`` always sends it, ``encoding=none`` never).
  ``iysfilter`` is ``"0"`` for informational messages, ``"11"`` for commercial
  messages to individuals, ``"12"`` to merchants (İYS, M3).
* status: ``POST /sms/rest/v2/report`` ``{"jobids": [jobid]}``
  → ``{"code": "00", "jobs": [{"jobid", "status", "telno"}]}``; code ``60`` means no such job.
* callbacks: a JSON or form body with ``jobid`` + ``status`` (a delivery
  report) or ``gsmno``/``no`` + ``msg``/``message`` (an inbound SMS).

Error codes: ``20`` text, ``40`` sender header, ``50``/``51`` İYS, ``70`` bad
parameter are **permanent**; ``30`` credentials/IP (fixable by an operator),
``80``/``85`` rate limits, ``100``/``101``/``110`` system errors, HTTP 5xx and
network errors are **temporary**. Delivery status ``0`` pending, ``1``
delivered, ``2``-``17`` failed (the raw code is kept).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Self
from urllib.parse import parse_qsl

import httpx

from crmkit.adapters.sms._http import GatewayUrl, HttpGateway, e164_digits, to_e164
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.messaging import MessageKind
from crmkit.domain.sms import is_gsm7
from crmkit.hookspecs import AdapterContext
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus, InboundSms, SmsMessage

__all__ = ["NetgsmGateway"]

DEFAULT_BASE = "https://api.netgsm.com.tr"


def _status(raw: str) -> DeliveryStatus:
    if raw == "0":
        return DeliveryStatus.PENDING
    if raw == "1":
        return DeliveryStatus.DELIVERED
    if raw == "2":  # expired / timeout (the validity period ran out)
        return DeliveryStatus.EXPIRED
    if raw.isdigit():
        return DeliveryStatus.FAILED
    return DeliveryStatus.UNKNOWN


def _form_or_json(body: bytes) -> Any:
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError("callback", f"not JSON: {error}") from None
    return dict(parse_qsl(text, keep_blank_values=True))


class NetgsmGateway(HttpGateway):
    """Sends SMS through Netgsm's REST v2 API (see the module docs for the format).

    Args:
        config: the parsed ``netgsm://`` URL.
        transport: an httpx transport (tests only).
    """

    provider = "netgsm"
    PERMANENT = frozenset({"20", "40", "50", "51", "70"})

    def __init__(self, config: GatewayUrl, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        self.sender = config.options.get("sender", "")
        if not 1 <= len(self.sender) <= 11:
            raise ValidationError("sms", "netgsm:// needs ?sender=HEADER (1 to 11 characters)")
        self.encoding = config.options.get("encoding", "auto")
        if self.encoding not in ("auto", "TR", "none"):
            raise ValidationError("sms", "netgsm:// encoding is auto, TR or none")

    @classmethod
    def from_url(cls, url: str, context: AdapterContext | None = None) -> Self:
        """Build from ``netgsm://USERCODE:PASSWORD@?sender=HEADER[&base_url=…&timeout=…]``.

        Raises:
            ValidationError: on ``sms`` for missing credentials or sender.
        """
        return cls(GatewayUrl.parse(url, default_base=DEFAULT_BASE))

    def _auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.config.user, self.config.password)

    def _check(self, response: httpx.Response) -> dict[str, Any]:
        data = self.json_of(response)
        if not isinstance(data, dict):
            raise self.failure(f"http-{response.status_code}", "unexpected answer", permanent=False)
        code = str(data.get("code", f"http-{response.status_code}"))
        if code != "00":
            message = str(data.get("description") or data.get("message") or "refused")
            if response.status_code >= 500 and code not in self._permanent:
                raise self.failure(code, message, permanent=False)
            raise self.failure(code, message)
        return data

    def send(self, message: SmsMessage) -> str:
        """Send one SMS; return Netgsm's job id.

        Raises:
            DeliveryFailed: Netgsm refused it (see the module docs for which codes are permanent).
        """
        body: dict[str, Any] = {
            "msgheader": self.sender,
            "messages": [{"msg": message.text, "no": e164_digits(message.to)}],
        }
        if self.encoding == "TR" or (self.encoding == "auto" and not is_gsm7(message.text)):
            body["encoding"] = "TR"
        if message.kind is MessageKind.COMMERCIAL:
            body["iysfilter"] = "12" if message.recipient_type == "TACIR" else "11"
        else:
            body["iysfilter"] = "0"
        data = self._check(self.request("POST", "/sms/rest/v2/send", json=body, auth=self._auth()))
        return str(data["jobid"])

    def status(self, provider_id: str) -> DeliveryReport:
        """Ask Netgsm's report endpoint about one job.

        Raises:
            NotFound: Netgsm knows no such job (code 60).
            DeliveryFailed: Netgsm could not be asked.
        """
        response = self.request(
            "POST", "/sms/rest/v2/report", json={"jobids": [provider_id]}, auth=self._auth()
        )
        data = self.json_of(response)
        if isinstance(data, dict) and str(data.get("code")) == "60":
            raise NotFound("sms", provider_id)
        data = self._check(response)
        for job in data.get("jobs") or []:
            if str(job.get("jobid")) == provider_id:
                raw = str(job.get("status", ""))
                telno = job.get("telno")
                return DeliveryReport(
                    provider_id=provider_id,
                    status=_status(raw),
                    raw_status=raw,
                    recipient=to_e164(str(telno)) if telno else None,
                    error_code=str(job["errorcode"]) if job.get("errorcode") else None,
                )
        raise NotFound("sms", provider_id)

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Read a delivery report or inbound message Netgsm pushed (JSON or form-encoded).

        Raises:
            ValidationError: on ``callback`` when the body is neither.
        """
        data = _form_or_json(body)
        items = data if isinstance(data, list) else [data]
        out: list[DeliveryReport | InboundSms] = []
        for item in items:
            if not isinstance(item, dict):
                raise ValidationError("callback", "expected objects")
            if "jobid" in item and "status" in item:
                raw = str(item["status"])
                telno = item.get("telno") or item.get("gsmno")
                out.append(
                    DeliveryReport(
                        provider_id=str(item["jobid"]),
                        status=_status(raw),
                        raw_status=raw,
                        recipient=to_e164(str(telno)) if telno else None,
                    )
                )
                continue
            sender = item.get("gsmno") or item.get("no")
            text = item.get("msg") if "msg" in item else item.get("message")
            if not sender or text is None:
                raise ValidationError("callback", "not a Netgsm delivery report or inbound message")
            out.append(
                InboundSms(
                    sender=to_e164(str(sender)),
                    text=str(text),
                    to=str(item["msgheader"]) if item.get("msgheader") else None,
                    provider_id=str(item["id"]) if item.get("id") else None,
                )
            )
        return out
