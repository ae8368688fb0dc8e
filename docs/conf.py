"""Sphinx configuration: MyST pages, a reference from Google-style docstrings, the Furo theme.

Build (every warning is an error, every cross-reference must resolve)::

    sphinx-build -n -W --keep-going -b html docs docs/_build/html

The build needs no network: no intersphinx. References to the standard
library and to third-party packages (attrs, SQLAlchemy, pluggy, hypothesis…)
cannot resolve offline, so ``nitpick_ignore_regex`` below names them, and
nothing else.
"""

from __future__ import annotations

import enum
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

project = "crmkit"
author = "crmkit developers"
copyright = "crmkit developers"
release = version = "0.1.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

html_theme = "furo"
html_title = "crmkit"

# MyST: ``(#heading)`` links, ``{py:class}`` roles, ``{eval-rst}`` blocks.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# Google-style docstrings only.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
# Each ``automodule`` in docs/reference/ says ``:members:`` itself: a default
# ``members`` here would override an explicit ``:members: a, b`` list.
# No ``undoc-members``: attrs fields are documented by the class's
# ``Attributes:`` section, and listing them again would describe them twice.
# Enum members are the exception, see ``setup`` below.
autodoc_default_options = {"show-inheritance": True}

nitpicky = True

# Names that cannot resolve without intersphinx: the standard library and
# third-party packages. Keep this narrow; fix crmkit's own references instead.
_EXTERNAL_MODULES = (
    # standard library
    "abc",
    "collections",
    "collections.abc",
    "contextlib",
    "datetime",
    "decimal",
    "enum",
    "email",
    "email.message",
    "pathlib",
    "re",
    "types",
    "uuid",
    "zoneinfo",
    "_io",
    "io",
    "threading",
    # third party
    "attr",
    "attrs",
    "sqlalchemy",
    "pluggy",
    "hypothesis",
    "httpx",
    "pytest",
    "_pytest",
)
nitpick_ignore_regex = [(r"py:.*", re.escape(module) + r"\..+") for module in _EXTERNAL_MODULES]
# Signatures that attrs generates carry their annotations as bare strings.
nitpick_ignore = [("py:class", name) for name in ("datetime", "date", "timedelta", "Decimal", "ZoneInfo")]
# Type variables are not part of the API (``K``, ``E``, ``F_contra`` …).
nitpick_ignore_regex.append((r"py:(class|obj)", r"crmkit(\.\w+)+\.[A-Z](\w*_(co|contra))?"))


def _keep_enum_members(
    app: object, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    """List every member of an enum, documented or not (``InvoiceKind.OTHER``)."""
    if isinstance(obj, enum.Enum) and not name.startswith("_"):
        return False
    return None


def _no_inline_attribute_type(
    app: object, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Keep napoleon from reading ``Sent, dead or skipped: the rest`` as a type and a description.

    Napoleon takes the text before the first colon of an attribute's or a
    property's docstring for its type (``int: the count``). crmkit
    annotates its types and writes ``X: y`` prose, so the first line is put
    behind an empty RST comment that napoleon takes instead.
    """
    if what in {"attribute", "data", "property"} and lines:
        lines[:0] = ["..", ""]


def setup(app: Sphinx) -> None:
    """Register the enum-member and attribute-docstring rules."""
    app.connect("autodoc-skip-member", _keep_enum_members)
    app.connect("autodoc-process-docstring", _no_inline_attribute_type, priority=400)


# Private helper bases (``_ForcesPermanence`` …) are not documented; subclasses still name them.
nitpick_ignore_regex.append((r"py:class", r"crmkit(\.\w+)+\._\w+"))

# Bases in private modules (``crmkit.testing.mutants._wrapping`` …) are not documented either.
nitpick_ignore_regex.append((r"py:class", r"crmkit(\.\w+)*\._\w+(\.\w+)+"))
