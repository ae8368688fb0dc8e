"""The monthly actuals summary over SQLAlchemy Core (Q5): upserts, reads and the facts crediting needs.

:class:`SqlActuals` is mixed into :class:`~crmkit.adapters.sqlalchemy.targets.SqlTargetRepository`.
Deltas are added with one portable upsert per batch (``ON CONFLICT … DO
UPDATE``, MariaDB's ``ON DUPLICATE KEY UPDATE``) adding whole millionths, so
concurrent imports add rather than overwrite; rows are written in key order
so two writers lock them in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import utc
from crmkit.adapters.sqlalchemy.repositories import GET_MANY_CHUNK
from crmkit.adapters.sqlalchemy.tables import targets as qt
from crmkit.adapters.sqlalchemy.tables import territory as tt
from crmkit.adapters.sqlalchemy.tables.invoice import invoice_lines, invoices
from crmkit.domain.actuals import Sale, SaleLine, Sums, Territory, from_micros
from crmkit.domain.ids import CompanyId
from crmkit.domain.invoices import InvoiceKind
from crmkit.domain.parties import Company
from crmkit.domain.plan_actual import Credit, SummaryRow, credits_of

__all__ = ["SqlActuals", "rate_text"]


def rate_text(rate: Decimal | None) -> str:
    """The summary's key text of an exchange rate: ``""`` for none, else its plain digits."""
    return "" if rate is None else format(rate.normalize(), "f")


_COLUMNS = ("kind", "scope", "year", "month", "currency", "rate", "amount", "quantity")
"""The summary's columns in the order :meth:`SqlActuals.add_actuals` gives them."""
_COMPILED: dict[tuple[str, str], tuple[str, list[str] | None]] = {}
"""The compiled upsert per (dialect, paramstyle)."""
_UNNEST_UPSERT = (
    "INSERT INTO target_actuals (kind, scope, year, month, currency, rate, amount, quantity)"
    " SELECT * FROM unnest(%(kind)s::varchar[], %(scope)s::varchar[], %(year)s::integer[],"
    " %(month)s::integer[], %(currency)s::varchar[], %(rate)s::varchar[], %(amount)s::bigint[],"
    " %(quantity)s::bigint[])"
    " ON CONFLICT (kind, scope, year, month, currency, rate) DO UPDATE SET"
    " amount = target_actuals.amount + excluded.amount,"
    " quantity = target_actuals.quantity + excluded.quantity"
)
"""PostgreSQL: the batch's rows as arrays, added in one statement (keys are unique within a batch)."""


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), GET_MANY_CHUNK):
        yield wanted[start : start + GET_MANY_CHUNK]


