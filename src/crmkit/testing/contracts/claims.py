"""The ownership-claim (C6) and pick-list (C9) repository contracts (§9)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import attrs
import pytest

from crmkit.domain.employees import Position
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import ClaimId, PickListName
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import ClaimStatus
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import (
    WHEN,
    make_claim,
    make_company,
    make_employee,
    make_picklist,
)

__all__ = ["ClaimRepositoryContract", "PickListRepositoryContract"]


class ClaimRepositoryContract:
    """What every :class:`~crmkit.ports.storage.ClaimRepository` must do.

    Needs a ``storage`` fixture: a migrated, empty storage.
    """

    def test_c6_round_trip_of_pending_and_decided_claims(self, storage: Storage) -> None:
        """get(add(x)) == x for a pending, an approved and a rejected claim (C6)."""
        company = make_company()
        rep = make_employee(name="Temsilci")
        boss = make_employee(name="Müdür", position=Position.MANAGER)
        pending = make_claim(company_id=company.id, claimant_id=rep.id)
        approved = make_claim(company_id=company.id, claimant_id=rep.id).approve(
            boss.id, WHEN + timedelta(hours=1)
        )
        rejected = make_claim(company_id=company.id, claimant_id=rep.id).reject(
            boss.id, WHEN + timedelta(hours=2), "Bölge dışı; İzmir ekibine ait"
        )
        store(storage, company, rep, boss, pending, approved, rejected)
        with storage.unit_of_work() as uow:
            for claim in (pending, approved, rejected):
                assert uow.claims.get(claim.id) == claim

    def test_s9_get_of_an_unknown_claim_raises_not_found(self, storage: Storage) -> None:
        """get() of an id never added raises NotFound (§9)."""
        with storage.unit_of_work() as uow, pytest.raises(NotFound):
            uow.claims.get(ClaimId(uuid.uuid4()))

    def test_c6_deciding_a_claim_is_saved_and_a_stale_decision_conflicts(self, storage: Storage) -> None:
        """Approving saves version 2; rejecting the stale pending copy conflicts (C6, §9)."""
        company, rep = make_company(), make_employee()
        boss = make_employee(name="Müdür", position=Position.MANAGER)
        claim = make_claim(company_id=company.id, claimant_id=rep.id)
        store(storage, company, rep, boss, claim)
        with storage.unit_of_work() as uow:
            approved = uow.claims.save(claim.approve(boss.id, WHEN + timedelta(hours=1)))
            uow.commit()
        with pytest.raises(ConcurrencyConflict), storage.unit_of_work() as uow:
            uow.claims.save(claim.reject(boss.id, WHEN + timedelta(hours=2), "geç"))
            uow.commit()
        back = read(storage, lambda uow: uow.claims.get(claim.id))
        assert back == approved
        assert (back.status, back.version) == (ClaimStatus.APPROVED, 2)

    def test_c6_for_company_lists_its_claims_oldest_first(self, storage: Storage) -> None:
        """for_company() holds only that company's claims, oldest request first (C6)."""
        company, other, rep = make_company(name="Bir"), make_company(name="İki"), make_employee()
        claims = [
            make_claim(company_id=company.id, claimant_id=rep.id, requested_at=WHEN + timedelta(days=d))
            for d in (3, 1, 2)
        ]
        foreign = make_claim(company_id=other.id, claimant_id=rep.id, requested_at=WHEN)
        store(storage, company, other, rep, *claims, foreign)
        found = read(storage, lambda uow: uow.claims.for_company(company.id))
        assert found == sorted(claims, key=lambda c: c.requested_at)

    def test_c6_pending_lists_undecided_claims_oldest_first_in_pages(self, storage: Storage) -> None:
        """pending() leaves decided claims out, orders oldest first and pages (C6, §9)."""
        company, rep = make_company(), make_employee()
        boss = make_employee(name="Müdür", position=Position.MANAGER)
        waiting = [
            make_claim(company_id=company.id, claimant_id=rep.id, requested_at=WHEN + timedelta(hours=h))
            for h in (5, 2, 4, 1, 3)
        ]
        decided = make_claim(company_id=company.id, claimant_id=rep.id, requested_at=WHEN).reject(
            boss.id, WHEN + timedelta(hours=1), "Zaten sahibi var"
        )
        store(storage, company, rep, boss, *waiting, decided)
        expected = sorted(waiting, key=lambda c: c.requested_at)
        assert read(storage, lambda uow: uow.claims.pending()) == expected
        with storage.unit_of_work() as uow:
            pages = [uow.claims.pending(limit=2, offset=o) for o in (0, 2, 4)]
        assert [c for page in pages for c in page] == expected
        assert [len(page) for page in pages] == [2, 2, 1]


