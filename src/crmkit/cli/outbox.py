"""``crmkit outbox dispatch|dead|requeue``: deliver the outbox, list and re-queue dead messages (§9).

``dead`` and ``requeue`` are the admin's after a provider outage: they need an actor
(``--actor``, ``CRMKIT_ACTOR`` or ``actor`` in the TOML file) and every re-queued
message is audited (C12).
"""

from __future__ import annotations

import argparse
import math
import time

import attrs

from crmkit.cli.config import Config, open_crm
from crmkit.cli.output import Output
from crmkit.domain.errors import ValidationError
from crmkit.services.messaging.dispatch import DispatchReport

__all__ = ["add_parser", "run", "run_dead", "run_requeue"]


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
    for name, helps in (
        ("dead", "list dead messages: all, one campaign's, or by error text"),
        ("requeue", "put dead messages back in the queue: all, one campaign's, or by error text"),
    ):
        action = actions.add_parser(name, help=helps)
        action.add_argument("--campaign", default=None, help="only this campaign's messages (its id)")
        action.add_argument("--error", default=None, help="only messages whose last error contains this")
        if name == "dead":
            action.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
            action.set_defaults(run=run_dead)
        else:
            action.set_defaults(run=run_requeue)


def _add(total: DispatchReport, report: DispatchReport) -> None:
    for field in attrs.fields(DispatchReport):
        setattr(total, field.name, getattr(total, field.name) + getattr(report, field.name))


def run(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Dispatch, then print what was claimed, sent, retried, dead, skipped."""
    total = DispatchReport()
    rounds = 0
    if not (math.isfinite(args.interval) and args.interval >= 0):
        raise ValidationError("interval", f"must be a number of seconds, not negative (got {args.interval})")
    if args.rounds is not None and args.rounds < 1:
        raise ValidationError("rounds", f"must be at least 1 (got {args.rounds})")
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


def run_dead(args: argparse.Namespace, config: Config, out: Output) -> int:
    """List dead messages, oldest first (admins only)."""
    actor = config.require("actor")
    with open_crm(config) as crm:
        found = crm.outbox.dead(actor=actor, campaign=args.campaign, error=args.error, limit=args.limit)
    rows = [
        {
            "id": str(m.id),
            "channel": m.channel.value,
            "to": m.recipient,
            "campaign": str(m.campaign_id) if m.campaign_id else "",
            "attempts": m.attempts,
            "error": m.last_error or "",
        }
        for m in found
    ]
    if out.as_json:
        out.json(rows)
    else:
        columns = ("id", "channel", "to", "campaign", "attempts", "error")
        out.table("dead messages", columns, [tuple(row.values()) for row in rows])
    return 0


def run_requeue(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Re-queue the selected dead messages, due now; print how many (admins only, audited)."""
    actor = config.require("actor")
    with open_crm(config) as crm:
        count = crm.outbox.requeue_dead(actor=actor, campaign=args.campaign, error=args.error)
    if out.as_json:
        out.json({"requeued": count})
    else:
        out.line(f"{count} dead messages re-queued")
    return 0
