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


def redeem_at_once(url: str, admin: str, points: int, barrier: Any) -> str:
    """Connect, wait for the other process, redeem ``points`` of the buyer; what happened (V8)."""
    import uuid
    from datetime import date

    from crmkit.domain.errors import ConcurrencyConflict
    from crmkit.domain.point_ledger import InsufficientPoints

    crm = crmkit.connect(url, load_entrypoints=False)
    try:
        barrier.wait(timeout=60)
        try:
            crm.points.redeem(
                actor=uuid.UUID(admin), program="P", role="customer", party="1234567890",
                points=points, on=date(2026, 6, 1),
            )  # fmt: skip
        except InsufficientPoints:
            return "insufficient"
        except ConcurrencyConflict:
            return "conflict"
        return "redeemed"
    finally:
        crm.close()
