from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmkit.bootstrap import connect
from crmkit.cli.config import KEYS


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No CRMKIT_* variable and no crmkit.toml leak in from the machine running the tests."""
    for key in KEYS:
        monkeypatch.delenv(f"CRMKIT_{key.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, str]:
    """A migrated SQLite database with its first admin: ``(url, admin id)``."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with connect(url) as crm:
        crm.migrate()
        admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    return url, str(admin.id)
