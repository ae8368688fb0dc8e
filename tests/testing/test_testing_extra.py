"""``crmkit.testing`` needs only the ``crmkit[testing]`` extra (pytest, hypothesis), not ``crmkit[test]``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

# Packages only the ``test`` extra brings: the public test helpers must not import them.
TEST_ONLY = ["pytest_httpserver", "aiosmtpd", "sybil", "psutil", "psycopg", "pymysql", "nox", "werkzeug"]

PROBE = f"""
import importlib.abc, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {TEST_ONLY!r}:
            raise ImportError(f"{{name}} is not in crmkit[testing]")
        return None

sys.meta_path.insert(0, Refuse())
import crmkit.testing, crmkit.testing.contracts, crmkit.testing.mutants.sms, crmkit.testing.mutants.invoices
import crmkit.testing.backends, crmkit.testing.strategies, crmkit.testing.factories
print("ok")
"""


def test_the_testing_extra_is_pytest_and_hypothesis() -> None:
    extras = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert sorted(r.split(">")[0] for r in extras["testing"]) == ["hypothesis", "pytest"]
    assert any("testing" in r for r in extras["test"] if r.startswith("crmkit["))


def test_the_contracts_and_mutants_import_without_the_test_extra() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
