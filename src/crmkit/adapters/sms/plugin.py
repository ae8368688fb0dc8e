"""Registers the HTTP SMS gateways: ``netgsm://``, ``iletimerkezi://``, ``twilio://``."""

from __future__ import annotations

from crmkit.adapters.sms.iletimerkezi import IletiMerkeziGateway
from crmkit.adapters.sms.netgsm import NetgsmGateway
from crmkit.adapters.sms.twilio import TwilioGateway
from crmkit.hookspecs import Register, SmsGatewayFactory, hookimpl

__all__ = ["crmkit_register_sms_gateways"]


@hookimpl
def crmkit_register_sms_gateways(register: Register[SmsGatewayFactory]) -> None:
    """Offer Netgsm, İleti Merkezi and Twilio by URL scheme."""
    register("netgsm", NetgsmGateway.from_url)
    register("iletimerkezi", IletiMerkeziGateway.from_url)
    register("twilio", TwilioGateway.from_url)
