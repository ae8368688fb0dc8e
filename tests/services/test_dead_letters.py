"""Dead outbox messages can be listed and re-queued — all, by campaign, by error — audited (§9, C12).

A provider outage kills every message; an admin lists them and puts them back, and the
dispatcher sends them once the provider is back. On every back end.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import attrs
import pytest

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.messaging import DeliveryFailed, MessageKind, OutboxState
from crmkit.ports.messaging import EmailMessage
from crmkit.ports.storage import Storage
from crmkit.services.messaging.enqueue import enqueue_email
from crmkit.testing.clock import FixedClock, SequentialIds


@attrs.define
class Outage:
    """An e-mail sender that refuses everything while ``down``, then sends through the console."""

    inner: ConsoleEmailSender
    down: bool = True

    def send(self, message: EmailMessage) -> str:
        if self.down:
            code = "550" if "ret" in message.to else "503"
            raise DeliveryFailed("smtp", code, f"{code} provider outage", permanent=True)
        return self.inner.send(message)


@pytest.fixture
def outage(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[tuple[crmkit.Crm, Outage]]:
    sender = Outage(ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids))
    sms = ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids)
    crm = crmkit.connect(storage, sms=sms, email=sender, clock=clock, ids=ids, load_entrypoints=False)
    yield crm, sender


CAMPAIGN = uuid.UUID(int=77)


def _queue(crm: crmkit.Crm, to: str, campaign: uuid.UUID | None) -> None:
    with crm.storage.unit_of_work() as uow:
        enqueue_email(
            uow, id=uuid.uuid4(), key=f"k-{to}", to=to, subject="Kış", body="Merhaba",
            kind=MessageKind.INFORMATIONAL, now=crm.clock.now(), campaign_id=campaign,
        )  # fmt: skip
        uow.commit()


def test_s9_dead_messages_are_listed_and_requeued_by_campaign_by_error_and_all(
    outage: tuple[crmkit.Crm, Outage],
) -> None:
    crm, sender = outage
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    rep = crm.parties.hire(actor=admin.id, name="Gülşen Çelik")
    for to, campaign in (("a@ornek.com.tr", CAMPAIGN), ("b@ornek.com.tr", None), ("ret@ornek.com.tr", None)):
        _queue(crm, to, campaign)
    crm.dispatcher.run_until_idle()
    dead = crm.outbox.dead(actor=admin.id)
    assert sorted(m.recipient for m in dead) == ["a@ornek.com.tr", "b@ornek.com.tr", "ret@ornek.com.tr"]
    assert [m.recipient for m in crm.outbox.dead(actor=admin.id, campaign=CAMPAIGN)] == ["a@ornek.com.tr"]
    assert [m.recipient for m in crm.outbox.dead(actor=admin.id, error="550")] == ["ret@ornek.com.tr"]
    assert len(crm.outbox.dead(actor=admin.id, limit=1, offset=2)) == 1
    with pytest.raises(PermissionDenied):
        crm.outbox.dead(actor=rep.id)
    with pytest.raises(PermissionDenied):
        crm.outbox.requeue_dead(actor=rep.id)

    sender.down = False
    assert crm.outbox.requeue_dead(actor=admin.id, campaign=CAMPAIGN) == 1
    crm.dispatcher.run_until_idle()
    assert [m.message.to for m in sender.inner.sent] == ["a@ornek.com.tr"]
    assert crm.outbox.requeue_dead(actor=admin.id, error="550") == 1
    assert crm.outbox.requeue_dead(actor=admin.id) == 1
    assert crm.outbox.requeue_dead(actor=admin.id) == 0  # nothing dead any more
    crm.dispatcher.run_until_idle()
    assert sorted(m.message.to for m in sender.inner.sent) == [
        "a@ornek.com.tr",
        "b@ornek.com.tr",
        "ret@ornek.com.tr",
    ]
    with crm.storage.unit_of_work() as uow:
        assert uow.outbox.count(OutboxState.SENT) == 3
        audit = uow.audit.by_actor(str(admin.id), limit=1000)
    requeued = [e for e in audit if e.aggregate_type == "outbox_message"]
    assert len(requeued) == 3
    assert all(
        any(c.field == "state" and (c.old, c.new) == ("dead", "pending") for c in e.changes) for e in requeued
    )


@pytest.mark.parametrize("method", ["dead", "requeue_dead"])
def test_a_campaign_that_is_no_id_names_campaign(outage: tuple[crmkit.Crm, Outage], method: str) -> None:
    """§9 and the house rule: a campaign filter that is not an id is a ValidationError on ``campaign``."""
    from crmkit.domain.errors import ValidationError

    crm, _ = outage
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    with pytest.raises(ValidationError) as caught:
        getattr(crm.outbox, method)(actor=admin.id, campaign="junk")
    assert caught.value.field == "campaign"
