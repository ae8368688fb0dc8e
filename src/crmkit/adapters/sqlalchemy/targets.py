"""Dated customer codes, turnover plans and plan-vs-actual credits over SQLAlchemy Core (T4, Q1, Q5).

:meth:`SqlTargetRepository.credits` is one ``GROUP BY`` in the database:
invoice lines joined to their invoice and to the buyer company (by tax
number), each credited through the territory valid at the invoice's issue
instant — the customer's dated code (``customer_codes``, else its own
column), the code links holding then, their teams' regions, the owner then.
The month is a ``CASE`` over the thirteen month bounds, so it is the month of
the calendar (and time zone) the caller chose, the same on every back end.
On SQLite, whose decimals are text, amounts are summed as whole millionths
(exact: six decimal places) and turned back into ``Decimal`` here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa

from crmkit.adapters.audit import audit_entry
from crmkit.adapters.sqlalchemy._convert import RowMapper, local, offset_of, utc, uuid_of
from crmkit.adapters.sqlalchemy.dated_flags import DatedFlags
from crmkit.adapters.sqlalchemy.prepared import bound, prepared
from crmkit.adapters.sqlalchemy.repositories import GET_MANY_CHUNK, SqlRepository, audit_row
from crmkit.adapters.sqlalchemy.tables import audit_entries, companies
from crmkit.adapters.sqlalchemy.tables import targets as qt
from crmkit.adapters.sqlalchemy.tables import territory as tt
from crmkit.adapters.sqlalchemy.tables.invoice import invoice_lines, invoices
from crmkit.adapters.sqlalchemy.target_actuals import SqlActuals
from crmkit.adapters.sqlalchemy.target_quotas import SqlQuotaStore
from crmkit.adapters.sqlalchemy.target_scoring import SqlScoring
from crmkit.adapters.sqlalchemy.territory import SqlOwnerRepository
from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.invoices import InvoiceKind
from crmkit.domain.plan_actual import Credit
from crmkit.domain.quotas import MONTHS, PLAN_AGGREGATE, Plan, PlanId, PlanLine, ScopeType
from crmkit.domain.territory import OwnerAssignment
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId, DatedHistory

__all__ = ["SqlCustomerCodeRepository", "SqlTargetRepository"]

_MILLION = Decimal(1_000_000)


class SqlCustomerCodeRepository(DatedFlags, SqlRepository[CustomerCode, CustomerCodeId]):
    """Customers' dated micro-region codes (T4); adding one sets ``companies.code_dated``."""

    flag = "code_dated"

    aggregate_type = "customer_code"
    mapper = RowMapper(CustomerCode, qt.customer_codes, nested={"validity": ""})

    def for_company(self, company: CompanyId) -> list[CustomerCode]:
        """Every dated code of a company, by start then id."""
        t = qt.customer_codes
        return self._rows(sa.select(t).where(t.c.company_id == company).order_by(t.c.valid_from, t.c.id))

    def for_companies(self, companies: Iterable[CompanyId]) -> list[CustomerCode]:
        """Every dated code of these companies, by company, start, then id."""
        t = qt.customer_codes
        wanted = list(dict.fromkeys(companies))
        found: list[CustomerCode] = []
        for start in range(0, len(wanted), GET_MANY_CHUNK):
            found += self._rows(
                sa.select(t).where(t.c.company_id.in_(wanted[start : start + GET_MANY_CHUNK]))
            )
        return sorted(found, key=lambda c: (c.company_id, c.validity.valid_from, c.id))

    def history(self, company: CompanyId) -> DatedHistory:
        """The company's dated codes and dated owners, each by start then id (T4), in one statement.

        A ``UNION ALL`` of the two histories, both read through their ``(company_id,
        valid_from)`` index: a single-record decision (the policy's facts of one company)
        costs one round trip instead of two (issue 11, issue 16 item 6), and none for a company
        read in this unit of work whose ``code_dated`` and ``owner_dated`` were false.
        """
        if company in self._uow.undated_companies:  # read in this unit of work, never moved
            return DatedHistory()
        codes: list[CustomerCode] = []
        owners: list[OwnerAssignment] = []
        for row in self._uow.execute(_history(), {"company": company}).mappings():
            if row["kind"] == 0:
                codes.append(self.mapper.from_row(row))
            else:
                owners.append(SqlOwnerRepository.mapper.from_row(row))
        return DatedHistory(tuple(codes), tuple(owners))


def _history() -> sa.Select[Any]:
    """``SELECT`` a company's dated codes (kind 0) and owners (kind 1), by kind, start, id (built once)."""

    def build() -> sa.Select[Any]:
        c, o = qt.customer_codes, tt.owner_assignments
        times = ("valid_from", "valid_to", "valid_from_offset", "valid_to_offset")
        codes = sa.select(
            sa.literal(0, sa.Integer).label("kind"),
            c.c.id, c.c.version, c.c.company_id, c.c.code,
            sa.type_coerce(sa.null(), o.c.employee_id.type).label("employee_id"),
            *(c.c[name] for name in times),
        ).where(c.c.company_id == bound("company", c.c.company_id))  # fmt: skip
        owners = sa.select(
            sa.literal(1, sa.Integer).label("kind"),
            o.c.id, o.c.version, o.c.company_id,
            sa.type_coerce(sa.null(), c.c.code.type).label("code"),
            o.c.employee_id,
            *(o.c[name] for name in times),
        ).where(o.c.company_id == bound("company", o.c.company_id))  # fmt: skip
        union = sa.union_all(codes, owners).subquery("history")
        return sa.select(union).order_by(union.c.kind, union.c.valid_from, union.c.id)

    return prepared("dated history of a company", build)


