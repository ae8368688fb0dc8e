"""The domain imports only the standard library and attrs (ARCHITECTURE §2, issue 12 item 4).

An allow-list, checked on the source of every module under ``crmkit/domain`` — imports inside
functions and ``TYPE_CHECKING`` blocks included — so a new third-party import (``httpx``,
``defusedxml``…) fails here without anyone having to name it first.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import crmkit.domain

DOMAIN = Path(crmkit.domain.__file__).parent
ALLOWED_THIRD_PARTY = frozenset({"attrs"})


def imported_roots(source: str) -> set[str]:
    """The top-level names of every absolute import in ``source`` (relative imports stay in the package)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            roots.add(node.module)
    return roots


def forbidden(name: str) -> bool:
    top = name.split(".")[0]
    if top == "crmkit":
        return not (name == "crmkit.domain" or name.startswith("crmkit.domain."))
    return top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY and top != "__future__"


@pytest.mark.parametrize("module", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.name)
def test_a_domain_module_imports_only_the_standard_library_and_attrs(module: Path) -> None:
    bad = sorted(name for name in imported_roots(module.read_text(encoding="utf-8")) if forbidden(name))
    assert not bad, f"{module.name} imports {bad}"


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("import attrs\nfrom datetime import UTC", True),
        ("from crmkit.domain.money import Money", True),
        ("import httpx", False),
        ("def f():\n    from defusedxml import ElementTree", False),
        ("from crmkit.ports.storage import Storage", False),
        ("import sqlalchemy.orm", False),
    ],
)
def test_the_check_itself(source: str, allowed: bool) -> None:
    assert (not any(forbidden(name) for name in imported_roots(source))) is allowed
