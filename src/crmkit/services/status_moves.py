"""Company status moves caused by other records (SPEC §1 C5): an imported invoice's buyer.

C5: a company becomes ``potential`` when an invoice is added. The invoice
import calls :func:`mark_buyers_potential` with each batch it stores, in the
same unit of work: every buyer whose tax number names a stored company is
moved forward (never back) and marked as having an invoice (C11), with a
:class:`~crmkit.domain.party_events.CompanyStatusChanged` event when its
status moved. Companies already ``potential`` with an invoice are left alone
(no write, no audit entry).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from crmkit.domain.invoices import Invoice
from crmkit.domain.parties import Company
from crmkit.domain.party_events import CompanyStatusChanged
from crmkit.ports.storage import UnitOfWork

__all__ = ["mark_buyers_potential", "save_status_move"]


def save_status_move(uow: UnitOfWork, current: Company, moved: Company, now: datetime) -> Company:
    """Store ``moved`` (``current`` after a C5 move) when it differs, emitting the status change."""
    if moved is current or moved == current:
        return current
    saved = uow.companies.save(moved)
    if saved.status is not current.status:
        uow.emit(
            CompanyStatusChanged(
                at=now, company_id=saved.id, old=current.status.value, new=saved.status.value
            )
        )
    return saved


def mark_buyers_potential(
    uow: UnitOfWork,
    invoices: Iterable[Invoice],
    now: datetime,
    companies: Mapping[str, Company] | None = None,
) -> list[Company]:
    """Move each stored buyer of ``invoices`` to ``potential`` (C5) and mark it invoiced (C11).

    ``companies``: the buyers' stored companies by tax number, when the caller read
    them already in this unit of work; ``None``: read them (one query per chunk).

    Returns:
        The companies that changed, in the order their invoices came.
    """
    changed: list[Company] = []
    numbers = [invoice.buyer.tax_no for invoice in invoices]
    stored = uow.companies.by_tax_nos(n for n in numbers if n) if companies is None else companies
    seen: set[str] = set()
    for number in numbers:
        if number is None or number in seen:
            continue
        seen.add(number)
        current = stored.get(number)
        if current is None:
            continue
        saved = save_status_move(uow, current, current.record_invoice(), now)
        if saved is not current:
            changed.append(saved)
    return changed
