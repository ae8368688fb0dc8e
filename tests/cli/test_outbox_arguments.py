"""``crmkit outbox dispatch`` refuses a loop it cannot run before sending anything (§9, CLI house rule).

A negative or not-a-number ``--interval`` or a ``--rounds`` below one is one line naming the
option, exit 1, and the queue is untouched (no round runs first).
"""

from __future__ import annotations

import pytest

from crmkit.cli import main


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--interval", "-1"),
        ("--interval", "nan"),
        ("--interval", "inf"),
        ("--rounds", "-1"),
        ("--rounds", "0"),
    ],
)
def test_a_loop_it_cannot_run_is_one_line(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    url, _ = database
    assert main(["--database-url", url, "outbox", "dispatch", "--loop", option, value]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"crmkit: {option[2:]}: "), err
