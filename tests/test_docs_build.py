"""Every domain and port module has its page in the reference (ARCHITECTURE §5).

The site build itself (``sphinx-build -n -W --keep-going``: a broken
docstring, an unresolvable cross-reference or a page left out of the toctree
fails) is CI's ``docs`` step in ``.ci/run`` and ``nox -s docs``, not a pytest
test, so the parallel test run never waits for one process building the site.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "crmkit"


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
