"""The contact (C4) and employee (C8) repository contracts (§9)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import attrs
import pytest

from crmkit.domain.employees import EmployeeStatus, Position
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import ContactId, EmployeeId
from crmkit.domain.parties import CompanyType
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import WHEN, make_company, make_contact, make_employee

__all__ = ["ContactRepositoryContract", "EmployeeRepositoryContract"]


class ContactRepositoryContract:
    """What every :class:`~crmkit.ports.storage.ContactRepository` must do.

    Needs a ``storage`` fixture: a migrated, empty storage.
    """

    def test_c4_round_trip_returns_an_equal_contact(self, storage: Storage) -> None:
        """get(add(x)) == x with Turkish text in every text field (C4)."""
        company = make_company()
        contact = make_contact(
            company_id=company.id,
            name="Işıl Gündoğdu İnce",
            title="Genel Müdür Yardımcısı",
            position_type="Satın Alma",
            phone="+905551234567",
            email="isil@example.com.tr",
        )
        store(storage, company, contact)
        assert read(storage, lambda uow: uow.contacts.get(contact.id)) == contact

    def test_s9_get_of_an_unknown_contact_raises_not_found(self, storage: Storage) -> None:
        """get() of an id never added raises NotFound (§9)."""
        with storage.unit_of_work() as uow, pytest.raises(NotFound):
            uow.contacts.get(ContactId(uuid.uuid4()))

    def test_s9_adding_an_existing_contact_raises_duplicate(self, storage: Storage) -> None:
        """A taken id raises Duplicate(field="id") (§9)."""
        company = make_company()
        contact = make_contact(company_id=company.id)
        store(storage, company, contact)
        with pytest.raises(Duplicate) as caught, storage.unit_of_work() as uow:
            uow.contacts.add(contact)
            uow.commit()
        assert caught.value.field == "id"

    def test_c4_save_and_stale_save(self, storage: Storage) -> None:
        """save() bumps the version; saving the old copy again conflicts and writes nothing."""
        company = make_company()
        contact = make_contact(company_id=company.id)
        store(storage, company, contact)
        with storage.unit_of_work() as uow:
            saved = uow.contacts.save(attrs.evolve(contact, title="Genel Müdür"))
            uow.commit()
        assert saved.version == 2
        with pytest.raises(ConcurrencyConflict), storage.unit_of_work() as uow:
            uow.contacts.save(attrs.evolve(contact, title="Eski Kopya"))
            uow.commit()
        assert read(storage, lambda uow: uow.contacts.get(contact.id)) == saved

    def test_c4_for_company_lists_its_contacts_by_name_then_id(self, storage: Storage) -> None:
        """for_company() holds only that company's contacts, ordered by name, ties by id (C4)."""
        company, other = make_company(name="Bir"), make_company(name="İki")
        names = ["Cem Öz", "Ahmet Yıldız", "Burcu Şahin", "Ahmet Yıldız"]
        contacts = [make_contact(company_id=company.id, name=n) for n in names]
        stranger = make_contact(company_id=other.id, name="Aaa Başka")
        store(storage, company, other, *contacts, stranger)
        found = read(storage, lambda uow: uow.contacts.for_company(company.id))
        assert found == sorted(contacts, key=lambda c: (c.name, c.id))
        assert [c.name for c in found] == ["Ahmet Yıldız", "Ahmet Yıldız", "Burcu Şahin", "Cem Öz"]

    def test_s9_add_many_and_get_many(self, storage: Storage) -> None:
        """add_many() stores a batch; get_many() returns the found ones only (§9)."""
        company = make_company()
        batch = [make_contact(company_id=company.id, name=f"Kişi {n}") for n in range(4)]
        store(storage, company)
        with storage.unit_of_work() as uow:
            uow.contacts.add_many(batch)
            uow.commit()
        missing = ContactId(uuid.uuid4())
        found = read(storage, lambda uow: uow.contacts.get_many([missing, *(c.id for c in batch)]))
        assert found == {c.id: c for c in batch}
        assert read(storage, lambda uow: uow.contacts.count()) == 4


