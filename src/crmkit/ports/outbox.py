"""Outbox and consent repositories, reached through the unit of work (SPEC §8 M3, §9; issue 6).

``uow.outbox`` holds messages written in the same transaction as the change
that caused them (a rolled-back change sends nothing). The dispatcher
claims due messages in one unit of work, sends them outside any
transaction, and records the outcomes in another; a claim is a lease that
lapses, so a crashed dispatcher's messages are claimed again.

Delivery reports are written back to the message sent with the provider id
they name (:meth:`OutboxRepository.by_provider_ids`,
:meth:`OutboxRepository.record_deliveries`); messages still waiting for one
are polled in pages (:meth:`OutboxRepository.awaiting_delivery`).

E-mail attachments are stored once per distinct content and shared by every
message that carries it (:meth:`OutboxRepository.stored_files`).

``uow.consents`` keeps every consent decision as history (M3).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from crmkit.domain.messaging import Channel, ConsentRecord, ConsentState, OutboxMessage, OutboxState

__all__ = ["ConsentRepository", "OutboxCopy", "OutboxRepository"]

OutboxCopy = tuple[uuid.UUID, str, str, uuid.UUID | None]
"""One recipient of a template: ``(id, key, recipient, contact_id)`` (see ``add_copies``)."""


class OutboxRepository(Protocol):
    """Messages waiting to be delivered, and what became of them."""

    def add(self, message: OutboxMessage) -> None:
        """Enqueue a message in this unit of work.

        Raises:
            Duplicate: the id or the idempotency ``key`` is taken (field ``key`` or ``id``).
        """
        ...

    def add_many(self, messages: Iterable[OutboxMessage]) -> None:
        """Enqueue many messages in one batch; all or nothing.

        Raises:
            Duplicate: as :meth:`add`.
        """
        ...

    def add_copies(self, template: OutboxMessage, copies: Sequence[OutboxCopy]) -> None:
        """Enqueue one message per ``(id, key, recipient, contact_id)``, each ``template`` otherwise.

        The same as ``add_many`` of the template evolved once per copy, all or nothing,
        without building a message value per recipient (a campaign: one text, a
        hundred thousand recipients; issue 6 item 9).

        Raises:
            Duplicate: as :meth:`add`.
            ValidationError: a key or recipient longer than storage keeps, naming the field.
        """
        ...

    def get(self, id: uuid.UUID) -> OutboxMessage:
        """The message with this id.

        Raises:
            NotFound: there is none.
        """
        ...

    def by_key(self, key: str) -> OutboxMessage | None:
        """The message with this idempotency key, or ``None``."""
        ...

    def cancel(self, id: uuid.UUID, now: datetime, reason: str) -> bool:
        """Mark a pending message not yet due at ``now`` as skipped with ``reason`` (issue 14, I13).

        Returns:
            ``True`` when it was cancelled; ``False`` when it is unknown, due, claimed or final
            (a message is cancellable only until it is due). Idempotent: a second cancel is ``False``.
        """
        ...

    def claim(self, token: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Claim up to ``limit`` messages claimable at ``now`` under ``token``.

        Lapsed claims come first, then pending messages, each oldest due first
        (messages due at the same moment in no particular order).

        Each comes back as
        :meth:`OutboxMessage.claim_for <crmkit.domain.messaging.OutboxMessage.claim_for>`
        made it (one more attempt, due again at ``now + lease``; a lapsed claim that was handed over
        counts one more uncertain attempt, see :meth:`hand_over`). Units of work claiming at the
        same time never get the same message: rows locked by another are
        skipped (``FOR UPDATE SKIP LOCKED``) or the claim is a conditional
        update that loses the race. Nothing is claimed for others to see
        until :meth:`UnitOfWork.commit <crmkit.ports.storage.UnitOfWork.commit>`. Not idempotent.
        """
        ...

    def hand_over(
        self, token: str, id: uuid.UUID, now: datetime, outcomes: Sequence[OutboxMessage] = ()
    ) -> tuple[list[uuid.UUID], bool]:
        """Store ``outcomes`` as :meth:`finish` does, record that message ``id`` is being handed over, commit.

        The message claimed under ``token`` gets ``sent_at`` ``now`` while it stays claimed
        (:meth:`OutboxMessage.handed_over <crmkit.domain.messaging.OutboxMessage.handed_over>`).
        Committed before the send, together with the outcomes of the messages sent before
        it, it tells the next claim — after a crash — that this attempt's outcome is
        unknown, and only this one (§9).

        It commits the unit of work (with anything else staged in it) before it returns:
        the record must be durable before the send, and a write that is its own commit is
        what a back end can make cheapest — one statement, and on PostgreSQL one round trip
        when nothing else is open (issue 11 item 8). The unit of work goes on in a new
        transaction, as after :meth:`~crmkit.ports.storage.UnitOfWork.commit`.

        Returns:
            The ids among ``outcomes`` whose claim was lost (as :meth:`finish`), and whether
            ``id`` is still held by ``token``: when not (the lease lapsed and another
            dispatcher took it) nothing is written for it and it must not be sent.

        Raises:
            ConcurrencyConflict: the write or its commit lost a race; hand over again.
        """
        ...

    def finish(self, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Store the outcomes of messages claimed under ``token``, batched.

        ``messages`` are the claimed values after ``sent``/``failed``/``skipped``.
        Each is written only if the stored row is still held by ``token``; the
        ids of those whose claim was lost — the lease lapsed and another
        dispatcher took them — are returned, and nothing is written for them.
        """
        ...

    def by_provider_ids(
        self, channel: Channel, provider_ids: Iterable[str]
    ) -> dict[str, list[OutboxMessage]]:
        """Sent messages of ``channel`` by the provider id their gateway returned (few queries).

        Ids no message was sent with are left out.
        """
        ...

    def record_deliveries(self, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Store final delivery reports (values made by ``delivery_reported``), batched.

        Each is written only if the stored message is sent and has no final
        report yet; the ids of the others (a concurrent report won) are
        returned, and nothing is written for them.
        """
        ...

    def awaiting_delivery(
        self, channel: Channel, *, after: tuple[datetime, uuid.UUID] | None = None, limit: int = 500
    ) -> list[OutboxMessage]:
        """Sent messages of ``channel`` without a final delivery report, by sending time then id.

        ``after`` is the ``(sent_at, id)`` of the last message of the previous page.
        """
        ...

    def count(self, state: OutboxState | None = None) -> int:
        """How many messages there are (in ``state``, if given)."""
        ...

    def stored_files(self) -> tuple[int, int]:
        """``(distinct attachment contents, their bytes together)`` held, this unit of work's included.

        Attachments are stored once per distinct content (by SHA-256), however many
        messages carry them: a campaign's copies of one brochure count once (issue 6
        items 2, 7; M2).
        """
        ...

    def requeue(self, ids: Sequence[uuid.UUID], now: datetime) -> list[OutboxMessage]:
        """Put the dead messages among ``ids`` back in the queue, due at ``now`` (§9).

        Each requeued message gets an audit entry (C12) under ``outbox_message``;
        ids of messages that are not dead are skipped. Returns the requeued messages.
        """
        ...

    def list(
        self, state: OutboxState | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[OutboxMessage]:
        """Messages (in ``state``, if given), ordered by creation time then id."""
        ...


class ConsentRepository(Protocol):
    """Consent decisions per channel and address, kept as history (M3)."""

    def add(self, record: ConsentRecord) -> None:
        """Record a decision (records are never changed or deleted).

        Raises:
            Duplicate: the id is taken.
        """
        ...

    def history(self, channel: Channel, address: str) -> list[ConsentRecord]:
        """Every decision for one address on one channel, oldest first (ties by id)."""
        ...

    def current(self, channel: Channel, addresses: Iterable[str], at: datetime) -> dict[str, ConsentState]:
        """The decision in force at ``at`` per address (few queries); never-asked addresses are left out."""
        ...
