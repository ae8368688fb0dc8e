"""Saved segments renamed, re-filtered and deleted, on every back end (SPEC §8 M1, C12; issue 6 item 7).

* updates are validated like creation and version-checked (a stale version is refused, nothing written);
* a segment a campaign references cannot be deleted (M1: the campaign keeps saying whom it targeted);
* every change is audited in the same unit of work (C12), and refused for an unknown actor.
"""

from __future__ import annotations

import uuid

import pytest

from crmkit.domain.errors import (
    ConcurrencyConflict,
    Duplicate,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from crmkit.domain.marketing import Campaign, CampaignId, Segment, SegmentFilter
from crmkit.domain.messaging import Channel
from tests.services.marketing.conftest import Base


def test_m1_rename_and_refilter_change_the_members(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="İzmir", filter={"city": "İzmir"})
    before = base.crm.marketing.members(actor=base.admin.id, segment=segment.id, limit=1000).items
    renamed = base.crm.marketing.update_segment(
        actor=base.admin.id, segment=segment.id, version=segment.version, name="Ankara müşterileri"
    )
    assert (renamed.name, renamed.filter, renamed.version) == ("Ankara müşterileri", segment.filter, 2)
    refiltered = base.crm.marketing.update_segment(
        actor=base.admin.id, segment=segment.id, version=renamed.version, filter={"city": "Ankara"}
    )
    assert refiltered.filter == SegmentFilter.of(city="Ankara") and refiltered.version == 3
    assert base.crm.marketing.segments(actor=base.admin.id) == [refiltered]
    after = base.crm.marketing.members(actor=base.admin.id, segment=segment.id, limit=1000).items
    assert before and after
    assert {c.segmentation.city for c in before} == {"İzmir"}
    assert {c.segmentation.city for c in after} == {"Ankara"}


def test_m1_an_update_is_validated_like_creation(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="İzmir", filter={"city": "İzmir"})
    for change, field in [
        ({"filter": {"colour": "red"}}, None),
        ({"filter": {"city": []}}, None),
        ({"name": "  "}, "name"),
        ({}, "segment"),
    ]:
        with pytest.raises(ValidationError) as raised:
            base.crm.marketing.update_segment(
                actor=base.admin.id,
                segment=segment.id,
                version=1,
                **change,  # type: ignore[arg-type]
            )
        if field is not None:
            assert raised.value.field == field
    assert base.crm.marketing.segments(actor=base.admin.id) == [segment]


def test_m1_a_stale_version_is_refused_and_nothing_is_written(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="İzmir", filter={"city": "İzmir"})
    base.crm.marketing.update_segment(actor=base.admin.id, segment=segment.id, version=1, name="Ege")
    with pytest.raises(ConcurrencyConflict):
        base.crm.marketing.update_segment(actor=base.admin.id, segment=segment.id, version=1, name="Eski")
    with pytest.raises(ConcurrencyConflict):
        base.crm.marketing.delete_segment(actor=base.admin.id, segment=segment.id, version=1)
    [kept] = base.crm.marketing.segments(actor=base.admin.id)
    assert (kept.name, kept.version) == ("Ege", 2)


def test_m1_delete_removes_an_unused_segment(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Geçici", filter={"city": "İzmir"})
    base.crm.marketing.delete_segment(actor=base.admin.id, segment=segment.id, version=1)
    assert base.crm.marketing.segments(actor=base.admin.id) == []
    with pytest.raises(NotFound):
        base.crm.marketing.members(actor=base.admin.id, segment=segment.id)
    with pytest.raises(NotFound):
        base.crm.marketing.delete_segment(actor=base.admin.id, segment=segment.id, version=1)
    with pytest.raises(NotFound):
        base.crm.marketing.update_segment(actor=base.admin.id, segment=uuid.uuid4(), version=1, name="x")


def test_m1_a_segment_a_campaign_used_cannot_be_deleted(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    campaign = base.crm.marketing.send_campaign(
        actor=base.admin.id, name="Kış", segment=segment.id, channel="sms", body="Merhaba"
    )
    with pytest.raises(RuleViolation) as raised:
        base.crm.marketing.delete_segment(actor=base.admin.id, segment=segment.id, version=1)
    assert raised.value.rule == "M1" and "campaign" in str(raised.value)
    assert base.crm.marketing.segments(actor=base.admin.id) == [segment]
    assert base.crm.marketing.campaign(actor=base.admin.id, id=campaign.id).segment_id == segment.id
    renamed = base.crm.marketing.update_segment(
        actor=base.admin.id, segment=segment.id, version=1, name="(arşiv) Hepsi"
    )
    assert renamed.name == "(arşiv) Hepsi"


def test_c12_updates_and_deletes_are_audited_in_the_same_unit_of_work(base: Base) -> None:
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="İzmir", filter={"city": "İzmir"})
    base.crm.marketing.update_segment(actor=base.admin.id, segment=segment.id, version=1, name="Ege")
    base.crm.marketing.delete_segment(actor=base.admin.id, segment=segment.id, version=2)
    with base.storage.unit_of_work() as uow:
        trail = uow.audit.for_record("segment", str(segment.id))
    assert [(e.action, e.version, e.actor_id) for e in trail] == [
        ("create", 1, str(base.admin.id)),
        ("update", 2, str(base.admin.id)),
        ("delete", 2, str(base.admin.id)),
    ]
    assert [(c.field, c.old, c.new) for c in trail[1].changes if c.field == "name"] == [
        ("name", "İzmir", "Ege")
    ]


def test_a_refused_change_writes_no_audit_entry(base: Base) -> None:
    """C12: the audit entry lives and dies with the change."""
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    base.crm.marketing.send_campaign(
        actor=base.admin.id, name="Kış", segment=segment.id, channel="sms", body="x"
    )
    with pytest.raises(RuleViolation):
        base.crm.marketing.delete_segment(actor=base.admin.id, segment=segment.id, version=1)
    with base.storage.unit_of_work() as uow:
        assert [e.action for e in uow.audit.for_record("segment", str(segment.id))] == ["create"]


def test_an_unknown_actor_may_not_change_segments(base: Base) -> None:
    """A5/C8: the access rule applied to creating segments applies to changing them."""
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="İzmir", filter={"city": "İzmir"})
    stranger = uuid.uuid4()
    with pytest.raises(PermissionDenied):
        base.crm.marketing.update_segment(actor=stranger, segment=segment.id, version=1, name="x")
    with pytest.raises(PermissionDenied):
        base.crm.marketing.delete_segment(actor=stranger, segment=segment.id, version=1)
    assert base.crm.marketing.segments(actor=base.admin.id) == [segment]


def test_storing_a_segment_or_campaign_id_twice_is_refused_and_the_unit_of_work_goes_on(base: Base) -> None:
    """A refused write rolls back to its savepoint only: the stored segment and later writes survive."""
    segment = base.crm.marketing.save_segment(actor=base.admin.id, name="Hepsi", filter={})
    again = Segment(
        id=segment.id,
        name="Kopya",
        filter=SegmentFilter(),
        created_by=base.admin.id,
        created_at=segment.created_at,
    )
    campaign = Campaign(
        id=CampaignId(uuid.uuid4()),
        name="Kış",
        channel=Channel.SMS,
        body="Merhaba",
        segment_id=segment.id,
        created_by=base.admin.id,
        created_at=segment.created_at,
    )
    with base.storage.unit_of_work() as uow:
        with pytest.raises(Duplicate):
            uow.marketing.add_segment(again)
        uow.marketing.add_campaign(campaign, [])
        with pytest.raises(Duplicate):
            uow.marketing.add_campaign(campaign, [])
        uow.commit()
    assert base.crm.marketing.segments(actor=base.admin.id) == [segment]
    assert base.crm.marketing.campaign(actor=base.admin.id, id=campaign.id).name == "Kış"
