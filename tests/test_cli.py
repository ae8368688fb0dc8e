"""The ``crmkit`` command: the README's demo on an SQLite file and ``crmkit db upgrade``."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crmkit.adapters.sqlalchemy.migrations import REVISIONS
from crmkit.cli import main, run_demo
from crmkit.cli.demo_tour import SECTIONS


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
        places = [out.find(heading) for heading in SECTIONS]  # the seed organisation's tour, in order
        assert -1 not in places and places == sorted(places), dict(zip(SECTIONS, places, strict=True))
        assert "1000 imported" in out and "0 already there, 0 rejected" in out  # afresh: nothing left over
    with sqlite3.connect(db) as conn:
        names = {row[0] for row in conn.execute("select name from companies")}
        journal = conn.execute("pragma journal_mode").fetchone()[0]
    parties = {"Marmara Dağıtım A.Ş.", "Ege Bayi Ltd.", "ISPARTA GÜL KOZMETİK"}
    territory = {"Kadıköy Eczanesi", "Bursa Hijyen", "Çankaya Kimya"}  # the territory part (T1-T5, A1)
    assert parties | territory <= names
    assert (
        sum(1 for name in names if name.startswith(("Bursa ", "Kocaeli ", "Konya ", "Kayseri ", "Van ")))
        >= 20
    )
    assert journal == "wal"


def test_demo_on_memory_storage() -> None:
    out = io.StringIO()
    assert run_demo("memory://", out) == 0
    assert "approved: ISPARTA GÜL KOZMETİK now owned by Gülşen Çelik (True)" in out.getvalue()


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    for said in ("schema upgraded from no schema to", "schema is up to date"):
        done = subprocess.run(
            [sys.executable, "-m", "crmkit", "db", "upgrade", url], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert said in done.stdout
    with sqlite3.connect(tmp_path / "new.db") as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    assert {"companies", "contacts", "employees", "claims", "audit_entries"} <= tables


def test_unknown_scheme_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "oracle://scott@db/crm"]) == 1
    err = capsys.readouterr().err
    assert "no storage adapter for scheme 'oracle'" in err and "sqlite" in err


# -- what users tripped on (issue 11 item 10) -------------------------------------------------


def test_db_current_of_an_unreachable_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-dir" / "crm.db"
    assert main(["db", "current", f"sqlite:///{missing}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("crmkit: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_db_current_of_a_new_and_an_upgraded_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert main(["db", "current", url]) == 0
    assert capsys.readouterr().out.strip() == "no schema"
    assert main(["db", "upgrade", url]) == 0
    assert main(["db", "current", url]) == 0
    assert capsys.readouterr().out.strip().endswith(REVISIONS[-1])


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "crmkit", "demo", "--url", "memory://"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # like `| head -0`: every write hits a closed pipe
        err = child.stderr.read().decode()
        child.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_demo_refuses_a_file_that_is_not_a_demo_database_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "customers.db"
    with sqlite3.connect(precious) as conn:
        conn.execute("create table ledger (amount integer)")
    conn.close()
    assert main(["demo", "--db", str(precious)]) == 1
    assert "not a crmkit demo database" in capsys.readouterr().err
    with sqlite3.connect(precious) as conn:
        assert conn.execute("select count(*) from ledger").fetchone() == (0,)  # untouched
    conn.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    assert main(["demo", "--db", str(text)]) == 1
    assert text.read_text() == "not a database"
    assert main(["demo", "--db", str(precious), "--force"]) == 0
    assert main(["demo", "--db", str(precious)]) == 0  # a demo database is replaced without asking
