"""What users tripped on, in the SQL adapter (issue 11 items 7, 10): no password shown, and a
database that was never migrated says how to migrate it, on every SQL back end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

import crmkit
import crmkit.cli
from crmkit.adapters.memory import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.urls import mask_password
from crmkit.domain.errors import CrmError, StorageUnavailable

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://crm:{SECRET}@db.example:5432/crm",
        f"mariadb+pymysql://crm:{SECRET}@db.example/crm?charset=utf8mb4",
        f"postgresql://crm:{SECRET}@db.example/crm",
    ],
)
def test_the_password_is_in_no_repr_nor_url(url: str) -> None:
    crm = crmkit.connect(url)  # nothing connects yet
    try:
        for shown in (repr(crm), crm.storage.url, repr(crm.storage)):
            assert SECRET not in shown
        assert crm.storage.url == url.replace(SECRET, "***")
    finally:
        crm.close()


def test_a_third_party_storage_url_is_masked_in_repr_too() -> None:
    storage = MemoryStorage(f"acmedb://admin:{SECRET}@host/crm")  # a stand-in for a plugin's storage
    crm = crmkit.connect(storage)
    assert SECRET not in repr(crm)
    assert mask_password(storage.url) == "acmedb://admin:***@host/crm"


def test_the_storage_still_connects_with_the_real_password(sql_storage: SqlStorage) -> None:
    with sql_storage.unit_of_work() as uow:
        assert uow.execute(sa.text("SELECT 1")).scalar() == 1


def test_a_database_without_the_schema_names_the_migration(sql_storage: SqlStorage) -> None:
    with sql_storage.unit_of_work() as uow, pytest.raises(StorageUnavailable) as info:
        uow.execute(sa.text("SELECT * FROM h12_no_such_table"))
    message = str(info.value)
    assert "crmkit db upgrade" in message and "crm.migrate()" in message
    assert "Traceback" not in message and "SELECT" not in message


def test_forgetting_to_migrate_an_sqlite_file_is_a_crm_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    with crmkit.connect(url) as crm, pytest.raises(CrmError) as info:
        crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    assert "crmkit db upgrade" in str(info.value)
    assert "no such table" in str(info.value)


@pytest.mark.skipif(not os.environ.get("CRMKIT_TEST_POSTGRES_URL"), reason="needs CRMKIT_TEST_POSTGRES_URL")
def test_db_upgrade_prints_no_password(capsys: pytest.CaptureFixture[str]) -> None:
    """The test server trusts local connections, so any password gets in: it must not be printed."""
    real = sa.make_url(os.environ["CRMKIT_TEST_POSTGRES_URL"]).set(password=SECRET)
    assert crmkit.cli.main(["db", "upgrade", real.render_as_string(hide_password=False)]) == 0
    out = capsys.readouterr()
    assert "schema is up to date" in out.out or "schema upgraded from" in out.out
    assert SECRET not in out.out + out.err
