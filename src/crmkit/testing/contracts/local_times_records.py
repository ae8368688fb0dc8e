"""Contract: every other record's aware times keep their offset too (V1, M4, §9; revision 0023).

Part of :class:`~crmkit.testing.contracts.LocalTimesContract`: the outbox's sending
and delivery times, erasure records, parties (companies, employees, claims), interactions and
meeting notes, opportunities with their stage history, offers, visits and samples, segments and
campaigns, the service records (contracts, work entries, cases and their events, bookings,
articles, rates), plans, and the dated values of T4 (customer codes, team memberships, code
links, owners). Each test writes one record per time of ``LOCAL_TIMES``
(``crmkit.testing.contracts.invoice_storage``) — near local midnight, across month ends, in
several offsets — and compares what it reads back by instant, UTC offset, local date and wall
time.

Needs a ``storage`` fixture (a migrated, empty storage).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from crmkit.domain.cases import CaseEvent
from crmkit.domain.costs import Rate, RateId
from crmkit.domain.employees import EmployeeStatus
from crmkit.domain.erasure import Erasure, ErasureId
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, EmployeeId
from crmkit.domain.knowledge import Article, ArticleId
from crmkit.domain.meetings import MeetingNote, MeetingNoteId, MeetingOutcome
from crmkit.domain.messaging import DeliveryState
from crmkit.domain.money import Money
from crmkit.domain.offers import Offer, OfferId, OfferStatus
from crmkit.domain.opportunities import Opportunity, OpportunityId, StageEntry, StageEntryId
from crmkit.domain.parties import ClaimStatus, Company, Contact
from crmkit.domain.samples import Sample, SampleId
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    OwnerAssignment,
    OwnerAssignmentId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
)
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId
from crmkit.domain.workflow_stages import StageKind
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.testing.contracts.interactions import interaction
from crmkit.testing.contracts.invoice_storage import LOCAL_TIMES
from crmkit.testing.contracts.messaging import outbox_sms
from crmkit.testing.contracts.service import make_booking, make_case, make_contract, make_entry
from crmkit.testing.contracts.support import read
from crmkit.testing.contracts.targets import _plan
from crmkit.testing.contracts.visits import visit
from crmkit.testing.factories import make_claim, make_company, make_employee

__all__ = ["RecordTimesContract", "same_times"]

REP = EmployeeId(uuid.UUID(int=0x0FF5E7))
_LEASE = timedelta(minutes=5)
_EARLY = datetime(2015, 1, 1, tzinfo=UTC)
"""Before every time of ``LOCAL_TIMES``: what the records are queued or valid from."""


def _kept(value: datetime | None) -> tuple[datetime, timedelta | None, Any, datetime] | None:
    # the same four values as local_times.kept (imported lazily: that module imports this one)
    if value is None:
        return None
    return value.astimezone(UTC), value.utcoffset(), value.date(), value.replace(tzinfo=None)


def same_times(back: object, original: object, fields: Iterable[str]) -> None:
    """Assert that each of ``fields`` (dotted for nested values) kept instant, offset, date and wall time."""
    for name in fields:
        want: Any = original
        got: Any = back
        for part in name.split("."):
            want, got = getattr(want, part), getattr(got, part)
        assert _kept(got) == _kept(want), (type(original).__name__, name, want, got)


def _write(storage: Storage, change: Callable[[UnitOfWork], object]) -> None:
    with storage.unit_of_work() as uow:
        change(uow)
        uow.commit()


def _company(storage: Storage, name: str = "Gece Eczanesi") -> tuple[Company, Contact]:
    """A stored customer with one contact."""
    company = make_company(name=name, type="customer")
    contact = Contact(id=ContactId(uuid.uuid4()), company_id=company.id, name="Ayşe Yılmaz")

    def add(uow: UnitOfWork) -> None:
        uow.companies.add(company)
        uow.contacts.add(contact)

    _write(storage, add)
    return company, contact


def _later(t: datetime, **delta: float) -> datetime:
    """``t`` plus ``delta``, in ``t``'s zone (a second time of the same record)."""
    return t + timedelta(**delta)


