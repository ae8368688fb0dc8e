"""Follow-up automation (I13): rules as data, scheduled outbox e-mails, sent once, cancellable, consent."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import Channel, ConsentState, OutboxState
from crmkit.domain.workflow import StageHook
from crmkit.ports.storage import Storage
from crmkit.services.companies import ContactInput
from crmkit.services.follow_ups import due_time
from crmkit.services.messaging import record_consent
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

IST = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    admin = built.people["admin"]
    crm = built.crm
    built.people["rep"] = crm.parties.hire(actor=admin.id, name="Selin Aksoy", position="admin_manager")
    built.companies["lead"] = crm.parties.register_company(
        actor=admin.id,
        name="Ege Market",
        type="customer",
        contact=ContactInput(name="Ali Veli", email="ali@example.com.tr"),
    )
    return built


def setup_rules(office: Office) -> tuple[Any, Any]:
    crm, admin = office.crm, office.people["admin"]
    catalogue = crm.dispatch.upload_template(
        actor=admin.id,
        kind="brochure",
        name="katalog.txt",
        source="Katalog: {{ company.name }}",
        media_type="text/plain",
    )
    prices = crm.dispatch.upload_template(
        actor=admin.id,
        kind="offer",
        name="fiyat.txt",
        source="Fiyatlar — {{ rep.name }}",
        media_type="text/plain",
    )
    crm.workflow.define(
        actor=admin.id,
        definition={
            "key": "Arama",
            "initial": "yapıldı",
            "stages": [{"name": "yapıldı"}, {"name": "ilgili"}, {"name": "ilgisiz", "kind": "closed"}],
            "transitions": {"yapıldı": ["ilgili", "ilgisiz"]},
            "hooks": [
                {"stage": "ilgili", "template": str(catalogue.id), "delay_minutes": 30},
                {"stage": "ilgili", "template": str(prices.id), "at": "10:00", "subject": "Fiyat listesi"},
            ],
        },
    )
    contact = crm.parties.contacts(actor=admin.id, company=office.companies["lead"].id)[0]
    call = crm.interactions.create(
        actor=office.people["rep"].id,
        company=office.companies["lead"].id,
        channel="phone",
        category="Arama",
        subject="Tanışma araması",
        contact=contact.id,
    )
    return call, contact


def test_a_stage_schedules_its_follow_ups_sent_once_with_consent_and_cancellable(office: Office) -> None:
    crm, clock, rep = office.crm, office.clock, office.people["rep"]
    call, contact = setup_rules(office)
    moved = crm.workflow.move(
        actor=rep.id, interaction=call.id, to_stage="ilgili"
    )  # Monday 12:00 in Istanbul
    catalogue_key, prices_key = moved.follow_ups
    with crm.storage.unit_of_work() as uow:
        catalogue, prices = uow.outbox.by_key(catalogue_key), uow.outbox.by_key(prices_key)
        record_consent(
            uow, id=uuid.uuid4(), channel=Channel.EMAIL, address="ali@example.com.tr",
            state=ConsentState.GRANTED, at=clock.now(), source="web form", contact_id=contact.id,
        )  # fmt: skip
        uow.commit()
    assert catalogue is not None and prices is not None
    assert catalogue.due_at == clock.now() + timedelta(minutes=30)
    assert prices.due_at == datetime(2026, 3, 3, 10, 0, tzinfo=IST)  # the next 10:00 after the move
    assert b"Katalog: Ege Market" in catalogue.attachments[0].content
    assert crm.dispatcher.run_until_idle().sent == 0  # nothing is due yet
    assert crm.workflow.cancel_follow_up(actor=rep.id, interaction=call.id, key=prices_key)
    assert not crm.workflow.cancel_follow_up(actor=rep.id, interaction=call.id, key=prices_key)
    clock.advance(timedelta(days=2))
    assert crm.dispatcher.run_until_idle().sent == 1
    assert crm.dispatcher.run_until_idle().sent == 0  # sent once
    assert not crm.workflow.cancel_follow_up(actor=rep.id, interaction=call.id, key=catalogue_key)
    with crm.storage.unit_of_work() as uow:
        states = {k: uow.outbox.by_key(k) for k in (catalogue_key, prices_key)}
    assert states[catalogue_key].state is OutboxState.SENT  # type: ignore[union-attr]
    cancelled = states[prices_key]
    assert cancelled is not None and cancelled.state is OutboxState.SKIPPED
    assert cancelled.last_error == "cancelled by Selin Aksoy (I13)"


def test_without_consent_the_follow_up_is_skipped_with_a_reason(office: Office) -> None:
    crm, clock, rep = office.crm, office.clock, office.people["rep"]
    call, _ = setup_rules(office)
    moved = crm.workflow.move(actor=rep.id, interaction=call.id, to_stage="ilgili")
    clock.advance(timedelta(days=2))
    report = crm.dispatcher.run_until_idle()
    assert (report.sent, report.skipped) == (0, 2)
    with crm.storage.unit_of_work() as uow:
        skipped = [uow.outbox.by_key(k) for k in moved.follow_ups]
    assert all(m is not None and m.state is OutboxState.SKIPPED and m.last_error for m in skipped)


def test_other_stages_schedule_nothing_and_keys_of_other_interactions_are_refused(office: Office) -> None:
    crm, rep = office.crm, office.people["rep"]
    call, _ = setup_rules(office)
    assert crm.workflow.move(actor=rep.id, interaction=call.id, to_stage="ilgisiz").follow_ups == ()
    with pytest.raises(ValidationError) as caught:
        crm.workflow.cancel_follow_up(actor=rep.id, interaction=call.id, key="followup:someone-else")
    assert caught.value.field == "key"


@pytest.mark.parametrize(
    ("hook", "field"),
    [
        ({"template": "katalog"}, "template"),
        ({"template": str(uuid.uuid4()), "delay_minutes": -5}, "delay_minutes"),
        ({"template": str(uuid.uuid4()), "at": "25:00"}, "at"),
    ],
)
def test_bad_follow_up_rules_name_the_field(hook: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        StageHook(stage="x", **hook)
    assert caught.value.field == field


def test_due_time_after_a_delay_or_at_the_next_local_time() -> None:
    now = datetime(2026, 3, 2, 9, 30, tzinfo=IST)
    hook = StageHook(stage="x", template=str(uuid.uuid4()), delay_minutes=15, at="09:40")
    assert due_time(hook, now, "Europe/Istanbul") == datetime(2026, 3, 3, 9, 40, tzinfo=IST)
    early = StageHook(stage="x", template=str(uuid.uuid4()), at="09:40")
    assert due_time(early, now, "Europe/Istanbul") == datetime(2026, 3, 2, 9, 40, tzinfo=IST)


def test_a_rule_on_the_first_stage_fires_when_the_interaction_is_recorded(office: Office) -> None:
    """I13 on the initial stage: recording the interaction queues the follow-up, cancellable until due;
    one without a contact queues nothing."""
    crm, admin, rep = office.crm, office.people["admin"], office.people["rep"]
    thanks = crm.dispatch.upload_template(
        actor=admin.id, kind="brochure", name="tesekkur.txt", source="Teşekkürler {{ contact.name }}",
        media_type="text/plain",
    )  # fmt: skip
    crm.workflow.define(
        actor=admin.id,
        definition={
            "key": "Web talebi",
            "initial": "alındı",
            "stages": [{"name": "alındı"}, {"name": "kapandı", "kind": "closed"}],
            "transitions": {"alındı": ["kapandı"]},
            "hooks": [{"stage": "alındı", "template": str(thanks.id), "delay_minutes": 60}],
        },
    )
    lead = office.companies["lead"].id
    contact = crm.parties.contacts(actor=admin.id, company=lead)[0]
    item = crm.interactions.create(
        actor=rep.id,
        company=lead,
        channel="web_form",
        category="Web talebi",
        subject="Katalog",
        contact=contact.id,
    )
    key = f"followup:{item.id}:1:alındı:{thanks.id}"
    with crm.storage.unit_of_work() as uow:
        queued = uow.outbox.by_key(key)
    assert queued is not None and queued.due_at == office.clock.now() + timedelta(minutes=60)
    assert queued.recipient == "ali@example.com.tr" and b"Ali Veli" in queued.attachments[0].content
    assert crm.workflow.cancel_follow_up(actor=rep.id, interaction=item.id, key=key)
    bare = crm.interactions.create(
        actor=rep.id, company=lead, channel="web_form", category="Web talebi", subject="İsimsiz"
    )
    with crm.storage.unit_of_work() as uow:
        assert uow.outbox.by_key(f"followup:{bare.id}:1:alındı:{thanks.id}") is None
