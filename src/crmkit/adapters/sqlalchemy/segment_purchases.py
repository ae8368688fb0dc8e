"""Purchase-history segment conditions compiled to SQL (M1): ``EXISTS`` / ``NOT EXISTS``.

:func:`compile_purchased` is the SQL twin of the :class:`~crmkit.domain.predicates.Purchased`
branch of :func:`crmkit.domain.predicates.matches`: a correlated ``EXISTS`` over
``invoices`` joined with ``invoice_lines`` on the buyer's key (the company's tax
number, as the targets' reports join them), excluding return invoices, keeping
lines whose quantity less ``returned_quantity`` is above zero (net of returns),
with the invoice's **local** issue date inside the window.

The local date is the stored UTC instant moved by the document's own offset
(``issued_offset``, seconds; ``NULL``: UTC) and cut to a date, in each dialect's
words (:class:`local_issue_date`). A coarse range on ``issued_at`` (the window
widened by a day each side, wider than any UTC offset Python accepts) lets the database use its
index on ``issued_at`` before the exact per-row test. An invoice stored with no
offset (UTC) skips the date arithmetic: its local date is its UTC date, so the
exact test is a plain comparison of ``issued_at`` with the window's UTC midnights.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from crmkit.adapters.sqlalchemy._convert import utc
from crmkit.adapters.sqlalchemy.tables import invoice_lines, invoices
from crmkit.domain.invoices import InvoiceKind
from crmkit.domain.predicates import Purchased

__all__ = ["compile_purchased", "local_issue_date"]

_WIDEST_OFFSET = timedelta(hours=24)
"""Wider than any offset an aware datetime can carry (real ones stop at UTC+14): the coarse range is safe."""


class local_issue_date(FunctionElement[date]):
    """``DATE(issued_at + issued_offset seconds)``: an invoice's local issue date, per dialect."""

    type = sa.Date()
    inherit_cache = True
    name = "local_issue_date"


@compiles(local_issue_date)
def _local_date_default(element: local_issue_date, compiler: Any, **kw: Any) -> str:
    at, offset = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"date({at}, COALESCE({offset}, 0) || ' seconds')"  # SQLite


@compiles(local_issue_date, "postgresql")
def _local_date_postgresql(element: local_issue_date, compiler: Any, **kw: Any) -> str:
    at, offset = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(({at} AT TIME ZONE 'UTC') + COALESCE({offset}, 0) * INTERVAL '1 second' AS DATE)"


@compiles(local_issue_date, "mysql")
@compiles(local_issue_date, "mariadb")
def _local_date_mysql(element: local_issue_date, compiler: Any, **kw: Any) -> str:
    at, offset = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"DATE(TIMESTAMPADD(SECOND, COALESCE({offset}, 0), {at}))"  # DATETIME holds UTC here


def _day(day: date) -> sa.BindParameter[date]:
    return sa.bindparam(None, day, type_=sa.Date())


def compile_purchased(predicate: Purchased, companies: Any) -> sa.ColumnElement[bool]:
    """``[NOT] EXISTS`` (a net purchase by the company in the window) over ``companies``."""
    inv, line = invoices, invoice_lines
    where: list[sa.ColumnElement[bool]] = [
        inv.c.buyer_key == companies.c.tax_no,
        inv.c.kind != InvoiceKind.RETURN.value,
        line.c.quantity - sa.func.coalesce(line.c.returned_quantity, 0) > 0,
    ]
    local = local_issue_date(inv.c.issued_at, inv.c.issued_offset)
    in_utc = sa.func.coalesce(inv.c.issued_offset, 0) == 0
    if predicate.start is not None:
        midnight = datetime.combine(predicate.start, time(), UTC)
        where.append(inv.c.issued_at >= utc(midnight - _WIDEST_OFFSET))
        exact = sa.case((in_utc, inv.c.issued_at >= utc(midnight)), else_=local >= _day(predicate.start))
        where.append(exact)
    if predicate.end is not None:
        midnight = datetime.combine(predicate.end + timedelta(days=1), time(), UTC)
        where.append(inv.c.issued_at < utc(midnight + _WIDEST_OFFSET))
        exact = sa.case((in_utc, inv.c.issued_at < utc(midnight)), else_=local <= _day(predicate.end))
        where.append(exact)
    if predicate.products is not None:
        if not predicate.products:
            found: sa.ColumnElement[bool] = sa.false()
            return sa.true() if predicate.negated else found
        codes = sa.bindparam(None, sorted(predicate.products), expanding=True, type_=line.c.product_code.type)
        where.append(line.c.product_code.in_(codes))
    exists = sa.exists(
        sa.select(sa.literal(1)).select_from(inv.join(line, line.c.invoice_id == inv.c.id)).where(*where)
    )
    return ~exists if predicate.negated else exists
