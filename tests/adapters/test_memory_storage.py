"""What only the memory back end can show: commit-time re-checks, closing, threads (§9, C12).

The shared behaviour is proven by the contract suites in test_storage_contracts.py;
these cover interleavings a SQL database would serialise with row locks (one
thread holding two SQL transactions that write the same row would deadlock).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import attrs
import pytest

from crmkit.adapters.memory import MemoryStorage
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, StorageUnavailable
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.factories import make_company, make_employee


@pytest.fixture
def memory(clock: FixedClock) -> MemoryStorage:
    return MemoryStorage(clock=clock)


def test_s9_two_staged_saves_the_second_commit_conflicts_and_writes_nothing(
    memory: MemoryStorage,
) -> None:
    company = make_company(name="Yarış")
    with memory.unit_of_work() as uow:
        uow.companies.add(company)
        uow.commit()
    bystander = make_company(name="Yan Kayıt")
    first, second = memory.unit_of_work(), memory.unit_of_work()
    with first, second:
        won = first.companies.save(attrs.evolve(company, name="Birinci"))
        second.companies.add(bystander)
        second.companies.save(attrs.evolve(company, name="İkinci"))
        first.commit()
        with pytest.raises(ConcurrencyConflict) as caught:
            second.commit()
        # the failed commit discarded the staged work of the second unit of work
        assert second.companies.get_many([bystander.id]) == {}
    assert caught.value.expected_version == 1
    with memory.unit_of_work() as uow:
        assert uow.companies.get(company.id) == won
        assert uow.companies.get_many([bystander.id]) == {}
        assert [e.version for e in uow.audit.for_record("company", str(company.id))] == [1, 2]
        assert uow.audit.for_record("company", str(bystander.id)) == []


def test_s9_two_staged_adds_of_one_id_the_second_commit_is_a_duplicate(
    memory: MemoryStorage,
) -> None:
    company = make_company()
    first, second = memory.unit_of_work(), memory.unit_of_work()
    with first, second:
        first.companies.add(company)
        second.companies.add(attrs.evolve(company, name="Kopya"))
        first.commit()
        with pytest.raises(Duplicate) as caught:
            second.commit()
    assert caught.value.field == "id"
    with memory.unit_of_work() as uow:
        assert uow.companies.get(company.id) == company


def test_c1_two_staged_adds_of_one_tax_number_the_second_commit_is_a_duplicate(
    memory: MemoryStorage,
) -> None:
    first, second = memory.unit_of_work(), memory.unit_of_work()
    with first, second:
        first.companies.add(make_company(name="Bir", tax_no="1234567890"))
        second.companies.add(make_company(name="İki", tax_no="1234567890"))
        first.commit()
        with pytest.raises(Duplicate) as caught:
            second.commit()
    assert caught.value.field == "tax_no"


def test_c12_audit_entries_are_stamped_by_the_storage_clock(memory: MemoryStorage, clock: FixedClock) -> None:
    company = make_company()
    with memory.unit_of_work() as uow:
        uow.companies.add(company)
        uow.commit()
    later = clock.advance(timedelta(hours=3))
    with memory.unit_of_work() as uow:
        uow.companies.save(attrs.evolve(company, name="Sonra"))
        uow.commit()
    with memory.unit_of_work() as uow:
        entries = uow.audit.for_record("company", str(company.id))
    assert [e.at for e in entries] == [later - timedelta(hours=3), later]


def test_s9_a_closed_storage_refuses_work(memory: MemoryStorage) -> None:
    uow = memory.unit_of_work()
    memory.close()
    memory.close()  # idempotent
    with pytest.raises(StorageUnavailable):
        memory.unit_of_work()
    with pytest.raises(StorageUnavailable):
        uow.companies.count()


def test_s9_concurrent_writers_lose_no_update(memory: MemoryStorage) -> None:
    """Eight threads bump one record 25 times each, retrying on conflict: no update is lost."""
    employee = make_employee(department="0")
    with memory.unit_of_work() as uow:
        uow.employees.add(employee)
        uow.commit()

    def bump() -> None:
        for _ in range(25):
            while True:
                try:
                    with memory.unit_of_work() as uow:
                        current = uow.employees.get(employee.id)
                        uow.employees.save(
                            attrs.evolve(current, department=str(int(current.department or 0) + 1))
                        )
                        uow.commit()
                    break
                except ConcurrencyConflict:
                    continue

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with memory.unit_of_work() as uow:
        final = uow.employees.get(employee.id)
    assert (final.department, final.version) == ("200", 201)


def test_memory_scheme_is_registered_and_uses_the_context_clock(
    clock: FixedClock, ids: SequentialIds
) -> None:
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    assert "memory" in plugins.schemes("storage")
    assert "memory" in plugins.schemes("documents")
    storage = plugins.build("storage", "memory://", AdapterContext(clock, ids, Settings()))
    assert isinstance(storage, MemoryStorage)
    assert storage.clock is clock
    assert storage.url == "memory://"
