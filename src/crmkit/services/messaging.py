"""Messaging use cases: enqueue in the caller's unit of work, dispatch with retries, route inbound SMS.

**Enqueue.** :func:`enqueue_sms` and :func:`enqueue_email` add an
:class:`~crmkit.domain.messaging.OutboxMessage` to a unit of work the caller
already holds, so the message commits — or rolls back — with the change that
caused it (SPEC §9). Nothing is sent there.

**Dispatch.** :class:`Dispatcher` repeats: claim a batch of due messages
(one unit of work, committed), send each through its gateway outside any
transaction, then record every outcome in one batched unit of work.
Commercial messages whose recipient has no consent at send time are skipped
(M3). A temporary failure comes back after an exponential backoff with jitter;
a permanent one, or the last attempt, goes to the dead letters. Several
dispatchers may run at once (each claim skips the others' rows). A crash
between sending and recording leaves the claim to lapse; the message is then
claimed again and sent again — counted in ``uncertain_attempts`` and flagged
:attr:`~crmkit.domain.messaging.OutboxMessage.possible_duplicate` unless the
gateway is idempotent (it then receives the same idempotency key and drops
the repeat).

**Delivery reports.** :class:`DeliveryReports` writes a provider's
delivery reports (from its webhook, or polled with the gateway's
``status``) back onto the outbox message sent with that provider id:
delivered, failed with the reason, or expired. The first final report
wins, a repeated one changes nothing, and a report for an id no message
was sent with is returned in the result, never raised. Polling stops at a
horizon (:data:`REPORT_HORIZON`, 72 hours — the usual SMS validity period,
after which the operator's SMS centre drops an undelivered message): a
message sent longer ago without a final report is no longer asked about and
is recorded ``expired``, "no delivery report within the horizon". That
expiry is a final report like the provider's own — the first final report
wins — so a report arriving after it changes nothing (returned as
``unchanged``): past the validity period a real "delivered" can no longer
happen, and a message never swings between states. A deployment whose
provider keeps messages longer sets a longer ``horizon``.

**Attachments.** An outbox e-mail carries its files' bytes
(:class:`~crmkit.domain.messaging.OutboxAttachment`), stored with it in the
same unit of work; :func:`attachment_of` copies a stored document (C10).
The bytes are copied rather than referenced because the document store is
not part of the unit of work: a document deleted or replaced after the
commit must not change, or lose, an e-mail already promised. The outbox
stores each distinct content once, by its SHA-256, however many e-mails
carry it: the copies of a campaign share one brochure (M2).

**Inbound.** :class:`InboundRouter` takes a parsed inbound SMS: ``RET``,
``STOP`` or ``IPTAL`` revokes the sender's SMS consent (M3); a registered
keyword's handler answers; anything else gets the help reply. Replies are
informational outbox messages keyed by the inbound message, so a webhook
delivered twice answers once.
"""

from __future__ import annotations

import functools
import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import attrs

from crmkit.domain.documents import Document
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, ValidationError
from crmkit.domain.messaging import (
    MAX_ATTACHMENT_BYTES,
    BackoffPolicy,
    Channel,
    ConsentRecord,
    ConsentState,
    DeliveryFailed,
    DeliveryState,
    MessageKind,
    OutboxAttachment,
    OutboxMessage,
    may_send,
    revocation_keyword,
)
from crmkit.domain.sms import sms_parts
from crmkit.ports.clock import Clock, IdGenerator
from crmkit.ports.messaging import (
    Attachment,
    DeliveryReport,
    DeliveryStatus,
    EmailMessage,
    EmailSender,
    InboundSms,
    SmsGateway,
    SmsMessage,
)
from crmkit.ports.outbox import OutboxCopy
from crmkit.ports.storage import Storage, UnitOfWork

__all__ = [
    "REPORT_HORIZON",
    "DeliveryReports",
    "DeliveryResult",
    "DispatchReport",
    "Dispatcher",
    "InboundResult",
    "InboundRouter",
    "KeywordHandler",
    "Probe",
    "attachment_of",
    "enqueue_email",
    "enqueue_email_copies",
    "enqueue_sms",
    "enqueue_sms_copies",
    "record_consent",
    "sms_message",
]

