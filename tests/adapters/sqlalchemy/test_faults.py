"""Faults and bad input on every SQL back end (issue 3 item 5; ports.storage rules)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.errors import Duplicate, NotFound, StorageUnavailable, ValidationError
from crmkit.domain.ids import CompanyId
from crmkit.domain.parties import Segmentation
from crmkit.testing.factories import (
    make_claim,
    make_company,
    make_contact,
    make_employee,
    make_picklist,
)
from tests.adapters.sqlalchemy.support import snapshot


class Injected(Exception):
    pass


def test_exception_after_writes_leaves_the_database_exactly_as_before(
    sql_storage: SqlStorage,
) -> None:
    """Issue 3 item 5: adds, a save and audit rows written, then an exception: all undone."""
    existing = make_company(name="Mevcut Firma", tax_no="1234567890")
    with sql_storage.unit_of_work() as uow:
        uow.companies.add(existing)
        uow.commit()
    before = snapshot(sql_storage)

    with pytest.raises(Injected), sql_storage.unit_of_work() as uow:
        child = make_company(name="Yeni Bayi", type="dealer", parent_id=existing.id)
        uow.companies.add(child)
        uow.contacts.add_many(make_contact(company_id=child.id) for _ in range(3))
        uow.companies.save(attrs.evolve(existing, name="Değişti"))
        uow.picklists.add(make_picklist())
        assert uow.companies.count() == 2  # the writes really happened in the transaction
        raise Injected

    assert snapshot(sql_storage) == before


def test_leaving_without_commit_rolls_back(sql_storage: SqlStorage) -> None:
    """ports.storage: leaving the ``with`` block without ``commit()`` discards everything."""
    company = make_company()
    with sql_storage.unit_of_work() as uow:
        uow.companies.add(company)
    with sql_storage.unit_of_work() as uow, pytest.raises(NotFound):
        uow.companies.get(company.id)


def test_nothing_is_visible_to_another_unit_of_work_before_commit(
    sql_storage: SqlStorage,
) -> None:
    """ports.storage: uncommitted rows are invisible to others, visible after commit."""
    company = make_company()
    with sql_storage.unit_of_work() as writer:
        writer.companies.add(company)
        with sql_storage.unit_of_work() as reader:
            assert reader.companies.get_many([company.id]) == {}
        writer.commit()
    with sql_storage.unit_of_work() as reader:
        assert reader.companies.get(company.id) == company


def test_duplicate_tax_no_names_the_field_and_keeps_the_unit_of_work_usable(
    sql_storage: SqlStorage,
) -> None:
    """Issue 3 item 5 / ports.storage ``add``: a taken tax number is a Duplicate on ``tax_no``."""
    first = make_company(tax_no="1234567890")
    with sql_storage.unit_of_work() as uow:
        uow.companies.add(first)
        uow.commit()
    other = make_company(name="Başka Firma")
    with sql_storage.unit_of_work() as uow:
        with pytest.raises(Duplicate) as raised:
            uow.companies.add(make_company(tax_no="1234567890"))
        assert raised.value.field == "tax_no"
        assert not isinstance(raised.value.__cause__, sa.exc.DBAPIError)
        uow.companies.add(other)  # the refused write left the transaction usable (PostgreSQL)
        with pytest.raises(Duplicate) as raised:
            uow.companies.save(attrs.evolve(other, tax_no="1234567890"))
        assert raised.value.field == "tax_no"
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.companies.get(other.id) == other
        assert uow.companies.count() == 2


@pytest.mark.parametrize(
    ("repository", "make", "field"),
    [
        ("companies", lambda: make_company(), "id"),
        ("employees", lambda: make_employee(login="ayse"), "login"),
        ("picklists", lambda: make_picklist("cities", "İzmir"), "name"),
    ],
    ids=["company-id", "employee-login", "picklist-name"],
)
def test_other_unique_fields_name_themselves(
    sql_storage: SqlStorage, repository: str, make: Callable[[], object], field: str
) -> None:
    """ports.storage ``add``: an existing id or unique value raises Duplicate naming the field."""
    item = make()
    clash = item if field != "login" else make_employee(login="ayse")
    with sql_storage.unit_of_work() as uow:
        getattr(uow, repository).add(item)
        with pytest.raises(Duplicate) as raised:
            getattr(uow, repository).add(clash)
    assert raised.value.field == field


def test_add_many_is_all_or_nothing(sql_storage: SqlStorage) -> None:
    """ports.storage ``add_many``: one refused row refuses the batch."""
    taken = make_company(tax_no="1234567890")
    with sql_storage.unit_of_work() as uow:
        uow.companies.add(taken)
        uow.commit()
    batch = [make_company(name=f"Firma {n}") for n in range(5)]
    batch.append(make_company(tax_no="1234567890"))
    with sql_storage.unit_of_work() as uow:
        with pytest.raises(Duplicate):
            uow.companies.add_many(batch)
        assert uow.companies.count() == 1
        assert uow.audit.for_record("company", str(batch[0].id)) == []


@pytest.mark.parametrize(
    ("repository", "make", "field"),
    [
        ("companies", lambda: make_company(type="dealer", parent_id=CompanyId(_random())), "parent_id"),
        ("contacts", lambda: make_contact(), "company_id"),
        ("claims", lambda: make_claim(), "company_id"),
        ("employees", lambda: make_employee(firm_id=CompanyId(_random())), "firm_id"),
    ],
    ids=["company-parent", "contact-company", "claim-company", "employee-firm"],
)
def test_foreign_key_violation_is_a_validation_error_naming_the_field(
    sql_storage: SqlStorage, repository: str, make: Callable[[], object], field: str
) -> None:
    """Issue 3 item 5: a reference to nothing is the library's ValidationError, naming the field."""
    with sql_storage.unit_of_work() as uow:
        with pytest.raises(ValidationError) as raised:
            getattr(uow, repository).add(make())
        assert raised.value.field == field
        assert not isinstance(raised.value, Duplicate)
        uow.companies.add(make_company())  # still usable
        uow.commit()


