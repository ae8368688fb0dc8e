"""Outbox storages broken on purpose; :class:`~crmkit.testing.contracts.OutboxRepositoryContract` fails each.

Every mutant wraps a working storage (``Mutant(storage)``) and breaks one
promise of ``uow.outbox`` or ``uow.consents`` the way real adapters have: a
claim that does not hold what it hands out, a retry that loses its due time,
a permanent failure retried for ever, a lapsed claim never handed out again,
outcomes written under a claim that was lost, the newest message claimed
first, consent read as it is now instead of at the time asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit.domain.messaging import Channel, ConsentState, OutboxMessage, OutboxState
from crmkit.ports.storage import UnitOfWork
from crmkit.testing.mutants._wrapping import Passthrough, StorageMutant

__all__ = [
    "MUTANTS",
    "ClaimsNewestFirst",
    "ClaimsTheSameMessageTwice",
    "ConsentIgnoresTheTime",
    "FinishesUnderAnyClaim",
    "ForgetsLapsedClaims",
    "LosesDueAt",
    "NeverDeadLetters",
    "OutboxMutant",
]


class OutboxMutant(StorageMutant):
    """A storage whose ``uow.outbox`` breaks nothing yet; subclasses override one of its hooks.

    ``claim`` hands out what :meth:`claimed` returns, ``finish`` is :meth:`finish`; both are
    given the working outbox repository.
    """

    def break_(self, uow: UnitOfWork) -> None:
        """Wrap ``uow.outbox`` so that its ``claim`` and ``finish`` go through this mutant."""
        self.replace(uow, "outbox", _Outbox(uow.outbox, self))

    def claimed(
        self, outbox: Any, token: str, now: datetime, messages: list[OutboxMessage]
    ) -> list[OutboxMessage]:
        """What a claim hands out of the ``messages`` the working repository claimed."""
        return messages

    def finish(self, outbox: Any, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Store the outcomes, each as :meth:`outcome` makes it."""
        lost: list[uuid.UUID] = outbox.finish(token, [self.outcome(m) for m in messages])
        return lost

    def outcome(self, message: OutboxMessage) -> OutboxMessage:
        """The outcome as stored."""
        return message


class _Outbox(Passthrough):
    def __init__(self, inner: Any, mutant: OutboxMutant) -> None:
        super().__init__(inner)
        self.mutant = mutant

    def claim(self, token: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        return self.mutant.claimed(self.inner, token, now, self.inner.claim(token, now, lease, limit))

    def finish(self, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        return self.mutant.finish(self.inner, token, messages)


class ClaimsTheSameMessageTwice(OutboxMutant):
    """A claim hands messages out without holding them: the next claim gets them again (§9 outbox)."""

    def claimed(
        self, outbox: Any, token: str, now: datetime, messages: list[OutboxMessage]
    ) -> list[OutboxMessage]:
        """Hand them out, and put them back as pending and due."""
        outbox.finish(
            token, [attrs.evolve(m, state=OutboxState.PENDING, claim=None, due_at=now) for m in messages]
        )
        return messages


class LosesDueAt(OutboxMutant):
    """A retried message is stored without its backoff: due again at once (§9 outbox)."""

    def outcome(self, message: OutboxMessage) -> OutboxMessage:
        """A pending outcome is due when it was created."""
        if message.state is OutboxState.PENDING:
            return attrs.evolve(message, due_at=message.created_at)
        return message


class NeverDeadLetters(OutboxMutant):
    """A permanent failure is stored as pending: the message is retried for ever (§9 outbox)."""

    def outcome(self, message: OutboxMessage) -> OutboxMessage:
        """A dead outcome is stored as pending."""
        if message.state is OutboxState.DEAD:
            return attrs.evolve(message, state=OutboxState.PENDING)
        return message


class ForgetsLapsedClaims(OutboxMutant):
    """A lapsed claim is taken again but never handed out: a dead dispatcher's messages hang (§9 outbox)."""

    def claimed(
        self, outbox: Any, token: str, now: datetime, messages: list[OutboxMessage]
    ) -> list[OutboxMessage]:
        """Hand out only the messages that were pending."""
        return [m for m in messages if not m.uncertain_attempts]


class FinishesUnderAnyClaim(OutboxMutant):
    """Outcomes are written whoever holds the claim now: a lost claim overwrites the new one (§9 outbox)."""

    def finish(self, outbox: Any, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Store each outcome under the claim that holds its message now."""
        for message in messages:
            outbox.finish(outbox.get(message.id).claim or token, [message])
        return []


class ClaimsNewestFirst(OutboxMutant):
    """A claim hands out the newest due message first (§9 outbox: oldest due first)."""

    def claimed(
        self, outbox: Any, token: str, now: datetime, messages: list[OutboxMessage]
    ) -> list[OutboxMessage]:
        """Hand them out newest first."""
        return messages[::-1]


class _ConsentNow(Passthrough):
    def current(self, channel: Channel, addresses: Iterable[str], at: datetime) -> dict[str, ConsentState]:
        latest: dict[str, ConsentState] = self.inner.current(
            channel, addresses, datetime.max.replace(tzinfo=at.tzinfo)
        )
        return latest


class ConsentIgnoresTheTime(StorageMutant):
    """``consents.current`` answers with the latest decision, not the one in force at ``at`` (M3)."""

    part, wrapper = "consents", _ConsentNow


MUTANTS: tuple[type[StorageMutant], ...] = (
    ClaimsTheSameMessageTwice,
    LosesDueAt,
    NeverDeadLetters,
    ForgetsLapsedClaims,
    FinishesUnderAnyClaim,
    ClaimsNewestFirst,
    ConsentIgnoresTheTime,
)
"""Every outbox and consent mutant."""
