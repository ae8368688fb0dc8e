"""Outbox storages broken on purpose; :class:`~crmkit.testing.contracts.OutboxRepositoryContract` fails each.

Every mutant wraps a working storage (``Mutant(storage)``) and breaks one
promise of ``uow.outbox`` or ``uow.consents`` the way real adapters have: a
claim that does not hold what it hands out, a retry that loses its due time,
a permanent failure retried for ever, a lapsed claim never handed out again,
outcomes written under a claim that was lost, the newest message claimed
first, consent read as it is now instead of at the time asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

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
]


class _Outbox(Passthrough):
    """An outbox repository whose ``claim`` and ``finish`` go through :meth:`claimed` and :meth:`outcome`."""

    def claim(self, token: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        claimed: list[OutboxMessage] = self.inner.claim(token, now, lease, limit)
        return self.claimed(token, now, claimed)

    def finish(self, token: str, messages: Sequence[OutboxMessage]) -> list[object]:
        lost: list[object] = self.inner.finish(token, [self.outcome(m) for m in messages])
        return lost

    def claimed(self, token: str, now: datetime, messages: list[OutboxMessage]) -> list[OutboxMessage]:
        return messages

    def outcome(self, message: OutboxMessage) -> OutboxMessage:
        return message


class _OutboxMutant(StorageMutant):
    """A storage whose ``uow.outbox`` is wrapped in :attr:`outbox`."""

    outbox: type[_Outbox] = _Outbox

    def break_(self, uow: UnitOfWork) -> None:
        """Wrap ``uow.outbox``."""
        self.replace(uow, "outbox", self.outbox(uow.outbox))


class _Unheld(_Outbox):
    def claimed(self, token: str, now: datetime, messages: list[OutboxMessage]) -> list[OutboxMessage]:
        loose = [attrs.evolve(m, state=OutboxState.PENDING, claim=None, due_at=now) for m in messages]
        self.inner.finish(token, loose)
        return messages


class ClaimsTheSameMessageTwice(_OutboxMutant):
    """A claim hands messages out without holding them: the next claim gets them again (§9 outbox)."""

    outbox = _Unheld


class _DueAtOnce(_Outbox):
    def outcome(self, message: OutboxMessage) -> OutboxMessage:
        if message.state is OutboxState.PENDING:
            return attrs.evolve(message, due_at=message.created_at)
        return message


class LosesDueAt(_OutboxMutant):
    """A retried message is stored without its backoff: due again at once (§9 outbox)."""

    outbox = _DueAtOnce


class _Undying(_Outbox):
    def outcome(self, message: OutboxMessage) -> OutboxMessage:
        if message.state is OutboxState.DEAD:
            return attrs.evolve(message, state=OutboxState.PENDING)
        return message


class NeverDeadLetters(_OutboxMutant):
    """A permanent failure is stored as pending: the message is retried for ever (§9 outbox)."""

    outbox = _Undying


class _PendingOnly(_Outbox):
    def claimed(self, token: str, now: datetime, messages: list[OutboxMessage]) -> list[OutboxMessage]:
        return [m for m in messages if not m.uncertain_attempts]


class ForgetsLapsedClaims(_OutboxMutant):
    """A lapsed claim is taken again but never handed out: a dead dispatcher's messages hang (§9 outbox)."""

    outbox = _PendingOnly


class _AnyClaim(_Outbox):
    def finish(self, token: str, messages: Sequence[OutboxMessage]) -> list[object]:
        for message in messages:
            holder = self.inner.get(message.id).claim
            self.inner.finish(holder or token, [message])
        return []


class FinishesUnderAnyClaim(_OutboxMutant):
    """Outcomes are written whoever holds the claim now: a lost claim overwrites the new one (§9 outbox)."""

    outbox = _AnyClaim


class _NewestFirst(_Outbox):
    def claimed(self, token: str, now: datetime, messages: list[OutboxMessage]) -> list[OutboxMessage]:
        return messages[::-1]


class ClaimsNewestFirst(_OutboxMutant):
    """A claim hands out the newest due message first (§9 outbox: oldest due first)."""

    outbox = _NewestFirst


class _ConsentNow(Passthrough):
    def current(self, channel: Channel, addresses: Iterable[str], at: datetime) -> dict[str, ConsentState]:
        latest: dict[str, ConsentState] = self.inner.current(
            channel, addresses, datetime.max.replace(tzinfo=at.tzinfo)
        )
        return latest


class ConsentIgnoresTheTime(StorageMutant):
    """``consents.current`` answers with the latest decision, not the one in force at ``at`` (M3)."""

    def break_(self, uow: UnitOfWork) -> None:
        """Wrap ``uow.consents``."""
        self.replace(uow, "consents", _ConsentNow(uow.consents))


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
