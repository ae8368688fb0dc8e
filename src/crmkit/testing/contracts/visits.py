"""The contract of the sales-visit repository ``uow.visits`` (I11, A7, C12, §9).

Needs a ``storage`` fixture: a migrated, empty storage. The visited companies
are stored first, so back ends with foreign keys pass. Visits keep their time
as an instant (the port stores no offset): a visit read back compares equal,
and its ``visited_at`` is aware and names the same instant.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.ids import EmployeeId
from crmkit.domain.money import Money
from crmkit.domain.parties import Company, Segmentation
from crmkit.domain.predicates import EVERYTHING, NOTHING, CodeIn
from crmkit.domain.visits import Visit, VisitId
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_company

__all__ = ["VisitStorageContract"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REP = EmployeeId(uuid.UUID(int=81))
ISTANBUL = timezone(timedelta(hours=3))


def visit(company: Company, *, minutes: int = 0, **kw: Any) -> Visit:
    """A visit of :data:`REP` to ``company``, ``minutes`` after :data:`T0`."""
    fields: dict[str, Any] = {
        "id": VisitId(uuid.uuid4()),
        "company_id": company.id,
        "employee_id": REP,
        "visited_at": T0 + timedelta(minutes=minutes),
        "metres": 1000,
        "minutes": 30,
    }
    fields.update(kw)
    return Visit(**fields)


def _add(storage: Storage, *visits: Visit) -> None:
    with storage.unit_of_work(REP) as uow:
        for v in visits:
            uow.visits.add(v)
        uow.commit()


class VisitStorageContract:
    """``uow.visits`` of a storage back end (I11)."""

    @pytest.fixture
    def companies(self, storage: Storage) -> dict[str, Company]:
        """Two customers in different micro-regions, stored."""
        found = {
            "m01": make_company(name="Kadıköy Eczanesi", segmentation=Segmentation(micro_region="M-01")),
            "a01": make_company(name="Çankaya Kimya", segmentation=Segmentation(micro_region="A-01")),
        }
        store(storage, *found.values())
        return found

    def test_i11_a_visit_round_trips(self, storage: Storage, companies: dict[str, Company]) -> None:
        """I11, §9: every field comes back equal; the time aware, the same instant; the cost's Money too."""
        full = Visit(
            id=VisitId(uuid.uuid4()),
            company_id=companies["m01"].id,
            employee_id=REP,
            visited_at=datetime(2026, 3, 2, 14, 45, 30, 123000, tzinfo=ISTANBUL),
            vehicle="34 ABC 12",
            metres=42_500,
            minutes=90,
            labour=90 * 5_000_000,  # 90 minutes at 500 an hour, in ten-thousandths
            travel=42_500 * 67_500,  # 42.5 km at 6.75 a km
            currency="EUR",
            note="Numune bırakıldı; çarşamba tekrar.",
            version=1,
        )
        _add(storage, full)
        back = read(storage, lambda uow: uow.visits.get(full.id))
        assert back == full
        assert back.visited_at.utcoffset() is not None
        assert back.visited_at == datetime(2026, 3, 2, 11, 45, 30, 123000, tzinfo=UTC)
        assert (back.vehicle, back.note, back.currency) == ("34 ABC 12", full.note, "EUR")
        numbers = (back.metres, back.minutes, back.labour, back.travel)
        assert numbers == (42_500, 90, 450_000_000, 2_868_750_000)
        assert back.cost == full.cost
        assert (back.cost.labour, back.cost.travel) == (Money("750.00", "EUR"), Money("286.88", "EUR"))
        assert read(storage, lambda uow: uow.visits.get_many([full.id])) == {full.id: full}
        assert read(storage, lambda uow: uow.visits.count()) == 1

    def test_i11_a_missing_visit_is_not_found(self, storage: Storage) -> None:
        """§9: ``get`` of an unknown id raises NotFound; ``get_many`` leaves it out."""
        unknown = VisitId(uuid.uuid4())
        with pytest.raises(NotFound):
            read(storage, lambda uow: uow.visits.get(unknown))
        assert read(storage, lambda uow: uow.visits.get_many([unknown])) == {}

    def test_i11_a_taken_id_is_a_duplicate(self, storage: Storage, companies: dict[str, Company]) -> None:
        """§9: adding a visit whose id is stored raises Duplicate naming ``id``; the first stays as it was."""
        first = visit(companies["m01"])
        _add(storage, first)
        again = visit(companies["a01"], id=first.id, note="ikinci")
        with pytest.raises(Duplicate) as caught, storage.unit_of_work(REP) as uow:
            uow.visits.add(again)
            uow.commit()
        assert caught.value.field == "id"
        assert read(storage, lambda uow: uow.visits.get(first.id)) == first
        assert read(storage, lambda uow: uow.visits.count()) == 1

    def test_i11_a_rolled_back_unit_of_work_stores_nothing(
        self, storage: Storage, companies: dict[str, Company]
    ) -> None:
        """§9: visits added in a unit of work left without commit, or by an exception, are not stored."""
        quiet, failing = visit(companies["m01"]), visit(companies["m01"], minutes=5)
        with storage.unit_of_work(REP) as uow:
            uow.visits.add(quiet)
        with pytest.raises(RuntimeError), storage.unit_of_work(REP) as uow:
            uow.visits.add(failing)
            raise RuntimeError("boom")
        assert read(storage, lambda uow: uow.visits.count()) == 0
        assert read(storage, lambda uow: uow.visits.get_many([quiet.id, failing.id])) == {}
        assert read(storage, lambda uow: uow.visits.for_company(companies["m01"].id)) == []

    def test_i11_for_company_is_newest_first_then_id_and_pages(
        self, storage: Storage, companies: dict[str, Company]
    ) -> None:
        """I11: only the company's visits, newest ``visited_at`` first (by instant, any offset), then id."""
        m01, a01 = companies["m01"], companies["a01"]
        same = [visit(m01, minutes=60, id=VisitId(uuid.UUID(int=n))) for n in (0xB2, 0xB1)]
        early = visit(m01, minutes=0)
        # 11:30 at +03:00 is 08:30 UTC: before T0 by instant though later on the wall clock.
        offset = visit(m01, visited_at=datetime(2026, 3, 2, 11, 30, tzinfo=ISTANBUL))
        late = visit(m01, minutes=120)
        other = visit(a01, minutes=500)
        _add(storage, early, *same, offset, late, other)
        listed = read(storage, lambda uow: uow.visits.for_company(m01.id))
        assert [v.id for v in listed] == [late.id, same[1].id, same[0].id, early.id, offset.id]
        assert read(storage, lambda uow: uow.visits.for_company(a01.id)) == [other]
        page = read(storage, lambda uow: uow.visits.for_company(m01.id, limit=2, offset=1))
        assert [v.id for v in page] == [same[1].id, same[0].id]

    def test_i11_sums_per_customer_in_a_period(self, storage: Storage, companies: dict[str, Company]) -> None:
        """I11: count, minutes, metres, labour, travel per customer in ``currency`` and ``[since, until)``."""
        m01, a01 = companies["m01"], companies["a01"]
        since, until = T0, T0 + timedelta(days=1)
        inside = [
            visit(m01, metres=1500, labour=7, travel=11),
            visit(m01, minutes=60, metres=2500, labour=13, travel=17),
            visit(a01, minutes=30, metres=100, labour=1, travel=2),
        ]
        outside = [
            visit(m01, minutes=-1, metres=9),  # before since
            visit(m01, visited_at=until, metres=9),  # until is excluded
            visit(m01, minutes=10, metres=9, currency="EUR"),  # another currency
        ]
        _add(storage, *inside, *outside)
        period: dict[str, Any] = {"currency": "TRY", "since": since, "until": until}
        sums = read(storage, lambda uow: uow.visits.sums(EVERYTHING, **period))
        assert sums == {m01.id: (2, 60, 4000, 20, 28), a01.id: (1, 30, 100, 1, 2)}
        local = read(
            storage,
            lambda uow: uow.visits.sums(
                EVERYTHING, currency="TRY", since=since.astimezone(ISTANBUL), until=until.astimezone(ISTANBUL)
            ),
        )
        assert local == sums
        scoped = read(storage, lambda uow: uow.visits.sums(CodeIn(frozenset({"M-01"})), **period))
        assert scoped == {m01.id: (2, 60, 4000, 20, 28)}
        assert read(storage, lambda uow: uow.visits.sums(NOTHING, **period)) == {}
