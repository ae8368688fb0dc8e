"""Every example in the docs and in docstrings runs as a test (Sybil).

* ``docs/**/*.md``: MyST/Markdown ```` ```python ```` blocks run in order,
  one namespace per page; blocks starting with ``>>>`` are doctests.
  ``{eval-rst}``/``{toctree}`` blocks (the reference pages) are Sphinx's,
  not run here; their docstrings' doctests run from ``src/crmkit``.
  ``% skip: next`` skips a block, ``% invisible-code-block: python`` runs
  set-up code the reader does not see.
* ``src/crmkit/**/*.py``: doctests in docstrings (``>>>``), run with the
  module's globals. Literal ``::`` blocks in docstrings are not run.

One root conftest serves both, so nothing test-only ships in the wheel and
``python -m pytest`` from the repository root collects them (``testpaths``
lists ``docs`` and ``src/crmkit``).
"""

from __future__ import annotations

from doctest import ELLIPSIS
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.myst import ClearNamespaceParser, PythonCodeBlockParser, SkipParser
from sybil.parsers.rest import DocTestParser
from sybil.sybil import SybilCollection

_docs = Sybil(
    parsers=[
        PythonCodeBlockParser(doctest_optionflags=ELLIPSIS),
        SkipParser(),
        ClearNamespaceParser(),
    ],
    path="docs",
    patterns=["*.md"],
    fixtures=["tmp_path"],
    name="docs",
)

_docstrings = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS)],
    path="src/crmkit",
    patterns=["*.py"],
    name="docstrings",
)

_readme = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=ELLIPSIS)],
    path=".",
    patterns=["README.md"],
    name="readme",
)

_collect = SybilCollection([_docs, _docstrings, _readme]).pytest()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Sybil's collector, minus Sphinx's output under ``docs/_build`` (``docs/conf.py`` is not ``*.md``)."""
    if "_build" in file_path.parts:
        return None
    return _collect(file_path, parent)  # type: ignore[no-any-return]  # sybil is untyped