class SqlActuals:
    """Summary reads and writes of the SQL target repository (Q5)."""

    _uow: Any

    def _upsert(self) -> sa.Insert:
        t = qt.target_actuals
        dialect = self._uow.connection.dialect.name
        if dialect in ("mysql", "mariadb"):
            mine = mysql.insert(t)
            return mine.on_duplicate_key_update(
                amount=t.c.amount + mine.inserted.amount, quantity=t.c.quantity + mine.inserted.quantity
            )
        lite = postgresql.insert(t) if dialect == "postgresql" else sqlite.insert(t)
        return lite.on_conflict_do_update(
            index_elements=["kind", "scope", "year", "month", "currency", "rate"],
            set_={
                "amount": t.c.amount + lite.excluded.amount,
                "quantity": t.c.quantity + lite.excluded.quantity,
            },
        )

    def _driver_upsert(self) -> tuple[str, list[str] | None]:
        """The upsert compiled once per dialect: its SQL and, for a named paramstyle, the names in order."""
        dialect = self._uow.connection.dialect
        key = (dialect.name, dialect.paramstyle)
        found = _COMPILED.get(key)
        if found is None:
            compiled = self._upsert().compile(dialect=dialect, column_keys=list(_COLUMNS))
            if compiled.positional and list(compiled.positiontup or ()) == list(_COLUMNS):
                found = (compiled.string, None)
            else:
                escaped = compiled.escaped_bind_names
                names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
                if sorted(names) != sorted(_COLUMNS):  # pragma: no cover - a dialect we have not met
                    raise ValueError(f"unexpected bind parameters {names!r}")
                found = (compiled.string, [escaped.get(n, n) for n in _COLUMNS])
            _COMPILED[key] = found
        return found

    def add_actuals(self, sums: Sums) -> None:
        """Add deltas to the summary, in key order (Q5).

        Rows go to the driver as tuples in one ``executemany`` of the upsert compiled
        once per dialect (the import calls this for every batch): no per-row Core work.
        On PostgreSQL they go as eight arrays to one ``INSERT … SELECT FROM unnest(…)``:
        one statement to plan and run instead of one per row.
        """
        rates: dict[Decimal | None, str] = {}
        rows = []
        for key, (amount, quantity) in sums.items():
            if amount or quantity:
                rate = rates.get(key.rate)
                if rate is None:
                    rate = rates[key.rate] = rate_text(key.rate)
                rows.append((key.kind, key.scope, key.year, key.month, key.currency, rate, amount, quantity))
        if not rows:
            return
        rows.sort()  # key order, so two writers lock rows in the same order
        connection = self._uow.connection
        if connection.dialect.name == "postgresql":  # one statement over arrays, not one per row
            columns = dict(zip(_COLUMNS, zip(*rows, strict=True), strict=True))
            connection.exec_driver_sql(_UNNEST_UPSERT, {k: list(v) for k, v in columns.items()})
            return
        sql, names = self._driver_upsert()
        if names is None:
            connection.exec_driver_sql(sql, rows)
        else:
            connection.exec_driver_sql(sql, [dict(zip(names, row, strict=True)) for row in rows])

    def clear_actuals(self) -> None:
        """Empty the summary (before a rebuild)."""
        self._uow.connection.execute(sa.delete(qt.target_actuals))

    def actuals(self, kind: str, year: int) -> list[Credit]:
        """The summary rows of one kind and year with a non-zero amount, as credits (Q5)."""
        return credits_of(self.summary(kind, year))

    def summary(self, kind: str, year: int) -> list[SummaryRow]:
        """The summary rows of one kind and year with a non-zero amount, in no order (Q5)."""
        t = qt.target_actuals
        query = sa.select(t.c.scope, t.c.month, t.c.currency, t.c.rate, t.c.amount).where(
            t.c.kind == kind, t.c.year == year, t.c.amount != 0
        )
        rates: dict[str, Decimal | None] = {"": None}
        found: list[SummaryRow] = []
        add = found.append
        for scope, month, currency, text, amount in self._uow.execute(query).all():
            if text not in rates:
                rates[text] = Decimal(text)
            add((scope, int(month), currency, rates[text], int(amount)))
        return found

    def quantities(self, kind: str, year: int) -> dict[tuple[str, int], Decimal]:
        """Net quantities per (scope value, month) of one kind and year."""
        t = qt.target_actuals
        query = (
            sa.select(t.c.scope, t.c.month, sa.func.sum(t.c.quantity))
            .where(t.c.kind == kind, t.c.year == year)
            .group_by(t.c.scope, t.c.month)
        )
        return {(s, int(m)): from_micros(int(q), 0) for s, m, q in self._uow.execute(query)}

    # -- what crediting reads ---------------------------------------------------------------
    def territory(self, buyers: Iterable[str], companies: Mapping[str, Company] | None = None) -> Territory:
        """The stored companies with these tax numbers and the dated facts that credit their sales (T4)."""
        wanted = set(buyers)
        if companies is None:
            companies = self._uow.companies.by_tax_nos(wanted)
        by_tax = {tax_no: c for tax_no, c in companies.items() if tax_no in wanted}
        ids = [c.id for c in by_tax.values()]
        codes: dict[CompanyId, list[Any]] = {}
        for row in self._uow.customer_codes.for_companies(ids):
            codes.setdefault(row.company_id, []).append(row)
        owners: dict[CompanyId, list[Any]] = {}
        for chunk in _chunks(ids):
            o = tt.owner_assignments
            for row in self._uow.owners._rows(sa.select(o).where(o.c.company_id.in_(chunk))):
                owners.setdefault(row.company_id, []).append(row)
        names = {c.segmentation.micro_region for c in by_tax.values()} | {
            r.code for rows in codes.values() for r in rows
        }
        links: dict[str, list[Any]] = {}
        for chunk in _chunks(n for n in names if n):
            cl = tt.code_links
            for row in self._uow.code_links._rows(sa.select(cl).where(cl.c.code.in_(chunk))):
                links.setdefault(row.code, []).append(row)
        teams = self._uow.teams.get_many({ln.team_id for rows in links.values() for ln in rows})
        regions = self._uow.regions.get_many({t.region_id for t in teams.values()})
        return Territory(
            companies=by_tax, codes=codes, owners=owners, links=links, teams=teams, regions=regions
        )

    def buyers(self, companies: Iterable[CompanyId] = (), codes: Iterable[str] = ()) -> set[str]:
        """Tax numbers of these companies and of every company that holds or held one of ``codes``."""
        c, cc = tables.companies, qt.customer_codes
        wanted = list(companies)
        found: set[str] = set()
        names = list(codes)
        for chunk in _chunks(names):
            held = sa.select(cc.c.company_id).where(cc.c.code.in_(chunk))
            query = sa.select(c.c.tax_no).where(sa.or_(c.c.micro_region.in_(chunk), c.c.id.in_(held)))
            found.update(t for t in self._uow.execute(query).scalars() if t)
        for chunk in _chunks(wanted):
            found.update(
                t for t in self._uow.execute(sa.select(c.c.tax_no).where(c.c.id.in_(chunk))).scalars() if t
            )
        return found

    def sale_buyers(self) -> set[str]:
        """Every buyer key of a stored invoice."""
        return set(self._uow.execute(sa.select(invoices.c.buyer_key).distinct()).scalars())

    def sales(self, buyers: Iterable[str], since: datetime | None = None) -> list[Sale]:
        """The stored invoices of these buyers (issued at or after ``since``), as sales."""
        inv, ln = invoices, invoice_lines
        heads: dict[Any, Any] = {}
        for chunk in _chunks(buyers):
            query = sa.select(
                inv.c.id, inv.c.buyer_key, inv.c.issued_at, inv.c.currency, inv.c.exchange_rate, inv.c.kind
            ).where(inv.c.buyer_key.in_(chunk))
            if since is not None:
                query = query.where(inv.c.issued_at >= utc(since))
            for row in self._uow.execute(query):
                heads[row[0]] = row
        lines: dict[Any, list[SaleLine]] = {}
        for chunk in _chunks(heads):
            query = sa.select(ln.c.invoice_id, ln.c.product_code, ln.c.line_extension, ln.c.quantity).where(
                ln.c.invoice_id.in_(chunk)
            )
            for iid, code, amount, quantity in self._uow.execute(query):
                lines.setdefault(iid, []).append(SaleLine(code, Decimal(amount), Decimal(quantity)))
        return [
            Sale(
                buyer=buyer,
                issued_at=utc(at),
                currency=currency,
                rate=None if rate is None else Decimal(rate),
                sign=-1 if kind == InvoiceKind.RETURN.value else 1,
                lines=tuple(lines.get(iid, ())),
            )
            for iid, buyer, at, currency, rate, kind in heads.values()
        ]
