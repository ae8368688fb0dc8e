"""Dated predicate leaves agree with a reference on every back end (T4, A7; issue 11 item 2).

Random customers, some moved between codes and owners on random dates (their dated rows in
``customer_codes`` / ``owner_assignments``, gaps included), random instants: the storage's
``companies.visible`` of ``CodeIn``/``OwnedBy``/``FieldIn`` built with ``at`` — compiled to SQL
on the SQL back ends, evaluated in Python on the memory one — returns exactly the customers
whose code / owner valid at ``at`` (:func:`~crmkit.domain.territory_dates.code_at`,
:func:`~crmkit.domain.territory_dates.owner_at`, the functions A3 and plan-vs-actual read) is
in the set.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company, Segmentation
from crmkit.domain.predicates import CodeIn, FieldIn, OwnedBy, Predicate, any_of
from crmkit.domain.territory import OwnerAssignment, OwnerAssignmentId, Validity
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId, code_at, owner_at
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.factories import make_company, make_employee
from tests.profiles import examples

CODES = ("M-01", "M-02", "A-01")
START = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
REPS = tuple(make_employee(id=EmployeeId(uuid.UUID(int=900 + n)), name=f"Temsilci {n}") for n in range(3))


@attrs.frozen
class World:
    """Customers with their dated code and owner rows, and the instant asked about."""

    companies: tuple[Company, ...]
    codes: tuple[CustomerCode, ...]
    owners: tuple[OwnerAssignment, ...]
    at: datetime


def _spans(draw: st.DrawFn) -> list[Validity]:
    """0–3 consecutive periods, with an optional gap before the next and an open or closed end."""
    spans: list[Validity] = []
    start = START + draw(st.integers(0, 20)) * DAY
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 30))
        spans.append(Validity(start, start + length * DAY))
        start = start + (length + draw(st.sampled_from([0, 0, 5]))) * DAY
    if spans and draw(st.booleans()):  # type: ignore[arg-type]
        spans[-1] = Validity(spans[-1].valid_from)
    return spans


@st.composite
def worlds(draw: st.DrawFn) -> World:
    companies, codes, owners = [], [], []
    for n in range(draw(st.integers(1, 6))):
        rep = draw(st.sampled_from((None, *REPS)))
        company = make_company(
            id=CompanyId(uuid.UUID(int=1000 + n)),
            name=f"Müşteri {n}",
            type="customer",
            segmentation=Segmentation(micro_region=draw(st.sampled_from((None, *CODES)))),
            sales_rep_id=None if rep is None else rep.id,
        )
        companies.append(company)
        for v in _spans(draw):
            codes.append(
                CustomerCode(
                    id=CustomerCodeId(uuid.uuid4()),
                    company_id=company.id,
                    code=draw(st.sampled_from(CODES)),
                    validity=v,
                )
            )
        for v in _spans(draw):
            owners.append(
                OwnerAssignment(
                    id=OwnerAssignmentId(uuid.uuid4()),
                    company_id=company.id,
                    employee_id=draw(st.sampled_from(REPS)).id,
                    validity=v,
                )
            )
    at = START + draw(st.integers(-2, 90)) * DAY + draw(st.sampled_from([timedelta(0), timedelta(hours=13)]))
    return World(tuple(companies), tuple(codes), tuple(owners), at)


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), wanted=st.sets(st.sampled_from(CODES), min_size=1), rep=st.sampled_from(REPS))
def test_t4_a7_dated_leaves_match_the_values_valid_at_t_on_every_back_end(
    empty: Storage, world: World, wanted: set[str], rep: object
) -> None:
    storage = fresh(empty)
    with storage.unit_of_work() as uow:
        uow.employees.add_many(list(REPS))
        uow.companies.add_many(list(world.companies))
        uow.customer_codes.add_many(list(world.codes))
        uow.owners.add_many(list(world.owners))
        uow.commit()
    at = world.at
    code = {c.id: code_at(c, [r for r in world.codes if r.company_id == c.id], at) for c in world.companies}
    owner = {
        c.id: owner_at(c, [r for r in world.owners if r.company_id == c.id], at) for c in world.companies
    }
    employee = rep.id  # type: ignore[attr-defined]
    cases: list[tuple[Predicate, set[CompanyId]]] = [
        (CodeIn(frozenset(wanted), at=at), {k for k, v in code.items() if v in wanted}),
        (OwnedBy(employee, at=at), {k for k, v in owner.items() if v == employee}),
        (FieldIn("micro_region", frozenset(wanted), at=at), {k for k, v in code.items() if v in wanted}),
        (
            FieldIn("sales_rep", frozenset({str(employee)}), at=at),
            {k for k, v in owner.items() if v == employee},
        ),
    ]
    either = any_of(cases[0][0], cases[1][0])
    cases.append((either, cases[0][1] | cases[1][1]))
    with storage.unit_of_work() as uow:
        for predicate, expected in cases:
            got = {c.id for c in uow.companies.visible(predicate, limit=100)}
            assert got == expected, (predicate, code, owner)
            assert uow.companies.count_visible(predicate) == len(expected)
