"""İleti Merkezi (Turkey) over its JSON API.

``iletimerkezi://KEY:HASH@?sender=HEADER`` — the API key and the hash made
in İleti Merkezi's panel (taken ready-made, as the official client does).

* send: ``POST /v1/send-sms/json``
  ``{"request": {"authentication": {"key", "hash"}, "order": {"sender", "iys", "iysList"?,
  "message": {"text", "receipents": {"number": [...]}}}}}`` — the key is spelled
  ``receipents`` by the provider. Numbers go as ``5321234567`` for Turkish
  numbers (option ``numbers=international`` sends ``905321234567``).
  Commercial messages carry ``"iys": "1"`` and ``"iysList"`` (``BIREYSEL``/``TACIR``);
  informational ones ``"iys": "0"``.
  Reply ``{"response": {"status": {"code": "200", "message"}, "order": {"id"}}}``.
* status: ``POST /v1/get-report/json`` with ``{"order": {"id", "page": 1, "rowCount": 1000}}``;
  message status ``110`` sending, ``111`` delivered, ``112`` failed; ``455`` no such order.
* callbacks: a JSON webhook ``{"report": {"id", "packet_id", "status", "to"}}``
  (delivery) or ``{"inbound": {"from", "message", "to"?}}``; the inbound shape
  is not documented publicly and is an assumption (plain ``from``/``message``
  fields are accepted too).

Error codes: ``400`` bad request, ``450`` sender not approved, ``451``
duplicate order (the same text to the same numbers within 10 minutes: an earlier
attempt got through), ``452`` bad recipients, ``453`` too long, ``454`` empty
text, ``457`` bad date are **permanent**; ``401`` credentials or IP, ``402``
balance, ``404`` endpoint, 5xx and network errors are **temporary**.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import httpx

from crmkit.adapters.sms._http import GatewayUrl, HttpGateway, e164_digits, to_e164
from crmkit.adapters.sms.callbacks import json_objects
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.messaging import MessageKind
from crmkit.hookspecs import AdapterContext
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus, InboundSms, SmsMessage

__all__ = ["IletiMerkeziGateway"]

DEFAULT_BASE = "https://api.iletimerkezi.com"

_STATUS = {
    "110": DeliveryStatus.PENDING,
    "111": DeliveryStatus.DELIVERED,
    "112": DeliveryStatus.FAILED,
    "113": DeliveryStatus.PENDING,
    "114": DeliveryStatus.DELIVERED,
    "115": DeliveryStatus.FAILED,
}


class IletiMerkeziGateway(HttpGateway):
    """Sends SMS through İleti Merkezi's JSON API (see the module docs for the format).

    Args:
        config: the parsed ``iletimerkezi://`` URL.
        transport: an httpx transport (tests only).
    """

    provider = "iletimerkezi"
    PERMANENT = frozenset({"400", "450", "451", "452", "453", "454", "457"})

    def __init__(self, config: GatewayUrl, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        self.sender = config.options.get("sender", "")
        if not self.sender:
            raise ValidationError("sms", "iletimerkezi:// needs ?sender=HEADER")
        self.numbers = config.options.get("numbers", "national")
        if self.numbers not in ("national", "international"):
            raise ValidationError("sms", "iletimerkezi:// numbers is national or international")

    @classmethod
    def from_url(cls, url: str, context: AdapterContext | None = None) -> Self:
        """Build from ``iletimerkezi://KEY:HASH@?sender=HEADER[&base_url=…&timeout=…]``.

        Raises:
            ValidationError: on ``sms`` for missing credentials or sender.
        """
        return cls(GatewayUrl.parse(url, default_base=DEFAULT_BASE))

    def _number(self, e164: str) -> str:
        digits = e164_digits(e164)
        if self.numbers == "national" and digits.startswith("90") and len(digits) == 12:
            return digits[2:]
        return digits

    def _post(self, path: str, order: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        auth = {"key": self.config.user, "hash": self.config.password}
        response = self.request("POST", path, json={"request": {"authentication": auth, "order": order}})
        data = self.json_of(response)
        reply = data.get("response") if isinstance(data, dict) else None
        if not isinstance(reply, dict):
            raise self.failure(f"http-{response.status_code}", "unexpected answer", permanent=False)
        status = reply.get("status") or {}
        code = str(status.get("code", response.status_code))
        return code, reply

    def _raise(self, code: str, reply: dict[str, Any]) -> None:
        message = str((reply.get("status") or {}).get("message") or "refused")
        raise self.failure(code, message, permanent=False if code.startswith("5") else None)

    def send(self, message: SmsMessage) -> str:
        """Send one SMS; return İleti Merkezi's order id.

        Raises:
            DeliveryFailed: the provider refused it (see the module docs for which codes are permanent).
        """
        order: dict[str, Any] = {
            "sender": self.sender,
            "sendDateTime": [],
            "message": {"text": message.text, "receipents": {"number": [self._number(message.to)]}},
        }
        if message.kind is MessageKind.COMMERCIAL:
            order["iys"] = "1"
            order["iysList"] = "TACIR" if message.recipient_type == "TACIR" else "BIREYSEL"
        else:
            order["iys"] = "0"
        code, reply = self._post("/v1/send-sms/json", order)
        if code != "200":
            self._raise(code, reply)
        return str((reply.get("order") or {})["id"])

    def status(self, provider_id: str) -> DeliveryReport:
        """Ask the report endpoint about one order (its first message).

        Raises:
            NotFound: no such order (455).
            DeliveryFailed: the provider could not be asked.
        """
        order_id: int | str = int(provider_id) if provider_id.isdigit() else provider_id
        code, reply = self._post("/v1/get-report/json", {"id": order_id, "page": 1, "rowCount": 1000})
        if code == "455":
            raise NotFound("sms", provider_id)
        if code != "200":
            self._raise(code, reply)
        order = reply.get("order") or {}
        messages = order.get("message") or []
        if messages:
            first = messages[0]
            raw = str(first.get("status", ""))
            number = first.get("number")
            recipient = to_e164(str(number)) if number else None
        else:
            raw, recipient = str(order.get("status", "")), None
        return DeliveryReport(
            provider_id=provider_id,
            status=_STATUS.get(raw, DeliveryStatus.UNKNOWN),
            raw_status=raw,
            recipient=recipient,
        )

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Read a webhook body (JSON object or list; see the module docs).

        Raises:
            ValidationError: on ``callback`` when the body is neither a report nor an inbound message.
        """
        out: list[DeliveryReport | InboundSms] = []
        for item in json_objects(body):
            if isinstance(item.get("report"), dict):
                report = item["report"]
                raw = str(report.get("status", ""))
                number = report.get("to")
                out.append(
                    DeliveryReport(
                        provider_id=str(report.get("id", "")),
                        status=_STATUS.get(raw, DeliveryStatus.UNKNOWN),
                        raw_status=raw,
                        recipient=to_e164(str(number)) if number else None,
                    )
                )
                continue
            nested = item.get("inbound")
            inbound: dict[str, Any] = nested if isinstance(nested, dict) else item
            sender, text = inbound.get("from"), inbound.get("message")
            if not sender or not isinstance(text, str):
                raise ValidationError("callback", "not an İleti Merkezi report or inbound message")
            out.append(
                InboundSms(
                    sender=to_e164(str(sender)),
                    text=text,
                    to=str(inbound["to"]) if inbound.get("to") else None,
                    provider_id=str(inbound["id"]) if inbound.get("id") else None,
                )
            )
        return out