def _each(
    items: Sequence[Any], read_back: Callable[[UnitOfWork, Any], Any], fields: Iterable[str], storage: Storage
) -> None:
    names = list(fields)
    with storage.unit_of_work() as uow:
        for item in items:
            same_times(read_back(uow, item), item, names)


class RecordTimesContract:
    """Each record's times read back at their own offset, on their own local day (V1; revision 0023)."""

    def test_v1_9_outbox_sending_and_delivery_times_keep_their_offsets(self, storage: Storage) -> None:
        """§9: the hand-over, the sending time of an outcome and a delivery report's time."""
        messages = [
            attrs.evolve(outbox_sms(n), created_at=_EARLY, due_at=_EARLY) for n in range(len(LOCAL_TIMES))
        ]
        _write(storage, lambda u: u.outbox.add_many(messages))
        with storage.unit_of_work() as uow:
            claimed = {m.id: m for m in uow.outbox.claim("t", _EARLY, _LEASE, len(messages))}
            uow.commit()
        handed = list(zip(messages, LOCAL_TIMES, strict=True))
        with storage.unit_of_work() as uow:  # the first hand-over also records the outcome of none
            for message, at in handed:
                assert uow.outbox.hand_over("t", message.id, at) == ([], True)
        with storage.unit_of_work() as uow:
            for message, at in handed:
                back = uow.outbox.get(message.id)
                assert _kept(back.sent_at) == _kept(at), (at, back.sent_at)
        # outcomes sent at each time, alone and as the outcome folded into the next hand-over
        outcomes = [claimed[m.id].sent(f"P-{n}", _later(at, minutes=1)) for n, (m, at) in enumerate(handed)]
        sent_at = [_later(at, minutes=1) for _, at in handed]
        with storage.unit_of_work() as uow:
            assert uow.outbox.hand_over("t", messages[1].id, LOCAL_TIMES[1], [outcomes[0]]) == ([], True)
            assert uow.outbox.finish("t", outcomes[1:]) == []
            uow.commit()
        reports = [
            o.delivery_reported(DeliveryState.DELIVERED, _later(at, hours=2))
            for o, at in zip(outcomes, sent_at, strict=True)
        ]
        assert all(r is not None for r in reports)
        with storage.unit_of_work() as uow:
            for outcome in outcomes:
                same_times(uow.outbox.get(outcome.id), outcome, ["sent_at"])
            assert uow.outbox.record_deliveries([r for r in reports if r is not None]) == []
            uow.commit()
        _each(reports, lambda u, m: u.outbox.get(m.id), ["sent_at", "delivery_at"], storage)

    def test_v1_m4_erasure_records_keep_the_offset_of_their_time(self, storage: Storage) -> None:
        """M4: the record of an erasure on request keeps the local time it was made at."""
        records = [
            Erasure(
                id=ErasureId(uuid.uuid4()),
                contact_id=ContactId(uuid.uuid4()),
                company_id=CompanyId(uuid.uuid4()),
                actor_id=REP,
                at=t,
                reason="KVKK madde 7",
                report={"contacts": 1},
            )
            for t in LOCAL_TIMES
        ]

        def add(uow: UnitOfWork) -> None:
            for record in records:
                uow.erasures.add(record)

        _write(storage, add)
        stored = {r.id: r for r in read(storage, lambda u: u.erasures.records())}
        for record in records:
            same_times(stored[record.id], record, ["at"])

    def test_v1_c1_c6_c8_companies_claims_and_employees_keep_their_offsets(self, storage: Storage) -> None:
        """C1, C13 registration and archiving; C8 hiring and exit; C6 claim request and decision."""
        companies = [
            make_company(name=f"Gece {n}", type="customer", registered_at=t, archived_at=_later(t, days=1))
            for n, t in enumerate(LOCAL_TIMES)
        ]
        employees = [
            make_employee(
                name=f"Nöbetçi {n}",
                hired_at=t,
                status=EmployeeStatus.RESIGNED,
                exit_reason="taşındı",
                exit_at=_later(t, days=31),
            )
            for n, t in enumerate(LOCAL_TIMES)
        ]
        claims = [
            make_claim(
                company_id=companies[n].id,
                claimant_id=employees[n].id,
                requested_at=t,
                status=ClaimStatus.APPROVED,
                decided_by=REP,
                decided_at=_later(t, hours=1),
            )
            for n, t in enumerate(LOCAL_TIMES)
        ]

        def add(uow: UnitOfWork) -> None:
            uow.companies.add_many(companies)
            uow.employees.add_many(employees)
            uow.claims.add_many(claims)

        _write(storage, add)
        _each(companies, lambda u, c: u.companies.get(c.id), ["registered_at", "archived_at"], storage)
        _each(employees, lambda u, e: u.employees.get(e.id), ["hired_at", "exit_at"], storage)
        _each(claims, lambda u, c: u.claims.get(c.id), ["requested_at", "decided_at"], storage)

    def test_v1_i1_i3_i5_interactions_and_meeting_notes_keep_their_offsets(self, storage: Storage) -> None:
        """I1/I3 creation, first response and resolution; I5 meeting, follow-up and note times."""
        company, contact = _company(storage)
        calls = [
            interaction(
                company, created_at=t, first_response_at=_later(t, minutes=5), resolved_at=_later(t, hours=1)
            )
            for t in LOCAL_TIMES
        ]
        notes = [
            MeetingNote(
                id=MeetingNoteId(uuid.uuid4()),
                company_id=company.id,
                contact_id=contact.id,
                participants=(REP,),
                held_at=t,
                outcome=MeetingOutcome.INFORMED,
                text="Görüşme",
                follow_up_at=_later(t, days=7),
                created_by=REP,
                created_at=_later(t, minutes=30),
            )
            for t in LOCAL_TIMES
        ]

        def add(uow: UnitOfWork) -> None:
            uow.interactions.add_many(calls)
            for note in notes:
                uow.meeting_notes.add(note)

        _write(storage, add)
        _each(
            calls,
            lambda u, c: u.interactions.get(c.id),
            ["created_at", "first_response_at", "resolved_at"],
            storage,
        )
        _each(
            notes, lambda u, n: u.meeting_notes.get(n.id), ["held_at", "follow_up_at", "created_at"], storage
        )

    def test_v1_i8_i9_i11_i12_opportunities_offers_visits_and_samples_keep_their_offsets(
        self, storage: Storage
    ) -> None:
        """I9 opening, next step and closing, with the stage history; I8 offers; I11 visits; I12 samples."""
        company, contact = _company(storage)
        won = [
            Opportunity(
                id=OpportunityId(uuid.uuid4()),
                funnel="opportunity",
                workflow_version=1,
                company_id=company.id,
                title="Yıllık anlaşma",
                owner_id=REP,
                created_by=REP,
                created_at=t,
                stage="kaybedildi",
                stage_kind=StageKind.LOST,
                probability="0",
                loss_reason="Fiyat",
                next_step_due=_later(t, days=2),
                closed_at=_later(t, days=3),
            )
            for t in LOCAL_TIMES
        ]
        stages = [
            StageEntry(
                id=StageEntryId(uuid.uuid4()),
                opportunity_id=o.id,
                seq=1,
                stage="aday",
                kind=StageKind.OPEN,
                entered_at=o.created_at,
                entered_by=REP,
            )
            for o in won
        ]
        offers = [
            Offer(
                id=OfferId(uuid.uuid4()),
                company_id=company.id,
                contact_id=contact.id,
                template_id=DocumentId(uuid.UUID(int=7)),
                sent_by=REP,
                sent_at=t,
                message_key=f"offer:{n}",
                status=OfferStatus.ACCEPTED,
                decided_at=_later(t, days=1),
                decided_by=REP,
            )
            for n, t in enumerate(LOCAL_TIMES)
        ]
        visits = [visit(company, visited_at=t) for t in LOCAL_TIMES]
        samples = [
            Sample(
                id=SampleId(uuid.uuid4()),
                company_id=company.id,
                product="Dezenfektan 5 L",
                quantity=2,
                sent_at=t,
                sent_by=REP,
            )
            for t in LOCAL_TIMES
        ]

        def add(uow: UnitOfWork) -> None:
            for o, s in zip(won, stages, strict=True):
                uow.opportunities.add(o)
                uow.opportunities.enter(s)
            for item in (*offers, *visits, *samples):
                {Offer: uow.offers, Sample: uow.samples}.get(type(item), uow.visits).add(item)  # type: ignore[attr-defined]

        _write(storage, add)
        _each(
            won, lambda u, o: u.opportunities.get(o.id), ["created_at", "next_step_due", "closed_at"], storage
        )
        _each(stages, lambda u, s: u.opportunities.history(s.opportunity_id)[0], ["entered_at"], storage)
        _each(offers, lambda u, o: u.offers.get(o.id), ["sent_at", "decided_at"], storage)
        by_id = {v.id: v for v in read(storage, lambda u: u.visits.for_company(company.id, limit=100))}
        for item in visits:
            same_times(by_id[item.id], item, ["visited_at"])
        sent = {s.id: s for s in read(storage, lambda u: u.samples.for_company(company.id, limit=100))}
        for sample in samples:
            same_times(sent[sample.id], sample, ["sent_at"])

    def test_v1_m1_m2_segments_and_campaigns_keep_their_offsets(self, storage: Storage) -> None:
        """M1/M2: when a segment and a campaign were made."""
        from crmkit.testing.contracts.marketing import _campaign, _segment

        segments = [
            attrs.evolve(_segment(n, name=f"Segment {n}"), created_at=t) for n, t in enumerate(LOCAL_TIMES)
        ]
        campaigns = [attrs.evolve(_campaign(n, segments[n]), created_at=t) for n, t in enumerate(LOCAL_TIMES)]

        def add(uow: UnitOfWork) -> None:
            for segment, campaign in zip(segments, campaigns, strict=True):
                uow.marketing.add_segment(segment)
                uow.marketing.add_campaign(campaign, [])

        _write(storage, add)
        _each(segments, lambda u, s: u.marketing.get_segment(s.id), ["created_at"], storage)
        _each(campaigns, lambda u, c: u.marketing.get_campaign(c.id), ["created_at"], storage)

    def test_v1_s1_s8_service_records_keep_their_offsets(self, storage: Storage) -> None:
        """S1 contracts, S3 work, S4 rates, S5 cases and their events, S6 bookings, S7 articles."""
        company, _ = _company(storage)
        contracts = [make_contract(company.id, created_at=t) for t in LOCAL_TIMES]
        entries = [make_entry(None, company.id, 30, at=t) for t in LOCAL_TIMES]
        cases = [
            attrs.evolve(
                make_case(company.id, at=t),
                closed_at=_later(t, hours=5),
                first_response_at=_later(t, minutes=10),
                last_activity_at=_later(t, hours=4),
            )
            for t in LOCAL_TIMES
        ]
        events = [
            CaseEvent(case_id=c.id, seq=1, at=c.opened_at, stage="new", paused=False, moved_by=REP)
            for c in cases
        ]
        bookings = [
            make_booking(t, created_at=_later(t, days=-1), technician_id=EmployeeId(uuid.uuid4()), vehicle="")
            for t in LOCAL_TIMES
        ]
        articles = [
            Article(id=ArticleId(uuid.uuid4()), title=f"Kombi arızası {n}", created_by=REP, created_at=t)
            for n, t in enumerate(LOCAL_TIMES)
        ]
        rates = [
            Rate(
                id=RateId(uuid.uuid4()),
                technician_id=EmployeeId(uuid.uuid4()),
                valid_from=t,
                amount=Money("450.00", "TRY"),
            )
            for t in LOCAL_TIMES
        ]

        def add(uow: UnitOfWork) -> None:
            service = uow.service
            for contract, entry, case, event, booking, article, rate in zip(
                contracts, entries, cases, events, bookings, articles, rates, strict=True
            ):
                service.contracts.add(contract)
                service.ledger.add(entry)
                service.cases.add(case)
                service.cases.add_event(event)
                service.bookings.book(booking)
                service.articles.add(article)
                service.rates.add(rate)

        _write(storage, add)
        _each(contracts, lambda u, c: u.service.contracts.get(c.id), ["created_at"], storage)
        _each(entries, lambda u, e: u.service.ledger.get(e.id), ["at"], storage)
        times = ["opened_at", "first_response_at", "closed_at", "last_activity_at"]
        _each(cases, lambda u, c: u.service.cases.get(c.id), times, storage)
        _each(events, lambda u, e: u.service.cases.events(e.case_id)[0], ["at"], storage)
        _each(
            bookings,
            lambda u, b: u.service.bookings.get(b.id),
            ["starts_at", "ends_at", "created_at"],
            storage,
        )
        _each(articles, lambda u, a: u.service.articles.get(a.id), ["created_at"], storage)
        _each(rates, lambda u, r: u.service.rates.get(r.id), ["valid_from"], storage)

    def test_v1_t4_q1_dated_values_and_plans_keep_their_offsets(self, storage: Storage) -> None:
        """T4: a code, membership, code link or owner valid from and to local times; Q1 a plan's making."""
        company, _ = _company(storage)
        region = Region(id=RegionId(uuid.uuid4()), name="Ege")
        team = SalesTeam(id=TeamId(uuid.uuid4()), name="İzmir", region_id=region.id)
        people = [
            make_employee(id=REP, name="Temsilci"),
            *(make_employee(name=f"Üye {n}") for n in range(len(LOCAL_TIMES))),
        ]

        def setup(uow: UnitOfWork) -> None:
            uow.regions.add(region)
            uow.teams.add(team)
            uow.employees.add_many(people)

        _write(storage, setup)

        def validity(t: datetime) -> Validity:
            return Validity(t, _later(t, days=30))

        codes = [
            CustomerCode(
                id=CustomerCodeId(uuid.uuid4()), company_id=company.id, code=f"M{n:02d}", validity=validity(t)
            )
            for n, t in enumerate(LOCAL_TIMES)
        ]
        members = [
            Membership(
                id=MembershipId(uuid.uuid4()),
                team_id=team.id,
                employee_id=people[n + 1].id,
                validity=validity(t),
            )
            for n, t in enumerate(LOCAL_TIMES)
        ]
        links = [
            CodeLink(id=CodeLinkId(uuid.uuid4()), team_id=team.id, code=f"L{n:02d}", validity=validity(t))
            for n, t in enumerate(LOCAL_TIMES)
        ]
        owners = [
            OwnerAssignment(
                id=OwnerAssignmentId(uuid.uuid4()),
                company_id=company.id,
                employee_id=REP,
                validity=validity(t),
            )
            for t in LOCAL_TIMES
        ]
        plans = [attrs.evolve(_plan(name=f"Plan {n}"), created_at=t) for n, t in enumerate(LOCAL_TIMES)]

        def add(uow: UnitOfWork) -> None:
            uow.customer_codes.add_many(codes)
            uow.memberships.add_many(members)
            uow.code_links.add_many(links)
            uow.owners.add_many(owners)
            for plan in plans:
                uow.targets.add_plan(plan)

        _write(storage, add)
        dated = ["validity.valid_from", "validity.valid_to"]
        _each(codes, lambda u, c: u.customer_codes.get(c.id), dated, storage)
        _each(members, lambda u, m: u.memberships.get(m.id), dated, storage)
        _each(links, lambda u, c: u.code_links.get(c.id), dated, storage)
        _each(owners, lambda u, o: u.owners.get(o.id), dated, storage)
        _each(plans, lambda u, p: u.targets.plan(p.id), ["created_at"], storage)
