"""Response-time KPIs in working hours: ``crm.response_times`` (SPEC §5 I3; §3 A7).

The CRM's working calendar comes from the composition root
(``ServiceContext.calendar``: by default Monday–Friday 09:00–18:00 in the
CRM's time zone with Turkey's public holidays); without one, the same hours
with no holidays. Interactions are stamped with their response and
resolution times in working seconds whenever they are written
(:func:`stamp_times`), and :meth:`ResponseTimeUseCases.kpis` asks the storage
for counts, averages and percentiles per channel, team or rep over the
interactions the actor may see (the policy's predicate runs in the database).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crmkit.domain.access import visibility_predicate
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.interactions import Interaction
from crmkit.domain.periods import require_aware
from crmkit.domain.response_times import (
    DEFAULT_PERCENTILES,
    KpiGroup,
    ResponseKpi,
    parse_percentiles,
    stamp,
)
from crmkit.services.base import ActorRef, ServiceContext, parse_enum
from crmkit.services.policy import PolicyUseCases

__all__ = ["OFFICE_HOURS", "ResponseTimeUseCases", "stamp_times", "working_calendar"]

OFFICE_HOURS = {day: [("09:00", "18:00")] for day in range(5)}
"""The default working week: Monday to Friday, 09:00–18:00 local time."""


def working_calendar(context: ServiceContext) -> WorkingCalendar:
    """The CRM's working calendar: the context's, else :data:`OFFICE_HOURS` in the CRM's time zone."""
    if context.calendar is not None:
        return context.calendar()
    return WorkingCalendar.weekly(OFFICE_HOURS, timezone=context.settings.timezone)


def stamp_times(context: ServiceContext, item: Interaction) -> Interaction:
    """``item`` with its working-time response and resolution figures (I3) under the CRM's calendar."""
    return stamp(item, working_calendar(context))


class ResponseTimeUseCases(PolicyUseCases):
    """Response-time KPIs per channel, team or rep (I3), over what the actor may see (A7)."""

    def kpis(
        self,
        *,
        actor: ActorRef,
        by: str | KpiGroup = KpiGroup.CHANNEL,
        since: datetime | None = None,
        until: datetime | None = None,
        percentiles: Sequence[int] = DEFAULT_PERCENTILES,
        at: datetime | None = None,
    ) -> list[ResponseKpi]:
        """Count, average and nearest-rank percentiles of response and resolution times in working hours.

        Over the interactions created in ``[since, until)`` (either open) at companies the
        actor may see at ``at`` (A1–A7), grouped ``by`` channel, team or rep, in the database.

        Raises:
            ValidationError: naming ``by``, ``since``, ``until`` or ``percentiles``.
            PermissionDenied: the actor may not act (A5).
        """
        group = parse_enum(KpiGroup, "by", by)
        wanted = parse_percentiles(percentiles)
        if since is not None:
            require_aware("since", since)
        if until is not None:
            require_aware("until", until)
        when = self._at(at)
        with self._work(None) as uow:
            predicate = visibility_predicate(self._actor(uow, actor), when)
            return uow.interactions.response_kpis(
                predicate, group=group, since=since, until=until, percentiles=wanted
            )
