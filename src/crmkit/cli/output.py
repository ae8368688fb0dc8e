"""How the ``crmkit`` commands print: Rich tables for people, JSON for ``--json``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["Output"]


class Output:
    """Prints a command's data as Rich tables, or as one JSON document with ``--json``.

    Args:
        as_json: print JSON (``--json``) instead of tables.
    """

    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.console = Console(file=sys.stdout, soft_wrap=True)
        self.errors = Console(file=sys.stderr, soft_wrap=True)

    def json(self, data: Any) -> None:
        """Print ``data`` as JSON (dates, Decimals and the like as strings)."""
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str), file=sys.stdout)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Print a titled table with ``columns`` (a table with no rows says so)."""
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        self.console.print(table)

    def fields(self, title: str, values: Mapping[str, object]) -> None:
        """Print ``values`` as a two-column table of names and values."""
        self.table(title, ("", "value"), list(values.items()))

    def line(self, text: str) -> None:
        """Print one line of plain text (no markup)."""
        self.console.print(text, markup=False, highlight=False)
