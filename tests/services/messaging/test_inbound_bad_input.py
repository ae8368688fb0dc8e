"""A careless webhook parser feeding ``crm.inbound.receive`` (M3, V6): bad fields name themselves.

House rule: a sender that is not E.164 text in ASCII digits, a text or provider id that is not
text (or holds NUL), or a naive ``received_at`` is a ValidationError naming the field, no reply
is queued and no consent recorded, on every back end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import OutboxState
from crmkit.ports.messaging import InboundSms
from crmkit.ports.storage import Storage
from crmkit.services.messaging import InboundRouter
from crmkit.testing import FixedClock, SequentialIds

PHONE = "+905321234567"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sender": None}, "sender"),
        ({"sender": "+٩٠٥٣٢١٢٣٤٥٦٧"}, "sender"),
        ({"text": None}, "text"),
        ({"text": "PU\x00AN"}, "text"),
        ({"provider_id": 5}, "provider_id"),
        ({"received_at": datetime(2026, 1, 1)}, "received_at"),
    ],
)
def test_a_bad_inbound_field_names_itself(
    storage: Storage, clock: FixedClock, ids: SequentialIds, fields: dict[str, Any], field: str
) -> None:
    """M3/V6: the router refuses the message before routing it; nothing is queued."""
    router = InboundRouter(storage, clock=clock, ids=ids)
    router.register("puan", lambda uow, inbound: "120")
    with pytest.raises(ValidationError) as caught:
        router.receive(InboundSms(**{"sender": PHONE, "text": "PUAN", **fields}))
    assert caught.value.field == field
    with storage.unit_of_work() as uow:
        assert uow.outbox.list(OutboxState.PENDING, limit=10, offset=0) == []


@pytest.mark.parametrize("to", ["+٩٠٥٣٢١٢٣٤٥٦٧", "+90532١234567", None])
def test_the_outbox_refuses_a_number_no_provider_dials(
    storage: Storage, clock: FixedClock, ids: SequentialIds, to: Any
) -> None:
    """§9: an SMS is queued to E.164 in ASCII digits only; Arabic-Indic digits or None name ``to``."""
    from crmkit.domain.messaging import MessageKind
    from crmkit.services.messaging import enqueue_sms

    with storage.unit_of_work() as uow, pytest.raises(ValidationError) as caught:
        enqueue_sms(
            uow, id=ids.new(), key="k", to=to, text="x", kind=MessageKind.INFORMATIONAL, now=clock.now()
        )
    assert caught.value.field == "to"
