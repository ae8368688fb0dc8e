"""The contract of opportunity and offer storage (SPEC §5 I8, I9, I10; §4 Q6; A7).

Needs a ``storage`` fixture: a migrated, empty storage. Random opportunities
(owners, teams, dealers, amounts in two currencies, probabilities with
decimals, open/won/lost, expected closes, lead sources, competitors), their
stage histories and random offers are stored; every back end's reports —
forecast per rep, team and month, conversion per stage, losses, routed and
closed per rep and dealer, lead sources, offers per rep — must equal the
plain-Python reference of :mod:`crmkit.domain.pipeline` over the same
records, for the whole data and for an access predicate and a period.
Bind it with ``class TestMine(OpportunityStorageContract): pass``.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from crmkit.domain.errors import Duplicate
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, EmployeeId
from crmkit.domain.money import Money
from crmkit.domain.offers import Offer, OfferId, OfferStatus
from crmkit.domain.opportunities import Opportunity, OpportunityId, StageEntry, StageEntryId
from crmkit.domain.parties import Company, Contact, Segmentation
from crmkit.domain.pipeline import (
    ForecastGroup,
    forecast,
    funnel_stats,
    lead_sources,
    losses,
    offer_rows,
    routed_rows,
)
from crmkit.domain.predicates import EVERYTHING, CodeIn
from crmkit.domain.territory import TeamId
from crmkit.domain.workflow_stages import StageKind
from crmkit.ports.storage import Storage
from crmkit.testing.factories import make_company

__all__ = ["OpportunityStorageContract"]

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STAGES = ["aday", "teklif", "pazarlık", "kazanıldı", "kaybedildi"]
_OPEN = {"aday": "10", "teklif": "33.33", "pazarlık": "66.67"}


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128))


def _opportunity(
    rng: random.Random, companies: list[Company], dealers: list[CompanyId]
) -> tuple[Opportunity, list[StageEntry]]:
    reps = [EmployeeId(uuid.UUID(int=100 + i)) for i in range(3)]
    teams: list[TeamId | None] = [None, TeamId(uuid.UUID(int=200)), TeamId(uuid.UUID(int=201))]
    created = T0 + timedelta(minutes=rng.randint(0, 60 * 24 * 60))
    path = ["aday", *rng.choice([[], ["teklif"], ["teklif", "pazarlık"], ["teklif", "pazarlık", "teklif"]])]
    end = rng.choice([None, "kazanıldı", "kaybedildi"])
    if end is not None:
        path.append(end)
    stage = path[-1]
    kind = (
        StageKind.WON if stage == "kazanıldı" else StageKind.LOST if stage == "kaybedildi" else StageKind.OPEN
    )
    currency = rng.choice(["TRY", "TRY", "EUR"])
    amount = rng.choice([None, Money(Decimal(rng.randint(1, 10_000_000)) / 100, currency)])
    if kind is StageKind.WON and amount is None:
        amount = Money("1.01", currency)
    closed = created + timedelta(days=rng.randint(0, 30)) if kind is not StageKind.OPEN else None
    owner = rng.choice(reps)
    item = Opportunity(
        id=OpportunityId(_uuid(rng)),
        funnel="opportunity",
        workflow_version=1,
        company_id=rng.choice(companies).id,
        title="Fırsat",
        owner_id=owner,
        owner_team_id=rng.choice(teams),
        dealer_id=rng.choice([None, *dealers]),
        created_by=owner,
        created_at=created,
        stage=stage,
        stage_kind=kind,
        probability=_OPEN.get(stage, "100" if kind is StageKind.WON else "0"),
        amount=amount,
        expected_close=rng.choice([None, date(2026, rng.randint(1, 6), rng.randint(1, 28))]),
        next_step_due=rng.choice([None, created + timedelta(hours=rng.randint(1, 400))]),
        product=rng.choice([None, "Sabun", "Kolonya"]),
        lead_source=rng.choice([None, "web", "fuar"]),
        closed_at=closed,
        loss_reason=rng.choice(["Fiyat", "Teslim süresi"]) if kind is StageKind.LOST else None,
        competitor=rng.choice([None, "Rakip A.Ş."]) if kind is StageKind.LOST else None,
    )
    history = [
        StageEntry(
            id=StageEntryId(_uuid(rng)),
            opportunity_id=item.id,
            seq=i + 1,
            stage=name,
            kind=StageKind.WON
            if name == "kazanıldı"
            else StageKind.LOST
            if name == "kaybedildi"
            else StageKind.OPEN,
            entered_at=created + timedelta(minutes=i),
            entered_by=owner,
        )
        for i, name in enumerate(path)
    ]
    return item, history


class OpportunityStorageContract:
    """Opportunities and offers: stored whole, listed and reported as the domain reference (I8, I9, Q6)."""

    def _world(
        self, storage: Storage, seed: int
    ) -> tuple[list[Company], list[Opportunity], list[StageEntry], list[Offer]]:
        rng = random.Random(seed)
        companies = [
            make_company(name=f"Firma {i}", segmentation=Segmentation(micro_region=code))
            for i, code in enumerate(["M-01", "A-01", None])
        ]
        dealer = make_company(name="Bayi", type="dealer", segmentation=Segmentation(micro_region="M-01"))
        contacts = [Contact(id=ContactId(_uuid(rng)), company_id=c.id, name="Ali Veli") for c in companies]
        items, entries = [], []
        for _ in range(rng.randint(0, 30)):
            item, history = _opportunity(rng, companies, [dealer.id])
            items.append(item)
            entries.extend(history)
        offers = []
        for _ in range(rng.randint(0, 12)):
            contact = rng.choice(contacts)
            sent = T0 + timedelta(hours=rng.randint(0, 24 * 60))
            status = rng.choice(list(OfferStatus))
            offers.append(
                Offer(
                    id=OfferId(_uuid(rng)),
                    company_id=contact.company_id,
                    contact_id=contact.id,
                    template_id=DocumentId(uuid.UUID(int=7)),
                    sent_by=EmployeeId(uuid.UUID(int=100 + rng.randint(0, 2))),
                    sent_at=sent,
                    message_key=f"dispatch:{rng.getrandbits(32)}",
                    status=status,
                    reason="Fiyat" if status is OfferStatus.REJECTED else None,
                    decided_at=None if status is OfferStatus.SENT else sent + timedelta(days=1),
                    decided_by=None if status is OfferStatus.SENT else EmployeeId(uuid.UUID(int=100)),
                )
            )
        with storage.unit_of_work() as uow:
            for company in [*companies, dealer]:
                uow.companies.add(company)
            for contact in contacts:
                uow.contacts.add(contact)
            for item in items:
                uow.opportunities.add(item)
            for entry in entries:
                uow.opportunities.enter(entry)
            for offer in offers:
                uow.offers.add(offer)
            uow.commit()
        return companies, items, entries, offers

    @pytest.mark.parametrize("seed", range(5))
    def test_reports_equal_the_reference(self, storage: Storage, seed: int) -> None:
        """Forecast, conversion, losses, routed, lead sources and offers as :mod:`crmkit.domain.pipeline`."""
        companies, items, entries, offers = self._world(storage, seed)
        since, until = T0 + timedelta(days=5), T0 + timedelta(days=40)
        m01 = {companies[0].id}
        code = CodeIn(frozenset({"M-01"}))
        narrowed = [i for i in items if i.company_id in m01]
        ids = {i.id for i in narrowed if since <= i.created_at < until}
        with storage.unit_of_work() as uow:
            o = uow.opportunities
            for group in ForecastGroup:
                for currency in ("TRY", "EUR"):
                    assert o.forecast(EVERYTHING, group=group, currency=currency) == forecast(
                        items, group, currency
                    )
                got = o.forecast(
                    code, group=group, currency="TRY", since=date(2026, 2, 1), until=date(2026, 5, 1)
                )
                assert got == forecast(narrowed, group, "TRY", date(2026, 2, 1), date(2026, 5, 1))
            assert o.funnel(
                EVERYTHING, funnel="opportunity", stages=STAGES, since=None, until=None
            ) == funnel_stats(STAGES, entries)
            got_funnel = o.funnel(code, funnel="opportunity", stages=STAGES[:2], since=since, until=until)
            assert got_funnel == funnel_stats(STAGES[:2], [e for e in entries if e.opportunity_id in ids])
            assert o.funnel(EVERYTHING, funnel="opportunity:başka", stages=[], since=None, until=None) == []
            assert o.losses(EVERYTHING, since=None, until=None) == losses(items, None, None)
            assert o.losses(code, since=since, until=until) == losses(narrowed, since, until)
            assert o.routed(EVERYTHING, since=None, until=None) == routed_rows(items, None, None)
            assert o.routed(code, since=since, until=until) == routed_rows(narrowed, since, until)
            assert o.lead_sources(EVERYTHING, since=None, until=None) == lead_sources(items, None, None)
            assert o.lead_sources(code, since=since, until=until) == lead_sources(narrowed, since, until)
            assert uow.offers.per_rep(EVERYTHING, since=None, until=None) == offer_rows(offers, None, None)
            mine = [x for x in offers if x.company_id in m01]
            assert uow.offers.per_rep(code, since=since, until=until) == offer_rows(mine, since, until)

    def test_records_read_back_equal_and_listings_are_ordered(self, storage: Storage) -> None:
        """An opportunity and an offer read back equal; history by seq; due list by due time (I9, I10)."""
        companies, items, entries, offers = self._world(storage, 3)
        with storage.unit_of_work() as uow:
            for item in items:
                assert uow.opportunities.get(item.id) == item
                mine = sorted((e for e in entries if e.opportunity_id == item.id), key=lambda e: e.seq)
                assert uow.opportunities.history(item.id) == mine
            for offer in offers:
                assert uow.offers.get(offer.id) == offer
            owner = EmployeeId(uuid.UUID(int=100))
            before = T0 + timedelta(days=20)
            expected = sorted(
                (
                    i
                    for i in items
                    if i.owner_id == owner and i.is_open and i.next_step_due and i.next_step_due < before
                ),
                key=lambda i: (i.next_step_due, i.id),
            )
            assert uow.opportunities.due(EVERYTHING, owner, before) == expected
            listed = uow.opportunities.visible(EVERYTHING, limit=1000)
            assert listed == sorted(items, key=lambda i: (-i.created_at.timestamp(), i.id))
            company = companies[0].id
            assert uow.offers.for_company(company) == sorted(
                (x for x in offers if x.company_id == company), key=lambda x: (-x.sent_at.timestamp(), x.id)
            )

    def test_a_stage_number_is_taken_once_and_a_save_bumps_the_version(self, storage: Storage) -> None:
        """A second history entry with the same seq is a Duplicate on ``seq``; save writes version + 1."""
        _, items, entries, _ = self._world(storage, 4)
        if not items:
            pytest.skip("seed 4 makes opportunities")
        first = next(e for e in entries if e.opportunity_id == items[0].id)
        with storage.unit_of_work() as uow:
            with pytest.raises(Duplicate) as caught:
                uow.opportunities.enter(attrs.evolve(first, id=StageEntryId(uuid.UUID(int=999))))
            assert caught.value.field == "seq"
            saved = uow.opportunities.save(attrs.evolve(items[0], title="Yeni başlık"))
            uow.commit()
        assert saved.version == items[0].version + 1
        with storage.unit_of_work() as uow:
            assert uow.opportunities.get(items[0].id) == saved
