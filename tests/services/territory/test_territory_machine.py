"""A stateful test of the region tree: memory and SQLite side by side (T1, T3, T4, T5).

Rules add and move regions (cycles must be refused and change nothing), add teams,
link codes to teams (a code in two regions at once must be refused, T3), add and end
memberships (T4) and re-code customers. After every step both back ends must agree with
each other and with a reference tree kept here, the tree must have no cycle, and every
customer whose code is served at the probe date must lie on exactly one root-to-region
path (it is "under" exactly the ancestors of one region).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.errors import RuleViolation
from crmkit.domain.ids import CompanyId
from crmkit.domain.parties import Company, Segmentation
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
    check_code_region,
)
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.testing.factories import make_company, make_employee
from tests.profiles import examples
from tests.services.territory.organisations import CODES, day

pytestmark = pytest.mark.slow  # a stateful machine over two storages

AT = day(30)
_SQLITE: list[SqlStorage] = []


def sqlite_storage() -> SqlStorage:
    """One migrated SQLite file for the whole machine run, emptied per example."""
    if not _SQLITE:
        folder = Path(tempfile.mkdtemp(prefix="crmkit-territory-"))
        storage = SqlStorage(f"sqlite:///{folder / 'machine.db'}")
        storage.migrate()
        _SQLITE.append(storage)
    reset_database(_SQLITE[0])
    return _SQLITE[0]


class TerritoryMachine(RuleBasedStateMachine):
    regions = Bundle("regions")
    teams = Bundle("teams")
    customers = Bundle("customers")

    def __init__(self) -> None:
        super().__init__()
        self.backends: list[Storage] = [MemoryStorage(), sqlite_storage()]
        self.parent: dict[RegionId, RegionId | None] = {}
        self.team_region: dict[TeamId, RegionId] = {}
        self.links: list[CodeLink] = []
        self.codes: dict[CompanyId, str | None] = {}
        self.memberships: list[Membership] = []
        self.rep = make_employee(name="Gülşen Çelik")
        for storage in self.backends:
            with storage.unit_of_work() as uow:
                uow.employees.add(self.rep)
                uow.commit()

    def _all(self, action: Callable[[UnitOfWork], object]) -> list[object]:
        results = []
        for storage in self.backends:
            with storage.unit_of_work() as uow:
                results.append(action(uow))
                uow.commit()
        return results

    # -- T1 -------------------------------------------------------------------------------------
    @rule(target=regions, parent=st.one_of(st.none(), regions))
    def add_region(self, parent: RegionId | None) -> RegionId:
        region = Region(id=RegionId(uuid.uuid4()), name=f"Bölge {len(self.parent)}", parent_id=parent)
        self._all(lambda uow: uow.regions.add(region))
        self.parent[region.id] = parent
        return region.id

    @rule(region=regions, new_parent=st.one_of(st.none(), regions))
    def move_region(self, region: RegionId, new_parent: RegionId | None) -> None:
        cycle = False
        for storage in self.backends:
            with storage.unit_of_work() as uow:
                current = uow.regions.get(region)
                target = None if new_parent is None else uow.regions.get(new_parent)
                chain = [] if target is None else uow.regions.ancestors(target.id)
                try:
                    moved = current.move_under(target, chain)
                except RuleViolation as error:
                    assert error.rule == "T1"
                    cycle = True
                    continue
                uow.regions.save(moved)
                uow.commit()
        expected_cycle = new_parent is not None and (
            new_parent == region or region in self._chain(new_parent)
        )
        assert cycle == expected_cycle
        if not cycle:
            self.parent[region] = new_parent

    # -- T2, T3 ---------------------------------------------------------------------------------
    @rule(target=teams, region=regions)
    def add_team(self, region: RegionId) -> TeamId:
        team = SalesTeam(id=TeamId(uuid.uuid4()), name=f"Ekip {len(self.team_region)}", region_id=region)
        self._all(lambda uow: uow.teams.add(team))
        self.team_region[team.id] = region
        return team.id

    @rule(team=teams, code=st.sampled_from(CODES), start=st.integers(0, 60), length=st.integers(1, 60))
    def link_code(self, team: TeamId, code: str, start: int, length: int) -> None:
        link = CodeLink(
            id=CodeLinkId(uuid.uuid4()),
            team_id=team,
            code=code,
            validity=Validity(day(start), day(start + length)),
        )
        for storage in self.backends:
            with storage.unit_of_work() as uow:
                others = uow.code_links.for_code(code)
                regions = {
                    t.id: t.region_id for t in uow.teams.get_many({o.team_id for o in others}).values()
                }
                try:
                    check_code_region(link, self.team_region[team], [(o, regions[o.team_id]) for o in others])
                except RuleViolation as error:
                    assert error.rule == "T3"
                    return
                uow.code_links.add(link)
                uow.commit()
        self.links.append(link)

    @rule(team=teams, start=st.integers(0, 60))
    def join_team(self, team: TeamId, start: int) -> None:
        member = Membership(
            id=MembershipId(uuid.uuid4()),
            team_id=team,
            employee_id=self.rep.id,
            validity=Validity(day(start)),
        )
        self._all(lambda uow: uow.memberships.add(member))
        self.memberships.append(member)

    @rule(data=st.data(), end=st.integers(1, 70))
    def leave_team(self, data: st.DataObject, end: int) -> None:
        open_ones = [
            m for m in self.memberships if m.validity.valid_to is None and m.validity.valid_from < day(end)
        ]
        if not open_ones:
            return
        member = data.draw(st.sampled_from(open_ones))
        ended = attrs.evolve(member, validity=member.validity.ended(day(end)))

        def save(uow: UnitOfWork) -> Membership:
            stored = uow.memberships.get(member.id)
            return uow.memberships.save(attrs.evolve(ended, version=stored.version))

        self._all(save)
        self.memberships[self.memberships.index(member)] = ended

    @rule(target=customers, code=st.one_of(st.none(), st.sampled_from(CODES)))
    def add_customer(self, code: str | None) -> CompanyId:
        company = make_company(name="Müşteri", type="customer", segmentation=Segmentation(micro_region=code))
        self._all(lambda uow: uow.companies.add(company))
        self.codes[company.id] = code
        return company.id

    @rule(customer=customers, code=st.one_of(st.none(), st.sampled_from(CODES)))
    def recode_customer(self, customer: CompanyId, code: str | None) -> None:
        def recode(uow: UnitOfWork) -> Company:
            current = uow.companies.get(customer)
            return uow.companies.save(attrs.evolve(current, segmentation=Segmentation(micro_region=code)))

        self._all(recode)
        self.codes[customer] = code

    # -- invariants --------------------------------------------------------------------------------
    def _chain(self, region: RegionId) -> list[RegionId]:
        chain: list[RegionId] = []
        current = self.parent[region]
        while current is not None:
            assert current not in chain, "cycle in the reference tree"
            chain.append(current)
            current = self.parent[current]
        return chain

    def _reference_subtree(self, root: RegionId) -> list[RegionId]:
        return sorted(r for r in self.parent if r == root or root in self._chain(r))

    @invariant()
    def tree_has_no_cycle_and_both_back_ends_agree(self) -> None:
        for storage in self.backends:
            with storage.unit_of_work() as uow:
                for region in self.parent:
                    ancestors = uow.regions.ancestors(region)
                    assert region not in ancestors
                    assert ancestors == self._chain(region)
                    assert uow.regions.subtree(region) == self._reference_subtree(region)

    @invariant()
    def reps_under_a_region_follow_the_dated_memberships(self) -> None:
        for storage in self.backends:
            with storage.unit_of_work() as uow:
                for region in self.parent:
                    below = set(self._reference_subtree(region))
                    serving = any(
                        m.validity.contains(AT) and self.team_region[m.team_id] in below
                        for m in self.memberships
                    )
                    assert uow.regions.reps_under(region, AT) == ([self.rep.id] if serving else [])

    @invariant()
    def every_served_customer_lies_on_exactly_one_path(self) -> None:
        served = {
            link.code: self.team_region[link.team_id] for link in self.links if link.validity.contains(AT)
        }
        answers = []
        for storage in self.backends:
            under: dict[CompanyId, set[RegionId]] = {c: set() for c in self.codes}
            with storage.unit_of_work() as uow:
                for region in self.parent:
                    for found in uow.regions.customers_under(region, AT, limit=1_000):
                        under[found.id].add(region)
                    assert uow.regions.count_customers_under(region, AT) == len(
                        [c for c, regions in under.items() if region in regions]
                    )
            for company, code in self.codes.items():
                if code is None or code not in served:
                    assert under[company] == set()
                else:
                    leaf = served[code]
                    assert under[company] == {leaf, *self._chain(leaf)}
            answers.append(under)
        assert answers[0] == answers[1]


TerritoryMachine.TestCase.settings = settings(
    max_examples=examples(25), stateful_step_count=25, deadline=None
)
test_territory_machine = pytest.mark.filterwarnings("ignore::ResourceWarning")(TerritoryMachine.TestCase)
