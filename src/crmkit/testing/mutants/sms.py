"""SMS gateways broken on purpose; :class:`~crmkit.testing.contracts.SmsGatewayContract` fails each.

Every mutant wraps a working gateway (``Mutant(gateway)``) and passes every
call through except the one it breaks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from crmkit.ports.messaging import DeliveryReport, InboundSms, SmsGateway, SmsMessage
from crmkit.testing.mutants._wrapping import FirstRecipientOnly, ForcedPermanence, Relay

__all__ = [
    "MUTANTS",
    "DropsDeliveryReports",
    "EveryFailurePermanent",
    "EveryFailureTemporary",
    "GatewayMutant",
    "SticksToTheFirstRecipient",
    "TransliteratesTurkish",
    "TruncatesToOnePart",
]

_ASCII = str.maketrans("İıŞşĞğÇçÖöÜü", "IiSsGgCcOoUu")


class GatewayMutant(Relay):
    """A mutant that breaks nothing yet: passes every call to the wrapped gateway; subclasses break one."""

    def __init__(self, gateway: SmsGateway) -> None:
        super().__init__(gateway)
        self.gateway = gateway
        self.idempotent = gateway.idempotent

    def status(self, provider_id: str) -> DeliveryReport:
        """Ask the wrapped gateway."""
        return self.gateway.status(provider_id)

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Parse with the wrapped gateway."""
        return self.gateway.parse_callback(body, headers)


class TransliteratesTurkish(GatewayMutant):
    """Alters the text: Turkish letters become ASCII ("Çağla" → "Cagla") to save SMS parts."""

    def send(self, message: SmsMessage) -> str:
        """Send the text with its Turkish letters replaced."""
        return self.gateway.send(attrs.evolve(message, text=message.text.translate(_ASCII)))


class TruncatesToOnePart(GatewayMutant):
    """Drops the text after one UCS-2 part (70 characters)."""

    def send(self, message: SmsMessage) -> str:
        """Send the first 70 characters only."""
        return self.gateway.send(attrs.evolve(message, text=message.text[:70]))


class SticksToTheFirstRecipient(FirstRecipientOnly, GatewayMutant):
    """Drops the recipient: every message goes to the number of the first one (a cached request)."""


class EveryFailureTemporary(ForcedPermanence, GatewayMutant):
    """Treats every refusal as temporary: a dead number is retried for ever."""

    permanent = False


class EveryFailurePermanent(ForcedPermanence, GatewayMutant):
    """Treats every refusal as permanent: a rate limit dead-letters the message."""

    permanent = True


class DropsDeliveryReports(GatewayMutant):
    """Reads inbound messages from callbacks but drops the delivery reports."""

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[DeliveryReport | InboundSms]:
        """Parse, keeping inbound messages only."""
        return [item for item in self.gateway.parse_callback(body, headers) if isinstance(item, InboundSms)]


MUTANTS: tuple[type[GatewayMutant], ...] = (
    TransliteratesTurkish,
    TruncatesToOnePart,
    SticksToTheFirstRecipient,
    EveryFailureTemporary,
    EveryFailurePermanent,
    DropsDeliveryReports,
)
"""Every SMS gateway mutant, in the order of the contract's rules."""
