"""The audit trail: every committed change, who made it, old → new values (C12)."""

from __future__ import annotations

from crmkit.domain.audit import AuditEntry
from crmkit.domain.ids import parse_id
from crmkit.domain.permissions import may_read_changes_by
from crmkit.services.base import ActorRef, ServiceBase
from crmkit.services.record_sight import record_sight

__all__ = ["HistoryUseCases"]


class HistoryUseCases(ServiceBase):
    """``crm.parties.history`` / ``changes_by`` (C12).

    A company's history and that of its contacts, interactions and invoices
    follows the company's visibility (A8).
    """

    def history(self, *, actor: ActorRef, aggregate_type: str, aggregate_id: object) -> list[AuditEntry]:
        """Every committed change to a record, with who made it and old → new values (C12)."""
        regional = self._ctx.settings.regional_access
        with self._as(actor) as (uow, who):
            record_sight(
                uow, who, aggregate_type, aggregate_id, regional_access=regional, at=self._now()
            ).enforce()
            return uow.audit.for_record(aggregate_type, str(aggregate_id))

    def changes_by(
        self, *, actor: ActorRef, employee: object, limit: int = 100, offset: int = 0
    ) -> list[AuditEntry]:
        """Changes one employee made (C12); admins only."""
        with self._as(actor) as (uow, who):
            may_read_changes_by(who).enforce()
            return uow.audit.by_actor(str(parse_id("employee", employee)), limit=limit, offset=offset)
