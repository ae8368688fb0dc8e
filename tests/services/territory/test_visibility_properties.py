"""Properties of the access policy on random organisations, on every storage back end (A1–A7).

For each generated organisation — with customers moved between codes, owners assigned and codes
moved between teams on back-dated and future-dated days (T4) — stored in the back end under test,
and each employee in it:

(a) the companies ``companies.visible(visibility_predicate(actor, at))`` returns — compiled to SQL ``WHERE``
    on the SQL back ends, evaluated in Python on the memory one — equal both the in-memory
    evaluation of the predicate and a plain reference written here from the A-rules;
(b) ``decide(view, c)`` is allowed exactly when ``c`` is in that set;
(c) a dismissed or resigned employee sees nothing from his exit date on;
(d) with the switch on, no ``employee`` sees a company whose code at ``at`` is outside his teams then;

and paging through ``visible`` yields exactly the unpaged list. 500 organisations per back end
and CI run (the issue's floor for A7), 2 500 nightly, a handful under ``dev`` (:mod:`tests.profiles`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.adapters.memory.territory import Histories, visible_companies
from crmkit.domain.access import Action, Actor, CompanyResource, decide, visibility_predicate
from crmkit.domain.employees import EmployeeStatus, Position
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from tests.profiles import examples
from tests.services.territory.organisations import Organisation, organisations, reference_sees

pytestmark = pytest.mark.slow  # A7's 500 organisations per back end under ci

ORGANISATIONS = 500


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example below starts from an empty copy."""
    yield storage


def stored_actor(storage: Storage, org: Organisation, index: int) -> Actor:
    """The actor as a service builds him: his memberships and their teams' links read from storage."""
    employee = org.employees[index]
    with storage.unit_of_work() as uow:
        memberships = tuple(uow.memberships.for_employee(employee.id))
        links = tuple(uow.code_links.for_teams({m.team_id for m in memberships}))
    return Actor(employee=employee, memberships=memberships, links=links, regional_access=org.switch)


@settings(
    max_examples=examples(ORGANISATIONS),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=organisations())
def test_a7_sql_memory_and_reference_agree(empty: Storage, org: Organisation) -> None:
    storage = fresh(empty)
    org.store(storage)
    by_id = {c.id: c for c in org.companies}
    for index, employee in enumerate(org.employees):
        actor = stored_actor(storage, org, index)
        assert actor.codes(org.at) == org.actor(employee).codes(org.at)
        predicate = visibility_predicate(actor, org.at)
        with storage.unit_of_work() as uow:
            listed = uow.companies.visible(predicate, limit=1_000)
            counted = uow.companies.count_visible(predicate)
        got = {c.id for c in listed}
        in_memory = {
            c.id for c in visible_companies(predicate, org.companies, Histories.of(org.codes, org.owners))
        }
        reference = {c.id for c in org.companies if reference_sees(org, employee, c, org.at)}
        # (a) the back end, the memory evaluation and the reference agree
        assert got == in_memory == reference, (employee, predicate)
        assert counted == len(listed)
        # (b) decide(view) is allowed exactly for the visible companies
        for company in org.companies:
            facts = org.facts(company, org.at)  # T4: the code and owner valid at ``at``
            decision = decide(actor, Action.VIEW, CompanyResource(company=facts), org.at)
            assert decision.allowed == (company.id in got), decision.reason
        # (c) departed employees see nothing from their exit date on
        if employee.status is not EmployeeStatus.ACTIVE:
            assert employee.exit_at is not None
            if org.at >= employee.exit_at:
                assert got == set()
        # (d) with the switch on, an employee sees only his teams' codes at that date
        if org.switch and employee.position is Position.EMPLOYEE:
            codes = org.team_codes(employee, org.at)
            assert all(org.code_at(by_id[c], org.at) in codes for c in got)


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=organisations(), page=st.integers(1, 4))
def test_a7_paging_through_visible_yields_the_unpaged_list(
    empty: Storage, org: Organisation, page: int
) -> None:
    storage = fresh(empty)
    org.store(storage)
    for index in range(len(org.employees)):
        predicate = visibility_predicate(stored_actor(storage, org, index), org.at)
        with storage.unit_of_work() as uow:
            whole = uow.companies.visible(predicate, limit=1_000)
            pages = []
            offset = 0
            while True:
                chunk = uow.companies.visible(predicate, limit=page, offset=offset)
                pages.extend(chunk)
                if len(chunk) < page:
                    break
                offset += page
        assert pages == whole
