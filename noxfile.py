"""Developer sessions: ``nox -s tests typing lint arch docs bench demo``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "typing", "lint", "arch"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = ["3.11"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite (memory + SQLite; PostgreSQL/MariaDB when their URLs are set)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """mypy --strict over src and tests."""
    session.install("-e", ".[test]")
    session.run("mypy", "src", "tests")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def arch(session: nox.Session) -> None:
    """The import-linter layer contracts of ARCHITECTURE.md §2."""
    session.install("-e", ".[test]")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Run every example in docs/ and in docstrings, then build the site (every warning an error)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", "docs", "src/crmkit", *session.posargs)
    session.run("sphinx-build", "-n", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: each prints its figures and the ratio against a baseline from the same run."""
    session.install("-e", ".[test]")
    for script in sorted(p for p in __import__("pathlib").Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The demo on an embedded SQLite file."""
    session.install("-e", ".")
    session.run("crmkit", "demo", "--db", "crm.db")
