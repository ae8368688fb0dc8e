"""``crmkit db upgrade|current|history [URL]``: the database schema."""

from __future__ import annotations

import argparse

from crmkit.adapters.sqlalchemy.migrations import current, history
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.urls import mask_password
from crmkit.cli.config import Config, open_crm
from crmkit.cli.output import Output

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``db`` to the command's subparsers."""
    db = sub.add_parser("db", help="database schema: upgrade, current revision, revision history")
    db.add_argument("action", choices=["upgrade", "current", "history"])
    db.add_argument("url", nargs="?", default=None, help="storage URL (default: the database_url setting)")
    db.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Upgrade the schema, or print its current revision or the revision history."""
    with open_crm(config, args.url) as crm:
        storage = crm.storage
        shown = mask_password(storage.url)
        revision: str | None = None
        before: str | None = None
        if args.action == "upgrade":
            if isinstance(storage, SqlStorage):
                storage.connect().close()  # an unreachable database: StorageUnavailable, one line
                before = current(storage.engine)
            crm.migrate()
        if isinstance(storage, SqlStorage):
            storage.connect().close()  # an unreachable database: StorageUnavailable, one line
            revision = current(storage.engine)
    if args.action == "history":
        rows = [(rev, "current" if rev == revision else "", message) for rev, message in history()]
        if out.as_json:
            out.json([{"revision": r, "current": c == "current", "message": m} for r, c, m in rows])
        else:
            out.table(f"schema revisions ({shown})", ("revision", "", "what it does"), rows)
        return 0
    if out.as_json:
        out.json({"url": shown, "revision": revision, "sql": isinstance(storage, SqlStorage)})
    elif args.action == "upgrade" and before != revision:
        out.line(f"{shown}: schema upgraded from {before or 'no schema'} to {revision}")
    elif args.action == "upgrade":
        out.line(f"{shown}: schema is up to date")
    elif isinstance(storage, SqlStorage):
        out.line(revision or "no schema")
    else:
        out.line(f"{shown}: no schema revisions (not a SQL database)")
    return 0
