"""``crmkit points balance|statement PARTY`` and ``crmkit service remaining CONTRACT`` (V4, V8, S3).

Both read as the actor named by ``--actor`` / ``CRMKIT_ACTOR`` (or ``actor`` in the
TOML file), like the outbox commands: the services decide what he may see (A8).
``PARTY`` is the party's key in its role: a customer's or dealer's tax number or
store code, a sales person's login (see :mod:`crmkit.services.points`).
"""

from __future__ import annotations

import argparse
from datetime import date

from crmkit.cli.config import Config, open_crm
from crmkit.cli.output import Output
from crmkit.domain.errors import ValidationError

__all__ = ["add_parser", "run_balance", "run_remaining", "run_statement"]


def _date(field: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``points balance|statement`` and ``service remaining`` to the command's subparsers."""
    points = sub.add_parser("points", help="loyalty points: balances and statements (§7)")
    actions = points.add_subparsers(dest="action", required=True)
    for name, helps, run in (
        ("balance", "a party's balance (V4)", run_balance),
        ("statement", "a party's statement: opening, entries, closing (V8)", run_statement),
    ):
        action = actions.add_parser(name, help=helps)
        action.add_argument("party", help="the party's key: tax number, store code or login")
        action.add_argument("--program", required=True, help="the program's code")
        action.add_argument("--role", default="customer", help="customer (default), dealer or sales_person")
        if name == "statement":
            action.add_argument("--from", dest="start", default=None, help="first day (default 1 January)")
            action.add_argument("--to", dest="end", default=None, help="last day (default today)")
        action.set_defaults(run=run)
    service = sub.add_parser("service", help="service contracts (§6)")
    actions = service.add_subparsers(dest="action", required=True)
    remaining = actions.add_parser("remaining", help="hours and visits left on a contract (S3)")
    remaining.add_argument("contract", help="the contract's id")
    remaining.set_defaults(run=run_remaining)


def run_balance(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Print a party's points balance (V4)."""
    actor = config.require("actor")
    with open_crm(config) as crm:
        points = crm.points.balance(actor=actor, program=args.program, role=args.role, party=args.party)
    data = {"program": args.program, "role": args.role, "party": args.party, "balance": points}
    if out.as_json:
        out.json(data)
    else:
        out.fields(f"points of {args.party}", data)
    return 0


def run_statement(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Print a party's statement from ``--from`` to ``--to`` (V8)."""
    actor = config.require("actor")
    with open_crm(config) as crm:
        end = _date("to", args.end) or crm.clock.now().date()
        start = _date("from", args.start) or date(end.year, 1, 1)
        found = crm.points.statement(
            actor=actor, program=args.program, role=args.role, party=args.party, start=start, end=end
        )
    entries = [
        {
            "on": e.on.isoformat(),
            "kind": e.kind.value,
            "points": e.points,
            "reason": e.reason,
            "source": e.source,
            "expires_on": e.expires_on.isoformat() if e.expires_on else None,
        }
        for e in found.entries
    ]
    if out.as_json:
        out.json(
            {
                "program": found.program,
                "role": found.role.value,
                "party": found.party,
                "from": found.start.isoformat(),
                "to": found.end.isoformat(),
                "opening": found.opening,
                "entries": entries,
                "closing": found.closing,
            }
        )
        return 0
    title = f"points statement of {found.party} ({found.role.value}, {found.program}), {start} – {end}"
    rows: list[tuple[object, ...]] = [("", "opening balance", "", found.opening, "")]
    rows += [(e["on"], e["kind"], e["reason"], f"{e['points']:+d}", e["expires_on"] or "") for e in entries]
    rows.append(("", "closing balance", "", found.closing, ""))
    out.table(title, ("on", "kind", "reason", "points", "expires"), rows)
    return 0


def run_remaining(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Print the hours and visits left on a service contract (S3)."""
    actor = config.require("actor")
    with open_crm(config) as crm:
        balance = crm.service.balance(actor=actor, contract=args.contract)
    data = {
        "contract": str(balance.contract_id),
        "granted_minutes": balance.granted_minutes,
        "used_minutes": balance.used_minutes,
        "remaining_minutes": balance.remaining_minutes,
        "remaining_hours": None if balance.remaining_hours is None else str(balance.remaining_hours),
        "over_minutes": balance.over_minutes,
        "granted_visits": balance.granted_visits,
        "used_visits": balance.used_visits,
        "remaining_visits": balance.remaining_visits,
        "over_visits": balance.over_visits,
    }
    if out.as_json:
        out.json(data)
    else:
        out.fields(f"service contract {balance.contract_id}", data)
    return 0
