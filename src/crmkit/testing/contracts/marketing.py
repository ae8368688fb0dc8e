"""Contracts of ``uow.marketing`` (segments, campaigns; SPEC §8 M1, M2) and ``uow.consents`` (M3).

Both need a ``storage`` fixture: a migrated, empty storage, as the storage
suites. Segments and campaigns point at no other record that must exist
(the actor's id is an id only), so no parents are stored first.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, RuleViolation
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.marketing import (
    Campaign,
    CampaignId,
    CampaignRecipient,
    PurchaseCondition,
    PurchaseScope,
    RecipientStatus,
    Segment,
    SegmentFilter,
    SegmentId,
)
from crmkit.domain.messaging import Channel, ConsentRecord, ConsentState
from crmkit.domain.parties import Segmentation
from crmkit.domain.predicates import CodeIn
from crmkit.ports.storage import Storage
from crmkit.testing.factories import make_company

__all__ = ["ConsentRepositoryContract", "MarketingRepositoryContract"]

_T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
_ACTOR = EmployeeId(uuid.UUID(int=0xE))


def _segment(n: int, name: str = "İzmir A sınıfı", **filters: str | list[str]) -> Segment:
    conditions = filters or {"city": ["İzmir", "Iğdır"], "value_class": "A"}
    return Segment(
        id=SegmentId(uuid.UUID(int=0x5E0000 + n)),
        name=name,
        filter=SegmentFilter.of(**conditions),
        created_by=_ACTOR,
        created_at=_T0,
    )


def _campaign(n: int, segment: Segment) -> Campaign:
    return Campaign(
        id=CampaignId(uuid.UUID(int=0xCA0000 + n)),
        name=f"Şubat kampanyası {n}",
        channel=Channel.SMS,
        body="Çağlayan'da indirim başladı",
        segment_id=segment.id,
        created_by=_ACTOR,
        created_at=_T0 + timedelta(minutes=n),
        queued=2,
        skipped_no_consent=1,
        skipped_no_address=1,
    )


def _recipients(campaign: Campaign) -> list[CampaignRecipient]:
    """Four send records, one per status and one queued by e-mail address, out of company order."""
    company = [CompanyId(uuid.UUID(int=0xC0 + k)) for k in range(4)]
    return [
        CampaignRecipient(
            campaign_id=campaign.id,
            company_id=company[2],
            status=RecipientStatus.QUEUED,
            contact_id=ContactId(uuid.UUID(int=0xD2)),
            address="+905321234567",
            message_id=uuid.UUID(int=0xF2),
        ),
        CampaignRecipient(
            campaign_id=campaign.id,
            company_id=company[0],
            status=RecipientStatus.SKIPPED_NO_CONSENT,
            address="+905339876543",
        ),
        CampaignRecipient(
            campaign_id=campaign.id, company_id=company[3], status=RecipientStatus.SKIPPED_NO_ADDRESS
        ),
        CampaignRecipient(
            campaign_id=campaign.id,
            company_id=company[1],
            status=RecipientStatus.QUEUED,
            address="ayşe@örnek.example.org",
            message_id=uuid.UUID(int=0xF1),
        ),
    ]


class MarketingRepositoryContract:
    """What ``uow.marketing`` of every storage must do (SPEC §8 M1 segments, M2 campaigns; C12)."""

    def test_m1_a_segment_reads_back_as_saved(self, storage: Storage) -> None:
        """M1: a saved segment — Turkish name and filter values included — reads back equal, version 1."""
        segment = _segment(1)
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(segment)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.marketing.get_segment(segment.id) == segment
            with pytest.raises(NotFound):
                uow.marketing.get_segment(SegmentId(uuid.UUID(int=404)))

    def test_m1_purchase_history_conditions_read_back_as_saved(self, storage: Storage) -> None:
        """M1: a segment with purchase-history conditions (dates, scopes, negation) reads back equal."""
        conditions = [
            PurchaseCondition(
                bought=True,
                what=PurchaseScope.CATEGORY,
                values=frozenset({"Boya/İç cephe", "Vernik"}),
                start=date(2026, 3, 1),
                end=date(2026, 3, 31),
            ),
            PurchaseCondition(bought=False, what=PurchaseScope.ANYTHING, start=date(2026, 4, 1)),
        ]
        segment = attrs.evolve(_segment(1), filter=SegmentFilter.of(city="İzmir", purchases=conditions))
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(segment)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.marketing.get_segment(segment.id) == segment
            assert uow.marketing.segments() == [segment]

    def test_m1_a_segment_id_is_unique(self, storage: Storage) -> None:
        """M1, ports.marketing add_segment: a second segment with the same id is Duplicate on ``id``."""
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(_segment(1))
            uow.commit()
        with storage.unit_of_work(_ACTOR) as uow, pytest.raises(Duplicate) as raised:
            uow.marketing.add_segment(_segment(1, name="Başka"))
        assert raised.value.field == "id"

    def test_m1_uncommitted_segments_are_not_kept(self, storage: Storage) -> None:
        """§9 unit of work: a segment added without commit is gone afterwards."""
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(_segment(1))
        with storage.unit_of_work() as uow:
            assert uow.marketing.segments() == []

    def test_m1_segments_are_listed_by_name_then_id_and_paged(self, storage: Storage) -> None:
        """M1, ports.marketing segments: ordered by name then id; limit and offset page through them."""
        saved = [_segment(3, "Ege"), _segment(1, "Akdeniz"), _segment(2, "Ege"), _segment(4, "Zonguldak")]
        with storage.unit_of_work(_ACTOR) as uow:
            for segment in saved:
                uow.marketing.add_segment(segment)
            uow.commit()
        expected = [saved[1], saved[2], saved[0], saved[3]]
        with storage.unit_of_work() as uow:
            assert uow.marketing.segments() == expected
            assert uow.marketing.segments(limit=2, offset=1) == expected[1:3]

    def test_m1_an_update_bumps_the_version_and_a_stale_one_conflicts(self, storage: Storage) -> None:
        """M1, C12: a changed segment is stored with version + 1; saving a stale copy writes nothing."""
        segment = _segment(1)
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(segment)
            uow.commit()
        renamed = attrs.evolve(segment, name="İzmir ve Iğdır", filter=SegmentFilter.of(city="İzmir"))
        with storage.unit_of_work(_ACTOR) as uow:
            stored = uow.marketing.update_segment(renamed)
            uow.commit()
        assert stored == attrs.evolve(renamed, version=2)
        with storage.unit_of_work(_ACTOR) as uow:
            with pytest.raises(ConcurrencyConflict):
                uow.marketing.update_segment(attrs.evolve(segment, name="Eski kopya"))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.marketing.get_segment(segment.id) == stored
            with pytest.raises(NotFound):
                uow.marketing.update_segment(_segment(9))

    def test_m1_delete_needs_the_current_version(self, storage: Storage) -> None:
        """M1, C12: deleting with a stale version conflicts and deletes nothing; then it goes."""
        segment = _segment(1)
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(segment)
            uow.commit()
        with storage.unit_of_work(_ACTOR) as uow:
            with pytest.raises(ConcurrencyConflict):
                uow.marketing.delete_segment(segment.id, version=7)
            uow.commit()
        with storage.unit_of_work(_ACTOR) as uow:
            assert uow.marketing.get_segment(segment.id) == segment
            uow.marketing.delete_segment(segment.id, version=1)
            uow.commit()
        with storage.unit_of_work(_ACTOR) as uow:
            with pytest.raises(NotFound):
                uow.marketing.get_segment(segment.id)
            with pytest.raises(NotFound):
                uow.marketing.delete_segment(segment.id, version=1)

    def test_m1_a_segment_a_campaign_targets_is_not_deleted(self, storage: Storage) -> None:
        """M1, ports.marketing delete_segment: a campaign's segment stays (RuleViolation), whole."""
        segment = _segment(1)
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(segment)
            uow.marketing.add_campaign(_campaign(1, segment), [])
            uow.commit()
        with storage.unit_of_work(_ACTOR) as uow:
            with pytest.raises(RuleViolation):
                uow.marketing.delete_segment(segment.id, version=1)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.marketing.get_segment(segment.id) == segment

    def test_m2_a_campaign_and_its_send_records_read_back(self, storage: Storage) -> None:
        """M2: a campaign reads back equal; its send records per recipient, ordered by company id."""
        segment = _segment(1)
        campaign = _campaign(1, segment)
        recipients = _recipients(campaign)
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(segment)
            uow.marketing.add_campaign(campaign, recipients)
            uow.commit()
        by_company = sorted(recipients, key=lambda r: r.company_id)
        with storage.unit_of_work() as uow:
            assert uow.marketing.get_campaign(campaign.id) == campaign
            assert uow.marketing.recipients(campaign.id) == by_company
            assert uow.marketing.recipients(campaign.id, limit=2, offset=1) == by_company[1:3]
            with pytest.raises(NotFound):
                uow.marketing.get_campaign(CampaignId(uuid.UUID(int=404)))

    def test_a8_m2_send_records_are_filtered_by_their_company_in_the_storage(self, storage: Storage) -> None:
        """A8: ``recipients(companies=…)`` keeps the records of stored companies matching it.

        Records of companies no longer stored are kept only with ``strangers``; the page is cut
        after the filter.
        """
        segment = _segment(1)
        campaign = _campaign(1, segment)
        recipients = _recipients(campaign)
        by_company = sorted(recipients, key=lambda r: r.company_id)
        stored = [
            make_company(id=r.company_id, name=f"Üye {n}", type="customer",
                         segmentation=Segmentation(micro_region="M-01" if n % 2 == 0 else "M-02"))
            for n, r in enumerate(by_company[:3])
        ]  # fmt: skip
        with storage.unit_of_work(_ACTOR) as uow:
            uow.companies.add_many(stored)
            uow.marketing.add_segment(segment)
            uow.marketing.add_campaign(campaign, recipients)
            uow.commit()
        m01 = CodeIn(frozenset({"M-01"}))
        with storage.unit_of_work() as uow:
            listed = uow.marketing.recipients(campaign.id, companies=m01, strangers=False)
            assert listed == [by_company[0], by_company[2]]
            assert uow.marketing.recipients(campaign.id, companies=m01) == [by_company[0], *by_company[2:]]
            assert uow.marketing.recipients(campaign.id, companies=m01, limit=1, offset=1) == [by_company[2]]

    def test_m2_a_campaign_id_is_unique(self, storage: Storage) -> None:
        """M2, ports.marketing add_campaign: a second campaign with the same id is Duplicate on ``id``."""
        segment = _segment(1)
        with storage.unit_of_work(_ACTOR) as uow:
            uow.marketing.add_segment(segment)
            uow.marketing.add_campaign(_campaign(1, segment), [])
            uow.commit()
        with storage.unit_of_work(_ACTOR) as uow, pytest.raises(Duplicate) as raised:
            uow.marketing.add_campaign(attrs.evolve(_campaign(1, segment), name="Başka"), [])
        assert raised.value.field == "id"