class PickListRepositoryContract:
    """What every :class:`~crmkit.ports.storage.PickListRepository` must do (C9).

    Needs a ``storage`` fixture: a migrated, empty storage.
    """

    def test_c9_round_trip_keeps_values_in_order_and_spelling(self, storage: Storage) -> None:
        """get(add(x)) == x: the values keep their order and Turkish spelling (C9)."""
        cities = make_picklist("cities", "İstanbul", "Iğdır", "Şanlıurfa", "Çorum", "Ağrı")
        store(storage, cities)
        back = read(storage, lambda uow: uow.picklists.get(PickListName("cities")))
        assert back == cities
        assert back.values == ("İstanbul", "Iğdır", "Şanlıurfa", "Çorum", "Ağrı")

    def test_c9_an_empty_list_round_trips(self, storage: Storage) -> None:
        """A list with no values yet is stored and comes back empty (C9)."""
        empty = PickList(PickListName("duties"), ())
        store(storage, empty)
        assert read(storage, lambda uow: uow.picklists.get(PickListName("duties"))) == empty

    def test_s9_get_of_an_unknown_list_raises_not_found(self, storage: Storage) -> None:
        """get() of a name never added raises NotFound (§9)."""
        with storage.unit_of_work() as uow, pytest.raises(NotFound):
            uow.picklists.get(PickListName("yok"))

    def test_c9_a_taken_name_raises_duplicate_naming_name(self, storage: Storage) -> None:
        """Lists are keyed by name: adding a taken name raises Duplicate(field="name") (C9)."""
        store(storage, make_picklist("sectors"))
        with pytest.raises(Duplicate) as caught, storage.unit_of_work() as uow:
            uow.picklists.add(make_picklist("sectors", "Başka"))
            uow.commit()
        assert caught.value.field == "name"

    def test_c9_save_replaces_the_values_and_bumps_the_version(self, storage: Storage) -> None:
        """save() stores new values with version + 1; a stale copy conflicts (C9, §9)."""
        sectors = make_picklist("sectors", "İlaç", "Kimya")
        store(storage, sectors)
        with storage.unit_of_work() as uow:
            saved = uow.picklists.save(attrs.evolve(sectors, values=("İlaç", "Kimya", "Gıda")))
            uow.commit()
        assert saved.version == 2
        with pytest.raises(ConcurrencyConflict), storage.unit_of_work() as uow:
            uow.picklists.save(attrs.evolve(sectors, values=("Eski",)))
            uow.commit()
        assert read(storage, lambda uow: uow.picklists.get(PickListName("sectors"))) == saved

    def test_c9_all_lists_every_list_by_name(self, storage: Storage) -> None:
        """all() returns every list ordered by name (C9)."""
        lists = [make_picklist(n) for n in ("sectors", "cities", "duties")]
        store(storage, *lists)
        found = read(storage, lambda uow: uow.picklists.all())
        assert [p.name for p in found] == ["cities", "duties", "sectors"]
        assert found == sorted(lists, key=lambda p: p.name)
