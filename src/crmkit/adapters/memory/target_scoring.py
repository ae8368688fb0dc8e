"""The figures customer scoring reads (V9), in plain Python: the twin of the SQL ``GROUP BY``.

:class:`MemoryScoring` is mixed into :class:`~crmkit.adapters.memory.targets.MemoryTargetRepository`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from crmkit.domain.ids import CompanyId
from crmkit.domain.interactions import InteractionChannel
from crmkit.domain.offers import OfferStatus
from crmkit.domain.scoring import Activity

__all__ = ["MemoryScoring"]

_CALLS = (InteractionChannel.PHONE, InteractionChannel.CALL_CENTRE)


class MemoryScoring:
    """Scoring reads of the memory target repository (V9)."""

    _uow: Any
    _companies: Any

    def _all_invoices(self) -> list[Any]:
        raise NotImplementedError

    def activity(self, start: datetime, end: datetime) -> list[Activity]:
        """Per customer (matched by tax number), currency and rate: signed net, discounts, purchases."""
        self._uow.check_usable()
        by_tax = {c.tax_no: c.id for c in self._companies._rows() if c.tax_no}
        sums: dict[tuple[CompanyId, str, Decimal | None], tuple[Decimal, Decimal, int]] = {}
        for invoice in self._all_invoices():
            company = by_tax.get(invoice.buyer.key)
            if company is None or not start <= invoice.issued_at < end:
                continue
            key = (company, invoice.currency, invoice.exchange_rate)
            net, off, count = sums.get(key, (Decimal(0), Decimal(0), 0))
            sums[key] = (
                net + invoice.sign * sum((ln.line_extension for ln in invoice.lines), Decimal(0)),
                off + invoice.sign * sum((ln.discount for ln in invoice.lines), Decimal(0)),
                count + (0 if invoice.is_return else 1),
            )
        found = [Activity(c, cur, r, n, d, k) for (c, cur, r), (n, d, k) in sums.items()]
        return sorted(
            found, key=lambda a: (a.company_id, a.currency, Decimal(-1) if a.rate is None else a.rate)
        )

    def contacts(self, start: datetime, end: datetime) -> dict[CompanyId, tuple[int, int]]:
        """Per company: (calls, meetings) among interactions created in ``[start, end)``."""
        self._uow.check_usable()
        out: dict[CompanyId, tuple[int, int]] = {}
        for i in self._uow.interactions._rows():
            if start <= i.created_at < end:
                calls, meetings = out.get(i.company_id, (0, 0))
                out[i.company_id] = (
                    calls + (i.channel in _CALLS),
                    meetings + (i.channel is InteractionChannel.FACE_TO_FACE),
                )
        return out

    def offers(self, start: datetime, end: datetime) -> dict[CompanyId, tuple[int, int]]:
        """Per company: (decided, accepted) among offers decided in ``[start, end)`` (V9, I8)."""
        self._uow.check_usable()
        out: dict[CompanyId, tuple[int, int]] = {}
        for o in self._uow.offers._rows():
            if o.decided_at is not None and start <= o.decided_at < end:
                decided, accepted = out.get(o.company_id, (0, 0))
                out[o.company_id] = (decided + 1, accepted + (o.status is OfferStatus.ACCEPTED))
        return out

    def referrals(self, start: datetime, end: datetime) -> dict[CompanyId, int]:
        """Per company: how many companies registered in ``[start, end)`` it referred (V9, C7)."""
        self._uow.check_usable()
        out: dict[CompanyId, int] = {}
        for c in self._companies._rows():
            referrer = None if c.referred_by is None else c.referred_by.company_id
            if referrer is not None and start <= c.registered_at < end:
                out[referrer] = out.get(referrer, 0) + 1
        return out
