"""Funnel reports and activity KPIs of ``crm.opportunities`` (SPEC §5 I9, I8; §4 Q6; §3 A8).

Every report runs the actor's visibility predicate in the storage (A7, A8):
a rep sees the pipeline of the companies he may see, a manager his teams',
an admin everyone's. The sums are computed in the database (``GROUP BY``
over integer columns) and equal the plain-Python reference of
:mod:`crmkit.domain.pipeline` on every back end.

* :meth:`PipelineReports.forecast` — the weighted pipeline per rep, team or month (I9);
* :meth:`PipelineReports.conversion` — entries, moves on and losses per funnel stage (I9);
* :meth:`PipelineReports.losses` — lost opportunities per competitor, product and reason (I9);
* :meth:`PipelineReports.activity` — the Q6 activity KPIs: offers given and accepted per rep,
  opportunities routed to and closed by each rep and dealer with the win rate, the funnel
  stage with most losses, and lead-source counts. (Sales per rep and department, the other
  Q6 figure, is ``crm.targets.sales_by_rep``.)
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from crmkit.domain.access import Action, Actor, InteractionResource, decide, visibility_predicate
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, parse_id
from crmkit.domain.interactions import InteractionId
from crmkit.domain.opportunities import DEFAULT_FUNNEL, Opportunity, OpportunityId, StageEntry
from crmkit.domain.periods import require_aware
from crmkit.domain.pipeline import (
    ForecastGroup,
    ForecastRow,
    LeadSourceRow,
    LossRow,
    OfferRow,
    RoutedRow,
    StageStat,
    most_losses,
)
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, parse_enum
from crmkit.services.customers import facts_of
from crmkit.services.policy import PolicyUseCases

__all__ = ["ActivityKpis", "PipelineReports"]


@attrs.frozen(kw_only=True)
class ActivityKpis:
    """The activity KPIs of Q6 over a period.

    Attributes:
        offers: per rep, offers sent and how many were accepted or rejected (I8).
        routed: per rep and per dealer, opportunities routed to them and won or lost, with the win rate.
        stages: the funnel's stages with entries, moves on and losses (I9).
        most_losses: the funnel stage most opportunities were lost from, ``None`` without losses.
        lead_sources: opportunities opened per lead source.
    """

    offers: tuple[OfferRow, ...]
    routed: tuple[RoutedRow, ...]
    stages: tuple[StageStat, ...]
    most_losses: str | None
    lead_sources: tuple[LeadSourceRow, ...]


def _bounds(since: datetime | None, until: datetime | None) -> None:
    for field, value in (("since", since), ("until", until)):
        if value is not None:
            require_aware(field, value)
    if since is not None and until is not None and until < since:
        raise ValidationError("until", "a period ends after it starts")


class PipelineReports(PolicyUseCases):
    """Reads of ``crm.opportunities``: one, a listing, the history; forecast, conversion, losses, Q6 KPIs."""

    def forecast(
        self,
        *,
        actor: ActorRef,
        by: str | ForecastGroup = ForecastGroup.REP,
        currency: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[ForecastRow]:
        """The weighted forecast of the open pipeline per rep, team or month (I9).

        ``since``/``until`` bound the expected close (half-open). Rows come per group and month, in
        ``currency`` (default: the CRM's); opportunities in other currencies are left out.

        Raises:
            ValidationError: naming ``by``, ``currency``, ``since`` or ``until``.
        """
        group = parse_enum(ForecastGroup, "by", by)
        currency = self._ctx.settings.currency if currency is None else currency
        if not isinstance(currency, str) or len(currency) != 3:
            raise ValidationError("currency", f"{currency!r} is not an ISO 4217 currency code")
        for field, value in (("since", since), ("until", until)):
            if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
                raise ValidationError(field, f"{value!r} is not a calendar date")
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            return uow.opportunities.forecast(
                visibility_predicate(who, now),
                group=group,
                currency=currency.upper(),
                since=since,
                until=until,
            )

    def conversion(
        self,
        *,
        actor: ActorRef,
        funnel: str = DEFAULT_FUNNEL,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[StageStat]:
        """Per stage of ``funnel``: how often it was entered, moved on from and lost from (I9).

        Over the opportunities opened in ``[since, until)`` the actor may see.

        Raises:
            ValidationError: naming ``funnel`` when undefined, ``since`` or ``until``.
        """
        _bounds(since, until)
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            try:
                flow = uow.workflows.get(funnel)
            except NotFound:
                raise ValidationError("funnel", f"there is no funnel {funnel!r}") from None
            return uow.opportunities.funnel(
                visibility_predicate(who, now),
                funnel=funnel,
                stages=list(flow.stage_names),
                since=since,
                until=until,
            )

    def losses(
        self, *, actor: ActorRef, since: datetime | None = None, until: datetime | None = None
    ) -> list[LossRow]:
        """Opportunities lost in ``[since, until)`` per competitor, product and reason (I9).

        Raises:
            ValidationError: naming ``since`` or ``until``.
        """
        _bounds(since, until)
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            return uow.opportunities.losses(visibility_predicate(who, now), since=since, until=until)

    def activity(
        self,
        *,
        actor: ActorRef,
        since: datetime | None = None,
        until: datetime | None = None,
        funnel: str = DEFAULT_FUNNEL,
    ) -> ActivityKpis:
        """The Q6 activity KPIs of ``[since, until)`` over the records the actor may see (A8).

        Raises:
            ValidationError: naming ``since`` or ``until``.
        """
        _bounds(since, until)
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            seen = visibility_predicate(who, now)
            try:
                names = list(uow.workflows.get(funnel).stage_names)
            except NotFound:
                names = []
            stages = uow.opportunities.funnel(seen, funnel=funnel, stages=names, since=since, until=until)
            return ActivityKpis(
                offers=tuple(uow.offers.per_rep(seen, since=since, until=until)),
                routed=tuple(uow.opportunities.routed(seen, since=since, until=until)),
                stages=tuple(stages),
                most_losses=most_losses(stages),
                lead_sources=tuple(uow.opportunities.lead_sources(seen, since=since, until=until)),
            )

    # -- reading -------------------------------------------------------------------------
    def _seen(self, uow: UnitOfWork, who: Actor, current: Opportunity) -> Opportunity:
        now = self._now()
        resource = InteractionResource(
            company=facts_of(uow, uow.companies.get(current.company_id), now), owner_id=current.owner_id
        )
        decide(who, Action.VIEW, resource, now).enforce()
        return current

    def get(self, *, actor: ActorRef, opportunity: object) -> Opportunity:
        """One opportunity, when the actor may see its company (A8).

        Raises:
            NotFound: no such opportunity.
            PermissionDenied: with the policy's reason.
        """
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            return self._seen(
                uow, who, uow.opportunities.get(OpportunityId(parse_id("opportunity", opportunity)))
            )

    def history(self, *, actor: ActorRef, opportunity: object) -> list[StageEntry]:
        """The stages the opportunity entered, in order (I9), when the actor may see it (A8)."""
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            found = self._seen(
                uow, who, uow.opportunities.get(OpportunityId(parse_id("opportunity", opportunity)))
            )
            return uow.opportunities.history(found.id)

    def visible(
        self,
        *,
        actor: ActorRef,
        owner: object | None = None,
        company: object | None = None,
        interaction: object | None = None,
        open_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Opportunity]:
        """Opportunities at the companies the actor may see (A7, A8), newest first.

        Filtered by ``owner``, ``company``, the ``interaction`` they were converted from (I4), ``open_only``.
        """
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            return uow.opportunities.visible(
                visibility_predicate(who, now),
                owner=None if owner is None else EmployeeId(parse_id("owner", owner)),
                company=None if company is None else CompanyId(parse_id("company", company)),
                interaction=None
                if interaction is None
                else InteractionId(parse_id("interaction", interaction)),
                open_only=open_only,
                limit=limit,
                offset=offset,
            )
