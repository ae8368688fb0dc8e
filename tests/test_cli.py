"""The ``crmkit`` command: the README's demo on an SQLite file and ``crmkit db upgrade``."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crmkit.cli import main, run_demo


def test_demo_runs_on_a_fresh_sqlite_file_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "crm.db"
    for _ in range(2):  # the README command must work again on the same file
        assert main(["demo", "--db", str(db)]) == 0
        out = capsys.readouterr().out
        assert "demo finished" in out
        assert "refused: a customer may not have a customer under it" in out  # C2
        assert "already has a pending claim (C6)" in out
        assert "is dismissed since" in out and "(A5)" in out
        assert "search 'ısparta': ISPARTA GÜL KOZMETİK" in out
        assert "Zeynep Arslan sees 2: Bursa Hijyen, Kadıköy Eczanesi" in out  # A1
        assert "Zeynep Arslan is not in a team holding code A-01" in out
        assert "plan-vs-actual, " in out and "  Marmara " in out  # the targets section (Q1, Q5)
    with sqlite3.connect(db) as conn:
        names = {row[0] for row in conn.execute("select name from companies")}
        journal = conn.execute("pragma journal_mode").fetchone()[0]
    parties = {"Marmara Dağıtım A.Ş.", "Ege Bayi Ltd.", "ISPARTA GÜL KOZMETİK"}
    territory = {"Kadıköy Eczanesi", "Bursa Hijyen", "Çankaya Kimya"}  # the territory part (T1-T5, A1)
    assert names == parties | territory
    assert journal == "wal"


def test_demo_on_memory_storage() -> None:
    out = io.StringIO()
    assert run_demo("memory://", out) == 0
    assert "approved: ISPARTA GÜL KOZMETİK now owned by Gülşen Çelik (True)" in out.getvalue()


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "crmkit", "db", "upgrade", url], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert "schema is up to date" in done.stdout
    with sqlite3.connect(tmp_path / "new.db") as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    assert {"companies", "contacts", "employees", "claims", "audit_entries"} <= tables


def test_unknown_scheme_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "oracle://scott@db/crm"]) == 1
    err = capsys.readouterr().err
    assert "no storage adapter for scheme 'oracle'" in err and "sqlite" in err