def _held(table: Any, at: Any) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.valid_from <= at, sa.or_(table.c.valid_to.is_(None), table.c.valid_to > at))


def _dated(
    query: sa.Select[Any], table: sa.Table, column: str, own: Any, company: Any, at: Any
) -> tuple[sa.Select[Any], sa.ColumnElement[Any]]:
    """Join a company's dated ``column`` at ``at``: from its history when it has one, else its ``own`` column.

    Two outer joins (the row holding at ``at``; whether any row exists) rather than
    correlated subqueries, so every back end can hash-join them.
    """
    rows = table.alias()
    held = rows.c[column]
    query = query.outerjoin(rows, sa.and_(rows.c.company_id == company, _held(rows, at)))
    owners = sa.select(table.c.company_id).distinct().subquery()
    query = query.outerjoin(owners, owners.c.company_id == company)
    return query, sa.case((owners.c.company_id.is_not(None), held), else_=own)


class SqlTargetRepository(SqlActuals, SqlQuotaStore, SqlScoring):
    """Plans and plan-vs-actual credits, aggregated in the database (Q1, Q5)."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    def _audit(self, aggregate_type: str, key: object, version: int, new: object) -> dict[str, Any]:
        """The audit row of creating ``new`` (C12)."""
        entry = audit_entry(
            actor=self._uow.actor,
            at=self._uow.clock.now(),
            aggregate_type=aggregate_type,
            aggregate_id=key,
            version=version,
            old=None,
            new=new,
        )
        return audit_row(entry)

    # -- plans ---------------------------------------------------------------------------
    def add_plan(self, plan: Plan) -> None:
        """Store a new plan version with its monthly lines.

        Raises:
            Duplicate: the id is taken.
        """
        exists = self._uow.execute(sa.select(qt.plans.c.id).where(qt.plans.c.id == plan.id)).first()
        if exists is not None:
            raise Duplicate("id", f"plan {plan.id} already exists")
        conn = self._uow.connection
        conn.execute(sa.insert(audit_entries), [self._audit(PLAN_AGGREGATE, plan.id, plan.revision, plan)])
        conn.execute(
            sa.insert(qt.plans),
            {
                "id": plan.id,
                "version": plan.version,
                "name": plan.name,
                "year": plan.year,
                "currency": plan.currency,
                "scope_type": plan.scope_type.value,
                "revision": plan.revision,
                "supersedes": plan.supersedes,
                "created_at": utc(plan.created_at),
                "created_at_offset": offset_of(plan.created_at),  # V1, revision 0023
                "created_by": plan.created_by,
            },
        )
        rows = [
            {
                "plan_id": plan.id,
                "scope": line.scope,
                "month": month,
                "amount": amount,
                "quantity": None if line.quantities is None else line.quantities[month - 1],
            }
            for line in plan.lines
            for month, amount in enumerate(line.amounts, start=1)
        ]
        if rows:
            conn.execute(sa.insert(qt.plan_lines), rows)

    def _plans(self, where: sa.ColumnElement[bool] | None) -> list[Plan]:
        p, pl = qt.plans, qt.plan_lines
        query = sa.select(p)
        if where is not None:
            query = query.where(where)
        heads = list(self._uow.execute(query).mappings())
        if not heads:
            return []
        found = []
        columns = (pl.c.scope, pl.c.month, pl.c.amount, pl.c.quantity)
        for h in heads:  # one query per plan: no id column to convert per row
            months: dict[str, dict[int, tuple[Decimal, Any]]] = {}
            for scope, month, amount, quantity in self._uow.execute(
                sa.select(*columns).where(pl.c.plan_id == h["id"])
            ).all():
                months.setdefault(scope, {})[month] = (Decimal(amount), quantity)
            plan_lines = []
            for scope, by_month in sorted(months.items()):
                amounts = tuple(by_month[m][0] for m in range(1, MONTHS + 1))
                quantities = [by_month[m][1] for m in range(1, MONTHS + 1)]
                qty = None if quantities[0] is None else tuple(Decimal(q or 0) for q in quantities)
                plan_lines.append(_trusted(PlanLine, scope=scope, amounts=amounts, quantities=qty))
            found.append(
                _trusted(
                    Plan,
                    id=PlanId(uuid_of(h["id"])),
                    name=h["name"],
                    year=h["year"],
                    currency=h["currency"],
                    scope_type=ScopeType(h["scope_type"]),
                    lines=tuple(plan_lines),
                    revision=h["revision"],
                    supersedes=None if h["supersedes"] is None else PlanId(uuid_of(h["supersedes"])),
                    created_at=local(h["created_at"], h["created_at_offset"]),
                    created_by=None if h["created_by"] is None else EmployeeId(uuid_of(h["created_by"])),
                    version=h["version"],
                )
            )
        return sorted(found, key=lambda p: (p.year, p.name, p.revision, p.id))

    def plan(self, plan: PlanId) -> Plan:
        """One plan version.

        Raises:
            NotFound: there is none.
        """
        found = self._plans(qt.plans.c.id == plan)
        if not found:
            raise NotFound("plan", plan)
        return found[0]

    def plan_stamp(self, plan: PlanId) -> tuple[int, datetime]:
        """The version and creation instant of a plan version, without its lines.

        Raises:
            NotFound: there is none.
        """
        p = qt.plans
        row = self._uow.execute(sa.select(p.c.version, p.c.created_at).where(p.c.id == plan)).first()
        if row is None:
            raise NotFound("plan", plan)
        return int(row[0]), utc(row[1])

    def plans(self, year: int | None = None) -> list[Plan]:
        """Every plan version (of ``year``), by year, name, revision, then id."""
        return self._plans(None if year is None else qt.plans.c.year == year)

    # -- Q5: credits -----------------------------------------------------------------------
    def credits(self, scope_type: ScopeType, bounds: Sequence[datetime]) -> list[Credit]:
        """Signed net invoice-line amounts per scope value, month, currency and rate, in one GROUP BY."""
        sqlite = self._uow.connection.dialect.name == "sqlite"
        inv, line, comp = invoices, invoice_lines, companies
        at = inv.c.issued_at
        edges = [utc(b) for b in bounds]
        month = sa.case(*((at < edge, index) for index, edge in enumerate(edges[1:], start=1)))
        amount: sa.ColumnElement[Any] = line.c.line_extension
        if sqlite:  # decimal text: sum whole millionths, exactly
            amount = sa.cast(sa.func.round(amount * 1_000_000), sa.Integer)
        # the lines of an invoice share its date and buyer: sum them first, credit each invoice once
        nets = (
            sa.select(line.c.invoice_id.label("iid"), sa.func.sum(amount).label("net"))
            .group_by(line.c.invoice_id)
            .subquery("nets")
        )
        signed = sa.case((inv.c.kind == InvoiceKind.RETURN.value, -nets.c.net), else_=nets.c.net)
        base = (
            sa.select()
            .select_from(nets)
            .join(inv, inv.c.id == nets.c.iid)
            .join(comp, comp.c.tax_no == inv.c.buyer_key)
            .where(at >= edges[0], at < edges[-1])
        )
        if scope_type is not ScopeType.CUSTOMER and scope_type is not ScopeType.EMPLOYEE:
            base, code = _dated(base, qt.customer_codes, "code", comp.c.micro_region, comp.c.id, at)
        scope: Any
        if scope_type is ScopeType.CUSTOMER:
            scope = comp.c.id
        elif scope_type is ScopeType.MICRO_REGION:
            scope = code
        elif scope_type is ScopeType.EMPLOYEE:
            base, scope = _dated(
                base, tt.owner_assignments, "employee_id", comp.c.sales_rep_id, comp.c.id, at
            )
        else:
            cl = tt.code_links.alias("cl")
            base = base.join(cl, sa.and_(cl.c.code == code, _held(cl, at)))
            if scope_type is ScopeType.TEAM:
                scope = cl.c.team_id
            else:
                st = tt.sales_teams.alias("st")
                base = base.join(st, st.c.id == cl.c.team_id)
                scope = st.c.region_id
        keyed = base.add_columns(
            inv.c.id.label("inv"),
            scope.label("scope"),
            month.label("month"),
            inv.c.currency.label("currency"),
            inv.c.exchange_rate.label("rate"),
            signed.label("amount"),
        ).where(scope.is_not(None))
        rows = keyed.distinct().subquery("credited")
        query = sa.select(
            rows.c.scope, rows.c.month, rows.c.currency, rows.c.rate, sa.func.sum(rows.c.amount)
        ).group_by(rows.c.scope, rows.c.month, rows.c.currency, rows.c.rate)
        credits = []
        for scope_value, month_no, currency, rate, total in self._uow.execute(query):
            value = Decimal(int(total)) / _MILLION if sqlite else Decimal(total)
            text = str(scope_value) if scope_type is ScopeType.MICRO_REGION else str(_uuid(scope_value))
            credits.append(
                Credit(text, int(month_no), currency, None if rate is None else Decimal(rate), value)
            )
        return sorted(
            credits, key=lambda c: (c.scope, c.month, c.currency, Decimal(-1) if c.rate is None else c.rate)
        )


_T = TypeVar("_T")


def _trusted(cls: type[_T], **fields: Any) -> _T:
    """An attrs value built from fields validated when they were written (no converters re-run on read)."""
    value = object.__new__(cls)
    for name, field in fields.items():
        object.__setattr__(value, name, field)
    return value


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid_of(value)
