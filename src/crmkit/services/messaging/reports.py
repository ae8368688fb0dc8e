"""SMS delivery reports written back onto the outbox, from webhooks or polled, up to a horizon (§9)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

import attrs

from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.messaging import (
    Channel,
    DeliveryFailed,
    DeliveryState,
    OutboxMessage,
)
from crmkit.ports.clock import Clock
from crmkit.ports.messaging import (
    DeliveryReport,
    DeliveryStatus,
    InboundSms,
    SmsGateway,
)
from crmkit.ports.storage import Storage
from crmkit.services.conflicts import retry_on_conflict

__all__ = ["REPORT_HORIZON", "DeliveryReports", "DeliveryResult"]

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
"""How long after sending :meth:`DeliveryReports.poll` keeps asking about an SMS (SPEC §9; docs/messaging.md).

72 hours is the usual SMS validity period: an operator's SMS centre retries an
unreachable handset that long, then drops the message, so no "delivered" can
follow. Past it a message without a final report is recorded ``expired``."""


def _reason(report: DeliveryReport) -> str:
    if report.error_code:
        return f"{report.status.value}: status {report.raw_status}, error {report.error_code}"
    return f"{report.status.value}: status {report.raw_status}"


class DeliveryReports:
    """Writes SMS delivery reports back onto the outbox (SPEC §9; see the module docs).

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
        partial = retry_on_conflict(
            work, attempts=self.conflict_retries, pause=lambda attempt: min(0.2, 0.005 * 2**attempt)
        )
        result.recorded += partial.recorded
        result.unchanged += partial.unchanged
        result.pending += partial.pending
        result.unknown += partial.unknown
        result.timed_out += partial.timed_out

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
