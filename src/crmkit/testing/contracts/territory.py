"""The territory repositories' contract (T1–T5) and the company ``visible`` query (A7).

Needs a ``storage`` fixture: a migrated, empty storage.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from crmkit.domain.errors import ConcurrencyConflict, NotFound
from crmkit.domain.ids import CompanyId
from crmkit.domain.parties import Company, Segmentation
from crmkit.domain.predicates import (
    EVERYTHING,
    NOTHING,
    CodeIn,
    FirmSubtree,
    OwnedBy,
    all_of,
    any_of,
)
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
    Specialisation,
    TeamId,
    TeamRole,
    Validity,
)
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_company, make_employee

__all__ = ["TerritoryContract"]

JAN = datetime(2026, 1, 1, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)
JUL = datetime(2026, 7, 1, tzinfo=UTC)


def _region(name: str, parent: Region | None = None, **kw: Any) -> Region:
    return Region(id=RegionId(uuid.uuid4()), name=name, parent_id=None if parent is None else parent.id, **kw)


def _team(name: str, region: Region, **kw: Any) -> SalesTeam:
    return SalesTeam(id=TeamId(uuid.uuid4()), name=name, region_id=region.id, **kw)


def _link(team: SalesTeam, code: str, start: datetime = JAN, end: datetime | None = None) -> CodeLink:
    return CodeLink(id=CodeLinkId(uuid.uuid4()), team_id=team.id, code=code, validity=Validity(start, end))


def _customer(name: str, code: str | None, **kw: Any) -> Company:
    return make_company(name=name, type="customer", segmentation=Segmentation(micro_region=code), **kw)


@attrs.frozen
class _Seed:
    """Europe > Turkey > (Marmara, Anatolia), teams, a rep, codes and customers."""

    europe: Region
    turkey: Region
    marmara: Region
    anatolia: Region
    istanbul_team: SalesTeam
    ankara_team: SalesTeam
    rep_id: uuid.UUID
    customers: dict[str, Company]


class TerritoryContract:
    """What every storage must do with regions, teams, dated assignments and visibility (T1–T5, A7)."""

    def _seed(self, storage: Storage) -> _Seed:
        europe = _region("Avrupa")
        turkey = _region("Türkiye", europe)
        marmara = _region("Marmara", turkey, branch="İstanbul Şube", notes="Bölge notu")
        anatolia = _region("İç Anadolu", turkey)
        ist = _team("İstanbul Ekibi", marmara)
        ank = _team("Ankara Ekibi", anatolia, specialisation=Specialisation.PRODUCT, focus="Dezenfektan")
        rep = make_employee(name="Gülşen Çelik")
        customers = {
            "kadikoy": _customer("Kadıköy Eczanesi", "M-01"),
            "besiktas": _customer("Beşiktaş Temizlik", "M-02"),
            "cankaya": _customer("Çankaya Kimya", "A-01"),
            "none": _customer("Kodsuz Müşteri", None),
        }
        store(storage, *customers.values(), rep)
        with storage.unit_of_work() as uow:
            uow.regions.add_many([anatolia, marmara, turkey, europe])  # children first: reordered
            uow.teams.add_many([ist, ank])
            uow.code_links.add_many(
                [_link(ist, "M-01"), _link(ist, "M-02", JAN, MAR), _link(ank, "A-01", MAR)]
            )
            uow.memberships.add(
                Membership(
                    id=MembershipId(uuid.uuid4()),
                    team_id=ist.id,
                    employee_id=rep.id,
                    role=TeamRole.TEAM_LEADER,
                    validity=Validity(JAN, JUL),
                )
            )
            uow.commit()
        return _Seed(europe, turkey, marmara, anatolia, ist, ank, rep.id, customers)

    # -- T1 ---------------------------------------------------------------------------------
    def test_t1_round_trip_and_children(self, storage: Storage) -> None:
        """get(add(x)) == x for regions and teams; children by name (T1, T2)."""
        s = self._seed(storage)
        assert read(storage, lambda u: u.regions.get(s.marmara.id)) == s.marmara
        assert read(storage, lambda u: u.teams.get(s.ankara_team.id)) == s.ankara_team
        assert read(storage, lambda u: u.regions.children(None)) == [s.europe]
        by_name = sorted([s.anatolia, s.marmara], key=lambda r: (r.name, r.id))  # code-point order: "İ" > "M"
        assert read(storage, lambda u: u.regions.children(s.turkey.id)) == by_name
        assert read(storage, lambda u: u.teams.for_region(s.marmara.id)) == [s.istanbul_team]
        assert read(storage, lambda u: u.regions.count()) == 4

    def test_t5_ancestors_and_subtree(self, storage: Storage) -> None:
        """Ancestors nearest first; subtree includes the root, by id (T5)."""
        s = self._seed(storage)
        assert read(storage, lambda u: u.regions.ancestors(s.marmara.id)) == [s.turkey.id, s.europe.id]
        assert read(storage, lambda u: u.regions.ancestors(s.europe.id)) == []
        everything = sorted([s.europe.id, s.turkey.id, s.marmara.id, s.anatolia.id])
        assert read(storage, lambda u: u.regions.subtree(s.europe.id)) == everything
        assert read(storage, lambda u: u.regions.subtree(s.marmara.id)) == [s.marmara.id]
        assert read(storage, lambda u: u.regions.subtree(RegionId(uuid.uuid4()))) == []
        with pytest.raises(NotFound):
            read(storage, lambda u: u.regions.ancestors(RegionId(uuid.uuid4())))

    def test_t1_saving_a_new_parent_moves_the_whole_subtree(self, storage: Storage) -> None:
        """Moving Turkey to the top and Marmara under Anatolia rewrites the tree queries (T1)."""
        s = self._seed(storage)
        istanbul = _region("İstanbul", s.marmara)
        with storage.unit_of_work() as uow:
            uow.regions.add(istanbul)
            uow.commit()
        with storage.unit_of_work() as uow:
            moved = uow.regions.save(attrs.evolve(s.marmara, parent_id=s.anatolia.id))
            assert moved.version == 2
            uow.regions.save(attrs.evolve(s.turkey, parent_id=None))
            uow.commit()
        assert read(storage, lambda u: u.regions.ancestors(istanbul.id)) == [
            s.marmara.id,
            s.anatolia.id,
            s.turkey.id,
        ]
        assert read(storage, lambda u: u.regions.subtree(s.europe.id)) == [s.europe.id]
        assert read(storage, lambda u: u.regions.subtree(s.anatolia.id)) == sorted(
            [s.anatolia.id, s.marmara.id, istanbul.id]
        )
        assert read(storage, lambda u: u.regions.children(None)) == [
            s.europe,
            attrs.evolve(s.turkey, parent_id=None, version=2),
        ]

    def test_t1_stale_region_is_refused(self, storage: Storage) -> None:
        """A stale copy raises ConcurrencyConflict and moves nothing (T1, §9)."""
        s = self._seed(storage)
        with storage.unit_of_work() as uow:
            uow.regions.save(attrs.evolve(s.marmara, name="Marmara Bölgesi"))
            uow.commit()
        with storage.unit_of_work() as uow, pytest.raises(ConcurrencyConflict):
            uow.regions.save(attrs.evolve(s.marmara, parent_id=None))
        assert read(storage, lambda u: u.regions.ancestors(s.marmara.id)) == [s.turkey.id, s.europe.id]

    def test_t1_rollback_discards_regions(self, storage: Storage) -> None:
        """Regions added in a unit of work that is not committed leave no trace (T1, §9)."""
        s = self._seed(storage)
        with storage.unit_of_work() as uow:
            uow.regions.add(_region("Ege", s.turkey))
        assert read(storage, lambda u: u.regions.subtree(s.turkey.id)) == sorted(
            [s.turkey.id, s.marmara.id, s.anatolia.id]
        )

    def test_c12_region_changes_are_audited(self, storage: Storage) -> None:
        """Adding and moving a region writes audit entries (C12)."""
        s = self._seed(storage)
        with storage.unit_of_work() as uow:
            uow.regions.save(attrs.evolve(s.marmara, parent_id=s.europe.id))
            uow.commit()
        entries = read(storage, lambda u: u.audit.for_record("region", str(s.marmara.id)))
        assert [e.action for e in entries] == ["create", "update"]
        assert [c.field for c in entries[-1].changes] == ["parent_id"]

    # -- T4 ---------------------------------------------------------------------------------
    def test_t4_dated_memberships_and_links(self, storage: Storage) -> None:
        """Memberships and code links come back with their validity; ``active`` reads the date (T4)."""
        s = self._seed(storage)
        team = s.istanbul_team.id
        memberships = read(storage, lambda u: u.memberships.for_employee(s.rep_id))  # type: ignore[arg-type]
        assert [(m.team_id, m.validity) for m in memberships] == [(team, Validity(JAN, JUL))]
        assert read(storage, lambda u: u.memberships.for_team(team)) == memberships
        assert read(storage, lambda u: u.memberships.active([team], MAR)) == memberships
        assert read(storage, lambda u: u.memberships.active([team], JUL)) == []
        links = read(storage, lambda u: u.code_links.for_teams([team, s.ankara_team.id]))
        assert sorted((link.team_id, link.code) for link in links) == sorted(
            [(team, "M-01"), (team, "M-02"), (s.ankara_team.id, "A-01")]
        )
        keys = [(link.team_id, link.validity.valid_from, link.id) for link in links]
        assert keys == sorted(keys)
        assert [link.validity for link in read(storage, lambda u: u.code_links.for_code("M-02"))] == [
            Validity(JAN, MAR)
        ]

    def test_t4_owner_history_answers_who_owned_on_a_date(self, storage: Storage) -> None:
        """The owner of March is found in March, the later one afterwards (T4)."""
        s = self._seed(storage)
        later = make_employee(name="İbrahim Şahin")
        store(storage, later)
        company = s.customers["kadikoy"].id
        first = OwnerAssignment(
            id=OwnerAssignmentId(uuid.uuid4()),
            company_id=company,
            employee_id=s.rep_id,  # type: ignore[arg-type]
            validity=Validity(JAN, JUL),
        )
        second = OwnerAssignment(
            id=OwnerAssignmentId(uuid.uuid4()),
            company_id=company,
            employee_id=later.id,
            validity=Validity(JUL),
        )
        with storage.unit_of_work() as uow:
            uow.owners.add_many([second, first])
            uow.commit()
        assert read(storage, lambda u: u.owners.for_company(company)) == [first, second]
        assert read(storage, lambda u: u.owners.owner_at(company, MAR)) == first
        assert read(storage, lambda u: u.owners.owner_at(company, JUL + timedelta(days=40))) == second
        assert read(storage, lambda u: u.owners.owner_at(company, JAN - timedelta(seconds=1))) is None

    # -- T5 ---------------------------------------------------------------------------------
    def test_t5_customers_and_reps_under_a_region_on_a_date(self, storage: Storage) -> None:
        """Customers whose code a team under the region holds on that date; its reps (T3, T4, T5)."""
        s = self._seed(storage)
        c = s.customers
        feb, aug = JAN + timedelta(days=40), JUL + timedelta(days=40)
        by_id = sorted([c["kadikoy"], c["besiktas"]], key=lambda x: x.id)
        assert read(storage, lambda u: u.regions.customers_under(s.marmara.id, feb)) == by_id
        assert read(storage, lambda u: u.regions.customers_under(s.europe.id, feb)) == by_id
        assert read(storage, lambda u: u.regions.customers_under(s.marmara.id, aug)) == [c["kadikoy"]]
        everyone = sorted([c["kadikoy"], c["cankaya"]], key=lambda x: x.id)
        assert read(storage, lambda u: u.regions.customers_under(s.europe.id, aug)) == everyone
        assert read(storage, lambda u: u.regions.customers_under(s.europe.id, aug, limit=1, offset=1)) == [
            everyone[1]
        ]
        assert read(storage, lambda u: u.regions.count_customers_under(s.europe.id, aug)) == 2
        assert read(storage, lambda u: u.regions.count_customers_under(s.anatolia.id, feb)) == 0
        assert read(storage, lambda u: u.regions.reps_under(s.europe.id, feb)) == [s.rep_id]
        assert read(storage, lambda u: u.regions.reps_under(s.anatolia.id, feb)) == []
        assert read(storage, lambda u: u.regions.reps_under(s.europe.id, aug)) == []

    # -- A7 ---------------------------------------------------------------------------------
    def test_a7_visible_runs_each_predicate(self, storage: Storage) -> None:
        """Every predicate of the algebra selects the same companies on every back end (A7)."""
        dealer = make_company(name="Ege Bayi", type="dealer")
        under = _customer("Bayi Müşterisi", "M-01", parent_id=dealer.id)
        rep = make_employee(name="Gülşen Çelik")
        owned = _customer("Sahipli Müşteri", "M-02", sales_rep_id=rep.id)
        other = _customer("Başka Müşteri", "M-03")
        store(storage, rep, dealer, under, owned, other)

        def names(predicate: object) -> list[str]:
            found = read(storage, lambda u: u.companies.visible(predicate, limit=100))  # type: ignore[arg-type]
            assert read(storage, lambda u: u.companies.count_visible(predicate)) == len(found)  # type: ignore[arg-type]
            return [company.name for company in found]

        assert names(EVERYTHING) == ["Başka Müşteri", "Bayi Müşterisi", "Ege Bayi", "Sahipli Müşteri"]
        assert names(NOTHING) == []
        assert names(CodeIn(frozenset({"M-01", "M-03"}))) == ["Başka Müşteri", "Bayi Müşterisi"]
        assert names(OwnedBy(rep.id)) == ["Sahipli Müşteri"]
        assert names(FirmSubtree(dealer.id)) == ["Bayi Müşterisi", "Ege Bayi"]
        assert names(FirmSubtree(CompanyId(uuid.uuid4()))) == []
        assert names(all_of(FirmSubtree(dealer.id), CodeIn(frozenset({"M-01"})))) == ["Bayi Müşterisi"]
        assert names(any_of(OwnedBy(rep.id), CodeIn(frozenset({"M-03"})))) == [
            "Başka Müşteri",
            "Sahipli Müşteri",
        ]
        first = read(storage, lambda u: u.companies.visible(EVERYTHING, limit=2))
        rest = read(storage, lambda u: u.companies.visible(EVERYTHING, limit=2, offset=2))
        assert [x.name for x in first + rest] == names(EVERYTHING)
