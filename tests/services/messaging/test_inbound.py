"""Inbound SMS routing and consent revocation on every storage back end (issue 6 items 5, 6; M3)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest

from crmkit.adapters.sms.twilio import TwilioGateway
from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import Channel, ConsentState, MessageKind, OutboxState
from crmkit.ports.messaging import InboundSms
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.services.messaging import Dispatcher, InboundRouter, enqueue_sms, record_consent
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

PHONE = "+905321234567"


def _router(storage: Storage, clock: FixedClock, ids: SequentialIds, **kw: str | None) -> InboundRouter:
    router = InboundRouter(storage, clock=clock, ids=ids, **kw)

    def points(uow: UnitOfWork, inbound: InboundSms) -> str:
        return f"Puanınız: 120 ({inbound.sender})"

    router.register("puan", points)
    return router


@pytest.mark.parametrize("text", ["RET", "stop", "iptal", "İptal lütfen", " IPTAL "])
def test_revocation_keywords_revoke_sms_consent(
    storage: Storage, clock: FixedClock, ids: SequentialIds, text: str
) -> None:
    """M3: an inbound RET/STOP/IPTAL revokes SMS consent, recorded with its source, and is confirmed."""
    with storage.unit_of_work() as uow:
        record_consent(uow, id=ids.new(), channel=Channel.SMS, address=PHONE, state=ConsentState.GRANTED,
                       at=clock.now() - timedelta(days=30), source="web-form")  # fmt: skip
        uow.commit()
    result = _router(storage, clock, ids).receive(InboundSms(sender=PHONE, text=text, provider_id="in-1"))
    assert result.revoked and result.keyword in {"RET", "STOP", "IPTAL"}
    with storage.unit_of_work() as uow:
        history = uow.consents.history(Channel.SMS, PHONE)
        assert [r.state for r in history] == [ConsentState.GRANTED, ConsentState.REVOKED]
        assert history[-1].source == f"sms:{result.keyword}" and history[-1].at == clock.now()
        assert uow.consents.current(Channel.EMAIL, [PHONE], clock.now()) == {}
    assert result.reply is not None and result.reply.kind is MessageKind.INFORMATIONAL


def test_after_revocation_commercial_sms_is_skipped_but_informational_goes(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """M3 end to end: a Twilio inbound STOP, then a campaign SMS (skipped) and a reminder (sent)."""
    gateway = TwilioGateway.from_url("twilio://AC1:tok@?from=%2B15005550006")
    body = urlencode({"From": PHONE, "Body": "STOP", "MessageSid": "SM1"}).encode()
    (inbound,) = gateway.parse_callback(body, {})
    assert isinstance(inbound, InboundSms)
    with storage.unit_of_work() as uow:
        record_consent(uow, id=ids.new(), channel=Channel.SMS, address=PHONE, state=ConsentState.GRANTED,
                       at=clock.now() - timedelta(days=1), source="web-form")  # fmt: skip
        uow.commit()
    _router(storage, clock, ids).receive(inbound)
    clock.advance(timedelta(minutes=1))
    with storage.unit_of_work() as uow:
        for key, kind in (("camp", MessageKind.COMMERCIAL), ("remind", MessageKind.INFORMATIONAL)):
            enqueue_sms(uow, id=ids.new(), key=key, to=PHONE, text=key, kind=kind, now=clock.now())
        uow.commit()
    sms = RecordingSms()
    Dispatcher(storage, sms=sms, email=RecordingEmail(), clock=clock).run_until_idle()
    assert sorted(m.text for m in sms.delivered) == ["Ticari ileti izniniz kaldirildi.", "remind"]
    with storage.unit_of_work() as uow:
        camp = uow.outbox.by_key("camp")
        assert camp is not None and camp.state is OutboxState.SKIPPED


def test_keywords_route_to_handlers_and_unknown_gets_help(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 5: a registered keyword's handler answers; anything else gets the configurable help reply."""
    router = _router(storage, clock, ids, help_reply="PUAN yazın.")
    points = router.receive(InboundSms(sender=PHONE, text="Puan", provider_id="a"))
    other = router.receive(InboundSms(sender=PHONE, text="merhaba", provider_id="b"))
    assert points.keyword == "PUAN" and points.reply is not None
    assert points.reply.body == f"Puanınız: 120 ({PHONE})" and points.reply.recipient == PHONE
    assert other.keyword is None and other.reply is not None and other.reply.body == "PUAN yazın."
    silent = _router(storage, clock, ids, help_reply=None).receive(
        InboundSms(sender=PHONE, text="?", provider_id="c")
    )
    assert silent.reply is None
    assert router.keywords() == ["PUAN"]


def test_a_webhook_delivered_twice_is_answered_once(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 5: replies are keyed by the inbound message, so a repeated webhook does not reply twice."""
    router = _router(storage, clock, ids)
    first = router.receive(InboundSms(sender=PHONE, text="PUAN", provider_id="SM77"))
    again = router.receive(InboundSms(sender=PHONE, text="PUAN", provider_id="SM77"))
    assert first.reply is not None and again.reply is None
    with storage.unit_of_work() as uow:
        assert uow.outbox.count() == 1


def test_registration_rules(storage: Storage, clock: FixedClock, ids: SequentialIds) -> None:
    router = _router(storage, clock, ids)
    for bad in ("RET", "iptal", "PUAN", "", "two words"):
        with pytest.raises(ValidationError):
            router.register(bad, lambda uow, inbound: None)
    with pytest.raises(ValidationError):
        router.receive(InboundSms(sender="05321234567", text="PUAN"))
