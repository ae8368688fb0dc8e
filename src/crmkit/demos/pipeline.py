"""The seed organisation's sales pipeline, for the demo's tour (SPEC §5 I9, I11; Q6).

Each rep of :mod:`crmkit.demos.organisation` works a few opportunities at his own customers
through the funnel of :data:`crmkit.demos.interactions.FUNNEL` (defined here when the CRM has
none yet): some stay open at ``teklif`` or ``pazarlık`` with an expected close in the coming
months (the weighted forecast), some are won with the amount agreed, some lost with a reason
and the competitor. One rep's visit to a customer is priced at dated rates (I11).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs

from crmkit.bootstrap import Crm
from crmkit.demos.interactions import FUNNEL
from crmkit.demos.organisation import Organisation
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.money import Money
from crmkit.domain.opportunities import Opportunity
from crmkit.domain.parties import Company
from crmkit.domain.visits import Visit

__all__ = ["COMPETITORS", "Pipeline", "build_pipeline"]

COMPETITORS = (
    ("Fiyat", "Rakip Kimya A.Ş."),
    ("Teslim süresi", "Anadolu Temizlik"),
    ("Fiyat", "Anadolu Temizlik"),
)
"""The reasons and competitors the lost opportunities cycle through (I9)."""

_PRODUCTS = ("Sıvı Sabun", "Kolonya", "Dezenfektan", "Yüzey Temizleyici")
_SOURCES = ("fuar", "referans", "web_form")
_LATE = ("teklif", "pazarlık")


@attrs.frozen
class Pipeline:
    """What :func:`build_pipeline` made.

    Attributes:
        opened: every opportunity, in its final state.
        visit: the one priced visit.
    """

    opened: list[Opportunity]
    visit: Visit


def _month_ahead(today: date, months: int) -> date:
    """The 15th of the month ``months`` after ``today``'s."""
    index = today.year * 12 + today.month - 1 + months
    return date(index // 12, index % 12 + 1, 15)


def _deal(
    crm: Crm, rep: EmployeeId, customer: Company, n: int, amount: int, when: date, stages: tuple[str, ...]
) -> Opportunity:
    """Open one opportunity for ``rep`` at ``customer`` and move it through ``stages`` (I9)."""
    product = _PRODUCTS[n % len(_PRODUCTS)]
    found = crm.opportunities.open(
        actor=rep, company=customer.id, title=f"{product} — {customer.name}", amount=str(amount),
        expected_close=when, product=product, lead_source=_SOURCES[n % len(_SOURCES)],
    )  # fmt: skip
    for stage in stages:
        found = crm.opportunities.move(actor=rep, opportunity=found.id, to_stage=stage)
    return found


def build_pipeline(crm: Crm, admin: EmployeeId, org: Organisation, now: datetime) -> Pipeline:
    """Open, move, win and lose a few opportunities per rep of ``org``; price one visit."""
    try:
        crm.opportunities.funnel(actor=admin)
    except ValidationError:
        crm.opportunities.define_funnel(actor=admin, definition=FUNNEL)
    own = {rep.id: [c for c in org.customers if org.rep_of_code.get(c.segmentation.micro_region or "") is rep]
           for rep in org.reps}  # fmt: skip
    today, ops = now.date(), crm.opportunities
    opened: list[Opportunity] = []
    for i, rep in enumerate(org.reps):
        shops, ahead = own[rep.id], _month_ahead(today, 1 + i % 2)
        opened.append(_deal(crm, rep.id, shops[0], i, 40_000 + 10_000 * i, ahead, ("teklif",)))
        if i % 2 == 0:  # a larger deal at the bargaining table
            big = _deal(crm, rep.id, shops[1], i + 1, 90_000 + 15_000 * i, _month_ahead(today, 2), _LATE)
            opened.append(big)
        if i % 4 != 3:  # won for a little less than asked
            won = _deal(crm, rep.id, shops[2], i + 2, 60_000 + 5_000 * i, today, _LATE)
            opened.append(ops.win(actor=rep.id, opportunity=won.id, amount=str(55_000 + 5_000 * i)))
        if i % 3 != 2:  # lost to a competitor, early or after the offer
            lost = _deal(crm, rep.id, shops[3], i + 3, 30_000 + 2_500 * i, today, _LATE[: 1 - i % 2])
            reason, competitor = COMPETITORS[i % len(COMPETITORS)]
            opened.append(ops.lose(actor=rep.id, opportunity=lost.id, reason=reason, competitor=competitor))
    rep, customer = org.reps[0], own[org.reps[0].id][0]
    since = datetime(now.year, now.month, 1, tzinfo=now.tzinfo) - timedelta(days=1)
    crm.service.set_rate(actor=admin, technician=rep.id, valid_from=since, amount=Money("400", "TRY"))
    crm.service.set_rate(
        actor=admin, vehicle="34 REP 01", valid_from=since, amount=Money("5.50", "TRY"),
        fuel_per_km=Money("3.75", "TRY"),
    )  # fmt: skip
    visit = crm.visits.record(
        actor=rep.id, company=customer.id, km=Decimal("64.2"), hours=Decimal("2.5"), vehicle="34 REP 01",
        note="Yıllık sözleşme görüşmesi",
    )  # fmt: skip
    return Pipeline(opened, visit)
