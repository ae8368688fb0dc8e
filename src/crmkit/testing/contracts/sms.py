"""The SMS gateway contract (SPEC §9 "SMS gateway", M3, V6/V7), checked against the provider's side too.

A gateway can pass every call-level check and still lose a customer's message
on its way to the provider, or mistake a dead number for a busy line. So the
suite also watches the provider through a *recording peer* — the local
emulator the gateway talks to in the test — given as the ``provider``
fixture (:class:`~crmkit.testing.contracts.SmsProvider`).

Fixtures:

* ``gateway``: the :class:`~crmkit.ports.messaging.SmsGateway` under test,
  talking to the provider of ``provider``, which accepts every message to a
  valid number unless told otherwise;
* ``inbound_callback``: ``(body, headers)`` of a webhook request carrying an
  inbound SMS reading ``PUAN`` from ``+905321234567``;
* ``provider``: an :class:`~crmkit.testing.contracts.SmsProvider`.

Each test names the rule it guards: SPEC §9 (the port), M3 (consent, İYS
message types), V6/V7 (inbound keywords), and the port's docstrings in
:mod:`crmkit.ports.messaging`; ``DeliveryFailed.permanent`` is defined in
:class:`crmkit.domain.messaging.DeliveryFailed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import pytest

from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.messaging import DeliveryFailed, MessageKind
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus, InboundSms, SmsGateway, SmsMessage

__all__ = ["TO", "SmsGatewayContract", "SmsProvider"]

TO = "+905321234567"
"""The recipient the suite sends to (a Turkish mobile number in E.164)."""
OTHER = "+905339876543"


class SmsProvider(Protocol):
    """The provider's side of a bound gateway: what it received, how it refuses, what it pushes.

    Attributes:
        refuses: ``False`` only for a development gateway whose "provider"
            can never refuse a message (console, file); the two refusal
            tests are then skipped with that reason.
    """

    refuses: bool

    def received(self) -> list[tuple[str, str]]:
        """``(recipient, text)`` of every message the provider accepted, oldest first.

        The recipient in E.164 (``+905321234567``), whatever form the
        provider's API uses; the text exactly as the provider got it.
        """
        ...

    def refuse_next(self, *, permanent: bool) -> None:
        """Make the provider refuse the next message it is sent.

        ``permanent=True``: with an error no retry can cure (an invalid or
        blocked number, a refused sender name); ``permanent=False``: with one
        a later retry may pass (rate limit, provider outage).
        """
        ...

    def report(self, provider_id: str) -> tuple[bytes, Mapping[str, str]]:
        """``(body, headers)`` of the callback the provider pushes when this message is delivered."""
        ...


class SmsGatewayContract:
    """What every :class:`~crmkit.ports.messaging.SmsGateway` promises (SPEC §9, M3, V6/V7)."""

    def test_is_an_sms_gateway(self, gateway: SmsGateway) -> None:
        """§9: the adapter satisfies the port, ``idempotent`` included."""
        assert isinstance(gateway, SmsGateway)
        assert isinstance(gateway.idempotent, bool)

    def test_send_returns_a_provider_id_per_message(self, gateway: SmsGateway) -> None:
        """§9 (SmsGateway.send): every send returns the provider's own, distinct message id."""
        first = gateway.send(SmsMessage(TO, "Randevunuz yarın 10:00", key="k-1"))
        second = gateway.send(SmsMessage(TO, "Randevunuz yarın 11:00", key="k-2"))
        assert isinstance(first, str) and first
        assert isinstance(second, str) and second
        assert first != second

    def test_turkish_long_and_commercial_texts_are_accepted(self, gateway: SmsGateway) -> None:
        """§9, M3: UCS-2 text over one part, and a commercial message with its İYS type."""
        long_text = "Şubat kampanyası: " + "ğüşiöç " * 30
        assert gateway.send(SmsMessage(TO, long_text, key="k-long"))
        commercial = SmsMessage(
            TO, "Kampanya", key="k-c", kind=MessageKind.COMMERCIAL, recipient_type="TACIR"
        )
        assert gateway.send(commercial)

    def test_the_provider_gets_each_recipient_and_text_unchanged(
        self, gateway: SmsGateway, provider: SmsProvider
    ) -> None:
        """§9 (SmsGateway.send): the provider gets the recipient and every character of the text.

        Turkish letters and a multi-part length included; nothing altered, nothing dropped.
        """
        before = len(provider.received())
        sent = [
            (TO, "Randevunuz yarın 10:00 — İyi günler, Çağla Hanım"),
            (OTHER, "Puanınız: 120. Şubat kampanyası: " + "ığüşöçİĞÜŞÖÇ " * 12),
            (TO, "Order #42 shipped [ok] {1/2} ~ €5"),
        ]
        for n, (to, text) in enumerate(sent):
            gateway.send(SmsMessage(to, text, key=f"k-peer-{n}"))
        got = provider.received()[before:]
        assert got == sent, f"the provider received {got!r}, the gateway was asked to send {sent!r}"

    def test_a_permanent_refusal_is_a_permanent_failure(
        self, gateway: SmsGateway, provider: SmsProvider
    ) -> None:
        """§9, DeliveryFailed.permanent: an error no retry can cure is a permanent failure.

        So the outbox dead-letters the message at once instead of retrying it for ever.
        """
        if not provider.refuses:
            pytest.skip("this gateway's provider never refuses a message (a development gateway)")
        provider.refuse_next(permanent=True)
        with pytest.raises(DeliveryFailed) as raised:
            gateway.send(SmsMessage(TO, "Kalıcı hata", key="k-permanent"))
        assert raised.value.permanent, f"a permanent refusal came back temporary: {raised.value}"

    def test_a_temporary_refusal_is_a_temporary_failure(
        self, gateway: SmsGateway, provider: SmsProvider
    ) -> None:
        """§9, DeliveryFailed.permanent: a refusal a retry may pass (rate limit, outage) is temporary.

        So the outbox retries with backoff instead of dropping the message.
        """
        if not provider.refuses:
            pytest.skip("this gateway's provider never refuses a message (a development gateway)")
        provider.refuse_next(permanent=False)
        with pytest.raises(DeliveryFailed) as raised:
            gateway.send(SmsMessage(TO, "Geçici hata", key="k-temporary"))
        assert not raised.value.permanent, f"a temporary refusal came back permanent: {raised.value}"

    def test_status_of_a_sent_message_names_it(self, gateway: SmsGateway) -> None:
        """§9 (SmsGateway.status): status is asked by the id ``send`` returned."""
        provider_id = gateway.send(SmsMessage(TO, "Puanınız: 120", key="k-status"))
        report = gateway.status(provider_id)
        assert isinstance(report, DeliveryReport)
        assert report.provider_id == provider_id
        assert report.raw_status != ""

    def test_status_of_an_unknown_message_is_not_found(self, gateway: SmsGateway) -> None:
        """§9 (SmsGateway.status): an id the provider never issued raises NotFound."""
        with pytest.raises(NotFound):
            gateway.status("999999999")

    def test_a_pushed_delivery_report_is_read(self, gateway: SmsGateway, provider: SmsProvider) -> None:
        """§9 (SmsGateway.parse_callback): a pushed delivery report is read, never dropped.

        It becomes a DeliveryReport naming the message the provider reported on.
        """
        provider_id = gateway.send(SmsMessage(TO, "Teslim raporu", key="k-report"))
        body, headers = provider.report(provider_id)
        items = gateway.parse_callback(body, headers)
        reports = [item for item in items if isinstance(item, DeliveryReport)]
        assert [r.provider_id for r in reports] == [provider_id], f"parse_callback gave {items!r}"
        assert reports[0].status is DeliveryStatus.DELIVERED

    def test_inbound_callback_is_parsed_to_e164(
        self, gateway: SmsGateway, inbound_callback: tuple[bytes, Mapping[str, str]]
    ) -> None:
        """§9, V6/V7, M3: an inbound webhook becomes an InboundSms with an E.164 sender."""
        body, headers = inbound_callback
        items = gateway.parse_callback(body, headers)
        inbound = [item for item in items if isinstance(item, InboundSms)]
        assert len(inbound) == 1
        assert inbound[0].sender == TO
        assert inbound[0].text.strip() == "PUAN"

    def test_a_foreign_callback_is_refused(self, gateway: SmsGateway) -> None:
        """§9 (SmsGateway.parse_callback): a body that is not this provider's raises ValidationError."""
        with pytest.raises(ValidationError):
            gateway.parse_callback(b"\x00 not a callback \x00", {})
