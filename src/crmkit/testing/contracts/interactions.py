"""The contract of the interaction, appointment and reminder repositories (I1, I6, I7, A7, C12).

Needs a ``storage`` fixture: a migrated, empty storage. Companies, contacts
and a campaign's segment are stored first, so back ends with foreign keys pass.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from crmkit.domain.errors import ConcurrencyConflict, NotFound
from crmkit.domain.ids import EmployeeId
from crmkit.domain.interactions import (
    Appointment,
    AppointmentId,
    Interaction,
    InteractionChannel,
    InteractionId,
    Reminder,
    ReminderId,
)
from crmkit.domain.marketing import Campaign, CampaignId, Segment, SegmentFilter, SegmentId
from crmkit.domain.messaging import Channel
from crmkit.domain.parties import Company, Segmentation
from crmkit.domain.predicates import EVERYTHING, NOTHING, CodeIn, FirmSubtree, OwnedBy
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_company, make_contact

__all__ = ["InteractionStorageContract"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REP = EmployeeId(uuid.UUID(int=71))
BOSS = EmployeeId(uuid.UUID(int=72))


def interaction(company: Company, *, minutes: int = 0, **kw: Any) -> Interaction:
    """A phone interaction with ``company`` recorded ``minutes`` after :data:`T0`."""
    fields: dict[str, Any] = {
        "id": InteractionId(uuid.uuid4()),
        "company_id": company.id,
        "channel": InteractionChannel.PHONE,
        "category": "Sipariş",
        "subject": "Fiyat teklifi istedi",
        "text": "Çarşamba geri aranacak.",
        "created_by": REP,
        "owner_id": REP,
        "created_at": T0 + timedelta(minutes=minutes),
    }
    fields.update(kw)
    return Interaction(**fields)


def appointment(company: Company, start: datetime, minutes: int = 60, **kw: Any) -> Appointment:
    """An appointment of :data:`REP` at ``company``."""
    fields: dict[str, Any] = {
        "id": AppointmentId(uuid.uuid4()),
        "company_id": company.id,
        "starts_at": start,
        "minutes": minutes,
        "description": "Ziyaret",
        "created_by": REP,
        "assignee_id": REP,
        "created_at": T0,
    }
    fields.update(kw)
    return Appointment(**fields)


def reminder(due: datetime, **kw: Any) -> Reminder:
    """A reminder for :data:`REP` due at ``due``."""
    fields: dict[str, Any] = {
        "id": ReminderId(uuid.uuid4()),
        "due_at": due,
        "text": "Teklifi gönder",
        "created_by": BOSS,
        "assignee_id": REP,
        "created_at": T0,
    }
    fields.update(kw)
    return Reminder(**fields)


def _sms_campaign() -> tuple[Segment, Campaign]:
    """A new SMS campaign to everyone and its segment, for the interactions citing it (M2)."""
    segment = Segment(
        id=SegmentId(uuid.uuid4()), name="Hepsi", filter=SegmentFilter(), created_by=BOSS, created_at=T0
    )
    campaign = Campaign(
        id=CampaignId(uuid.uuid4()),
        name="Bahar",
        channel=Channel.SMS,
        body="İndirim",
        segment_id=segment.id,
        created_by=BOSS,
        created_at=T0,
    )
    return segment, campaign


def _added_then_saved(storage: Storage, first: Interaction, **changes: Any) -> Interaction:
    """Store ``first`` as the rep, then save it with ``changes`` in a second unit of work; the saved copy."""
    with storage.unit_of_work(REP) as uow:
        uow.interactions.add(first)
        uow.commit()
    with storage.unit_of_work(REP) as uow:
        saved = uow.interactions.save(attrs.evolve(first, **changes))
        uow.commit()
    return saved


def _customer(name: str, code: str | None, **kw: Any) -> Company:
    fields: dict[str, Any] = {
        "name": name,
        "type": "customer",
        "segmentation": Segmentation(micro_region=code),
    }
    return make_company(**(fields | kw))


class InteractionStorageContract:
    """``uow.interactions``, ``uow.appointments`` and ``uow.reminders`` of a storage back end."""

    @pytest.fixture
    def companies(self, storage: Storage) -> dict[str, Company]:
        """Two coded customers, a dealer and a customer under it, stored."""
        dealer = _customer("Bayi", "M-01", type="dealer")
        found = {
            "m01": _customer("Kadıköy Eczanesi", "M-01", sales_rep_id=REP),
            "a01": _customer("Çankaya Kimya", "A-01"),
            "dealer": dealer,
            "sub": _customer("Bayi Müşterisi", "A-01", parent_id=dealer.id),
        }
        store(storage, *found.values())
        return found

    # -- interactions ----------------------------------------------------------------------------
    def test_i1_an_interaction_round_trips(self, storage: Storage, companies: dict[str, Company]) -> None:
        """I1, M2: every field, the contact and the cited campaign included, comes back equal."""
        contact = make_contact(company_id=companies["m01"].id)
        store(storage, contact)
        segment, campaign = _sms_campaign()
        full = interaction(
            companies["m01"],
            channel=InteractionChannel.CALL_CENTRE,
            contact_id=contact.id,
            campaign_id=campaign.id,
            first_response_at=T0 + timedelta(hours=1),
            resolved_at=T0 + timedelta(days=1, microseconds=250),
        )
        with storage.unit_of_work(BOSS) as uow:
            uow.marketing.add_segment(segment)
            uow.marketing.add_campaign(campaign, [])
            uow.interactions.add(full)
            uow.commit()
        assert read(storage, lambda uow: uow.interactions.get(full.id)) == full
        assert read(storage, lambda uow: uow.interactions.get_many([full.id])) == {full.id: full}

    def test_c12_save_bumps_the_version_and_a_stale_copy_conflicts(
        self, storage: Storage, companies: dict[str, Company]
    ) -> None:
        """§9: ``save`` returns version + 1; a stale copy conflicts and writes nothing."""
        first = interaction(companies["m01"])
        saved = _added_then_saved(storage, first, subject="Teklif gönderildi")
        assert saved.version == 2
        with storage.unit_of_work(REP) as uow, pytest.raises(ConcurrencyConflict):
            uow.interactions.save(first)
        assert read(storage, lambda uow: uow.interactions.get(first.id)) == saved

    def test_c12_delete_removes_and_audits_and_refuses_a_stale_copy(
        self, storage: Storage, companies: dict[str, Company]
    ) -> None:
        """C12: a delete removes the record at commit, is audited as ``delete``; stale copies conflict."""
        first = interaction(companies["m01"])
        saved = _added_then_saved(storage, first, text="Güncel")
        with storage.unit_of_work(REP) as uow:
            with pytest.raises(ConcurrencyConflict):
                uow.interactions.delete(first)
            uow.commit()
        assert read(storage, lambda uow: uow.interactions.count()) == 1
        with storage.unit_of_work(REP) as uow:
            uow.interactions.delete(saved)
            uow.rollback()
        assert read(storage, lambda uow: uow.interactions.count()) == 1  # a rolled-back delete keeps it
        with storage.unit_of_work(REP) as uow:
            uow.interactions.delete(saved)
            with pytest.raises(NotFound):
                uow.interactions.get(saved.id)
            uow.commit()
        with storage.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.interactions.get(saved.id)
            with pytest.raises(NotFound):
                uow.interactions.delete(saved)
            trail = uow.audit.for_record("interaction", str(first.id))
        assert [(e.action, e.version, e.actor_id) for e in trail] == [
            ("create", 1, str(REP)),
            ("update", 2, str(REP)),
            ("delete", 2, str(REP)),
        ]
        assert {c.field: c.new for c in trail[-1].changes}["subject"] is None

    def test_a7_visible_runs_the_company_predicate_newest_first(
        self, storage: Storage, companies: dict[str, Company]
    ) -> None:
        """A7: the company predicate filters interactions in storage; newest first, then id; paged."""
        rows = [
            interaction(companies["m01"], minutes=1),
            interaction(companies["a01"], minutes=2, owner_id=BOSS),
            interaction(companies["sub"], minutes=3),
            interaction(companies["m01"], minutes=3),  # same time as the one above: id breaks the tie
            interaction(companies["dealer"], minutes=0, owner_id=BOSS),
        ]
        with storage.unit_of_work() as uow:
            uow.interactions.add_many(rows)
            uow.commit()

        def listed(predicate: Any, **kw: Any) -> list[InteractionId]:
            with storage.unit_of_work() as uow:
                found = uow.interactions.visible(predicate, limit=100, **kw)
                assert uow.interactions.count_visible(predicate, **kw) == len(found)
            return [i.id for i in found]

        newest = sorted(rows, key=lambda i: i.id)
        newest = sorted(newest, key=lambda i: i.created_at, reverse=True)
        assert listed(EVERYTHING) == [i.id for i in newest]
        assert listed(NOTHING) == []
        assert set(listed(CodeIn(frozenset({"M-01"})))) == {rows[0].id, rows[3].id, rows[4].id}
        assert set(listed(FirmSubtree(companies["dealer"].id))) == {rows[2].id, rows[4].id}
        assert set(listed(OwnedBy(REP))) == {rows[0].id, rows[3].id}  # the company's owner (sales rep)
        assert set(listed(EVERYTHING, owner=BOSS)) == {rows[1].id, rows[4].id}
        assert listed(EVERYTHING, company=companies["m01"].id) == [rows[3].id, rows[0].id]
        assert set(listed(CodeIn(frozenset({"A-01"})), owner=REP)) == {rows[2].id}
        with storage.unit_of_work() as uow:
            page = uow.interactions.visible(EVERYTHING, limit=2, offset=1)
        assert [i.id for i in page] == [i.id for i in newest[1:3]]

    def test_m2_interactions_of_a_campaign(self, storage: Storage, companies: dict[str, Company]) -> None:
        """M2: the interactions citing a campaign, under the predicate."""
        segment, campaign = _sms_campaign()
        cited = interaction(companies["m01"], campaign_id=campaign.id)
        with storage.unit_of_work() as uow:
            uow.marketing.add_segment(segment)
            uow.marketing.add_campaign(campaign, [])
            uow.interactions.add_many([cited, interaction(companies["a01"])])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.interactions.visible(EVERYTHING, campaign=campaign.id) == [cited]
            assert uow.interactions.count_visible(CodeIn(frozenset({"A-01"})), campaign=campaign.id) == 0

    # -- appointments ----------------------------------------------------------------------------
    def test_i6_overlapping_is_half_open_and_per_assignee(
        self, storage: Storage, companies: dict[str, Company]
    ) -> None:
        """I6: overlaps are per assignee and half-open (back to back is no clash)."""
        c = companies["m01"]
        ten = T0.replace(hour=10)
        booked = [
            appointment(c, ten, 60),
            appointment(c, ten + timedelta(hours=1), 30),  # starts when the first ends
            appointment(c, ten + timedelta(minutes=30), 60, assignee_id=BOSS),
            appointment(c, ten - timedelta(hours=20), MAX_DAY),  # a long one from the day before
        ]
        with storage.unit_of_work() as uow:
            uow.appointments.add_many(booked)
            uow.commit()
        with storage.unit_of_work() as uow:
            at_ten = uow.appointments.overlapping(REP, ten, ten + timedelta(minutes=60))
            just_after = uow.appointments.overlapping(
                REP, ten + timedelta(minutes=90), ten + timedelta(hours=2)
            )
            got = uow.appointments.get(booked[0].id)
        assert [a.id for a in at_ten] == [booked[3].id, booked[0].id]
        assert just_after == [booked[3]]
        assert got == booked[0] and got.ends_at == ten + timedelta(hours=1)

    def test_i6_between_filters_by_company_predicate_and_assignee(
        self, storage: Storage, companies: dict[str, Company]
    ) -> None:
        """I6, A6: a range lists what shares an instant with it, under the company predicate."""
        day = T0.replace(hour=0)
        booked = [
            appointment(companies["m01"], day + timedelta(hours=9)),
            appointment(companies["a01"], day + timedelta(hours=11), assignee_id=BOSS),
            appointment(companies["sub"], day + timedelta(hours=23, minutes=30)),  # runs into the next day
            appointment(companies["m01"], day + timedelta(days=1, hours=9)),
        ]
        with storage.unit_of_work() as uow:
            uow.appointments.add_many(booked)
            uow.commit()
        end = day + timedelta(days=1)
        with storage.unit_of_work() as uow:
            assert uow.appointments.between(EVERYTHING, day, end) == booked[:3]
            assert uow.appointments.count_between(EVERYTHING, day, end) == 3
            assert uow.appointments.between(EVERYTHING, end, end + timedelta(days=1)) == [
                booked[2],
                booked[3],
            ]
            assert uow.appointments.between(EVERYTHING, day, end, assignee=BOSS) == [booked[1]]
            subtree = FirmSubtree(companies["dealer"].id)
            assert uow.appointments.between(subtree, day, end) == [booked[2]]
            assert uow.appointments.count_between(NOTHING, day, end) == 0
            assert uow.appointments.between(EVERYTHING, day, end, limit=1, offset=1) == [booked[1]]

    def test_c12_appointment_delete_is_audited(self, storage: Storage, companies: dict[str, Company]) -> None:
        """C12: an appointment's create, update and delete are in the audit trail."""
        booked = appointment(companies["m01"], T0)
        with storage.unit_of_work(REP) as uow:
            uow.appointments.add(booked)
            uow.commit()
        with storage.unit_of_work(REP) as uow:
            moved = uow.appointments.save(attrs.evolve(booked, starts_at=T0 + timedelta(hours=2)))
            uow.commit()
        assert read(storage, lambda uow: uow.appointments.overlapping(REP, T0, T0 + timedelta(hours=1))) == []
        with storage.unit_of_work(REP) as uow:
            uow.appointments.delete(moved)
            uow.commit()
        assert read(storage, lambda uow: uow.appointments.count()) == 0
        trail = read(storage, lambda uow: uow.audit.for_record("appointment", str(booked.id)))
        assert [e.action for e in trail] == ["create", "update", "delete"]

    # -- reminders -------------------------------------------------------------------------------
    def test_i7_due_lists_open_reminders_up_to_a_time(self, storage: Storage) -> None:
        """I7: due reminders are the assignee's open ones due at or before the time."""
        kept = [
            reminder(T0 - timedelta(hours=1)),
            reminder(T0),
            reminder(T0 + timedelta(minutes=1)),
            reminder(T0 - timedelta(days=1), done=True),
            reminder(T0 - timedelta(days=2), assignee_id=BOSS),
        ]
        with storage.unit_of_work() as uow:
            uow.reminders.add_many(kept)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.reminders.due(REP, T0) == kept[:2]
            assert uow.reminders.due(REP, T0, limit=1, offset=1) == [kept[1]]
            assert uow.reminders.due(BOSS, T0) == [kept[4]]
            done = uow.reminders.save(attrs.evolve(kept[0], done=True))
            uow.reminders.delete(kept[1])
            assert uow.reminders.due(REP, T0) == []
            uow.commit()
        assert read(storage, lambda uow: uow.reminders.get(done.id)) == done
        trail = read(storage, lambda uow: uow.audit.for_record("reminder", str(kept[1].id)))
        assert [e.action for e in trail] == ["create", "delete"]


MAX_DAY = 24 * 60
"""The longest appointment, in minutes."""
