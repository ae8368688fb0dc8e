"""Contract suites for the messaging ports: SMS gateways and e-mail senders (SPEC §9, issue 6).

Bind them like the storage suites, by subclassing under a ``Test*`` name and
giving the fixtures they need::

    import pytest
    from crmkit.testing.contracts import SmsGatewayContract

    class TestAcme(SmsGatewayContract):
        @pytest.fixture
        def gateway(self, httpserver):        # pytest-httpserver emulating the provider
            ...
            return AcmeGateway.from_url(f"acme://user:key@?base_url={httpserver.url_for('')}")

        @pytest.fixture
        def inbound_callback(self):
            # a webhook body the provider sends for "PUAN" from +905321234567
            return b'{"from": "905321234567", "text": "PUAN"}', {"Content-Type": "application/json"}

Fixtures:

* ``SmsGatewayContract``: ``gateway`` (an :class:`~crmkit.ports.messaging.SmsGateway`
  whose provider accepts every message to valid numbers — a local emulator),
  ``inbound_callback`` (``(body, headers)`` of an inbound SMS reading ``PUAN``
  from ``+905321234567``).
* ``EmailSenderContract``: ``sender`` (an :class:`~crmkit.ports.messaging.EmailSender`)
  and ``delivered`` (a callable returning what arrived, as
  :class:`~crmkit.ports.messaging.EmailMessage` values, oldest first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.messaging import MessageKind
from crmkit.ports.messaging import (
    Attachment,
    DeliveryReport,
    EmailMessage,
    EmailSender,
    InboundSms,
    SmsGateway,
    SmsMessage,
)

__all__ = ["EmailSenderContract", "SmsGatewayContract"]

TO = "+905321234567"


class SmsGatewayContract:
    """What every :class:`~crmkit.ports.messaging.SmsGateway` promises (§9, issue 6 items 1, 3, 5)."""

    def test_is_an_sms_gateway(self, gateway: SmsGateway) -> None:
        """§9: the adapter satisfies the port, ``idempotent`` included."""
        assert isinstance(gateway, SmsGateway)
        assert isinstance(gateway.idempotent, bool)

    def test_send_returns_a_provider_id_per_message(self, gateway: SmsGateway) -> None:
        """Item 1: every send returns the provider's own, distinct message id."""
        first = gateway.send(SmsMessage(TO, "Randevunuz yarın 10:00", key="k-1"))
        second = gateway.send(SmsMessage(TO, "Randevunuz yarın 11:00", key="k-2"))
        assert isinstance(first, str) and first
        assert isinstance(second, str) and second
        assert first != second

    def test_turkish_long_and_commercial_texts_are_accepted(self, gateway: SmsGateway) -> None:
        """Item 1, M3: UCS-2 text over one part, and a commercial message with its İYS type."""
        long_text = "Şubat kampanyası: " + "ğüşiöç " * 30
        assert gateway.send(SmsMessage(TO, long_text, key="k-long"))
        commercial = SmsMessage(
            TO, "Kampanya", key="k-c", kind=MessageKind.COMMERCIAL, recipient_type="TACIR"
        )
        assert gateway.send(commercial)

    def test_status_of_a_sent_message_names_it(self, gateway: SmsGateway) -> None:
        """Item 1: delivery status is asked by the id :meth:`send` returned."""
        provider_id = gateway.send(SmsMessage(TO, "Puanınız: 120", key="k-status"))
        report = gateway.status(provider_id)
        assert isinstance(report, DeliveryReport)
        assert report.provider_id == provider_id
        assert report.raw_status != ""

    def test_status_of_an_unknown_message_is_not_found(self, gateway: SmsGateway) -> None:
        """Item 1: an id the provider never issued raises NotFound."""
        with pytest.raises(NotFound):
            gateway.status("999999999")

    def test_inbound_callback_is_parsed_to_e164(
        self, gateway: SmsGateway, inbound_callback: tuple[bytes, Mapping[str, str]]
    ) -> None:
        """Item 5: an inbound webhook becomes an InboundSms with an E.164 sender."""
        body, headers = inbound_callback
        items = gateway.parse_callback(body, headers)
        inbound = [item for item in items if isinstance(item, InboundSms)]
        assert len(inbound) == 1
        assert inbound[0].sender == TO
        assert inbound[0].text.strip() == "PUAN"

    def test_a_foreign_callback_is_refused(self, gateway: SmsGateway) -> None:
        """Item 1: a body that is not this provider's callback raises ValidationError."""
        with pytest.raises(ValidationError):
            gateway.parse_callback(b"\x00 not a callback \x00", {})


class EmailSenderContract:
    """What every :class:`~crmkit.ports.messaging.EmailSender` promises (§9, issue 6 items 1, 4)."""

    def test_is_an_email_sender(self, sender: EmailSender) -> None:
        """§9: the adapter satisfies the port."""
        assert isinstance(sender, EmailSender)

    def test_utf8_subject_body_and_name_arrive_intact(
        self, sender: EmailSender, delivered: Callable[[], list[EmailMessage]]
    ) -> None:
        """Item 4: Turkish subject, body and display name survive the trip."""
        message = EmailMessage(
            "Ayşe Yılmaz <ayse@example.com.tr>",
            "Şubat teklifi — İğne",
            "Merhaba Ayşe Hanım,\nEkte.",
            key=None,
        )
        message_id = sender.send(message)
        assert isinstance(message_id, str) and message_id
        got = delivered()[-1]
        assert "ayse@example.com.tr" in got.to
        assert got.subject == message.subject
        assert got.body.rstrip("\n") == message.body

    def test_attachments_arrive_byte_for_byte(
        self, sender: EmailSender, delivered: Callable[[], list[EmailMessage]]
    ) -> None:
        """Item 4: attachments keep their name, type and exact bytes."""
        pdf = Attachment("teklif-şubat.pdf", "application/pdf", bytes(range(256)) * 4)
        csv = Attachment("liste.csv", "text/csv", "ad;şehir\nAyşe;İzmir\n".encode())
        sender.send(EmailMessage("ali@example.com", "Ekler", "İki ek.", [pdf, csv]))
        got = delivered()[-1]
        assert [(a.filename, a.media_type, a.content) for a in got.attachments] == [
            (pdf.filename, pdf.media_type, pdf.content),
            (csv.filename, csv.media_type, csv.content),
        ]

    def test_every_send_is_delivered_once_with_a_distinct_id(
        self, sender: EmailSender, delivered: Callable[[], list[EmailMessage]]
    ) -> None:
        """§9: one send, one delivery; ids differ."""
        before = len(delivered())
        ids = {sender.send(EmailMessage("a@example.com", f"No {i}", "x")) for i in range(3)}
        assert len(ids) == 3
        assert [m.subject for m in delivered()[before:]] == ["No 0", "No 1", "No 2"]
