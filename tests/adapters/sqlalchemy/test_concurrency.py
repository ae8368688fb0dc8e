"""Optimistic concurrency on every SQL back end (issue 3 item 3; ports.storage ``save``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import attrs
import pytest

from crmkit.adapters.sqlalchemy.storage import SqlStorage, SqlUnitOfWork
from crmkit.domain.errors import ConcurrencyConflict
from crmkit.domain.ids import PickListName
from crmkit.domain.parameters import PickList
from crmkit.testing.factories import (
    make_claim,
    make_company,
    make_contact,
    make_employee,
    make_picklist,
)
from tests.adapters.sqlalchemy.support import snapshot


@dataclass(frozen=True)
class Aggregate:
    """How to store one versioned aggregate and change it two different ways."""

    name: str
    repository: str
    make: Callable[[SqlUnitOfWork], Any]
    first: Callable[[Any], Any]
    second: Callable[[Any], Any]


def _parent(uow: SqlUnitOfWork) -> Any:
    company = make_company(name="Ana Firma")
    uow.companies.add(company)
    return company


AGGREGATES = [
    Aggregate(
        "company",
        "companies",
        lambda uow: make_company(name="Ege Kimya"),
        lambda c: attrs.evolve(c, name="Ege Kimya A.Ş."),
        lambda c: attrs.evolve(c, phone="+905321234567"),
    ),
    Aggregate(
        "contact",
        "contacts",
        lambda uow: make_contact(company_id=_parent(uow).id),
        lambda c: attrs.evolve(c, title="Genel Müdür"),
        lambda c: attrs.evolve(c, title="Satış Müdürü"),
    ),
    Aggregate(
        "employee",
        "employees",
        lambda uow: make_employee(),
        lambda e: attrs.evolve(e, department="Destek"),
        lambda e: attrs.evolve(e, department="Pazarlama"),
    ),
    Aggregate(
        "claim",
        "claims",
        lambda uow: make_claim(company_id=_parent(uow).id),
        lambda c: c.approve(c.claimant_id, c.requested_at),
        lambda c: c.reject(c.claimant_id, c.requested_at, "bölge dışı"),
    ),
    Aggregate(
        "picklist",
        "picklists",
        lambda uow: make_picklist("sectors", "İlaç"),
        lambda p: attrs.evolve(p, values=("İlaç", "Hijyen")),
        lambda p: attrs.evolve(p, values=("İlaç", "Kimya")),
    ),
]


def _key(item: Any) -> Any:
    return item.name if isinstance(item, PickList) else item.id


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=[a.name for a in AGGREGATES])
def test_interleaved_units_of_work_second_save_conflicts_and_writes_nothing(
    sql_storage: SqlStorage, aggregate: Aggregate
) -> None:
    """Issue 3 item 3: the stale copy of every versioned aggregate is refused, nothing written."""
    with sql_storage.unit_of_work() as setup:
        original = aggregate.make(setup)
        getattr(setup, aggregate.repository).add(original)
        setup.commit()

    key = _key(original)
    with sql_storage.unit_of_work() as one, sql_storage.unit_of_work() as two:
        mine = getattr(one, aggregate.repository).get(key)
        theirs = getattr(two, aggregate.repository).get(key)
        saved = getattr(one, aggregate.repository).save(aggregate.first(mine))
        one.commit()
        before = snapshot(sql_storage)
        with pytest.raises(ConcurrencyConflict) as raised:
            getattr(two, aggregate.repository).save(aggregate.second(theirs))
        assert raised.value.expected_version == 1
        two.commit()  # committing after the refusal still writes nothing

    assert snapshot(sql_storage) == before
    with sql_storage.unit_of_work() as check:
        stored = getattr(check, aggregate.repository).get(key)
        history = check.audit.for_record(aggregate.name, str(key))
    assert stored == saved
    assert stored.version == 2
    assert [entry.version for entry in history] == [1, 2]


def test_save_of_a_copy_already_saved_in_the_same_unit_of_work_conflicts(
    sql_storage: SqlStorage,
) -> None:
    """ports.storage ``save``: the version check also holds inside one transaction."""
    company = make_company()
    with sql_storage.unit_of_work() as uow:
        uow.companies.add(company)
        uow.companies.save(attrs.evolve(company, name="Yeni Ad"))
        with pytest.raises(ConcurrencyConflict):
            uow.companies.save(attrs.evolve(company, name="Eski Kopya"))
        uow.commit()
    with sql_storage.unit_of_work() as check:
        assert check.companies.get(company.id).name == "Yeni Ad"


THREADS = 4
INCREMENTS = 250


@pytest.mark.slow
def test_concurrent_increments_lose_no_update(sql_storage: SqlStorage) -> None:
    """Issue 3 item 3: 4 threads x 250 increments with retry on conflict; version ends at 1001."""
    name = PickListName("counter")
    with sql_storage.unit_of_work() as uow:
        uow.picklists.add(PickList(name, ("0",)))
        uow.commit()

    conflicts = [0] * THREADS
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for _ in range(INCREMENTS):
                while True:
                    try:
                        with sql_storage.unit_of_work() as uow:
                            counter = uow.picklists.get(name)
                            value = int(counter.values[0]) + 1
                            uow.picklists.save(attrs.evolve(counter, values=(str(value),)))
                            uow.commit()
                        break
                    except ConcurrencyConflict:
                        conflicts[worker] += 1
                        time.sleep(0.0005 * (worker + 1))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with sql_storage.unit_of_work() as uow:
        counter = uow.picklists.get(name)
        history = uow.audit.for_record("picklist", name)
    assert counter.version == THREADS * INCREMENTS + 1
    assert counter.values == (str(THREADS * INCREMENTS),)
    assert len(history) == THREADS * INCREMENTS + 1