T = TypeVar("T")

Probe = Callable[[str], None]
"""Called with the name of each step the dispatcher reaches (``"claimed"``, ``"before_send"``,
``"after_send"``, ``"marked"``); tracing and fault-injection tests hook in here."""


def _no_probe(step: str) -> None:
    """Ignore steps."""


@functools.lru_cache(maxsize=4096)
def _parts(text: str) -> int:
    """SMS parts of ``text``, cached: a campaign sends one template to thousands."""
    return sms_parts(text).parts


def _require_e164(to: str) -> None:
    if not (to.startswith("+") and to[1:].isdigit() and 8 <= len(to) <= 16):
        raise ValidationError("to", f"{to!r} is not an E.164 number like +905321234567")


def sms_message(
    *,
    id: uuid.UUID,
    key: str,
    to: str,
    text: str,
    kind: MessageKind,
    now: datetime,
    contact_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    recipient_type: str = "BIREYSEL",
) -> OutboxMessage:
    """A pending outbox SMS, validated, with its number of SMS parts (GSM-7 or UCS-2) recorded.

    Pure: add it with ``uow.outbox.add`` / ``add_many`` (campaigns add thousands at once).

    Raises:
        ValidationError: on ``to`` for a number that is not E.164, on ``recipient_type``.
    """
    _require_e164(to)
    if recipient_type not in ("BIREYSEL", "TACIR"):
        raise ValidationError("recipient_type", "is BIREYSEL or TACIR")
    return OutboxMessage(
        id=id,
        key=key,
        channel=Channel.SMS,
        kind=kind,
        recipient=to,
        body=text,
        created_at=now,
        due_at=now,
        parts=_parts(text),
        contact_id=contact_id,
        campaign_id=campaign_id,
        recipient_type=recipient_type,
    )


def enqueue_sms(
    uow: UnitOfWork,
    *,
    id: uuid.UUID,
    key: str,
    to: str,
    text: str,
    kind: MessageKind,
    now: datetime,
    contact_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    recipient_type: str = "BIREYSEL",
) -> OutboxMessage:
    """Write an SMS to the outbox of ``uow``; it is sent once ``uow`` commits (see :func:`sms_message`).

    Raises:
        ValidationError: on ``to`` for a number that is not E.164.
        Duplicate: on ``key`` when a message with this idempotency key exists.
    """
    message = sms_message(
        id=id,
        key=key,
        to=to,
        text=text,
        kind=kind,
        now=now,
        contact_id=contact_id,
        campaign_id=campaign_id,
        recipient_type=recipient_type,
    )
    uow.outbox.add(message)
    return message


def enqueue_sms_copies(
    uow: UnitOfWork,
    *,
    recipients: Sequence[OutboxCopy],
    text: str,
    kind: MessageKind,
    now: datetime,
    campaign_id: uuid.UUID | None = None,
    recipient_type: str = "BIREYSEL",
) -> None:
    """Write one SMS of ``text`` per recipient ``(id, key, to, contact_id)`` to the outbox of ``uow``.

    What a campaign does: each message is validated like :func:`sms_message` (every
    ``to`` E.164), the parts are counted once, and the outbox stores the copies in one
    batch without a message value per recipient (issue 6 item 9); all or nothing.

    Raises:
        ValidationError: on ``to`` for a number that is not E.164, on ``recipient_type``.
        Duplicate: on ``key`` or ``id`` when one is taken.
    """
    if not recipients:
        return
    id, key, to, contact = recipients[0]
    template = sms_message(
        id=id,
        key=key,
        to=to,
        text=text,
        kind=kind,
        now=now,
        contact_id=contact,
        campaign_id=campaign_id,
        recipient_type=recipient_type,
    )
    for recipient in recipients:
        _require_e164(recipient[2])
    uow.outbox.add_copies(template, recipients)


