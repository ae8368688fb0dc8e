"""``crmkit outbox dispatch [--once|--loop]``: deliver the outbox through the configured gateways (§9)."""

from __future__ import annotations

import argparse
import time

import attrs

from crmkit.cli.config import Config, open_crm
from crmkit.cli.output import Output
from crmkit.services.messaging.dispatch import DispatchReport

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``outbox dispatch`` to the command's subparsers."""
    outbox = sub.add_parser("outbox", help="the SMS and e-mail outbox")
    actions = outbox.add_subparsers(dest="action", required=True)
    dispatch = actions.add_parser("dispatch", help="send what is due (once, until idle, or in a loop)")
    mode = dispatch.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one round: claim and send one batch (default)")
    mode.add_argument("--until-idle", action="store_true", help="rounds until nothing is due")
    mode.add_argument("--loop", action="store_true", help="keep dispatching until interrupted (Ctrl-C)")
    dispatch.add_argument("--interval", type=float, default=1.0, help="--loop: seconds to wait when idle")
    dispatch.add_argument("--rounds", type=int, default=None, help="--loop: stop after this many rounds")
    dispatch.set_defaults(run=run)


def _add(total: DispatchReport, report: DispatchReport) -> None:
    for field in attrs.fields(DispatchReport):
        setattr(total, field.name, getattr(total, field.name) + getattr(report, field.name))


def run(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Dispatch, then print what was claimed, sent, retried, dead, skipped."""
    total = DispatchReport()
    rounds = 0
    with open_crm(config) as crm:
        if args.until_idle:
            total = crm.dispatcher.run_until_idle()
        elif not args.loop:
            total = crm.dispatcher.run_once()
        else:
            try:
                while args.rounds is None or rounds < args.rounds:
                    report = crm.dispatcher.run_once()
                    rounds += 1
                    _add(total, report)
                    if not report.claimed and (args.rounds is None or rounds < args.rounds):
                        time.sleep(args.interval)
            except KeyboardInterrupt:  # the operator stops the loop: report and end normally
                pass
    if out.as_json:
        out.json(attrs.asdict(total))
    else:
        out.fields("outbox dispatch", attrs.asdict(total))
    return 0
