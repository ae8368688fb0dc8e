"""The dispatcher: claim due outbox messages, send them outside any transaction, record outcomes (§9)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import TypeVar

import attrs

from crmkit.domain.messaging import (
    BackoffPolicy,
    Channel,
    ConsentState,
    DeliveryFailed,
    MessageKind,
    OutboxMessage,
    may_send,
)
from crmkit.ports.clock import Clock
from crmkit.ports.messaging import (
    Attachment,
    EmailMessage,
    EmailSender,
    SmsGateway,
    SmsMessage,
)
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.services.conflicts import retry_on_conflict

__all__ = ["DispatchReport", "Dispatcher", "Probe"]

T = TypeVar("T")

Probe = Callable[[str], None]
"""Called with the name of each step the dispatcher reaches (``"claimed"``, ``"before_send"``,
``"after_send"``, ``"marked"``); tracing and fault-injection tests hook in here."""


def _no_probe(step: str) -> None:
    """Ignore steps."""


@attrs.define
class DispatchReport:
    """What one :meth:`Dispatcher.run_once` did.

    Attributes:
        claimed: messages claimed.
        sent: sent to their gateway.
        retried: temporary failures, due again later.
        dead: sent to the dead letters (permanent failure or last attempt).
        skipped: commercial messages without consent (M3).
        lost: outcomes not recorded — or messages not sent — because the claim lapsed and
            another dispatcher took over.
        possible_duplicates: sent after an attempt of unknown outcome, through a gateway
            without idempotency.
    """

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    lost: int = 0
    possible_duplicates: int = 0


def _backoff(value: BackoffPolicy | None) -> BackoffPolicy:
    return BackoffPolicy() if value is None else value


def _random(value: random.Random | None) -> random.Random:
    return random.Random() if value is None else value


@attrs.define(eq=False)
class Dispatcher:
    """Delivers outbox messages (see the module docs).

    Args:
        storage: where the outbox is.
        sms: the SMS gateway.
        email: the e-mail sender.
        clock: tells the time (claims, leases, backoff).
        policy: backoff, attempts and lease (default: :class:`~crmkit.domain.messaging.BackoffPolicy`'s).
        batch_size: messages claimed per round.
        name: a name for this dispatcher, part of its claim tokens.
        rng: the jitter source (seed it in tests).
        probe: called at each named step.

    Attributes:
        conflict_retries: times a claim or a finish is tried when it loses a race or a
            deadlock (InnoDB picks victims among concurrent claims and inserts), with a
            growing, jittered pause between.
    """

    storage: Storage
    sms: SmsGateway = attrs.field(kw_only=True)
    email: EmailSender = attrs.field(kw_only=True)
    clock: Clock = attrs.field(kw_only=True)
    policy: BackoffPolicy = attrs.field(default=None, converter=_backoff, kw_only=True)
    batch_size: int = attrs.field(default=500, kw_only=True)
    name: str = attrs.field(default="dispatcher", kw_only=True)
    _rng: random.Random = attrs.field(default=None, converter=_random, kw_only=True, alias="rng")
    _probe: Probe = attrs.field(default=_no_probe, kw_only=True, alias="probe")
    _round: int = attrs.field(default=0, init=False)
    conflict_retries: int = attrs.field(default=20, init=False)

    def _token(self) -> str:
        self._round += 1
        return f"{self.name[:24]}:{uuid.uuid4().hex[:16]}:{self._round}"

    def run_once(self) -> DispatchReport:
        """Claim one batch, send it, record the outcomes; returns what happened (nothing: all zero)."""
        report = DispatchReport()
        token = self._token()
        now = self.clock.now()
        claimed, consents = self._retrying(lambda: self._claim(token, now))
        report.claimed = len(claimed)
        if not claimed:
            return report
        self._probe("claimed")
        outcomes: list[OutboxMessage] = []
        with self.storage.unit_of_work() as marks:  # one connection for the batch's hand-overs
            for message in claimed:
                consent = consents.get(message.channel, {}).get(message.recipient)
                if not may_send(message.kind, consent):
                    outcomes.append(message.skipped("no consent at send time (M3)", self.clock.now()))
                    report.skipped += 1
                    continue
                if not self._idempotent(message):
                    # The outcomes so far and this hand-over, committed before the send: after a
                    # crash this message alone is in flight (§9). An idempotent gateway drops a
                    # repeat by its key, so its messages need no such record.
                    done, outcomes = outcomes, []
                    lost, held = self._retrying(partial(self._hand_over, marks, token, done, message))
                    report.lost += len(lost)
                    if not held:
                        report.lost += 1
                        continue
                self._probe("before_send")
                try:
                    provider_id = self._send(message)
                except DeliveryFailed as error:
                    outcome = message.failed(error, self.clock.now(), self.policy, self._rng.random())
                    if outcome.is_final:
                        report.dead += 1
                    else:
                        report.retried += 1
                    outcomes.append(outcome)
                    continue
                self._probe("after_send")
                outcome = message.sent(provider_id, self.clock.now())
                if outcome.possible_duplicate and not self._idempotent(message):
                    report.possible_duplicates += 1
                report.sent += 1
                outcomes.append(outcome)
        lost = self._retrying(lambda: self._finish(token, outcomes))
        report.lost += len(lost)
        self._probe("marked")
        return report

    def _hand_over(
        self, uow: UnitOfWork, token: str, done: list[OutboxMessage], message: OutboxMessage
    ) -> tuple[list[uuid.UUID], bool]:
        """Store ``done`` outcomes and the hand-over of ``message`` in one commit (§9).

        ``hand_over`` commits by itself: one write per message, on PostgreSQL one round trip.

        Returns:
            The ids among ``done`` whose claim was lost, and whether ``message`` is still ours.
        """
        try:
            lost, held = uow.outbox.hand_over(token, message.id, self.clock.now(), done)
        except BaseException:
            uow.rollback()
            raise
        return lost, held

    def run_until_idle(self, max_rounds: int = 1_000_000) -> DispatchReport:
        """Run rounds until one claims nothing; returns the summed report."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = self.run_once()
            for field in attrs.fields(DispatchReport):
                setattr(total, field.name, getattr(total, field.name) + getattr(report, field.name))
            if report.claimed == 0:
                break
        return total

    def _claim(
        self, token: str, now: datetime
    ) -> tuple[list[OutboxMessage], dict[Channel, Mapping[str, ConsentState]]]:
        with self.storage.unit_of_work() as uow:
            claimed = uow.outbox.claim(token, now, self.policy.lease, self.batch_size)
            commercial = [m for m in claimed if m.kind is MessageKind.COMMERCIAL]
            consents: dict[Channel, Mapping[str, ConsentState]] = {}
            for channel in {m.channel for m in commercial}:
                addresses = [m.recipient for m in commercial if m.channel is channel]
                consents[channel] = uow.consents.current(channel, addresses, now)
            uow.commit()
        return claimed, consents

    def _finish(self, token: str, outcomes: list[OutboxMessage]) -> list[uuid.UUID]:
        with self.storage.unit_of_work() as uow:
            lost = uow.outbox.finish(token, outcomes)
            uow.commit()
        return lost

    def _retrying(self, work: Callable[[], T]) -> T:
        """Run a unit of work again when a concurrent dispatcher made it conflict (a lost race)."""
        return retry_on_conflict(
            work,
            attempts=self.conflict_retries,
            pause=lambda attempt: min(0.2, self._rng.random() * 0.01 * 2**attempt),
        )

    def _idempotent(self, message: OutboxMessage) -> bool:
        return message.channel is Channel.SMS and self.sms.idempotent

    def _send(self, message: OutboxMessage) -> str:
        if message.channel is Channel.SMS:
            return self.sms.send(
                SmsMessage(
                    message.recipient,
                    message.body,
                    key=message.key,
                    kind=message.kind,
                    recipient_type=message.recipient_type,
                )
            )
        if message.channel is Channel.EMAIL:
            files = [Attachment(f.filename, f.media_type, f.content) for f in message.attachments]
            return self.email.send(
                EmailMessage(message.recipient, message.subject, message.body, files, key=message.key)
            )
        raise DeliveryFailed("outbox", "channel", f"cannot send on {message.channel.value}", permanent=True)
