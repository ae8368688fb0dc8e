"""Agenda range queries equal a plain reference on every back end (I6).

Random appointments — up to a day long, so the storage's index bound
``starts_at > start - 1 day`` is exercised at its edge — of three assignees
at companies inside and outside a dealer's subtree; for a random window,
``between`` (all, or one assignee's, under EVERYTHING or the dealer's subtree)
and ``overlapping`` list exactly the appointments sharing an instant with the
window, by start then id, as a Python filter does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.domain.ids import EmployeeId
from crmkit.domain.interactions import MAX_APPOINTMENT_MINUTES, Appointment, AppointmentId
from crmkit.domain.parties import CompanyType
from crmkit.domain.predicates import EVERYTHING, FirmSubtree
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.factories import make_company

T0 = datetime(2026, 3, 2, tzinfo=UTC)
PEOPLE = [EmployeeId(uuid.UUID(int=n)) for n in (1, 2, 3)]


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


bookings = st.lists(
    st.tuples(
        st.integers(0, 3 * 24 * 60),
        st.one_of(st.integers(1, 240), st.just(MAX_APPOINTMENT_MINUTES)),
        st.integers(0, 2),
        st.booleans(),
    ),
    max_size=15,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    drawn=bookings,
    window=st.tuples(st.integers(0, 4 * 24 * 60), st.integers(1, 2 * 24 * 60)),
    who=st.integers(0, 2),
)
def test_i6_range_queries_equal_the_reference(
    empty: Storage, drawn: list[tuple[int, int, int, bool]], window: tuple[int, int], who: int
) -> None:
    storage = fresh(empty)
    dealer = make_company(type=CompanyType.DEALER, name="Bayi")
    under = make_company(type=CompanyType.CUSTOMER, name="Bayi Müşterisi", parent_id=dealer.id)
    elsewhere = make_company(type=CompanyType.CUSTOMER, name="Başka Müşteri")
    booked = [
        Appointment(
            id=AppointmentId(uuid.UUID(int=1000 + n)),
            company_id=(under if inside else elsewhere).id,
            starts_at=T0 + timedelta(minutes=start),
            minutes=minutes,
            description=f"Randevu {n}",
            created_by=PEOPLE[0],
            assignee_id=PEOPLE[person],
            created_at=T0,
        )
        for n, (start, minutes, person, inside) in enumerate(drawn)
    ]
    with storage.unit_of_work() as uow:
        uow.companies.add_many([dealer, under, elsewhere])
        uow.appointments.add_many(booked)
        uow.commit()
    start = T0 + timedelta(minutes=window[0])
    end = start + timedelta(minutes=window[1])
    sharing = sorted(
        (a for a in booked if a.starts_at < end and a.ends_at > start), key=lambda a: (a.starts_at, a.id)
    )
    person = PEOPLE[who]
    subtree = FirmSubtree(dealer.id)
    with storage.unit_of_work() as uow:
        assert uow.appointments.between(EVERYTHING, start, end, limit=100) == sharing
        assert uow.appointments.count_between(EVERYTHING, start, end) == len(sharing)
        mine = [a for a in sharing if a.assignee_id == person]
        assert uow.appointments.between(EVERYTHING, start, end, assignee=person) == mine
        assert uow.appointments.overlapping(person, start, end) == mine
        assert uow.appointments.between(subtree, start, end) == [
            a for a in sharing if a.company_id == under.id
        ]
