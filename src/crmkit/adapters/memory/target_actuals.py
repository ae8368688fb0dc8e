"""The monthly actuals summary in memory (Q5): staged deltas, committed sums, and the facts crediting reads.

:class:`MemoryActuals` is mixed into :class:`~crmkit.adapters.memory.targets.MemoryTargetRepository`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crmkit.domain.actuals import Sums, Territory, from_micros, sale_of
from crmkit.domain.plan_actual import Credit, SummaryRow, credits_of

if TYPE_CHECKING:
    from crmkit.domain.actuals import Sale
    from crmkit.domain.ids import CompanyId
    from crmkit.domain.parties import Company

__all__ = ["MemoryActuals"]


class MemoryActuals:
    """Summary reads and writes of the memory target repository (Q5)."""

    _uow: Any
    _tables: Any
    _lock: threading.RLock
    _companies: Any
    _codes: Any
    _owners: Any
    _links: Any
    _teams: Any
    _actuals_new: Sums
    _cleared: bool

    def _all_invoices(self) -> list[Any]:
        raise NotImplementedError

    def _merged(self) -> Sums:
        with self._lock:
            merged: Sums = {} if self._cleared else dict(self._tables.actuals)
        for key, (amount, quantity) in self._actuals_new.items():
            old = merged.get(key, (0, 0))
            merged[key] = (old[0] + amount, old[1] + quantity)
        return merged

    def add_actuals(self, sums: Sums) -> None:
        """Stage deltas to the summary (Q5)."""
        self._uow.check_usable()
        for key, (amount, quantity) in sums.items():
            old = self._actuals_new.get(key, (0, 0))
            self._actuals_new[key] = (old[0] + amount, old[1] + quantity)

    def clear_actuals(self) -> None:
        """Empty the summary (before a rebuild)."""
        self._uow.check_usable()
        self._cleared = True
        self._actuals_new = {}

    def actuals(self, kind: str, year: int) -> list[Credit]:
        """The summary rows of one kind and year with a non-zero amount, as credits (Q5)."""
        return credits_of(self.summary(kind, year))

    def summary(self, kind: str, year: int) -> list[SummaryRow]:
        """The summary rows of one kind and year with a non-zero amount, in no order (Q5)."""
        self._uow.check_usable()
        return [
            (key.scope, key.month, key.currency, key.rate, amount)
            for key, (amount, _) in self._merged().items()
            if key.kind == kind and key.year == year and amount
        ]

    def quantities(self, kind: str, year: int) -> dict[tuple[str, int], Decimal]:
        """Net quantities per (scope value, month) of one kind and year."""
        self._uow.check_usable()
        out: dict[tuple[str, int], int] = {}
        for key, (_, quantity) in self._merged().items():
            if key.kind == kind and key.year == year:
                out[(key.scope, key.month)] = out.get((key.scope, key.month), 0) + quantity
        return {k: from_micros(v, 0) for k, v in out.items()}

    def _apply_actuals(self) -> None:
        if self._cleared:
            self._tables.actuals.clear()
        for key, (amount, quantity) in self._actuals_new.items():
            old = self._tables.actuals.get(key, (0, 0))
            self._tables.actuals[key] = (old[0] + amount, old[1] + quantity)
        self._discard_actuals()

    def _discard_actuals(self) -> None:
        self._actuals_new = {}
        self._cleared = False

    # -- what crediting reads ---------------------------------------------------------------
    def territory(self, buyers: Iterable[str], companies: Mapping[str, Company] | None = None) -> Territory:
        """The stored companies with these tax numbers and the dated facts that credit their sales (T4)."""
        wanted = set(buyers)
        if companies is None:
            companies = {c.tax_no: c for c in self._companies._rows() if c.tax_no}
        by_tax = {tax_no: c for tax_no, c in companies.items() if tax_no in wanted}
        ids = {c.id for c in by_tax.values()}
        codes: dict[CompanyId, list[Any]] = {}
        for row in self._codes._rows():
            if row.company_id in ids:
                codes.setdefault(row.company_id, []).append(row)
        owners: dict[CompanyId, list[Any]] = {}
        for row in self._owners._rows():
            if row.company_id in ids:
                owners.setdefault(row.company_id, []).append(row)
        links: dict[str, list[Any]] = {}
        for row in self._links._rows():
            links.setdefault(row.code, []).append(row)
        teams = {t.id: t for t in self._teams._rows()}
        regions = {r.id: r for r in self._uow.regions._rows()}
        return Territory(
            companies=by_tax, codes=codes, owners=owners, links=links, teams=teams, regions=regions
        )

    def buyers(self, companies: Iterable[CompanyId] = (), codes: Iterable[str] = ()) -> set[str]:
        """Tax numbers of these companies and of every company that holds or held one of ``codes``."""
        wanted, names = set(companies), set(codes)
        wanted |= {row.company_id for row in self._codes._rows() if row.code in names}
        return {
            c.tax_no
            for c in self._companies._rows()
            if c.tax_no and (c.id in wanted or c.segmentation.micro_region in names)
        }

    def sale_buyers(self) -> set[str]:
        """Every buyer key of a stored invoice."""
        return {invoice.buyer.key for invoice in self._all_invoices()}

    def sales(self, buyers: Iterable[str], since: datetime | None = None) -> list[Sale]:
        """The stored invoices of these buyers (issued at or after ``since``), as sales."""
        wanted = set(buyers)
        return [
            sale_of(invoice)
            for invoice in self._all_invoices()
            if invoice.buyer.key in wanted and (since is None or invoice.issued_at >= since)
        ]