class EmployeeRepositoryContract:
    """What every :class:`~crmkit.ports.storage.EmployeeRepository` must do.

    Needs a ``storage`` fixture: a migrated, empty storage.
    """

    def test_c8_round_trip_returns_an_equal_employee(self, storage: Storage) -> None:
        """get(add(x)) == x for an active employee with credentials and a manager (C8)."""
        dealer = make_company(name="Çağlayan Bayi", type=CompanyType.DEALER)
        boss = make_employee(name="Gülşen Müdür", position=Position.MANAGER, firm_id=dealer.id)
        employee = make_employee(
            name="İsmail Işık",
            position=Position.EMPLOYEE,
            firm_id=dealer.id,
            department="Satış Destek",
            manager_id=boss.id,
            email="ismail@example.com.tr",
            phone="+905441112233",
            login="ismail.isik",
            password_hash="ab" * 32,
        )
        store(storage, dealer, boss, employee)
        assert read(storage, lambda uow: uow.employees.get(employee.id)) == employee

    def test_c8_a_departed_employee_round_trips_without_credentials(self, storage: Storage) -> None:
        """Status, exit reason and exit date survive; the credentials stay cleared (C8)."""
        employee = make_employee(login="ayse", password_hash="cd" * 32)
        gone = employee.dismiss("Görev yerini terk etti", WHEN + timedelta(days=30))
        store(storage, gone)
        back = read(storage, lambda uow: uow.employees.get(gone.id))
        assert back == gone
        assert back.status is EmployeeStatus.DISMISSED
        assert (back.login, back.password_hash) == (None, None)

    def test_s9_get_of_an_unknown_employee_raises_not_found(self, storage: Storage) -> None:
        """get() of an id never added raises NotFound (§9)."""
        with storage.unit_of_work() as uow, pytest.raises(NotFound):
            uow.employees.get(EmployeeId(uuid.uuid4()))

    def test_s9_adding_an_existing_employee_raises_duplicate(self, storage: Storage) -> None:
        """A taken id raises Duplicate(field="id") (§9)."""
        employee = make_employee()
        store(storage, employee)
        with pytest.raises(Duplicate) as caught, storage.unit_of_work() as uow:
            uow.employees.add(attrs.evolve(employee, name="Başka Biri"))
            uow.commit()
        assert caught.value.field == "id"

    def test_c8_by_login_finds_the_employee_or_none(self, storage: Storage) -> None:
        """by_login() returns the employee holding the login, else None (C8)."""
        employee = make_employee(login="mehmet.ozturk", password_hash="ef" * 32)
        store(storage, employee, make_employee(name="Şifresiz"))
        assert read(storage, lambda uow: uow.employees.by_login("mehmet.ozturk")) == employee
        assert read(storage, lambda uow: uow.employees.by_login("yok")) is None

    def test_c8_a_departed_employee_no_longer_logs_in(self, storage: Storage) -> None:
        """After a resignation is saved, by_login() of the old login finds nobody (C8, A5)."""
        employee = make_employee(login="gidici", password_hash="12" * 32)
        store(storage, employee)
        with storage.unit_of_work() as uow:
            uow.employees.save(employee.resign("Başka şirket", WHEN + timedelta(days=1)))
            uow.commit()
        assert read(storage, lambda uow: uow.employees.by_login("gidici")) is None

    def test_c8_a_taken_login_raises_duplicate_naming_login(self, storage: Storage) -> None:
        """Two employees cannot share a login: Duplicate(field="login") (C8)."""
        store(storage, make_employee(login="ortak", password_hash="34" * 32))
        second = make_employee(name="İkinci", login="ortak", password_hash="56" * 32)
        with pytest.raises(Duplicate) as caught, storage.unit_of_work() as uow:
            uow.employees.add(second)
            uow.commit()
        assert caught.value.field == "login"

    def test_c8_for_firm_lists_staff_by_name_then_id(self, storage: Storage) -> None:
        """for_firm(firm) holds that firm's staff; for_firm(None) the host's (C8)."""
        dealer = make_company(name="Bayi", type=CompanyType.DEALER)
        staff = [make_employee(name=n, firm_id=dealer.id) for n in ("Zeki", "Ali", "Ali")]
        host = [make_employee(name=n) for n in ("Kemal", "Derya")]
        store(storage, dealer, *staff, *host)
        found = read(storage, lambda uow: uow.employees.for_firm(dealer.id))
        assert found == sorted(staff, key=lambda e: (e.name, e.id))
        assert [e.name for e in read(storage, lambda uow: uow.employees.for_firm(None))] == [
            "Derya",
            "Kemal",
        ]

    def test_c8_stale_save_raises_conflict_and_writes_nothing(self, storage: Storage) -> None:
        """Two interleaved units of work change one employee: the second conflicts (C8, §9)."""
        employee = make_employee()
        store(storage, employee)
        first, second = storage.unit_of_work(), storage.unit_of_work()
        with first, second:
            theirs = second.employees.get(employee.id)
            won = first.employees.save(attrs.evolve(employee, department="Pazarlama"))
            first.commit()
            with pytest.raises(ConcurrencyConflict):
                second.employees.save(attrs.evolve(theirs, department="Lojistik"))
                second.commit()
        assert read(storage, lambda uow: uow.employees.get(employee.id)) == won
