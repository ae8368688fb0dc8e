"""Funnel reports over opportunities and offers (SPEC §5 I9, I8; §4 Q6): values and plain-Python sums.

The SQL adapter computes these in the database with ``GROUP BY``; the memory
adapter calls the functions here. Both return the same values because both
sum *integers* — amounts in minor units, probabilities in basis points — and
the one rounding to money happens in :meth:`ForecastRow.from_sums`. Rows come
back in a fixed order (:func:`ordered`), ``None`` keys first.

>>> row = ForecastRow.from_sums("rep-1", "2026-04", 2, 12_500_000, 12_500_000 * 4_000, "TRY")
>>> str(row.amount), str(row.weighted)
('125000.00 TRY', '50000.00 TRY')
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeVar

import attrs

from crmkit.domain.money import Money, minor_units
from crmkit.domain.offers import Offer, OfferStatus
from crmkit.domain.opportunities import Opportunity, StageEntry, basis_points, minor
from crmkit.domain.workflow_stages import StageKind

__all__ = [
    "ForecastGroup",
    "ForecastRow",
    "LeadSourceRow",
    "LossRow",
    "OfferRow",
    "RoutedRow",
    "StageStat",
    "forecast",
    "funnel_stats",
    "lead_sources",
    "losses",
    "month_of",
    "most_losses",
    "offer_rows",
    "ordered",
    "ratio",
    "routed_rows",
]

T = TypeVar("T")


class ForecastGroup(enum.StrEnum):
    """How the weighted forecast is grouped (I9): per rep and month, per team and month, or per month."""

    REP = "rep"
    TEAM = "team"
    MONTH = "month"


def ratio(part: int, whole: int) -> Decimal | None:
    """``part / whole`` to four decimals (half-even), ``None`` when ``whole`` is zero."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def month_of(day: date | None) -> str | None:
    """``YYYY-MM`` of ``day``; ``None`` for an opportunity with no expected close."""
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def ordered(rows: Iterable[T], *keys: Callable[[T], object]) -> list[T]:
    """``rows`` sorted by ``keys``, each ``None`` before any value (the order every back end returns)."""

    def key(row: T) -> tuple[object, ...]:
        out: list[object] = []
        for k in keys:
            value = k(row)
            out.extend((value is not None, "" if value is None else value))
        return tuple(out)

    return sorted(rows, key=key)


