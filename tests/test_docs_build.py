"""The Sphinx site builds with every warning an error and every reference resolved (ARCHITECTURE §5).

The same command as ``nox -s docs``: ``sphinx-build -n -W --keep-going``,
into a temporary directory, so a broken docstring, an unresolvable
cross-reference or a page left out of the toctree fails the suite.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "crmkit"

needs_sphinx = pytest.mark.skipif(
    importlib.util.find_spec("sphinx") is None,
    reason="Sphinx is not installed (pip install -e '.[docs]')",
)


@needs_sphinx
def test_sphinx_build_is_clean(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "sphinx",
            "-n", "-W", "--keep-going", "-q",
            "-b", "html",
            "-d", str(tmp_path / "doctrees"),
            str(DOCS), str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stderr}{result.stdout}"
    assert (tmp_path / "html" / "reference" / "domain.html").is_file()


@pytest.mark.parametrize("package", ["domain", "ports"])
def test_every_domain_and_port_module_is_in_the_reference(package: str) -> None:
    """A new module under ``crmkit.domain``/``crmkit.ports`` gets its ``automodule`` in docs/reference/."""
    documented = set(
        re.findall(r"automodule:: (crmkit\.\S+)", (DOCS / "reference" / f"{package}.md").read_text())
    )
    modules = {
        f"crmkit.{package}.{path.stem}"
        for path in (SRC / package).glob("*.py")
        if not path.stem.startswith("_")
    }
    assert modules <= documented, f"add to docs/reference/{package}.md: {sorted(modules - documented)}"
