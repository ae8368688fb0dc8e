"""Keeping the monthly actuals summary true (Q5, T4): on import, on a territory change, on demand.

* :func:`record_sales` — the invoice import credits the invoices it stores,
  in the same unit of work (so the summary commits or rolls back with them);
* :func:`recredit` — a context manager around a territory change (a customer
  moved to another code, a code moved to another team, an owner assigned, a
  company re-coded or given a tax number): the affected sales are credited
  under the territory before and after the change, and the difference is
  added, so a back-dated change corrects exactly the months it touches;
* :func:`rebuild` — recompute the whole summary from the stored invoices
  (after upgrading a database that already held invoices).

Months are calendar months in the company's time zone (Q4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from crmkit.domain.actuals import credit, credit_invoices, difference
from crmkit.domain.ids import CompanyId
from crmkit.domain.invoices import Invoice
from crmkit.domain.parties import Company
from crmkit.ports.storage import UnitOfWork

__all__ = ["REBUILD_CHUNK", "credits_change", "rebuild", "record_sales", "recredit"]

REBUILD_CHUNK = 2_000
"""Buyers credited per step of a rebuild."""


def credits_change(before: Company, after: Company) -> bool:
    """Whether editing a company changes how its sales are credited (tax number, code, category, rep)."""
    return (
        before.tax_no != after.tax_no
        or before.segmentation.micro_region != after.segmentation.micro_region
        or before.segmentation.category != after.segmentation.category
        or before.sales_rep_id != after.sales_rep_id
    )


def record_sales(
    uow: UnitOfWork, invoices: Iterable[Invoice], zone: str, companies: Mapping[str, Company] | None = None
) -> None:
    """Add newly stored invoices to the summary, in ``uow`` (Q5).

    ``companies``: the buyers' stored companies by tax number, when the caller read them already.
    """
    stored = list(invoices)
    if stored:
        territory = uow.targets.territory({invoice.buyer.key for invoice in stored}, companies)
        uow.targets.add_actuals(credit_invoices(stored, territory, zone))


@contextmanager
def recredit(
    uow: UnitOfWork,
    zone: str,
    *,
    companies: Iterable[CompanyId] = (),
    codes: Iterable[str | None] = (),
    tax_nos: Iterable[str | None] = (),
    since: datetime | None = None,
) -> Iterator[None]:
    """Correct the summary for a territory change made inside the ``with`` block (Q5, T4).

    Args:
        uow: the unit of work the change is made in.
        zone: the company's time zone.
        companies: companies whose code, owner, category or tax number changes.
        codes: codes whose team links change (every company that holds or held one is affected).
        tax_nos: further buyer keys (a tax number given to or taken from a company).
        since: the change's start; sales before it are unaffected (``None``: all).
    """
    buyers = uow.targets.buyers(companies, [c for c in codes if c]) | {t for t in tax_nos if t}
    if not buyers:
        yield
        return
    sales = uow.targets.sales(buyers, since)
    if not sales:
        yield
        return
    before = credit(sales, uow.targets.territory(buyers), zone)
    yield
    after = credit(sales, uow.targets.territory(buyers), zone)
    uow.targets.add_actuals(difference(after, before))


def rebuild(uow: UnitOfWork, zone: str) -> None:
    """Recompute the whole summary from the stored invoices, in ``uow``."""
    uow.targets.clear_actuals()
    buyers = sorted(uow.targets.sale_buyers())
    for start in range(0, len(buyers), REBUILD_CHUNK):
        chunk = buyers[start : start + REBUILD_CHUNK]
        sales = uow.targets.sales(chunk)
        uow.targets.add_actuals(credit(sales, uow.targets.territory(chunk), zone))
