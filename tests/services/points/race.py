"""A worker process for the serial race test: one CRM on a server database, one inbound SMS (V7)."""

from __future__ import annotations

from typing import Any

import crmkit
from crmkit.ports.messaging import InboundSms


def text_serial(url: str, sender: str, serial: str, provider_id: str, barrier: Any) -> str:
    """Connect, wait for the other process, text ``serial`` from ``sender``; the reply's text."""
    crm = crmkit.connect(url, load_entrypoints=False)
    try:
        crm.points.enable_sms(crm.inbound)
        barrier.wait(timeout=60)
        result = crm.inbound.receive(InboundSms(sender=sender, text=serial, provider_id=provider_id))
        return "" if result.reply is None else result.reply.body
    finally:
        crm.close()
