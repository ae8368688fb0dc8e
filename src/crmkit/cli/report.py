"""``crmkit report quota --plan PLAN [--csv|--json|--html FILE]``: plan vs actual (Q5).

Reads ``crm.targets.report`` as the actor named by ``--actor`` / ``CRMKIT_ACTOR``, so
an employee sees the scopes the access policy lets him see (A8). ``PLAN`` is a plan's
id or its name (the newest revision of that name). Prints a table by month and scope;
``--csv`` and ``--json`` print the same rows as data; ``--html FILE`` writes one
self-contained page with a chart (:mod:`crmkit.cli.quota_html`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from crmkit.bootstrap import Crm
from crmkit.cli.config import Config, open_crm
from crmkit.cli.output import Output
from crmkit.cli.quota_html import render_html
from crmkit.domain.errors import CrmError, ValidationError
from crmkit.domain.plan_actual import Cell, PlanReport
from crmkit.domain.quotas import Plan, ScopeType

__all__ = ["add_parser", "find_plan", "quota_rows", "run_quota", "scope_names"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report quota`` to the command's subparsers."""
    report = sub.add_parser("report", help="reports")
    kinds = report.add_subparsers(dest="report", required=True)
    quota = kinds.add_parser("quota", help="plan vs actual by month and scope (Q5)")
    quota.add_argument("--plan", required=True, help="the plan's id or name")
    form = quota.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="print CSV: one line per scope and month")
    form.add_argument("--html", metavar="FILE", default=None, help="write a self-contained HTML chart")
    quota.set_defaults(run=run_quota)


def find_plan(crm: Crm, actor: str, plan: str) -> Plan:
    """The plan whose id is ``plan``, else the newest revision of the plan named ``plan``.

    Raises:
        ValidationError: on ``plan`` when neither exists.
    """
    try:
        return crm.targets.plan(actor=actor, plan=plan)
    except ValidationError:
        named = [p for p in crm.targets.plans(actor=actor) if p.name == plan]
        if not named:
            raise ValidationError("plan", f"no plan with id or name {plan!r}") from None
        return max(named, key=lambda p: (p.year, p.revision))


def scope_names(crm: Crm, actor: str, report: PlanReport) -> dict[str, str]:
    """Scope value → a name to show: regions and employees by name, other scopes as they are."""
    names: dict[str, str] = {}
    kind = report.plan.scope_type
    if kind is ScopeType.SALES_REGION:
        todo: list[str | None] = [None]
        while todo:
            parent = todo.pop()
            for region in crm.territory.children(actor=actor, region=parent):
                names[str(region.id)] = region.name
                todo.append(str(region.id))
    elif kind in (ScopeType.EMPLOYEE, ScopeType.CUSTOMER):
        for row in report.rows:
            try:
                if kind is ScopeType.EMPLOYEE:
                    names[row.scope] = crm.parties.get_employee(actor=actor, employee=row.scope).name
                else:
                    names[row.scope] = crm.parties.get_company(actor=actor, company=row.scope).name
            except CrmError:  # not visible or gone: show the value itself
                continue
    return names


def _ratio(cell: Cell) -> str:
    ratio = cell.attainment
    return "" if ratio is None else f"{ratio:.4f}"


def quota_rows(report: PlanReport, names: dict[str, str]) -> list[dict[str, str]]:
    """One row per scope and month (1–12), then the scope's year (``month`` = ``year``)."""
    rows = []
    for row in sorted(report.rows, key=lambda r: names.get(r.scope, r.scope)):
        months = [(str(m), c) for m, c in enumerate(row.months, start=1)]
        for month, cell in [*months, ("year", row.year())]:
            rows.append(
                {
                    "scope": row.scope,
                    "name": names.get(row.scope, row.scope),
                    "source": row.source.value,
                    "month": month,
                    "target": f"{cell.target:.2f}",
                    "actual": f"{cell.actual:.2f}",
                    "variance": f"{cell.variance:.2f}",
                    "attainment": _ratio(cell),
                }
            )
    return rows


def run_quota(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Print (or write) the plan-vs-actual report of ``--plan`` as ``--actor`` sees it (Q5, A8)."""
    actor = config.require("actor")
    with open_crm(config) as crm:
        plan = find_plan(crm, actor, args.plan)
        report = crm.targets.report(actor=actor, plan=plan.id)
        names = scope_names(crm, actor, report)
    rows = quota_rows(report, names)
    if args.html:
        path = Path(args.html)
        try:
            path.write_text(render_html(report, names), encoding="utf-8")
        except OSError as exc:  # a missing folder, no permission, a full disk: one line (CLI rule)
            raise ValidationError("html", f"cannot write {path}: {exc.strerror or exc}") from exc
        if out.as_json:
            out.json({"html": str(path), "scopes": len(report.rows)})
        else:
            out.line(f"wrote {path}: {len(report.rows)} scopes, plan {plan.name} ({plan.year})")
        return 0
    gaps = [
        {"scope": g.scope, "month": g.month, "currency": g.currency, "amount": str(g.amount)}
        for g in report.missing_rates
    ]
    if out.as_json:
        out.json(
            {
                "plan": {
                    "id": str(plan.id),
                    "name": plan.name,
                    "year": plan.year,
                    "currency": plan.currency,
                    "scope_type": plan.scope_type.value,
                    "revision": plan.revision,
                },
                "rows": rows,
                "missing_rates": gaps,
            }
        )
    elif args.csv:
        writer = csv.DictWriter(
            sys.stdout, fieldnames=list(rows[0]) if rows else ["scope"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    else:
        shown = [r for r in rows if r["month"] == "year" or r["target"] != "0.00" or r["actual"] != "0.00"]
        columns = ("name", "month", "target", "actual", "variance", "attainment")
        out.table(
            f"plan vs actual: {plan.name} ({plan.year}, {plan.currency})",
            columns,
            [
                tuple(f"{float(r[c]) * 100:.0f} %" if c == "attainment" and r[c] else r[c] for c in columns)
                for r in shown
            ],
        )
        for gap in gaps:
            out.line(f"not converted (no rate): {gap['amount']} {gap['currency']} in month {gap['month']}")
    return 0
