"""Every hook is documented in docs/ and exercised by a test (datasette's tests/test_docs.py is the model)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from crmkit import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TESTS = ROOT / "tests"

HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith("crmkit_") and inspect.isfunction(value)
)


def _mentions(paths: list[Path], hook: str) -> list[Path]:
    word = re.compile(rf"\b{re.escape(hook)}\b")
    return [path for path in paths if word.search(path.read_text(encoding="utf-8"))]


def test_the_hooks_are_found() -> None:
    assert "crmkit_register_sms_gateways" in HOOKS
    assert "crmkit_on_event" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_a_spec_with_a_docstring(hook: str) -> None:
    function = getattr(hookspecs, hook)
    assert hookspecs.hookspec.project_name + "_spec" in vars(function)
    assert function.__doc__ and len(function.__doc__.split()) >= 20, f"{hook} needs a real docstring"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_in_docs(hook: str) -> None:
    assert _mentions(sorted(DOCS.rglob("*.md")), hook), f"{hook} is not mentioned in docs/"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    test_files = [path for path in sorted(TESTS.rglob("*.py")) if path != Path(__file__).resolve()]
    assert _mentions(test_files, hook), f"no test under tests/ mentions {hook}"
