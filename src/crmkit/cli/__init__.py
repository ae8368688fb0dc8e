"""The ``crmkit`` command: thin, it parses arguments, calls the library and prints.

``crmkit demo [--db PATH [--force] | --url URL]``
    Runs the walk-through on an embedded SQLite file (default ``crm.db``), made
    afresh; an existing file that is not a demo database is refused unless ``--force``
    (:mod:`.demo`).
``crmkit db upgrade|current|history [URL]``
    Creates or upgrades a schema; prints its revision; lists every revision (:mod:`.db`).
``crmkit invoices import SOURCE-URL``
    Imports e-invoices with a progress bar; resumes by default (:mod:`.invoices`).
``crmkit outbox dispatch [--once|--until-idle|--loop]``
    Sends the outbox through the configured gateways (:mod:`.outbox`).
``crmkit outbox dead|requeue [--campaign ID] [--error TEXT]``
    Lists dead messages and puts them back in the queue, as the admin ``--actor`` (:mod:`.outbox`).
``crmkit report quota --plan PLAN [--csv|--html FILE]``
    Plan vs actual by month and scope; ``--html`` writes a self-contained chart (:mod:`.report`).
``crmkit points balance|statement PARTY --program CODE [--role ROLE] [--from D --to D]``
    A party's points balance or statement (:mod:`.ledgers`).
``crmkit service remaining CONTRACT``
    Hours and visits left on a service contract (:mod:`.ledgers`).
``crmkit config``
    Prints the settings in force and where each came from, secrets masked (:mod:`.config`).
``crmkit plugins``
    Lists adapter schemes and hook implementations with their distributions (:mod:`.plugins`).

Settings come from flags, the environment or a TOML file, in that order
(:mod:`.config`); ``--json`` prints data as JSON. Errors are one line on standard
error (``crmkit: …``, exit code 1; ``--debug`` adds the traceback), and a reader
that stops early (``crmkit demo | head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from crmkit.adapters.urls import mask_password
from crmkit.cli import config as settings
from crmkit.cli import db, demo, invoices, ledgers, outbox, plugins, report
from crmkit.cli.config import DEFAULT_FILE, KEYS, load_config
from crmkit.cli.demo import run_demo
from crmkit.cli.output import Output
from crmkit.domain.errors import CrmError

__all__ = ["main", "run_demo"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crmkit`` command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="crmkit", description="crmkit: CRM rules as a library")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser.add_argument("--json", action="store_true", help="print data as JSON")
    parser.add_argument(
        "--config", default=None, help=f"TOML settings file (default ./{DEFAULT_FILE} if present)"
    )
    for key in KEYS:
        parser.add_argument(
            "--" + key.replace("_", "-"), dest=key, default=None, help=f"or CRMKIT_{key.upper()}"
        )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (demo, db, invoices, outbox, report, ledgers, plugins, settings):
        command.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        config = load_config({key: getattr(args, key) for key in KEYS}, file=args.config)
        code: int = args.run(args, config, Output(as_json=args.json))
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:  # the reader stopped early (``crmkit demo | head``): end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit-time flush does not fail again
        return 1
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        message = str(exc) if isinstance(exc, CrmError) else f"{type(exc).__name__}: {exc}"
        print(f"crmkit: {mask_password(message)}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
