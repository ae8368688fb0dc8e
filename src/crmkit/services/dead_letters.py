"""Dead outbox messages: list them and put them back in the queue (§9): ``crm.outbox``.

After a provider outage every message ends dead once its retries run out.
An admin lists them — all, one campaign's, or those whose last error
contains a text — and re-queues the same selection; each re-queued message
gets an audit entry (C12) naming who did it, and the dispatcher sends it
again with a fresh attempt budget.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from crmkit.domain.ids import parse_id
from crmkit.domain.limits import NOTE_MAX, check_page, check_text
from crmkit.domain.messaging import OutboxMessage, OutboxState
from crmkit.domain.permissions import may_manage_outbox
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceBase
from crmkit.services.guard import filtered_page

__all__ = ["DeadLetters"]

_CHUNK = 500


def _dead(uow: UnitOfWork) -> Iterator[OutboxMessage]:
    start = 0
    while True:
        rows = uow.outbox.list(OutboxState.DEAD, limit=_CHUNK, offset=start)
        yield from rows
        if len(rows) < _CHUNK:
            return
        start += _CHUNK


class DeadLetters(ServiceBase):
    """List and re-queue dead outbox messages; admins only (§9, A2)."""

    @staticmethod
    def _matcher(campaign: object | None, error: str | None) -> tuple[uuid.UUID | None, str | None]:
        wanted = None if campaign is None else parse_id("campaign", campaign)
        needle = None if error is None else check_text("error", error, NOTE_MAX).casefold()
        return wanted, needle

    @staticmethod
    def _matches(message: OutboxMessage, campaign: uuid.UUID | None, error: str | None) -> bool:
        if campaign is not None and message.campaign_id != campaign:
            return False
        return error is None or error in (message.last_error or "").casefold()

    def dead(
        self,
        *,
        actor: ActorRef,
        campaign: object | None = None,
        error: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[OutboxMessage]:
        """Dead messages, oldest first: all, one ``campaign``'s, or those whose last error contains ``error``.

        Raises:
            PermissionDenied: the actor is no admin.
            ValidationError: a bad ``error``, ``limit`` or ``offset``.
        """
        check_page(limit, offset)
        wanted, needle = self._matcher(campaign, error)
        with self._as(actor) as (uow, who):
            may_manage_outbox(who).enforce()
            return filtered_page(
                lambda n, at: uow.outbox.list(OutboxState.DEAD, limit=n, offset=at),
                lambda m: self._matches(m, wanted, needle),
                limit=limit,
                offset=offset,
            )

    def requeue_dead(
        self, *, actor: ActorRef, campaign: object | None = None, error: str | None = None
    ) -> int:
        """Put the selected dead messages back in the queue, due now; returns how many (§9).

        Each gets an audit entry (C12) with the actor; the dispatcher sends them
        again with a fresh attempt budget. Messages that are no longer dead are left alone.

        Raises:
            PermissionDenied: the actor is no admin.
        """
        wanted, needle = self._matcher(campaign, error)
        with self._as(actor) as (uow, who):
            may_manage_outbox(who).enforce()
            ids = [m.id for m in _dead(uow) if self._matches(m, wanted, needle)]
            return len(uow.outbox.requeue(ids, self._now()))