def enqueue_email_copies(
    uow: UnitOfWork,
    *,
    recipients: Sequence[OutboxCopy],
    subject: str,
    body: str,
    kind: MessageKind,
    now: datetime,
    campaign_id: uuid.UUID | None = None,
    attachments: Sequence[OutboxAttachment] = (),
) -> None:
    """Write one e-mail per recipient ``(id, key, to, contact_id)`` to the outbox of ``uow``, in one batch.

    ``attachments`` go with every copy, checked once like :func:`enqueue_email`'s (each an
    :class:`~crmkit.domain.messaging.OutboxAttachment`, together at most
    :data:`~crmkit.domain.messaging.MAX_ATTACHMENT_BYTES`). The outbox stores each
    distinct content once (keyed by its SHA-256) and one small row per copy and file, so a
    100 KB brochure sent to 100,000 recipients stores 100 KB, not 10 GB (M2, I8).

    Raises:
        ValidationError: on ``to`` for an address without ``@``; on ``attachments`` as
            :func:`enqueue_email`. Nothing is stored then.
        Duplicate: on ``key`` or ``id`` when one is taken.
    """
    files = _checked_attachments(attachments)
    if not recipients:
        return
    for recipient in recipients:
        if "@" not in recipient[2]:
            raise ValidationError("to", f"{recipient[2]!r} is not an e-mail address")
    id, key, to, contact = recipients[0]
    template = OutboxMessage(
        id=id,
        key=key,
        channel=Channel.EMAIL,
        kind=kind,
        recipient=to,
        subject=subject,
        body=body,
        created_at=now,
        due_at=now,
        contact_id=contact,
        campaign_id=campaign_id,
        attachments=files,
    )
    uow.outbox.add_copies(template, recipients)


def _checked_attachments(attachments: Sequence[OutboxAttachment]) -> tuple[OutboxAttachment, ...]:
    """The attachments as a tuple, each an :class:`OutboxAttachment`, not over the size limit together.

    Raises:
        ValidationError: on ``attachments`` otherwise.
    """
    files = tuple(attachments)
    if any(not isinstance(f, OutboxAttachment) for f in files):
        raise ValidationError("attachments", "each is an OutboxAttachment (filename, media type, bytes)")
    size = sum(len(f.content) for f in files)
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError("attachments", f"{size} bytes, more than the {MAX_ATTACHMENT_BYTES} allowed")
    return files


def enqueue_email(
    uow: UnitOfWork,
    *,
    id: uuid.UUID,
    key: str,
    to: str,
    subject: str,
    body: str,
    kind: MessageKind,
    now: datetime,
    contact_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    attachments: Sequence[OutboxAttachment] = (),
) -> OutboxMessage:
    """Write an e-mail to the outbox of ``uow``; it is sent, with its attachments, once ``uow`` commits.

    The attachments' bytes are stored with the message in ``uow`` (see the module docs).

    Raises:
        ValidationError: on ``to`` for an address without ``@``; on ``attachments``
            when they hold more than :data:`~crmkit.domain.messaging.MAX_ATTACHMENT_BYTES` together.
        Duplicate: on ``key`` when a message with this idempotency key exists.
    """
    if "@" not in to:
        raise ValidationError("to", f"{to!r} is not an e-mail address")
    files = _checked_attachments(attachments)
    message = OutboxMessage(
        id=id,
        key=key,
        channel=Channel.EMAIL,
        kind=kind,
        recipient=to,
        subject=subject,
        body=body,
        created_at=now,
        due_at=now,
        contact_id=contact_id,
        campaign_id=campaign_id,
        attachments=files,
    )
    uow.outbox.add(message)
    return message


def attachment_of(document: Document) -> OutboxAttachment:
    """An attachment carrying a copy of a stored document's bytes, name and media type (C10).

    Raises:
        ValidationError: the document's name or media type cannot name an attachment.
    """
    return OutboxAttachment(document.name, document.media_type, document.content)


