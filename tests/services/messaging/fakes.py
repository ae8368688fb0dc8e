"""Gateways that record what they sent, with scripted failures and optional idempotency."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from crmkit.adapters.console import parse_development_callback
from crmkit.domain.errors import NotFound
from crmkit.domain.messaging import DeliveryFailed
from crmkit.ports.messaging import (
    DeliveryReport,
    DeliveryStatus,
    EmailMessage,
    InboundSms,
    SmsMessage,
)


class RecordingSms:
    """Records every SMS handed to it; fails as scripted per idempotency key.

    ``failures[key]`` is a list of errors raised on that key's successive sends
    (a permanent one is raised on every send from then on).
    With ``idempotent=True`` a key already delivered is not delivered again
    (its first provider id comes back), like a provider that honours keys.
    """

    def __init__(self, *, idempotent: bool = False) -> None:
        self.idempotent = idempotent
        self.failures: dict[str, list[DeliveryFailed]] = {}
        self.delivered: list[SmsMessage] = []
        self.attempts: list[str] = []
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        key = message.key or ""
        with self._lock:
            self.attempts.append(key)
            scripted = self.failures.get(key)
            if scripted:  # a permanent refusal stays; temporary ones are used up
                raise scripted[0] if scripted[0].permanent else scripted.pop(0)
            if self.idempotent and key in self._ids:
                return self._ids[key]
            provider_id = f"P{len(self.delivered) + 1}"
            self.delivered.append(message)
            self._ids.setdefault(key, provider_id)
            return provider_id

    def status(self, provider_id: str) -> DeliveryReport:
        with self._lock:
            if provider_id not in self._ids.values():
                raise NotFound("sms", provider_id)
        return DeliveryReport(provider_id=provider_id, status=DeliveryStatus.DELIVERED, raw_status="ok")

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        return parse_development_callback(body)

    def delivered_keys(self) -> list[str]:
        with self._lock:
            return [m.key or "" for m in self.delivered]


class RecordingEmail:
    """Records every e-mail handed to it."""

    def __init__(self) -> None:
        self.delivered: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> str:
        self.delivered.append(message)
        return f"<E{len(self.delivered)}@test>"