def _at(minutes: int) -> datetime:
    return _T0 + timedelta(minutes=minutes)


def _consent(n: int, state: ConsentState, minutes: int, address: str, **fields: object) -> ConsentRecord:
    values: dict[str, object] = {"channel": Channel.SMS, "source": "web-form", **fields}
    return ConsentRecord(
        id=uuid.UUID(int=0xC05E00 + n),
        address=address,
        state=state,
        at=_T0 + timedelta(minutes=minutes),
        **values,  # type: ignore[arg-type]  # channel, source and contact_id, typed by ConsentRecord
    )


class ConsentRepositoryContract:
    """What ``uow.consents`` of every storage must do (SPEC §8 M3: history, the decision in force)."""

    def test_m3_history_is_kept_in_time_order_with_source_and_contact(self, storage: Storage) -> None:
        """M3: every decision is kept, in time order whatever the order of writing, as written."""
        phone = "+905321234567"
        records = [
            _consent(3, ConsentState.GRANTED, 20, phone, source="iys", contact_id=uuid.UUID(int=7)),
            _consent(1, ConsentState.GRANTED, 0, phone),
            _consent(2, ConsentState.REVOKED, 10, phone, source="sms:RET"),
        ]
        with storage.unit_of_work() as uow:
            for record in records:
                uow.consents.add(record)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.consents.history(Channel.SMS, phone) == [records[1], records[2], records[0]]
            with pytest.raises(Duplicate):
                uow.consents.add(records[0])

    def test_m3_the_decision_in_force_is_the_latest_at_or_before_the_time(self, storage: Storage) -> None:
        """M3: ``current`` gives the latest decision made at or before ``at``.

        Never-asked addresses are left out, so a commercial message is not sent to them.
        """
        phone, other, never = "+905321234567", "+905339876543", "+905320000000"
        with storage.unit_of_work() as uow:
            uow.consents.add(_consent(1, ConsentState.GRANTED, 0, phone))
            uow.consents.add(_consent(2, ConsentState.REVOKED, 10, phone))
            uow.consents.add(_consent(3, ConsentState.GRANTED, 30, other))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.consents.current(Channel.SMS, [phone, other, never], _at(-1)) == {}
            assert uow.consents.current(Channel.SMS, [phone, other, never], _at(9)) == {
                phone: ConsentState.GRANTED
            }
            assert uow.consents.current(Channel.SMS, [phone, other], _at(10)) == {phone: ConsentState.REVOKED}
            assert uow.consents.current(Channel.SMS, [phone, other], _at(30)) == {
                phone: ConsentState.REVOKED,
                other: ConsentState.GRANTED,
            }

    def test_m3_each_channel_has_its_own_consent(self, storage: Storage) -> None:
        """M3: consent is per channel — an SMS grant is no e-mail or call consent."""
        address = "ayse@example.com.tr"
        with storage.unit_of_work() as uow:
            uow.consents.add(_consent(1, ConsentState.GRANTED, 0, address, channel=Channel.EMAIL))
            uow.consents.add(_consent(2, ConsentState.REVOKED, 0, address, channel=Channel.CALL))
            uow.commit()
        with storage.unit_of_work() as uow:
            later = _T0 + timedelta(hours=1)
            assert uow.consents.current(Channel.EMAIL, [address], later) == {address: ConsentState.GRANTED}
            assert uow.consents.current(Channel.CALL, [address], later) == {address: ConsentState.REVOKED}
            assert uow.consents.current(Channel.SMS, [address], later) == {}
            assert uow.consents.history(Channel.SMS, address) == []

    def test_m3_uncommitted_decisions_are_not_kept(self, storage: Storage) -> None:
        """§9 unit of work: a consent added without commit is gone afterwards."""
        with storage.unit_of_work() as uow:
            uow.consents.add(_consent(1, ConsentState.GRANTED, 0, "+905321234567"))
        with storage.unit_of_work() as uow:
            assert uow.consents.history(Channel.SMS, "+905321234567") == []