def record_consent(
    uow: UnitOfWork,
    *,
    id: uuid.UUID,
    channel: Channel,
    address: str,
    state: ConsentState,
    at: datetime,
    source: str,
    contact_id: uuid.UUID | None = None,
) -> ConsentRecord:
    """Add a consent decision to the history (M3); the latest one at send time counts.

    Raises:
        ValidationError: on ``source`` when it is empty.
    """
    if not source.strip():
        raise ValidationError("source", "say where the decision came from")
    record = ConsentRecord(
        id=id, channel=channel, address=address, state=state, at=at, source=source, contact_id=contact_id
    )
    uow.consents.add(record)
    return record


@attrs.define
class DispatchReport:
    """What one :meth:`Dispatcher.run_once` did.

    Attributes:
        claimed: messages claimed.
        sent: sent to their gateway.
        retried: temporary failures, due again later.
        dead: sent to the dead letters (permanent failure or last attempt).
        skipped: commercial messages without consent (M3).
        lost: outcomes not recorded because the claim lapsed and another dispatcher took over.
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


class Dispatcher:
    """Delivers outbox messages (see the module docs).

    Args:
        storage: where the outbox is.
        sms: the SMS gateway.
        email: the e-mail sender.
        clock: tells the time (claims, leases, backoff).
        policy: backoff, attempts and lease.
        batch_size: messages claimed per round.
        name: a name for this dispatcher, part of its claim tokens.
        rng: the jitter source (seed it in tests).
        probe: called at each named step.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        sms: SmsGateway,
        email: EmailSender,
        clock: Clock,
        policy: BackoffPolicy | None = None,
        batch_size: int = 500,
        name: str = "dispatcher",
        rng: random.Random | None = None,
        probe: Probe = _no_probe,
    ) -> None:
        self.storage = storage
        self.sms = sms
        self.email = email
        self.clock = clock
        self.policy = policy or BackoffPolicy()
        self.batch_size = batch_size
        self.name = name
        self._rng = rng or random.Random()
        self._probe = probe
        self._round = 0
        self.conflict_retries = 20
        """Times a claim or a finish is tried when it loses a race or a deadlock (InnoDB picks
        victims among concurrent claims and inserts), with a growing, jittered pause between."""

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
        for message in claimed:
            consent = consents.get(message.channel, {}).get(message.recipient)
            if not may_send(message.kind, consent):
                outcomes.append(message.skipped("no consent at send time (M3)", self.clock.now()))
                report.skipped += 1
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
        report.lost = len(lost)
        self._probe("marked")
        return report

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
        for attempt in range(self.conflict_retries):
            try:
                return work()
            except ConcurrencyConflict:
                if attempt + 1 == self.conflict_retries:
                    raise
                time.sleep(min(0.2, self._rng.random() * 0.01 * 2**attempt))  # let the other side finish
        raise AssertionError("unreachable")  # pragma: no cover

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


_FINAL_REPORTS = {
    DeliveryStatus.DELIVERED: DeliveryState.DELIVERED,
    DeliveryStatus.FAILED: DeliveryState.FAILED,
    DeliveryStatus.EXPIRED: DeliveryState.EXPIRED,
}


@attrs.define
class DeliveryResult:
    """What :meth:`DeliveryReports.record` or :meth:`DeliveryReports.poll` did.

    Attributes:
        recorded: messages that took their final report (delivered, failed or expired).
        unchanged: final reports for messages that already had one (a repeat, or a stale
            report that would move a message back): nothing changed.
        pending: reports that say "not yet" (pending or unknown at the provider).
        unknown: provider ids no sent SMS carries (or, when polling, the provider does not know).
        unreachable: polled messages the provider could not be asked about (a temporary failure).
        timed_out: polled messages sent longer ago than the horizon without a final report,
            recorded ``expired`` without asking the provider (not counted in ``recorded``).
    """

    recorded: int = 0
    unchanged: int = 0
    pending: int = 0
    unknown: list[str] = attrs.Factory(list)
    unreachable: int = 0
    timed_out: int = 0


