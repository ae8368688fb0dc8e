"""The dated changes of the generated organisations are what the services make (T4, A7; issue 11 item 2).

The A7 strategies draw back-dated and future-dated ``move_customer``, ``assign_owner`` and
``move_code`` changes and replay them in plain Python
(:func:`~tests.services.territory.organisations.replay`); the A7/A8 properties run over the
replayed worlds. Here the same changes go through
``crm.territory``, each with the clock at its recording day, on every back end: the services
refuse exactly the changes the replay refuses, and leave the same dated codes, owners and code
links, and the same company columns — so the generated worlds are worlds the library makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from crmkit.domain.employees import Position
from crmkit.domain.territory import Validity
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.factories import make_employee
from tests.profiles import examples
from tests.services.territory.conftest import make_crm
from tests.services.territory.organisations import BASE, CODES, DAY, Organisation, organisations

pytestmark = pytest.mark.slow  # a service call per change, per example, per back end


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


def _span(validity: Validity) -> tuple[datetime, datetime]:
    return validity.valid_from, validity.valid_to or datetime.max.replace(tzinfo=BASE.tzinfo)


def _rows(rows: Any, *fields: str) -> list[tuple[Any, ...]]:
    return sorted((*(getattr(r, f) for f in fields), *_span(r.validity)) for r in rows)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=organisations())
def test_t4_the_generated_changes_made_through_the_services_equal_the_replay(
    empty: Storage, org: Organisation
) -> None:
    assume(org.changes)
    storage = fresh(empty)
    org.store_before(storage)
    admin = make_employee(name="Yönetici", position=Position.ADMIN, hired_at=BASE - 500 * DAY)
    with storage.unit_of_work() as uow:
        uow.employees.add(admin)
        uow.commit()
    clock = FixedClock(BASE)
    crm = make_crm(storage, clock, SequentialIds(), regional_access=org.switch)
    crm.parties.set_parameters(actor=admin.id, name="micro_region_codes", values=list(CODES))

    refused = org.apply(crm, admin.id, clock)

    assert refused == sorted(org.refused, key=lambda c: c.recorded_at)
    teams = [t.id for t in org.teams]
    with storage.unit_of_work() as uow:
        for company in org.companies:
            stored = uow.companies.get(company.id)
            assert (stored.segmentation.micro_region, stored.sales_rep_id) == (
                company.segmentation.micro_region,
                company.sales_rep_id,
            )
            codes = [c for c in org.codes if c.company_id == company.id]
            assert _rows(uow.customer_codes.for_company(company.id), "code") == _rows(codes, "code")
            owners = [o for o in org.owners if o.company_id == company.id]
            assert _rows(uow.owners.for_company(company.id), "employee_id") == _rows(owners, "employee_id")
        assert _rows(uow.code_links.for_teams(teams), "team_id", "code") == _rows(
            org.links, "team_id", "code"
        )
