"""The unit-of-work contract: isolation, commit, rollback and events (§9)."""

from __future__ import annotations

from typing import ClassVar

import attrs
import pytest

from crmkit.domain.events import DomainEvent
from crmkit.domain.parties import CompanyType
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import WHEN, make_company, make_contact, make_employee

__all__ = ["UnitOfWorkContract"]


@attrs.frozen(kw_only=True)
class Noted(DomainEvent):
    """A throwaway event the contract emits (carries a note to tell events apart)."""

    name: ClassVar[str] = "contract.noted"
    note: str


class _Boom(Exception):
    """Raised inside a ``with`` block to prove an exception rolls back."""


class UnitOfWorkContract:
    """What every :class:`~crmkit.ports.storage.UnitOfWork` and its storage must do (§9).

    Needs a ``storage`` fixture: a migrated, empty storage.
    """

    def test_s9_the_storage_and_its_units_of_work_satisfy_the_ports(self, storage: Storage) -> None:
        """The storage is a Storage, its units of work are UnitOfWorks (§9)."""
        assert isinstance(storage, Storage)
        assert isinstance(storage.url, str)
        with storage.unit_of_work() as uow:
            assert isinstance(uow, UnitOfWork)

    def test_s9_migrate_is_idempotent_and_keeps_data(self, storage: Storage) -> None:
        """A second migrate() changes nothing and loses nothing (§9)."""
        company = make_company()
        store(storage, company)
        storage.migrate()
        assert read(storage, lambda uow: uow.companies.get(company.id)) == company

    def test_s9_a_unit_of_work_sees_its_own_writes(self, storage: Storage) -> None:
        """Before commit, the unit of work reads back what it wrote, in every query (§9)."""
        company = make_company(name="Kendi Yazdığı", tax_no="1111111111")
        with storage.unit_of_work() as uow:
            uow.companies.add(company)
            assert uow.companies.get(company.id) == company
            assert uow.companies.by_tax_no("1111111111") == company
            assert uow.companies.search("yazdığı") == [company]
            assert uow.companies.count() == 1

    def test_s9_uncommitted_work_is_invisible_to_other_units_of_work(self, storage: Storage) -> None:
        """Another unit of work sees a change only once it is committed (§9)."""
        company = make_company(name="Gizli A.Ş.")
        writer, reader = storage.unit_of_work(), storage.unit_of_work()
        with writer, reader:
            writer.companies.add(company)
            assert reader.companies.get_many([company.id]) == {}
            assert reader.companies.search("gizli") == []
            writer.commit()
        assert read(storage, lambda uow: uow.companies.get(company.id)) == company

    def test_s9_explicit_rollback_discards_the_work(self, storage: Storage) -> None:
        """rollback() discards every change since the last commit; later work still commits."""
        dropped, kept = make_company(name="Atılan"), make_company(name="Kalan")
        with storage.unit_of_work() as uow:
            uow.companies.add(dropped)
            uow.rollback()
            assert uow.companies.get_many([dropped.id]) == {}
            uow.companies.add(kept)
            uow.commit()
        found = read(storage, lambda uow: uow.companies.get_many([dropped.id, kept.id]))
        assert found == {kept.id: kept}

    def test_s9_an_exception_in_the_block_rolls_back(self, storage: Storage) -> None:
        """An exception leaving the ``with`` block discards the work and propagates (§9)."""
        company = make_company()
        employee = make_employee()
        with pytest.raises(_Boom), storage.unit_of_work() as uow:
            uow.companies.add(company)
            uow.employees.add(employee)
            raise _Boom
        assert read(storage, lambda uow: uow.companies.count()) == 0
        assert read(storage, lambda uow: uow.employees.count()) == 0

    def test_s9_leaving_without_commit_discards_the_work(self, storage: Storage) -> None:
        """Leaving the ``with`` block without commit() keeps nothing (§9)."""
        company = make_company()
        with storage.unit_of_work() as uow:
            uow.companies.add(company)
            uow.contacts.add(make_contact(company_id=company.id))
        assert read(storage, lambda uow: uow.companies.count()) == 0
        assert read(storage, lambda uow: uow.contacts.count()) == 0

    def test_s9_work_after_a_commit_is_discarded_without_a_second_commit(self, storage: Storage) -> None:
        """Only what was committed stays: changes after the last commit are rolled back (§9)."""
        first, second = make_company(name="Birinci"), make_company(name="İkinci")
        with storage.unit_of_work() as uow:
            uow.companies.add(first)
            uow.commit()
            uow.companies.add(second)
        found = read(storage, lambda uow: uow.companies.get_many([first.id, second.id]))
        assert found == {first.id: first}

    def test_s9_commit_spans_every_repository(self, storage: Storage) -> None:
        """One commit makes changes in several repositories durable together (§9)."""
        dealer = make_company(type=CompanyType.DEALER)
        contact = make_contact(company_id=dealer.id)
        employee = make_employee(firm_id=dealer.id)
        with storage.unit_of_work() as uow:
            uow.companies.add(dealer)
            uow.contacts.add(contact)
            uow.employees.add(employee)
            uow.commit()
        assert read(storage, lambda uow: uow.contacts.for_company(dealer.id)) == [contact]
        assert read(storage, lambda uow: uow.employees.for_firm(dealer.id)) == [employee]

    # -- events -------------------------------------------------------------------------
    def test_s9_events_are_handed_out_only_after_commit_and_only_once(self, storage: Storage) -> None:
        """collect_events() is empty before commit, has the events after, then is empty (§9)."""
        one, two = Noted(at=WHEN, note="bir"), Noted(at=WHEN, note="iki")
        with storage.unit_of_work() as uow:
            uow.emit(one)
            uow.emit(two)
            assert list(uow.collect_events()) == []
            uow.companies.add(make_company())
            uow.commit()
        assert list(uow.collect_events()) == [one, two]
        assert list(uow.collect_events()) == []

    def test_s9_rolled_back_events_are_never_handed_out(self, storage: Storage) -> None:
        """Events of rolled-back work are dropped: rollback, exception, no commit (§9)."""
        with storage.unit_of_work() as uow:
            uow.emit(Noted(at=WHEN, note="geri alındı"))
            uow.rollback()
            kept = Noted(at=WHEN, note="kalıcı")
            uow.emit(kept)
            uow.commit()
            uow.emit(Noted(at=WHEN, note="commit edilmedi"))
        assert list(uow.collect_events()) == [kept]
        with pytest.raises(_Boom), storage.unit_of_work() as failed:
            failed.emit(Noted(at=WHEN, note="hata"))
            raise _Boom
        assert list(failed.collect_events()) == []

    def test_s9_events_of_several_commits_come_in_commit_order(self, storage: Storage) -> None:
        """Each commit adds its events after the earlier ones (§9)."""
        first, second = Noted(at=WHEN, note="1"), Noted(at=WHEN, note="2")
        with storage.unit_of_work() as uow:
            uow.emit(first)
            uow.commit()
            uow.emit(second)
            uow.commit()
        assert list(uow.collect_events()) == [first, second]
