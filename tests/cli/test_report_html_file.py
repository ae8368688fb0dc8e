"""``crmkit report quota --html FILE`` into a folder that does not exist (Q5, CLI house rule).

The error is one line naming ``html`` and the file, exit 1, not a Python exception's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmkit.cli import main


def test_an_html_file_it_cannot_write_is_one_line_naming_html(
    quota_database: tuple[str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin, plan = quota_database
    target = tmp_path / "no-such-folder" / "q.html"
    argv = ["--database-url", url, "--actor", admin, "report", "quota", "--plan", plan, "--html", str(target)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"crmkit: html: cannot write {target}: "), err
    assert "Error" not in err and len(err.splitlines()) == 1