@attrs.frozen(kw_only=True)
class ForecastRow:
    """The open pipeline of one group and expected-close month (I9).

    Attributes:
        key: the rep's or team's id as text (``None``: no team; always ``None`` per month).
        month: ``YYYY-MM`` of the expected close (``None``: not set).
        opportunities: how many open opportunities with an amount.
        amount: their amounts' sum.
        weighted: Σ amount × probability, rounded once to the minor unit (half-even).
    """

    key: str | None
    month: str | None
    opportunities: int
    amount: Money
    weighted: Money

    @classmethod
    def from_sums(
        cls,
        key: str | None,
        month: str | None,
        count: int,
        amount_minor: int,
        weighted_e4: int,
        currency: str,
    ) -> ForecastRow:
        """A row from integer sums: minor units and minor units × basis points."""
        places = minor_units(currency)
        weighted = (Decimal(weighted_e4) / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return cls(
            key=key,
            month=month,
            opportunities=count,
            amount=Money(Decimal(amount_minor).scaleb(-places), currency),
            weighted=Money(weighted.scaleb(-places), currency),
        )


def _group_key(item: Opportunity, group: ForecastGroup) -> str | None:
    if group is ForecastGroup.REP:
        return str(item.owner_id)
    if group is ForecastGroup.TEAM:
        return None if item.owner_team_id is None else str(item.owner_team_id)
    return None


def forecast(
    items: Iterable[Opportunity],
    group: ForecastGroup,
    currency: str,
    since: date | None = None,
    until: date | None = None,
) -> list[ForecastRow]:
    """The weighted forecast of the open opportunities with an amount in ``currency`` (I9).

    ``since``/``until`` bound the expected close (half-open); with either given, opportunities
    without an expected close are left out.
    """
    sums: dict[tuple[str | None, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in items:
        if not item.is_open or item.amount is None or item.amount.currency != currency:
            continue
        close = item.expected_close
        if (since is not None or until is not None) and close is None:
            continue
        if close is not None and (
            (since is not None and close < since) or (until is not None and close >= until)
        ):
            continue
        cell = sums[(_group_key(item, group), month_of(close))]
        cell[0] += 1
        cell[1] += minor(item.amount)
        cell[2] += minor(item.amount) * basis_points(item.probability)
    rows = [ForecastRow.from_sums(k, m, c, a, w, currency) for (k, m), (c, a, w) in sums.items()]
    return ordered(rows, lambda r: r.key, lambda r: r.month)


@attrs.frozen(kw_only=True)
class StageStat:
    """How a funnel stage converts (I9).

    Attributes:
        stage: the stage.
        entered: how many times an opportunity entered it.
        moved_on: how many of those then moved to a stage that is not ``lost``.
        lost: how many of those were then lost (moved to a ``lost`` stage).
    """

    stage: str
    entered: int
    moved_on: int
    lost: int

    @property
    def conversion(self) -> Decimal | None:
        """``moved_on / entered`` (four decimals), ``None`` for a stage nobody entered."""
        return ratio(self.moved_on, self.entered)


def funnel_stats(stages: Sequence[str], entries: Iterable[StageEntry]) -> list[StageStat]:
    """Per stage of ``stages`` (in that order), entries, moves on and losses from its history (I9)."""
    by_opp: dict[object, dict[int, StageEntry]] = defaultdict(dict)
    for entry in entries:
        by_opp[entry.opportunity_id][entry.seq] = entry
    counts: dict[str, list[int]] = {s: [0, 0, 0] for s in stages}
    for history in by_opp.values():
        for seq, entry in history.items():
            cell = counts.setdefault(entry.stage, [0, 0, 0])
            cell[0] += 1
            after = history.get(seq + 1)
            if after is not None:
                cell[2 if after.kind is StageKind.LOST else 1] += 1
    names = [*stages, *sorted(set(counts) - set(stages))]
    return [StageStat(stage=s, entered=counts[s][0], moved_on=counts[s][1], lost=counts[s][2]) for s in names]


def most_losses(stats: Iterable[StageStat]) -> str | None:
    """The stage most opportunities were lost from (Q6); the earliest on a tie; ``None`` without losses."""
    best: StageStat | None = None
    for stat in stats:
        if stat.lost > 0 and (best is None or stat.lost > best.lost):
            best = stat
    return None if best is None else best.stage


def _within(at: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    return at is not None and (since is None or at >= since) and (until is None or at < until)


@attrs.frozen(kw_only=True)
class LossRow:
    """Lost opportunities per competitor, product and reason (I9).

    Attributes:
        competitor: who won instead (``None``: not known).
        product: the product offered (``None``: not named).
        reason: the loss reason.
        lost: how many.
    """

    competitor: str | None
    product: str | None
    reason: str
    lost: int


def losses(items: Iterable[Opportunity], since: datetime | None, until: datetime | None) -> list[LossRow]:
    """Opportunities lost (closed) in ``[since, until)`` per competitor, product and reason (I9)."""
    counts: Counter[tuple[str | None, str | None, str]] = Counter()
    for item in items:
        if item.stage_kind is StageKind.LOST and _within(item.closed_at, since, until):
            counts[(item.competitor, item.product, item.loss_reason or "")] += 1
    rows = [LossRow(competitor=c, product=p, reason=r, lost=n) for (c, p, r), n in counts.items()]
    return ordered(rows, lambda r: r.competitor, lambda r: r.product, lambda r: r.reason)


@attrs.frozen(kw_only=True)
class RoutedRow:
    """Opportunities routed to a rep or a dealer and closed (Q6).

    Attributes:
        kind: ``"rep"`` or ``"dealer"``.
        key: the rep's employee id or the dealer's company id, as text.
        routed: opened in the period with him (or it) as owner (dealer).
        won: won (closed) in the period.
        lost: lost (closed) in the period.
    """

    kind: str
    key: str
    routed: int
    won: int
    lost: int

    @property
    def win_rate(self) -> Decimal | None:
        """``won / (won + lost)``, four decimals; ``None`` with nothing closed."""
        return ratio(self.won, self.won + self.lost)


def routed_rows(
    items: Iterable[Opportunity], since: datetime | None, until: datetime | None
) -> list[RoutedRow]:
    """Per rep and per dealer: opportunities routed, won and lost in ``[since, until)`` (Q6)."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in items:
        keys = [("rep", str(item.owner_id))]
        if item.dealer_id is not None:
            keys.append(("dealer", str(item.dealer_id)))
        for key in keys:
            if _within(item.created_at, since, until):
                cells[key][0] += 1
            if _within(item.closed_at, since, until) and item.stage_kind in (StageKind.WON, StageKind.LOST):
                cells[key][1 if item.stage_kind is StageKind.WON else 2] += 1
    rows = [
        RoutedRow(kind=k, key=v, routed=c[0], won=c[1], lost=c[2]) for (k, v), c in cells.items() if any(c)
    ]
    return ordered(rows, lambda r: r.kind, lambda r: r.key)


@attrs.frozen(kw_only=True)
class LeadSourceRow:
    """Opportunities opened in the period per lead source (Q6).

    Attributes:
        source: the lead source (``None``: not recorded).
        opportunities: how many.
    """

    source: str | None
    opportunities: int


def lead_sources(
    items: Iterable[Opportunity], since: datetime | None, until: datetime | None
) -> list[LeadSourceRow]:
    """Opportunities opened in ``[since, until)`` per lead source (Q6)."""
    counts = Counter(item.lead_source for item in items if _within(item.created_at, since, until))
    return ordered([LeadSourceRow(source=s, opportunities=n) for s, n in counts.items()], lambda r: r.source)


@attrs.frozen(kw_only=True)
class OfferRow:
    """A rep's offers sent in the period and their outcome (Q6, I8).

    Attributes:
        rep: the sending rep's id as text.
        given: offers sent.
        accepted: of those, accepted.
        rejected: of those, rejected.
    """

    rep: str
    given: int
    accepted: int
    rejected: int

    @property
    def acceptance(self) -> Decimal | None:
        """``accepted / (accepted + rejected)``, four decimals; ``None`` with no decision yet."""
        return ratio(self.accepted, self.accepted + self.rejected)


def offer_rows(items: Iterable[Offer], since: datetime | None, until: datetime | None) -> list[OfferRow]:
    """Per rep, the offers sent in ``[since, until)`` and how many were accepted or rejected (Q6)."""
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in items:
        if _within(item.sent_at, since, until):
            cell = cells[str(item.sent_by)]
            cell[0] += 1
            if item.status is OfferStatus.ACCEPTED:
                cell[1] += 1
            elif item.status is OfferStatus.REJECTED:
                cell[2] += 1
    return ordered(
        [OfferRow(rep=r, given=c[0], accepted=c[1], rejected=c[2]) for r, c in cells.items()], lambda r: r.rep
    )
