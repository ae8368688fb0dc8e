"""``crmkit invoices import SOURCE-URL``: import e-invoices with a progress bar (V1, V2).

The import resumes after the source's stored cursor unless ``--from-start``; it
exits with :data:`REJECTED_EXIT` when any record was rejected, after listing them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

import attrs
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from crmkit.cli.config import Config, open_crm
from crmkit.cli.output import Output
from crmkit.hookspecs import AdapterContext
from crmkit.ports.invoices import InvoiceSource, SourceRecord
from crmkit.services.invoices import ImportReport

__all__ = ["REJECTED_EXIT", "CountedSource", "add_parser", "run"]

REJECTED_EXIT = 2
"""The exit code of an import that rejected records (errors exit with 1)."""


@attrs.define
class CountedSource:
    """An invoice source that reports each record it yields (drives the progress bar).

    Attributes:
        inner: the source read.
        seen: called once per record read.
        url: the inner source's URL (the cursor is stored under it).
    """

    inner: InvoiceSource
    seen: Callable[[], None]
    url: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.url = self.inner.url

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Yield the inner source's records after ``since``, reporting each."""
        for record in self.inner.read(since):
            self.seen()
            yield record


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``invoices import`` to the command's subparsers."""
    invoices = sub.add_parser("invoices", help="e-invoice import")
    actions = invoices.add_subparsers(dest="action", required=True)
    imp = actions.add_parser("import", help="import a source's invoices (resumes by default)")
    imp.add_argument("source", help="source URL, e.g. ubl-tr:///srv/inbox or csv:///sales.csv")
    imp.add_argument("--from-start", action="store_true", help="read the source from its start")
    imp.add_argument("--since", default=None, help="start after this cursor instead of the stored one")
    imp.set_defaults(run=run)


def _summary(report: ImportReport) -> dict[str, object]:
    return {
        "source": report.source,
        "imported": report.imported,
        "lines": report.lines,
        "duplicates": report.duplicates,
        "rejected": len(report.rejected),
        "warnings": len(report.warnings),
        "cursor": report.cursor,
    }


def run(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Import the source, print the summary and the rejected records."""
    actor = config.require("actor")
    with open_crm(config) as crm:
        context = AdapterContext(crm.clock, crm.ids, crm.settings, crm.storage)
        inner = crm.plugins.build("invoices", args.source, context)
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} records"),
            TimeElapsedColumn(),
        )
        with Progress(
            *columns, console=out.errors, disable=out.as_json or not out.errors.is_terminal, transient=True
        ) as progress:
            task = progress.add_task(f"importing {inner.url}", total=None)
            source = CountedSource(inner, lambda: progress.advance(task))
            report = crm.invoices.import_from(
                source, actor=actor, since=args.since, resume=not args.from_start
            )
    rejected = [{"location": r.location, "number": r.number, "reason": r.reason} for r in report.rejected]
    if out.as_json:
        out.json({**_summary(report), "rejected": rejected, "warnings": report.warnings})
    else:
        out.fields("import summary", _summary(report))
        if rejected:
            out.table("rejected", ("where", "number", "why"), [tuple(r.values()) for r in rejected])
        for warning in report.warnings:
            out.line(f"warning: {warning}")
    return REJECTED_EXIT if report.rejected else 0
