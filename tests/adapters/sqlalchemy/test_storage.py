"""The storage object, its schema, plugin registration and documents (issue 3 items 1, 6; C10)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.documents import SqlDocumentStore
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import CONSTRAINT_FIELDS, metadata
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.ids import DocumentId
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.factories import make_claim, make_company, make_employee

ISTANBUL = ZoneInfo("Europe/Istanbul")


def test_times_come_back_at_their_own_offset_with_microseconds(sql_storage: SqlStorage) -> None:
    """ARCHITECTURE §2, V1 (aware times stored in UTC, read back at the offset they were given in,
    revision 0023): equal instant, the same offset and wall time, on every back end."""
    registered = datetime(2026, 3, 31, 23, 30, 15, 123456, tzinfo=ISTANBUL)
    company = make_company(registered_at=registered)
    early = make_claim(company_id=company.id, requested_at=registered - timedelta(microseconds=1))
    late = make_claim(company_id=company.id, requested_at=registered)
    with sql_storage.unit_of_work() as uow:
        uow.companies.add(company)
        uow.claims.add_many([late, early])
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        stored = uow.companies.get(company.id)
        claims = uow.claims.for_company(company.id)
    assert stored == company
    assert stored.registered_at.utcoffset() == timedelta(hours=3)
    assert (stored.registered_at.date(), stored.registered_at.hour) == (
        registered.date(),
        23,
    )  # not 20:30 UTC
    assert stored.registered_at.astimezone(UTC).hour == 20
    assert [c.id for c in claims] == [early.id, late.id]
    assert [c.requested_at.utcoffset() for c in claims] == [timedelta(hours=3)] * 2


def test_lists_are_in_code_point_order_on_every_back_end(sql_storage: SqlStorage) -> None:
    """ports.storage (stated, stable order): names sort as Python sorts them, not by collation."""
    names = ["zeynep", "Zafer", "Ümit", "ayşe", "Ayşe", "Çetin", "İlker", "Ilgın"]
    with sql_storage.unit_of_work() as uow:
        uow.employees.add_many(make_employee(name=name) for name in names)
        uow.commit()
        assert [e.name for e in uow.employees.for_firm(None)] == sorted(names)


def test_mysql_scheme_reaches_mariadb_too(server_url: Callable[[str], str]) -> None:
    """Issue 3 item 1: ``mysql+pymysql://`` and ``mariadb+pymysql://`` run the same code path."""
    url = server_url("mysql").replace("mariadb+pymysql://", "mysql+pymysql://", 1)
    storage = SqlStorage(url)
    try:
        storage.migrate()
        reset_database(storage)
        company = make_company(tax_no="1234567890")
        with storage.unit_of_work() as uow:
            uow.companies.add(company)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.companies.get(company.id) == company
            with pytest.raises(Duplicate):
                uow.companies.add(make_company(tax_no="1234567890"))
    finally:
        storage.close()


def test_sqlite_is_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    """Issue 3 item 1: the embedded default's pragmas on every pooled connection."""
    storage = SqlStorage(f"sqlite:///{tmp_path / 'crm.db'}")
    try:
        storage.migrate()
        with storage.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar_one() >= 1000
    finally:
        storage.close()


def test_migrate_is_idempotent_and_reset_empties_every_table(sql_storage: SqlStorage) -> None:
    """ports.storage ``migrate`` (idempotent); testing.reset_database empties all tables."""
    parent = make_company()
    with sql_storage.unit_of_work() as uow:
        uow.companies.add_many([parent, make_company(type="dealer", parent_id=parent.id)])
        uow.commit()
    sql_storage.migrate()
    with sql_storage.unit_of_work() as uow:
        assert uow.companies.count() == 2
    reset_database(sql_storage)
    with sql_storage.engine.connect() as connection:
        for table in metadata.sorted_tables:
            count = sa.select(sa.func.count()).select_from(table)
            assert connection.execute(count).scalar() == 0, table.name


def test_schema_names_are_deterministic() -> None:
    """Issue 3 item 2: the naming convention names every constraint the error mapping knows."""
    names = {c.name for t in metadata.sorted_tables for c in t.constraints}
    assert set(CONSTRAINT_FIELDS) <= names
    assert all(c.name for t in metadata.sorted_tables for c in t.constraints)
    order = [t.name for t in metadata.sorted_tables]
    assert order.index("companies") < min(order.index(child) for child in ("contacts", "claims", "employees"))


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///crm.db",
        "postgresql+psycopg://u:p@localhost/crm",
        "mysql+pymysql://u:p@localhost/crm",
        "mariadb+pymysql://u:p@localhost/crm",
    ],
)
def test_plugin_offers_storage_and_documents_for_every_sql_scheme(url: str) -> None:
    """Issue 3 item 1 / ARCHITECTURE §3: built-in registration by URL scheme."""
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    context = AdapterContext(FixedClock(), SequentialIds(), Settings())
    storage = plugins.build("storage", url, context)
    try:
        assert isinstance(storage, SqlStorage)
        assert storage.url == url.replace(":p@", ":***@")  # the password is never shown (issue 11)
        documents = plugins.build("documents", url, attrs_evolve_storage(context, storage))
        assert isinstance(documents, SqlDocumentStore)
    finally:
        storage.close()


def attrs_evolve_storage(context: AdapterContext, storage: SqlStorage) -> AdapterContext:
    import attrs

    return attrs.evolve(context, storage=storage)


def test_documents_round_trip_in_order_and_delete_idempotently(sql_storage: SqlStorage) -> None:
    """SPEC C10 / ports.documents: bytes, media type and name; stored order; idempotent delete."""
    store = SqlDocumentStore(sql_storage)
    owner = DocumentOwner(OwnerKind.COMPANY, "firma-1")
    big = Document(
        DocumentId(SequentialIds().new()), owner, "sözleşme.pdf", "application/pdf", b"%" * 200_000
    )
    small = Document(DocumentId(make_company().id), owner, "broşür.txt", "text/plain", b"Merhaba")
    store.put(big)
    store.put(small)
    with pytest.raises(Duplicate):
        store.put(small)
    assert store.get(big.id) == big  # larger than MariaDB's 64 KB BLOB
    assert store.list_for(owner) == [big, small]
    assert store.list_for(DocumentOwner(OwnerKind.EMPLOYEE, "firma-1")) == []
    store.delete(big.id)
    store.delete(big.id)
    with pytest.raises(NotFound):
        store.get(big.id)
    assert store.list_for(owner) == [small]
