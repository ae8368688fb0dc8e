"""crmkit.connect() wires the dispatcher, the inbound router and delivery reports (issue 6 items 1, 5; M3)."""

from __future__ import annotations

import pytest

import crmkit
from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import Channel, ConsentState, DeliveryState, MessageKind, OutboxState
from crmkit.hookspecs import Register, SmsKeywordHandler
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus, InboundSms
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.services.messaging import enqueue_sms, record_consent
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.fakes import RecordingEmail, RecordingSms

PHONE = "+905321234567"


class PointsPlugin:
    """Registers PUAN through crmkit_register_sms_keywords, as the points module does."""

    @crmkit.hookimpl
    def crmkit_register_sms_keywords(self, register: Register[SmsKeywordHandler]) -> None:
        def points(uow: UnitOfWork, inbound: InboundSms) -> str:
            return f"Puanınız: 120 ({inbound.sender})"

        register("PUAN", points)


class LatePlugin:
    """Offers PUAN again (ignored: the first registration wins) and a keyword of its own."""

    @crmkit.hookimpl
    def crmkit_register_sms_keywords(self, register: Register[SmsKeywordHandler]) -> None:
        register("puan", lambda uow, inbound: "not me")
        register("bakiye", lambda uow, inbound: None)


class RevokingPlugin:
    @crmkit.hookimpl
    def crmkit_register_sms_keywords(self, register: Register[SmsKeywordHandler]) -> None:
        register("iptal", lambda uow, inbound: "hijacked")


def test_the_wired_crm_dispatches_routes_and_records_reports(
    storage: Storage, clock: FixedClock, ids: SequentialIds
) -> None:
    """Item 5 + M3 through crm.inbound; §9 through crm.dispatcher; item 1 through crm.deliveries."""
    sms = RecordingSms()
    crm = crmkit.connect(
        storage,
        sms=sms,
        email=RecordingEmail(),
        clock=clock,
        ids=ids,
        plugins=[PointsPlugin(), LatePlugin()],
        load_entrypoints=False,
    )
    assert crm.inbound.keywords() == ["BAKIYE", "PUAN"]
    with storage.unit_of_work() as uow:
        record_consent(uow, id=ids.new(), channel=Channel.SMS, address=PHONE, state=ConsentState.GRANTED,
                       at=clock.now(), source="web-form")  # fmt: skip
        uow.commit()
    points = crm.inbound.receive(InboundSms(sender=PHONE, text="puan", provider_id="in-1"))
    assert points.keyword == "PUAN" and points.reply is not None
    assert points.reply.body == f"Puanınız: 120 ({PHONE})"
    stop = crm.inbound.receive(InboundSms(sender=PHONE, text="İPTAL", provider_id="in-2"))
    assert stop.revoked
    with storage.unit_of_work() as uow:
        enqueue_sms(uow, id=ids.new(), key="campaign:1", to=PHONE, text="İndirim!",
                    kind=MessageKind.COMMERCIAL, now=clock.now())  # fmt: skip
        uow.commit()
    report = crm.dispatcher.run_until_idle()
    assert (report.sent, report.skipped) == (2, 1)  # two replies; the campaign SMS lost its consent
    with storage.unit_of_work() as uow:
        skipped = uow.outbox.by_key("campaign:1")
        assert skipped is not None and skipped.state is OutboxState.SKIPPED
    result = crm.deliveries.record(
        [DeliveryReport(provider_id="P1", status=DeliveryStatus.DELIVERED, raw_status="1")]
    )
    assert result.recorded == 1
    with storage.unit_of_work() as uow:
        [delivered] = [m for m in uow.outbox.list(OutboxState.SENT) if m.provider_id == "P1"]
    assert delivered.delivery_status is DeliveryState.DELIVERED


def test_a_plugin_cannot_route_a_revocation_keyword(clock: FixedClock, ids: SequentialIds) -> None:
    """M3: RET/STOP/IPTAL always revoke; a plugin registering one is refused when the CRM is built."""
    with pytest.raises(ValidationError) as raised:
        crmkit.connect(clock=clock, ids=ids, plugins=[RevokingPlugin()], load_entrypoints=False)
    assert raised.value.field == "keyword"


def test_keywords_registered_by_the_host() -> None:
    """Item 5: the host adds handlers on crm.inbound; the default CRM routes only PUAN (to crm.points,
    issue 15 V6), a default the host's own registration replaces."""
    crm = crmkit.connect(load_entrypoints=False)
    assert crm.inbound.keywords() == ["PUAN"]
    assert crm.points.sms is not None and crm.inbound.handler("puan") == crm.points.sms.answer_balance
    crm.inbound.register("Puan", lambda uow, inbound: "120")
    assert crm.inbound.routes("PUAN") and crm.inbound.keywords() == ["PUAN"]
    assert crm.inbound.handler("PUAN") != crm.points.sms.answer_balance
    crm.inbound.register("BAKIYE", lambda uow, inbound: "0")
    with pytest.raises(ValidationError):  # a host's own route is not a default: it is kept
        crm.inbound.register("bakiye", lambda uow, inbound: "1")


def test_the_delivery_report_horizon_comes_from_the_settings(clock: FixedClock, ids: SequentialIds) -> None:
    """Item 1: crm.deliveries polls for Settings.delivery_report_horizon (72 hours unless set); a
    horizon that is not a positive duration is refused, naming the field."""
    from datetime import timedelta

    from crmkit.domain.settings import Settings

    default = crmkit.connect(clock=clock, ids=ids, load_entrypoints=False)
    assert default.deliveries.horizon == timedelta(hours=72)
    day = crmkit.connect(clock=clock, ids=ids, load_entrypoints=False,
                         settings=Settings(delivery_report_horizon=timedelta(hours=24)))  # fmt: skip
    assert day.deliveries.horizon == timedelta(hours=24)
    with pytest.raises(ValidationError) as raised:
        Settings(delivery_report_horizon=timedelta(0))
    assert raised.value.field == "delivery_report_horizon"
