"""``crmkit db upgrade`` says what it did (docs/production.md: "nothing to do prints 'schema is up to date'").

On a fresh database it names the revisions it went through; only a second run, with
nothing to do, prints "schema is up to date".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmkit.adapters.sqlalchemy.migrations import REVISIONS
from crmkit.cli import main


def test_upgrade_says_upgraded_then_up_to_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert main(["db", "upgrade", url]) == 0
    first = capsys.readouterr().out.strip()
    assert first == f"{url}: schema upgraded from no schema to {REVISIONS[-1]}", first
    assert main(["db", "upgrade", url]) == 0
    assert capsys.readouterr().out.strip() == f"{url}: schema is up to date"
