"""The figures customer scoring reads (V9), aggregated in the database.

:class:`SqlScoring` is mixed into :class:`~crmkit.adapters.sqlalchemy.targets.SqlTargetRepository`:
per customer, currency and rate one ``GROUP BY`` over its invoices (signed net,
signed discounts, purchase count; on SQLite amounts are summed as whole
millionths, exactly), per customer one over its interactions (calls,
meetings) and one over its offers decided in the period (decided, accepted).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy._convert import utc, uuid_of
from crmkit.adapters.sqlalchemy.tables import companies
from crmkit.adapters.sqlalchemy.tables.interaction import interactions
from crmkit.adapters.sqlalchemy.tables.invoice import invoice_lines, invoices
from crmkit.adapters.sqlalchemy.tables.opportunities import offers as offer_table
from crmkit.domain.ids import CompanyId
from crmkit.domain.interactions import InteractionChannel
from crmkit.domain.invoices import InvoiceKind
from crmkit.domain.offers import OfferStatus
from crmkit.domain.scoring import Activity

__all__ = ["CALL_CHANNELS", "SqlScoring"]

CALL_CHANNELS = (InteractionChannel.PHONE.value, InteractionChannel.CALL_CENTRE.value)
"""The interaction channels that count as calls (V9); face-to-face ones are meetings."""
_MILLION = Decimal(1_000_000)


class SqlScoring:
    """Scoring reads of the SQL target repository (V9)."""

    _uow: Any

    def activity(self, start: datetime, end: datetime) -> list[Activity]:
        """Per customer (by tax number), currency and rate: signed net, discounts, purchases in the range."""
        sqlite = self._uow.connection.dialect.name == "sqlite"
        inv, ln, comp = invoices, invoice_lines, companies
        net: Any = ln.c.line_extension
        off: Any = ln.c.discount
        if sqlite:  # decimal text: whole millionths, exactly
            net = sa.cast(sa.func.round(net * 1_000_000), sa.Integer)
            off = sa.cast(sa.func.round(off * 1_000_000), sa.Integer)
        per = (
            sa.select(
                ln.c.invoice_id.label("iid"), sa.func.sum(net).label("net"), sa.func.sum(off).label("off")
            )
            .group_by(ln.c.invoice_id)
            .subquery("per_invoice")
        )
        is_return = inv.c.kind == InvoiceKind.RETURN.value
        query = (
            sa.select(
                comp.c.id,
                inv.c.currency,
                inv.c.exchange_rate,
                sa.func.sum(sa.case((is_return, -per.c.net), else_=per.c.net)),
                sa.func.sum(sa.case((is_return, -per.c.off), else_=per.c.off)),
                sa.func.sum(sa.case((is_return, 0), else_=1)),
            )
            .select_from(per)
            .join(inv, inv.c.id == per.c.iid)
            .join(comp, comp.c.tax_no == inv.c.buyer_key)
            .where(inv.c.issued_at >= utc(start), inv.c.issued_at < utc(end))
            .group_by(comp.c.id, inv.c.currency, inv.c.exchange_rate)
        )
        found = []
        for company, currency, rate, total, discounts, count in self._uow.execute(query).all():
            scale = (lambda v: Decimal(int(v)) / _MILLION) if sqlite else Decimal
            found.append(
                Activity(
                    CompanyId(uuid_of(company)),
                    currency,
                    None if rate is None else Decimal(rate),
                    scale(total),
                    scale(discounts),
                    int(count),
                )
            )
        return sorted(
            found, key=lambda a: (a.company_id, a.currency, Decimal(-1) if a.rate is None else a.rate)
        )

    def contacts(self, start: datetime, end: datetime) -> dict[CompanyId, tuple[int, int]]:
        """Per company: (calls, meetings) among interactions created in ``[start, end)``."""
        i = interactions
        calls = sa.func.sum(sa.case((i.c.channel.in_(CALL_CHANNELS), 1), else_=0))
        meetings = sa.func.sum(sa.case((i.c.channel == InteractionChannel.FACE_TO_FACE.value, 1), else_=0))
        query = (
            sa.select(i.c.company_id, calls, meetings)
            .where(i.c.created_at >= utc(start), i.c.created_at < utc(end))
            .group_by(i.c.company_id)
        )
        return {CompanyId(uuid_of(c)): (int(a), int(b)) for c, a, b in self._uow.execute(query).all()}

    def offers(self, start: datetime, end: datetime) -> dict[CompanyId, tuple[int, int]]:
        """Per company: (decided, accepted) among offers decided in ``[start, end)`` (V9, I8)."""
        o = offer_table
        accepted = sa.func.sum(sa.case((o.c.status == OfferStatus.ACCEPTED.value, 1), else_=0))
        query = (
            sa.select(o.c.company_id, sa.func.count(), accepted)
            .where(
                o.c.status.in_([OfferStatus.ACCEPTED.value, OfferStatus.REJECTED.value]),
                o.c.decided_at >= utc(start),
                o.c.decided_at < utc(end),
            )
            .group_by(o.c.company_id)
        )
        return {CompanyId(uuid_of(c)): (int(n), int(a)) for c, n, a in self._uow.execute(query).all()}

    def referrals(self, start: datetime, end: datetime) -> dict[CompanyId, int]:
        """Per company: how many companies registered in ``[start, end)`` it referred (V9, C7)."""
        c = companies
        query = (
            sa.select(c.c.referred_by_company_id, sa.func.count())
            .where(
                c.c.referred_by_company_id.is_not(None),
                c.c.registered_at >= utc(start),
                c.c.registered_at < utc(end),
            )
            .group_by(c.c.referred_by_company_id)
        )
        return {CompanyId(uuid_of(r)): int(n) for r, n in self._uow.execute(query).all()}