REPORT_HORIZON = timedelta(hours=72)
"""How long after sending :meth:`DeliveryReports.poll` keeps asking about an SMS (issue 6 item 1).

72 hours is the usual SMS validity period: an operator's SMS centre retries an
unreachable handset that long, then drops the message, so no "delivered" can
follow. Past it a message without a final report is recorded ``expired``."""


def _reason(report: DeliveryReport) -> str:
    if report.error_code:
        return f"{report.status.value}: status {report.raw_status}, error {report.error_code}"
    return f"{report.status.value}: status {report.raw_status}"


class DeliveryReports:
    """Writes SMS delivery reports back onto the outbox (issue 6 item 1; see the module docs).

    Args:
        storage: where the outbox is.
        sms: the gateway whose provider ids the reports name (polled by :meth:`poll`).
        clock: stamps reports that carry no time, and tells :meth:`poll` which messages are
            past the horizon (never the wall clock).
        batch_size: reports written (and messages polled) per unit of work.
        horizon: how long after sending a message is polled (:data:`REPORT_HORIZON`).

    Raises:
        ValidationError: on ``batch_size`` below 1, on ``horizon`` not positive.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        sms: SmsGateway,
        clock: Clock,
        batch_size: int = 500,
        horizon: timedelta = REPORT_HORIZON,
    ) -> None:
        if batch_size < 1:
            raise ValidationError("batch_size", "must be at least 1")
        if not isinstance(horizon, timedelta) or horizon <= timedelta(0):
            raise ValidationError("horizon", "a positive duration, like 72 hours")
        self.storage = storage
        self.sms = sms
        self.clock = clock
        self.batch_size = batch_size
        self.horizon = horizon
        self.conflict_retries = 20
        """Times a batch is written again when a concurrent writer made it conflict."""

    def record(self, reports: Iterable[DeliveryReport]) -> DeliveryResult:
        """Record reports (e.g. from ``sms.parse_callback``) on the messages sent with their ids.

        Idempotent: the same reports again change nothing. Batched: one unit of
        work per ``batch_size`` reports.
        """
        result = DeliveryResult()
        batch: list[DeliveryReport] = []
        for report in reports:
            batch.append(report)
            if len(batch) >= self.batch_size:
                self._record_batch(batch, result)
                batch = []
        if batch:
            self._record_batch(batch, result)
        return result

    def receive(self, body: bytes, headers: Mapping[str, str]) -> tuple[DeliveryResult, list[InboundSms]]:
        """Parse a webhook of the gateway, record its delivery reports; return the inbound messages.

        Raises:
            ValidationError: the body is not a callback of this gateway.
        """
        items = self.sms.parse_callback(body, headers)
        inbound = [i for i in items if isinstance(i, InboundSms)]
        return self.record(i for i in items if isinstance(i, DeliveryReport)), inbound

    def poll(self, *, limit: int | None = None) -> DeliveryResult:
        """Ask the gateway about sent SMS without a final report, oldest first, in batches.

        Messages sent longer ago than ``horizon`` (by the injected clock) are not asked
        about: they are recorded ``expired`` at the end of the horizon, with the reason
        (counted in ``timed_out``; see the module docs). ``limit`` caps the number of
        messages looked at (``None``: all of them).
        """
        result = DeliveryResult()
        after: tuple[datetime, uuid.UUID] | None = None
        asked = 0
        cutoff = self.clock.now() - self.horizon
        while limit is None or asked < limit:
            size = self.batch_size if limit is None else min(self.batch_size, limit - asked)
            with self.storage.unit_of_work() as uow:
                page = uow.outbox.awaiting_delivery(Channel.SMS, after=after, limit=size)
            if not page:
                break
            asked += len(page)
            after = (page[-1].due_at, page[-1].id)
            stale = [m for m in page if m.sent_at is not None and m.sent_at < cutoff]
            if stale:
                self._retry_conflicts(functools.partial(self._expire, stale), result)
            reports: list[DeliveryReport] = []
            for message in page:
                assert message.provider_id is not None  # awaiting_delivery returns sent messages only
                if message.sent_at is not None and message.sent_at < cutoff:
                    continue
                try:
                    reports.append(self.sms.status(message.provider_id))
                except NotFound:
                    result.unknown.append(message.provider_id)
                except DeliveryFailed:
                    result.unreachable += 1
            if reports:
                self._record_batch(reports, result)
            if len(page) < size:
                break
        return result

    def _record_batch(self, reports: list[DeliveryReport], result: DeliveryResult) -> None:
        self._retry_conflicts(functools.partial(self._write, reports), result)

    def _retry_conflicts(self, work: Callable[[], DeliveryResult], result: DeliveryResult) -> None:
        """Run ``work`` (one unit of work) again when a concurrent writer made it conflict; add its counts."""
        for attempt in range(self.conflict_retries):
            try:
                partial = work()
            except ConcurrencyConflict:
                if attempt + 1 == self.conflict_retries:
                    raise
                time.sleep(min(0.2, 0.005 * 2**attempt))
                continue
            result.recorded += partial.recorded
            result.unchanged += partial.unchanged
            result.pending += partial.pending
            result.unknown += partial.unknown
            result.timed_out += partial.timed_out
            return

    def _expire(self, messages: list[OutboxMessage]) -> DeliveryResult:
        """Record messages past the horizon ``expired`` at the end of it; a concurrent report wins."""
        result = DeliveryResult()
        reason = f"expired: no delivery report within {_hours(self.horizon)} of sending"
        with self.storage.unit_of_work() as uow:
            done = [
                expired
                for m in messages
                if m.sent_at is not None
                and (expired := m.delivery_reported(DeliveryState.EXPIRED, m.sent_at + self.horizon, reason))
            ]
            refused = set(uow.outbox.record_deliveries(done))
            uow.commit()
        result.timed_out = len(done) - len(refused)
        result.unchanged = len(refused) + len(messages) - len(done)
        return result

    def _write(self, reports: list[DeliveryReport]) -> DeliveryResult:
        result = DeliveryResult()
        now = self.clock.now()
        with self.storage.unit_of_work() as uow:
            found = uow.outbox.by_provider_ids(Channel.SMS, {r.provider_id for r in reports})
            latest: dict[uuid.UUID, OutboxMessage] = {}
            changed: dict[uuid.UUID, OutboxMessage] = {}
            for report in reports:
                messages = found.get(report.provider_id)
                if messages is None:
                    result.unknown.append(report.provider_id)
                    continue
                state = _FINAL_REPORTS.get(report.status)
                if state is None:
                    result.pending += 1
                    continue
                for message in messages:
                    current = latest.get(message.id, message)
                    error = None if state is DeliveryState.DELIVERED else _reason(report)
                    done = current.delivery_reported(state, report.at or now, error)
                    if done is None:
                        result.unchanged += 1
                        continue
                    latest[message.id] = changed[message.id] = done
            refused = set(uow.outbox.record_deliveries(list(changed.values())))
            uow.commit()
        result.recorded += len(changed) - len(refused)
        result.unchanged += len(refused)
        return result


def _hours(span: timedelta) -> str:
    """``72 hours`` (``1 hour``) for whole hours, else the timedelta's own text."""
    seconds = span.total_seconds()
    if seconds % 3600:
        return str(span)
    hours = int(seconds // 3600)
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


KeywordHandler = Callable[[UnitOfWork, InboundSms], str | None]
"""Answers an inbound SMS that starts with its keyword, inside the routing unit of work;
returns the reply text (``None``: no reply)."""


@attrs.frozen
class InboundResult:
    """What :meth:`InboundRouter.receive` did with one inbound SMS.

    Attributes:
        keyword: the keyword matched (folded), or ``None`` for the help reply.
        revoked: whether SMS consent was revoked (RET/STOP/IPTAL).
        reply: the reply enqueued, if any (``None`` also when this message was answered before).
    """

    keyword: str | None
    revoked: bool
    reply: OutboxMessage | None


def _fold_keyword(text: str) -> str:
    words = text.strip().split()
    if not words:
        return ""
    return words[0].replace("i", "İ").replace("ı", "I").upper().replace("İ", "I")


class InboundRouter:
    """Routes inbound SMS to keyword handlers; RET/STOP/IPTAL revoke SMS consent (issue 6 item 5, M3).

    Args:
        storage: where consent and the outbox are.
        clock: stamps consent records and replies.
        ids: makes ids.
        help_reply: the reply to an unknown keyword (``None``: no reply).
        revoked_reply: the confirmation of a revocation (``None``: no reply).
    """

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Clock,
        ids: IdGenerator,
        help_reply: str | None = "Bilinmeyen komut. PUAN yazip gonderin; iptal icin RET.",
        revoked_reply: str | None = "Ticari ileti izniniz kaldirildi.",
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.ids = ids
        self.help_reply = help_reply
        self.revoked_reply = revoked_reply
        self._handlers: dict[str, KeywordHandler] = {}

    def register(self, keyword: str, handler: KeywordHandler) -> None:
        """Route messages starting with ``keyword`` (matched the Turkish way, case-insensitively).

        Raises:
            ValidationError: on ``keyword`` for a revocation keyword, an empty one, or one taken.
        """
        folded = _fold_keyword(keyword)
        if not folded or " " in keyword.strip():
            raise ValidationError("keyword", "one word, like PUAN")
        if revocation_keyword(folded) is not None:
            raise ValidationError("keyword", f"{folded} revokes consent and cannot be routed")
        if folded in self._handlers:
            raise ValidationError("keyword", f"{folded} is already routed")
        self._handlers[folded] = handler

    def keywords(self) -> list[str]:
        """The routed keywords, sorted."""
        return sorted(self._handlers)

    def routes(self, keyword: str) -> bool:
        """Whether ``keyword`` (folded the Turkish way) already has a handler.

        >>> from crmkit.testing import FixedClock, SequentialIds
        >>> from crmkit.adapters.memory import MemoryStorage
        >>> router = InboundRouter(MemoryStorage(), clock=FixedClock(), ids=SequentialIds())
        >>> router.register("PUAN", lambda uow, inbound: "120")
        >>> router.routes("puan"), router.routes("BAKİYE")
        (True, False)
        """
        return _fold_keyword(keyword) in self._handlers

    def receive(self, inbound: InboundSms) -> InboundResult:
        """Handle one inbound SMS in one unit of work; replies go through the outbox.

        Raises:
            ValidationError: on ``sender`` when it is not E.164.
        """
        if not (inbound.sender.startswith("+") and inbound.sender[1:].isdigit()):
            raise ValidationError("sender", f"{inbound.sender!r} is not an E.164 number")
        now = self.clock.now()
        identity = inbound.provider_id or f"{inbound.sender}|{inbound.received_at}|{inbound.text}"
        reply_key = "reply:" + hashlib.sha256(identity.encode()).hexdigest()[:40]
        with self.storage.unit_of_work() as uow:
            if uow.outbox.by_key(reply_key) is not None:
                return InboundResult(_fold_keyword(inbound.text) or None, False, None)
            revoked = revocation_keyword(inbound.text)
            keyword: str | None
            if revoked is not None:
                keyword, text = revoked, self.revoked_reply
                record_consent(
                    uow,
                    id=self.ids.new(),
                    channel=Channel.SMS,
                    address=inbound.sender,
                    state=ConsentState.REVOKED,
                    at=now,
                    source=f"sms:{revoked}",
                )
            else:
                folded = _fold_keyword(inbound.text)
                handler = self._handlers.get(folded)
                keyword = folded if handler is not None else None
                text = handler(uow, inbound) if handler is not None else self.help_reply
            reply = None
            if text is not None:
                try:
                    reply = enqueue_sms(
                        uow,
                        id=self.ids.new(),
                        key=reply_key,
                        to=inbound.sender,
                        text=text,
                        kind=MessageKind.INFORMATIONAL,
                        now=now,
                    )
                except Duplicate:  # pragma: no cover - a concurrent delivery of the same webhook
                    reply = None
            uow.commit()
        return InboundResult(keyword, revoked is not None, reply)