def test_text_longer_than_its_column_names_the_field(sql_storage: SqlStorage) -> None:
    """Issue 3 item 5: every back end refuses an over-long value the same way (SQLite would not)."""
    with sql_storage.unit_of_work() as uow, pytest.raises(ValidationError) as raised:
        uow.companies.add(make_company(segmentation=Segmentation(city="x" * 500)))
    assert raised.value.field == "segmentation.city"


def _random() -> uuid.UUID:
    return uuid.uuid4()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://crm:s3cr3t-pw@127.0.0.1:1/crm",
        "mariadb+pymysql://crm:s3cr3t-pw@127.0.0.1:1/crm",
        "mysql+pymysql://crm:s3cr3t-pw@127.0.0.1:1/crm",
    ],
    ids=["postgresql", "mariadb", "mysql"],
)
def test_unreachable_database_is_one_clear_error_with_the_password_masked(url: str) -> None:
    """Issue 3 item 5: StorageUnavailable names the URL with ``***``, no driver traceback."""
    storage = SqlStorage(url)
    try:
        for attempt in (storage.migrate, lambda: storage.unit_of_work().__enter__()):
            with pytest.raises(StorageUnavailable) as raised:
                attempt()
            message = str(raised.value)
            assert "crm:***@127.0.0.1:1/crm" in message
            assert "s3cr3t-pw" not in message
            assert raised.value.__cause__ is None
            assert raised.value.__suppress_context__
    finally:
        storage.close()


def test_unopenable_sqlite_file_is_storage_unavailable(tmp_path: Path) -> None:
    """Issue 3 item 5: a SQLite file in a missing folder is StorageUnavailable naming the URL."""
    url = f"sqlite:///{tmp_path / 'missing' / 'crm.db'}"
    storage = SqlStorage(url)
    try:
        with pytest.raises(StorageUnavailable, match=r"missing/crm\.db"):
            storage.migrate()
    finally:
        storage.close()


def test_closed_storage_refuses_new_units_of_work(sql_storage: SqlStorage) -> None:
    """ports.storage ``close``: the object must not be used afterwards."""
    sql_storage.close()
    with pytest.raises(StorageUnavailable):
        sql_storage.unit_of_work()


def test_bad_url_is_a_validation_error() -> None:
    """A URL that is not a database URL names the ``url`` field."""
    with pytest.raises(ValidationError) as raised:
        SqlStorage("not a url")
    assert raised.value.field == "url"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_is_refused_with_advice(url: str) -> None:
    """Issue 3 item 1: units of work cannot share a private in-memory SQLite database."""
    with pytest.raises(ValidationError, match="memory://") as raised:
        SqlStorage(url)
    assert raised.value.field == "url"
