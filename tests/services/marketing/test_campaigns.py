"""Segments and campaigns on every back end (SPEC §8 M1, M2, M3; issue 6 item 7).

* M1: a segment's members equal a plain Python filter of the companies AND the
  actor's sight (the access policy), paged in storage.
* M2: a campaign enqueues one commercial outbox message per reachable member and
  records each member's status; a rolled-back campaign enqueues nothing.
* M3: members without granted consent are skipped, counted, and get no message.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import CompanyId, ContactId
from crmkit.domain.marketing import Campaign, CampaignId, RecipientStatus, SegmentFilter
from crmkit.domain.messaging import Channel, ConsentState, MessageKind
from crmkit.domain.parties import Company, CompanyKind
from crmkit.domain.text import fold
from crmkit.services.marketing import enqueue_campaign
from crmkit.services.messaging import record_consent
from crmkit.testing.factories import make_company, make_contact
from tests.services.marketing.conftest import HIRED, Base


def reference(base: Base, rep_view: bool, **wanted: Any) -> list[Company]:
    """The members by plain Python: every condition holds, and the rep sees only M-01 (A1)."""

    def value(c: Company, field: str) -> str | None:
        if field == "sales_rep":
            return None if c.sales_rep_id is None else str(c.sales_rep_id)
        if field == "type":
            return c.type.value
        found: str | None = getattr(c.segmentation, field)
        return found

    found = [
        c
        for c in base.companies
        if all(value(c, f) in ({v} if isinstance(v, str) else set(v)) for f, v in wanted.items())
        and (not rep_view or c.segmentation.micro_region == "M-01")
    ]
    return sorted(found, key=lambda c: (fold(c.name), c.id))


@pytest.mark.parametrize(
    "wanted",
    [
        {"city": "İzmir"},
        {"city": ["İzmir", "Ankara"], "value_class": "A"},
        {"sector": "Gıda", "micro_region": ["M-01", "M-02"]},
        {"value_class": ["B", "C"], "type": "distributor"},
        {},
    ],
)
def test_m1_members_equal_the_python_reference_for_admin_and_rep(base: Base, wanted: dict[str, Any]) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hedef", filter=wanted)
    for actor, rep_view in ((base.admin, False), (base.rep, True)):
        page = base.crm.marketing.members(actor=actor.id, segment=segment.id, limit=1000)
        expected = reference(base, rep_view, **wanted)
        assert [c.id for c in page.items] == [c.id for c in expected]
        assert page.total == len(expected)


def test_m1_members_are_paged_in_storage(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Ege", filter={"sector": "Gıda"})
    whole = base.crm.marketing.members(actor=base.admin.id, segment=segment.id, limit=1000).items
    paged: list[Company] = []
    for offset in range(0, len(whole) + 5, 5):
        paged.extend(
            base.crm.marketing.members(actor=base.admin.id, segment=segment.id, limit=5, offset=offset).items
        )
    assert paged == list(whole)


def test_m1_segments_are_saved_as_data_and_listed(base: Base) -> None:
    first = base.crm.marketing.save_segment(
        actor=base.admin.id, name="İzmir A", filter={"city": "İzmir", "sales_rep": str(base.rep.id)}
    )
    second = base.crm.marketing.save_segment(
        actor=base.admin.id, name="Ankara", filter=SegmentFilter.of(city="Ankara")
    )
    assert base.crm.marketing.segments(actor=base.admin.id) == [second, first]
    with pytest.raises(ValidationError):
        base.crm.marketing.save_segment(actor=base.admin.id, name="x", filter={"colour": "red"})
    with pytest.raises(NotFound):
        base.crm.marketing.members(actor=base.admin.id, segment=uuid.uuid4())


def test_m2_m3_sms_campaign_queues_consenting_members_and_counts_skips(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    campaign = base.crm.marketing.send_campaign(
        actor=base.admin.id, name="Kış", segment=segment.id, channel="sms", body="Kış kampanyası başladı!"
    )
    records = base.crm.marketing.recipients(actor=base.admin.id, campaign=campaign.id)
    assert len(records) == len(base.companies)
    by_company = {r.company_id: r for r in records}
    expected_queued = 0
    for company in base.companies:
        record = by_company[company.id]
        contact = base.contacts.get(company.primary_contact_id) if company.primary_contact_id else None
        phone = None if contact is None else contact.phone
        if phone is None:
            assert record.status is RecipientStatus.SKIPPED_NO_ADDRESS
        elif phone not in base.granted:
            assert record.status is RecipientStatus.SKIPPED_NO_CONSENT  # M3
        else:
            assert record.status is RecipientStatus.QUEUED
            expected_queued += 1
    assert campaign.queued == expected_queued > 0
    assert campaign.skipped_no_consent > 0 and campaign.skipped_no_address > 0
    assert campaign.queued + campaign.skipped_no_consent + campaign.skipped_no_address == len(base.companies)
    assert base.crm.marketing.campaign(actor=base.admin.id, id=campaign.id) == campaign
    with base.storage.unit_of_work() as uow:
        messages = uow.outbox.list(limit=1000)
    assert len(messages) == campaign.queued
    assert {m.recipient for m in messages} <= base.granted  # no message to a non-consenting number (M3)
    assert all(m.kind is MessageKind.COMMERCIAL and m.campaign_id == campaign.id for m in messages)
    assert {m.id for m in messages} == {r.message_id for r in records if r.message_id is not None}


def test_m2_email_campaign_needs_a_subject_and_consent(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    with pytest.raises(ValidationError):
        base.crm.marketing.send_campaign(
            actor=base.admin.id, name="E", segment=segment.id, channel="email", body="x"
        )
    campaign = base.crm.marketing.send_campaign(
        actor=base.admin.id, name="E", segment=segment.id, channel="email", body="Merhaba", subject="Fırsat"
    )
    # nobody granted e-mail consent: every member with an address is skipped (M3)
    assert campaign.queued == 0
    assert campaign.skipped_no_consent == len(base.contacts)
    with base.storage.unit_of_work() as uow:
        assert uow.outbox.list() == []


def test_m2_a_rolled_back_campaign_enqueues_nothing(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    campaign = Campaign(
        id=CampaignId(uuid.uuid4()),
        name="Geri",
        channel=Channel.SMS,
        body="Deneme",
        segment_id=segment.id,
        created_by=base.admin.id,
        created_at=base.crm.clock.now(),
    )
    with base.storage.unit_of_work(base.admin.id) as uow:
        done = enqueue_campaign(uow, campaign, segment.predicate(), base.crm.ids, page=7)
        assert done.queued > 0
        assert len(uow.outbox.list(limit=1000)) == done.queued
        uow.rollback()
    with base.storage.unit_of_work() as uow:
        assert uow.outbox.list() == []
        with pytest.raises(NotFound):
            uow.marketing.get_campaign(campaign.id)
        assert uow.marketing.recipients(campaign.id) == []


def test_policy_a_reps_campaign_never_reaches_a_customer_outside_his_sight(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    campaign = base.crm.marketing.send_campaign(
        actor=base.rep.id, name="Rep", segment=segment.id, channel="sms", body="Merhaba"
    )
    records = base.crm.marketing.recipients(actor=base.admin.id, campaign=campaign.id)
    sight = {c.id for c in base.companies if c.segmentation.micro_region == "M-01"}
    assert {r.company_id for r in records} == sight
    outside = {
        base.contacts[c.primary_contact_id].phone
        for c in base.companies
        if c.id not in sight and c.primary_contact_id is not None
    }
    with base.storage.unit_of_work() as uow:
        messages = uow.outbox.list(limit=1000)
    assert messages and not {m.recipient for m in messages} & outside


def test_c12_segments_and_campaigns_are_audited(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="İzmir", filter={"city": "İzmir"})
    campaign = base.crm.marketing.send_campaign(
        actor=base.admin.id, name="Kış", segment=segment.id, channel="sms", body="Merhaba"
    )
    with base.storage.unit_of_work() as uow:
        made = uow.audit.for_record("segment", str(segment.id))
        sent = uow.audit.for_record("campaign", str(campaign.id))
    assert [(e.action, e.actor_id) for e in made] == [("create", str(base.admin.id))]
    assert [(e.action, e.actor_id) for e in sent] == [("create", str(base.admin.id))]


def test_m3_sms_campaign_messages_carry_the_iys_recipient_type(base: Base) -> None:
    """M3 (İYS): a corporate customer's SMS goes as TACIR, an individual's as BIREYSEL, in one campaign."""
    person_id = CompanyId(uuid.UUID(int=7777))
    contact = make_contact(id=ContactId(uuid.UUID(int=7778)), company_id=person_id, phone="+905559990000")
    person = make_company(
        id=person_id,
        name="Ayşe Kaya",
        kind=CompanyKind.INDIVIDUAL,
        registered_at=HIRED,
        primary_contact_id=contact.id,
    )
    with base.storage.unit_of_work() as uow:
        uow.companies.add(person)
        uow.contacts.add(contact)
        record_consent(uow, id=uuid.UUID(int=7779), channel=Channel.SMS, address="+905559990000",
                       state=ConsentState.GRANTED, at=HIRED, source="web-form")  # fmt: skip
        uow.commit()
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    campaign = base.crm.marketing.send_campaign(
        actor=base.admin.id, name="Kış", segment=segment.id, channel="sms", body="Kış kampanyası"
    )
    with base.storage.unit_of_work() as uow:
        messages = uow.outbox.list(limit=1000)
    kinds = {m.recipient: m.recipient_type for m in messages if m.campaign_id == campaign.id}
    assert kinds.pop("+905559990000") == "BIREYSEL"
    assert kinds and set(kinds.values()) == {"TACIR"}
    assert campaign.queued == len(kinds) + 1


def test_m2_email_campaign_carries_attachments_to_every_message(base: Base) -> None:
    """Issue 6 item 2: an e-mail campaign's files go with each queued message, byte for byte (M3 still
    decides who gets one); an SMS campaign with files is refused, naming the field, and stores nothing."""
    from crmkit.domain.messaging import ConsentRecord, OutboxAttachment

    files = (OutboxAttachment("katalog-2026.pdf", "application/pdf", b"%PDF-1.4\n" + bytes(range(256)) * 8),)
    addresses = sorted(c.email for c in base.contacts.values() if c.email is not None)[:3]
    with base.storage.unit_of_work() as uow:
        for n, address in enumerate(addresses):
            uow.consents.add(
                ConsentRecord(id=uuid.UUID(int=30_000 + n), channel=Channel.EMAIL, address=address,
                              state=ConsentState.GRANTED, at=HIRED, source="web-form")
            )  # fmt: skip
        uow.commit()
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    with pytest.raises(ValidationError) as raised:
        base.crm.marketing.send_campaign(actor=base.admin.id, name="S", segment=segment.id, channel="sms",
                                         body="Merhaba", attachments=files)  # fmt: skip
    assert raised.value.field == "attachments"
    with base.storage.unit_of_work() as uow:
        assert uow.outbox.count() == 0
    campaign = base.crm.marketing.send_campaign(actor=base.admin.id, name="E", segment=segment.id,
                                                channel="email", body="Katalog ektedir", subject="Katalog",
                                                attachments=files)  # fmt: skip
    assert campaign.queued == len(addresses)
    with base.storage.unit_of_work() as uow:
        messages = uow.outbox.list(limit=100)
    assert sorted(m.recipient for m in messages) == addresses
    assert all(m.attachments == files and m.campaign_id == campaign.id for m in messages)
