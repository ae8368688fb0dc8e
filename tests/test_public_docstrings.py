"""Every public name has a docstring: the API reference is built from them (ARCHITECTURE §5).

"Public" means listed in the ``__all__`` of a module under ``src/crmkit``, and
every public method or property of a class so listed (including those it
inherits from crmkit's own base classes and mixins, which the reference
shows too). Constants, type aliases and ``NewType`` ids carry their docstring
as a string literal right after the assignment (what Sphinx reads), so those
are checked in the source.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import crmkit

SKIPPED = (
    "crmkit.__main__",  # running it is the CLI
    "crmkit.adapters.sqlalchemy.migrations.env",  # Alembic scripts, run by Alembic only
    "crmkit.adapters.sqlalchemy.migrations.versions.",
)


def _modules() -> Iterator[ModuleType]:
    yield crmkit
    for info in pkgutil.walk_packages(crmkit.__path__, prefix="crmkit."):
        if info.name.startswith(SKIPPED):
            continue
        yield importlib.import_module(info.name)


@cache
def _attribute_docstrings(module_name: str) -> tuple[frozenset[str], dict[str, str]]:
    """Names assigned with a docstring after them, and names imported (name -> source module)."""
    module = sys.modules[module_name]
    tree = ast.parse(Path(inspect.getfile(module)).read_text(encoding="utf-8"))
    documented: set[str] = set()
    imported: dict[str, str] = {}
    body = tree.body
    for node, after in zip(body, [*body[1:], None], strict=True):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        has_docstring = (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        )
        if has_docstring:
            documented.update(t.id for t in targets if isinstance(t, ast.Name))
    for found in ast.walk(tree):  # also lazy and ``if TYPE_CHECKING:`` re-exports
        if isinstance(found, ast.ImportFrom) and found.module and found.level == 0:
            for alias in found.names:
                imported.setdefault(alias.asname or alias.name, found.module)
    return frozenset(documented), imported


def _data_is_documented(module_name: str, name: str) -> bool:
    documented, imported = _attribute_docstrings(module_name)
    if name in documented:
        return True
    source = imported.get(name)
    if source is not None and source.startswith("crmkit") and source in sys.modules:
        return _data_is_documented(source, name)
    return False


def _own_doc(obj: object) -> str | None:
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return doc.strip() if isinstance(doc, str) and doc.strip() else None


def _public_members(cls: type) -> Iterator[tuple[str, object]]:
    """Methods and properties the class defines or takes from crmkit's own bases."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("crmkit"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            function = member.__func__ if isinstance(member, classmethod | staticmethod) else member
            if isinstance(function, property) or inspect.isfunction(function):
                yield name, function
            elif callable(function) and not inspect.isclass(function) and hasattr(function, "__wrapped__"):
                yield name, function  # a decorated method, e.g. a pytest fixture


def _offenders() -> list[str]:
    missing: set[str] = set()
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            qualified = f"{module.__name__}.{name}"
            if inspect.isclass(obj) or inspect.isroutine(obj):
                where = f"{obj.__module__}.{obj.__qualname__}"
                if _own_doc(obj) is None:
                    missing.add(where)
                if inspect.isclass(obj):
                    for member_name, member in _public_members(obj):
                        if _own_doc(member) is None:
                            missing.add(f"{where}.{member_name}")
            elif not _data_is_documented(module.__name__, name):
                missing.add(qualified)
    return sorted(missing)


def test_every_public_name_has_a_docstring() -> None:
    offenders = _offenders()
    assert not offenders, "public names without a docstring:\n  " + "\n  ".join(offenders)


def test_the_check_sees_what_it_should() -> None:
    # The walk reaches deep modules and their data docstrings.
    documented, _ = _attribute_docstrings("crmkit.hookspecs")
    assert "hookimpl" in documented
    assert _data_is_documented("crmkit.plugins", "DEFAULT_PLUGINS")
    names = {name for name, _ in _public_members(crmkit.Crm)}
    assert "migrate" in names
    assert _own_doc(type("Bare", (), {})) is None
