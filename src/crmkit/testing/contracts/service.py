"""The contract of the service storage, ``uow.service`` (SPEC §6 S1–S3, S6–S8; A7; C12).

Needs a ``storage`` fixture: a migrated, empty storage. Bind it like the
other suites::

    class TestServiceStorage(ServiceStorageContract):
        pass

Besides the shared repository rules it checks what the service port adds:
balances summed by the storage equal allowance minus charged (S3), the ledger
is append-only, listings follow the access predicate (A7), unattended cases
(S2), no double booking (S6, also across two units of work), and the ranked,
Turkish-case-insensitive knowledge-base search (S7).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from crmkit.domain.cases import DEFAULT_CASE_WORKFLOW, Case, CaseEvent, CaseId
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.knowledge import Article, ArticleId, query_terms
from crmkit.domain.money import Money
from crmkit.domain.planning import Booking, BookingId
from crmkit.domain.predicates import EVERYTHING, NOTHING, OwnedBy
from crmkit.domain.service import Contract, ContractId, WorkEntry, WorkEntryId, WorkKind
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_company

__all__ = ["ServiceStorageContract", "make_booking", "make_case", "make_contract", "make_entry"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TECH = EmployeeId(uuid.UUID(int=161))
OTHER_TECH = EmployeeId(uuid.UUID(int=162))


def make_contract(company: CompanyId, **kw: Any) -> Contract:
    """A 2026 contract of ``company``: 10 hours and 4 visits, no carry-over."""
    fields: dict[str, Any] = {
        "id": ContractId(uuid.uuid4()),
        "company_id": company,
        "title": "Bakım sözleşmesi 2026",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "allowance_minutes": 600,
        "allowance_visits": 4,
        "price": Money("12000.00", "TRY"),
        "created_at": T0,
    }
    fields.update(kw)
    return Contract(**fields)


def make_entry(contract: Contract | None, company: CompanyId, minutes: int, **kw: Any) -> WorkEntry:
    """A back-office entry of ``minutes`` charged to ``contract``."""
    fields: dict[str, Any] = {
        "id": WorkEntryId(uuid.uuid4()),
        "company_id": company,
        "contract_id": None if contract is None else contract.id,
        "kind": WorkKind.BACK_OFFICE,
        "at": T0,
        "technician_id": TECH,
        "minutes": minutes,
    }
    fields.update(kw)
    return WorkEntry(**fields)


def make_case(company: CompanyId, *, at: datetime = T0, **kw: Any) -> Case:
    """A new case of ``company`` on the default workflow."""
    case = Case.open(
        id=CaseId(uuid.uuid4()),
        company_id=company,
        channel="call",
        reason="Cihaz çalışmıyor",
        opened_by=TECH,
        at=at,
        workflow=DEFAULT_CASE_WORKFLOW,
    )
    return attrs.evolve(case, **kw)


def make_booking(start: datetime, hours: int = 2, **kw: Any) -> Booking:
    """A booking of ``TECH`` and vehicle ``34 SRV 01`` from ``start``."""
    fields: dict[str, Any] = {
        "id": BookingId(uuid.uuid4()),
        "technician_id": TECH,
        "vehicle": "34 SRV 01",
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "created_by": TECH,
        "created_at": T0,
    }
    fields.update(kw)
    return Booking(**fields)


class ServiceStorageContract:
    """Every storage's ``uow.service`` must pass these."""

    # -- contracts and the ledger (S1, S3) ---------------------------------------------------
    def test_contract_round_trips_and_saves_with_versions(self, storage: Storage) -> None:
        """S1, C12: a contract reads back equal; save bumps its version, a stale copy conflicts."""
        company = make_company()
        contract = make_contract(company.id, product="Kompresör K-200", carry_over=True)
        store(storage, company)
        with storage.unit_of_work(TECH) as uow:
            uow.service.contracts.add(contract)
            uow.commit()
        assert read(storage, lambda u: u.service.contracts.get(contract.id)) == contract
        with storage.unit_of_work(TECH) as uow:
            saved = uow.service.contracts.save(attrs.evolve(contract, title="Yeni"))
            uow.commit()
        assert saved.version == 2
        with storage.unit_of_work(TECH) as uow, pytest.raises(ConcurrencyConflict):
            uow.service.contracts.save(contract)
        assert read(storage, lambda u: u.service.contracts.for_company(company.id)) == [saved]
        history = read(storage, lambda u: u.audit.for_record("service_contract", str(contract.id)))
        assert [e.action for e in history] == ["create", "update"]

    def test_balance_is_allowance_minus_what_is_charged(self, storage: Storage) -> None:
        """S3: remaining = allowance + carried − charged (corrections included), per contract and product."""
        company = make_company()
        contract = make_contract(company.id, carried_minutes=30)
        other = make_contract(company.id, product="Pompa", allowance_minutes=None, allowance_visits=2)
        store(storage, company)
        with storage.unit_of_work(TECH) as uow:
            uow.service.contracts.add(contract)
            uow.service.contracts.add(other)
            first = make_entry(contract, company.id, 400)
            visit = make_entry(
                contract,
                company.id,
                300,
                kind=WorkKind.VISIT,
                visits=1,
                km=Decimal("42.5"),
                vehicle="34 SRV 01",
            )
            uow.service.ledger.add(first)
            uow.service.ledger.add(visit)
            uow.service.ledger.add(make_entry(contract, company.id, -60, corrects=first.id))
            uow.service.ledger.add(make_entry(other, company.id, 0, kind=WorkKind.VISIT, visits=1))
            uow.service.ledger.add(make_entry(None, company.id, 45))
            uow.commit()
        balance = read(storage, lambda u: u.service.ledger.balance(contract))
        assert (balance.granted_minutes, balance.used_minutes, balance.remaining_minutes) == (630, 640, -10)
        assert (balance.over_minutes, balance.remaining_visits) == (10, 3)
        assert read(storage, lambda u: u.service.ledger.get(visit.id)) == visit
        balances = read(storage, lambda u: u.service.ledger.balances(company.id))
        assert [b.contract_id for b in balances] == [
            c.id for c in sorted([contract, other], key=lambda c: c.id)
        ]
        assert {b.contract_id: b for b in balances}[contract.id] == balance
        pumps = read(storage, lambda u: u.service.ledger.balances(company.id, product="Pompa"))
        assert [(b.remaining_minutes, b.remaining_visits) for b in pumps] == [(None, 1)]
        entries = read(storage, lambda u: u.service.ledger.for_contract(contract.id))
        assert sorted(e.minutes for e in entries) == [-60, 300, 400]

    def test_the_ledger_is_append_only(self, storage: Storage) -> None:
        """S3: an entry is never changed or added twice; a correction is a new entry."""
        company = make_company()
        contract = make_contract(company.id)
        entry = make_entry(contract, company.id, 30)
        store(storage, company)
        with storage.unit_of_work(TECH) as uow:
            uow.service.contracts.add(contract)
            uow.service.ledger.add(entry)
            uow.commit()
        with storage.unit_of_work(TECH) as uow:
            with pytest.raises(ValidationError):
                uow.service.ledger.save(entry)  # type: ignore[attr-defined]  # not in the port on purpose
            with pytest.raises(Duplicate):
                uow.service.ledger.add(entry)
        assert read(storage, lambda u: u.service.ledger.balance(contract)).used_minutes == 30

    def test_an_entry_citing_a_missing_contract_is_refused(self, storage: Storage) -> None:
        """S3: an entry cites a stored contract; the error names ``contract_id``."""
        company = make_company()
        ghost = make_contract(company.id)
        store(storage, company)
        with storage.unit_of_work(TECH) as uow:
            with pytest.raises(ValidationError) as caught:
                uow.service.ledger.add(make_entry(ghost, company.id, 30))
            assert caught.value.field == "contract_id"

    # -- cases (S2, S8) ----------------------------------------------------------------------
    def test_cases_events_and_listings(self, storage: Storage) -> None:
        """S2, S8, A7: stage events by seq, no seq twice; listings newest first under the predicate."""
        mine = make_company(sales_rep_id=TECH)
        theirs = make_company()
        store(storage, mine, theirs)
        old = make_case(mine.id, at=T0)
        new = make_case(theirs.id, at=T0 + timedelta(hours=1), technician_id=OTHER_TECH)
        with storage.unit_of_work(TECH) as uow:
            uow.service.cases.add(old)
            uow.service.cases.add(new)
            for seq, stage, paused in ((1, "new", False), (2, "waiting_customer", True)):
                event = CaseEvent(case_id=old.id, seq=seq, at=T0, stage=stage, paused=paused, moved_by=TECH)
                uow.service.cases.add_event(event)
            uow.commit()
        events = read(storage, lambda u: u.service.cases.events(old.id))
        assert [(e.seq, e.stage, e.paused) for e in events] == [
            (1, "new", False),
            (2, "waiting_customer", True),
        ]
        with storage.unit_of_work(TECH) as uow, pytest.raises(Duplicate):
            uow.service.cases.add_event(attrs.evolve(events[0], stage="assigned"))
        everything = read(storage, lambda u: u.service.cases.visible(EVERYTHING))
        assert [c.id for c in everything] == [new.id, old.id]
        assert read(storage, lambda u: u.service.cases.visible(NOTHING)) == []
        owned = read(storage, lambda u: u.service.cases.visible(OwnedBy(TECH)))
        assert [c.id for c in owned] == [old.id]
        by_tech = read(storage, lambda u: u.service.cases.visible(EVERYTHING, technician=OTHER_TECH))
        assert [c.id for c in by_tech] == [new.id]

    def test_unattended_cases_have_no_technician_or_no_recent_activity(self, storage: Storage) -> None:
        """S2: open cases without a technician or idle since before the cut-off."""
        company = make_company()
        store(storage, company)
        orphan = make_case(company.id, at=T0)
        idle = make_case(company.id, at=T0, technician_id=TECH, last_activity_at=T0 + timedelta(hours=1))
        busy = make_case(company.id, at=T0, technician_id=TECH, last_activity_at=T0 + timedelta(hours=5))
        closed = make_case(company.id, at=T0, closed_at=T0 + timedelta(hours=2), resolution="ok")
        with storage.unit_of_work(TECH) as uow:
            for case in (orphan, idle, busy, closed):
                uow.service.cases.add(case)
            uow.commit()
        found = read(storage, lambda u: u.service.cases.unattended(EVERYTHING, T0 + timedelta(hours=3)))
        assert {c.id for c in found} == {orphan.id, idle.id}

    # -- bookings (S6) -----------------------------------------------------------------------
    def test_a_double_booking_is_refused_and_back_to_back_is_not(self, storage: Storage) -> None:
        """S6: an overlap on a technician or vehicle is refused; touching intervals are not."""
        first = make_booking(T0)
        with storage.unit_of_work(TECH) as uow:
            uow.service.bookings.book(first)
            uow.commit()
        with storage.unit_of_work(TECH) as uow:
            with pytest.raises(RuleViolation) as caught:
                uow.service.bookings.book(make_booking(T0 + timedelta(hours=1), technician_id=OTHER_TECH))
            assert caught.value.rule == "S6"
            with pytest.raises(RuleViolation):
                uow.service.bookings.book(make_booking(T0 - timedelta(minutes=30), vehicle="06 XYZ 99"))
            uow.service.bookings.book(make_booking(T0 + timedelta(hours=2)))
            uow.service.bookings.book(make_booking(T0, technician_id=OTHER_TECH, vehicle="06 XYZ 99"))
            uow.commit()
        day = read(storage, lambda u: u.service.bookings.between(T0, T0 + timedelta(days=1)))
        assert len(day) == 3
        assert [b.starts_at for b in day] == sorted(b.starts_at for b in day)
        van = read(
            storage, lambda u: u.service.bookings.between(T0, T0 + timedelta(hours=1), vehicle="34 SRV 01")
        )
        assert [b.id for b in van] == [first.id]

    def test_two_units_of_work_cannot_both_book_one_vehicle(self, storage: Storage) -> None:
        """S6: a second unit of work cannot book a vehicle the first booked."""
        one = storage.unit_of_work(TECH)
        two = storage.unit_of_work(OTHER_TECH)
        with one:
            one.service.bookings.book(make_booking(T0, technician_id=None))
            one.commit()
        with two, pytest.raises((RuleViolation, ConcurrencyConflict)):
            two.service.bookings.book(make_booking(T0 + timedelta(hours=1), technician_id=OTHER_TECH))
            two.commit()
        assert len(read(storage, lambda u: u.service.bookings.between(T0, T0 + timedelta(days=1)))) == 1

    def test_a_cancelled_booking_frees_the_slot(self, storage: Storage) -> None:
        """S6: cancelling removes the booking, and its slot can be booked again."""
        first = make_booking(T0)
        with storage.unit_of_work(TECH) as uow:
            uow.service.bookings.book(first)
            uow.commit()
        with storage.unit_of_work(TECH) as uow:
            uow.service.bookings.cancel(uow.service.bookings.get(first.id))
            uow.service.bookings.book(make_booking(T0))
            uow.commit()
        with storage.unit_of_work(TECH) as uow, pytest.raises(NotFound):
            uow.service.bookings.get(first.id)

    # -- knowledge base (S7) -----------------------------------------------------------------
    def test_search_is_ranked_and_turkish_case_insensitive(self, storage: Storage) -> None:
        """S7: ranked by summed weights, then id; İ/i and I/ı fold; a save re-indexes."""

        def article(title: str, body: str, *keywords: str) -> Article:
            return Article(
                id=ArticleId(uuid.uuid4()),
                title=title,
                body=body,
                keywords=keywords,
                created_by=TECH,
                created_at=T0,
            )

        pump = article("Isı pompası basınç hatası", "Filtreyi temizleyin.", "ISI", "pompa")
        filt = article("Filtre değişimi", "Isı pompası filtresi her yıl değişir.")
        other = article("Fatura itirazı", "Muhasebeye iletin.", "fatura")
        with storage.unit_of_work(TECH) as uow:
            for item in (pump, filt, other):
                uow.service.articles.add(item)
            uow.commit()
        found = read(storage, lambda u: u.service.articles.search(query_terms("ısı POMPASI")))
        assert [(a.id, score) for a, score in found] == [(pump.id, 5), (filt.id, 2)]
        assert read(storage, lambda u: u.service.articles.search(query_terms("İTİRAZI")))[0][0] == other
        with storage.unit_of_work(TECH) as uow:
            uow.service.articles.save(attrs.evolve(other, keywords=("pompa",)))
            uow.commit()
        again = read(storage, lambda u: u.service.articles.search(["pompa"]))
        assert {a.id for a, _ in again} == {pump.id, other.id}
        assert read(storage, lambda u: u.service.articles.search([])) == []
