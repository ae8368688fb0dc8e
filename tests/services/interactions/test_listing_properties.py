"""The interaction listings equal a plain reference written from the A-rules (A1, A2, A5, A6, A7, A3).

For random organisations (regions, teams, dated memberships and code links,
a channel tree of companies, employees of every position and status, the A1
switch) and random interactions at their companies, stored in the back end
under test, every employee's ``crm.interactions.visible`` — the company
predicate run in the storage — lists exactly the interactions whose company
:func:`~tests.services.territory.organisations.reference_sees` lets him see, newest
first; ``mine`` lists the ones among them he owns; ``get`` succeeds exactly
for the listed ones; and paging yields the unpaged list.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.domain.errors import PermissionDenied
from crmkit.domain.interactions import Interaction, InteractionChannel, InteractionId
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.conftest import make_crm
from tests.services.territory.organisations import BASE, DAY, Organisation, organisations, reference_sees

pytestmark = pytest.mark.slow  # hundreds of service calls per example on every back end


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


@st.composite
def scenes(draw: st.DrawFn) -> tuple[Organisation, list[Interaction]]:
    org = draw(organisations())
    interactions = [
        Interaction(
            id=InteractionId(uuid.uuid4()),
            company_id=draw(st.sampled_from(org.companies)).id,
            channel=draw(st.sampled_from(InteractionChannel)),
            category="Genel",
            subject=f"Görüşme {n}",
            created_by=org.employees[0].id,
            owner_id=draw(st.sampled_from(org.employees)).id,
            created_at=BASE - DAY * draw(st.integers(1, 5)),  # ties on purpose: id breaks them
        )
        for n in range(draw(st.integers(0, 10)))
    ]
    return org, interactions


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scene=scenes(), page=st.integers(1, 4))
def test_a7_interaction_listing_equals_the_reference(
    empty: Storage, scene: tuple[Organisation, list[Interaction]], page: int
) -> None:
    org, interactions = scene
    storage = fresh(empty)
    org.store(storage)
    with storage.unit_of_work() as uow:
        uow.interactions.add_many(interactions)
        uow.commit()
    # "now" precedes every exit date, so every employee may act; ``at`` asks about org.at (A5 there)
    clock = FixedClock(BASE - DAY)
    crm = make_crm(storage, clock, SequentialIds(), regional_access=org.switch)
    companies = {c.id: c for c in org.companies}
    by_id = sorted(interactions, key=lambda i: i.id)
    newest = sorted(by_id, key=lambda i: i.created_at, reverse=True)
    for employee in org.employees:
        expected = [i.id for i in newest if reference_sees(org, employee, companies[i.company_id], org.at)]
        listed = crm.interactions.visible(actor=employee.id, at=org.at, limit=100)
        assert [i.id for i in listed.items] == expected, (employee, listed.rule)
        assert listed.total == len(expected)
        pages: list[InteractionId] = []
        offset = 0
        while True:
            chunk = crm.interactions.visible(actor=employee.id, at=org.at, limit=page, offset=offset).items
            pages += [i.id for i in chunk]
            if len(chunk) < page:
                break
            offset += page
        assert pages == expected
        mine = crm.interactions.mine(actor=employee.id, at=org.at, limit=100)
        owned = {i.id for i in interactions if i.owner_id == employee.id}
        assert [i.id for i in mine.items] == [i for i in expected if i in owned]
        for interaction in interactions:
            try:
                crm.interactions.get(actor=employee.id, id=interaction.id, at=org.at)
                seen = True
            except PermissionDenied:
                seen = False
            assert seen == (interaction.id in expected)
