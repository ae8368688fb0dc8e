"""Outgoing messages, their delivery states, retry policy and consent (SPEC §8 M3, §9; issue 6).

Pure rules, no I/O. A use case writes an :class:`OutboxMessage` in the same
unit of work as the change that caused it; a dispatcher later claims it,
hands it to a gateway and records the outcome with the methods below:

* ``pending`` → ``claimed`` (:meth:`OutboxMessage.claim`, a lease that expires);
* ``claimed`` → ``sent`` (:meth:`OutboxMessage.sent`);
* ``claimed`` → ``pending`` again after a temporary failure, due after an
  exponential backoff with jitter (:class:`BackoffPolicy`), or ``dead``
  after the last attempt or a permanent failure (:meth:`OutboxMessage.failed`);
* ``pending``/``claimed`` → ``skipped`` when a commercial message finds no
  consent at send time (:meth:`OutboxMessage.skipped`, M3);
* a ``sent`` message then learns its fate at the provider from a delivery
  report (:meth:`OutboxMessage.delivery_reported`): ``delivered``,
  ``failed`` (with the reason) or ``expired``. The first final report
  wins; a later one never moves it (delivered stays delivered).

Just before a dispatcher hands a claimed message to a gateway without
idempotency it records the hand-over (:meth:`OutboxMessage.handed_over`:
``sent_at`` while still claimed). A claimed message whose lease ran out (its
dispatcher crashed) is claimed again; if it had been handed over, that
attempt may or may not have reached the provider, so the new attempt counts
as *uncertain* and the message, once sent, is a possible duplicate. A
message of the crashed batch that was never handed over is sent normally,
without the flag (§9: only what was in flight may repeat).

>>> from datetime import datetime, timedelta, UTC
>>> now = datetime(2026, 1, 5, 9, tzinfo=UTC)
>>> policy = BackoffPolicy(base=timedelta(seconds=10), max_attempts=3)
>>> policy.delay(1, 0.0), policy.delay(3, 1.0)
(datetime.timedelta(seconds=5), datetime.timedelta(seconds=40))
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from crmkit.domain.errors import CrmError, RuleViolation, ValidationError

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "BackoffPolicy",
    "Channel",
    "ConsentRecord",
    "ConsentState",
    "DeliveryFailed",
    "DeliveryState",
    "MessageKind",
    "OutboxAttachment",
    "OutboxMessage",
    "OutboxState",
    "consent_at",
    "may_send",
    "revocation_keyword",
]


class Channel(enum.Enum):
    """How a message reaches its recipient (and what a consent record covers)."""

    SMS = "sms"
    EMAIL = "email"
    CALL = "call"


class MessageKind(enum.Enum):
    """Commercial messages need consent at send time; informational ones do not (M3)."""

    COMMERCIAL = "commercial"
    """Campaigns, brochures, offers."""
    INFORMATIONAL = "informational"
    """Appointment reminders, point balances, replies to an inbound query."""


class OutboxState(enum.Enum):
    """Where an outbox message is in its delivery."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    DEAD = "dead"
    SKIPPED = "skipped"


class DeliveryState(enum.Enum):
    """What the provider finally said about a sent message (its delivery report)."""

    DELIVERED = "delivered"
    """The handset (or mailbox) received it."""
    FAILED = "failed"
    """The provider or operator could not deliver it; the reason is kept."""
    EXPIRED = "expired"
    """Its validity period ran out before the handset could be reached."""


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
"""The most bytes all attachments of one outbox e-mail may hold together (SMTP servers refuse more)."""


@attrs.frozen
class OutboxAttachment:
    """A file carried by an outbox e-mail, stored in the unit of work of its message (issue 6 item 2).

    The outbox keeps each distinct ``content`` once (by SHA-256), shared by every
    message that carries it (M2).

    Attributes:
        filename: the name the recipient sees (``teklif.pdf``); no path separators.
        media_type: the MIME type, ``type/subtype`` (``application/pdf``).
        content: the bytes.

    >>> OutboxAttachment("teklif.pdf", "application/pdf", b"%PDF-1.4").media_type
    'application/pdf'
    """

    filename: str
    media_type: str
    content: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        name = self.filename.strip()
        if not name or len(name) > 255 or "/" in name or "\\" in name:
            raise ValidationError("filename", "a file name of 1-255 characters, without / or \\")
        major, _, minor = self.media_type.partition("/")
        if not major or not minor or len(self.media_type) > 100 or " " in self.media_type:
            raise ValidationError(
                "media_type", f"{self.media_type!r} is not a type/subtype like application/pdf"
            )
        if not isinstance(self.content, bytes):
            raise ValidationError("content", "the attachment's bytes")


FINAL_STATES = frozenset({OutboxState.SENT, OutboxState.DEAD, OutboxState.SKIPPED})


class DeliveryFailed(CrmError):
    """A gateway did not accept a message.

    Attributes:
        provider: the gateway's name (``"netgsm"``).
        code: the provider's error code or a crmkit code (``"http-503"``, ``"network"``).
        permanent: retrying cannot help (a bad number, a refused sender); the
            dispatcher sends the message to the dead letters at once.
        maybe_sent: the request may have reached the provider (a timeout after
            sending): a retry may deliver a duplicate.
    """

    def __init__(
        self, provider: str, code: str, message: str, *, permanent: bool, maybe_sent: bool = False
    ) -> None:
        kind = "permanent" if permanent else "temporary"
        super().__init__(f"{provider}: {kind} failure {code}: {message}")
        self.provider = provider
        self.code = code
        self.permanent = permanent
        self.maybe_sent = maybe_sent


@attrs.frozen
class BackoffPolicy:
    """Exponential backoff with full jitter and a cap on attempts.

    The delay before attempt ``n + 1`` after ``n`` failed attempts is drawn
    uniformly from ``[d/2, d]`` where ``d = min(base * factor**(n-1), max_delay)``
    (half jitter keeps a floor so retries never stampede at once).

    Attributes:
        base: the delay after the first failure, before jitter.
        factor: growth per attempt.
        max_delay: the longest delay.
        max_attempts: attempts before a message goes to the dead letters.
        lease: how long a claim lasts before another dispatcher may take the message.
    """

    base: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = attrs.field(default=8)
    lease: timedelta = timedelta(minutes=5)

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ValidationError("max_attempts", "must be at least 1")

    def delay(self, attempts: int, jitter: float) -> timedelta:
        """The wait after ``attempts`` failed attempts; ``jitter`` in ``[0, 1]`` picks within the band.

        >>> BackoffPolicy(base=timedelta(seconds=1), max_delay=timedelta(seconds=4)).delay(10, 1.0)
        datetime.timedelta(seconds=4)
        """
        if not 0.0 <= jitter <= 1.0:
            raise ValidationError("jitter", f"{jitter} is not within [0, 1]")
        exponent = max(attempts - 1, 0)
        full = min(self.base.total_seconds() * self.factor**exponent, self.max_delay.total_seconds())
        return timedelta(seconds=full / 2 + full / 2 * jitter)


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """One message to deliver, written in the unit of work of the change that caused it.

    Attributes:
        id: the message id.
        key: the idempotency key: unique across the outbox, given to the gateway.
        channel: SMS or e-mail.
        kind: commercial (needs consent at send time) or informational.
        recipient: an E.164 number or an e-mail address.
        body: the text.
        subject: the e-mail subject (empty for SMS).
        created_at: when it was enqueued.
        due_at: when the dispatcher should next look at it: when a pending
            message may be sent, or when a claimed message's lease ends. Always at the
            offset the enqueuer gave it, also when the dispatcher rewrites it (issue 11).
        state: where it is in its delivery.
        attempts: sends started so far.
        uncertain_attempts: attempts whose outcome nobody recorded (a crashed
            dispatcher); each may have reached the gateway.
        claim: the token of the claim holding it (``None`` unless claimed).
        provider_id: the gateway's message id once sent.
        last_error: the last failure, for people.
        sent_at: when it was sent; while claimed, when it was handed to the provider
            (its send is in flight, :meth:`handed_over`).
        parts: SMS parts the text takes (0 for e-mail).
        contact_id: the contact it is for, when known.
        campaign_id: the campaign that sent it, if any (M2).
        recipient_type: for commercial SMS, the İYS recipient type
            (``"BIREYSEL"`` individuals or ``"TACIR"`` merchants).
        attachments: files an e-mail carries (none for SMS).
        delivery_status: the provider's final word on a sent message
            (``None``: no final delivery report yet).
        delivery_at: when that final report says it happened.
        delivery_error: why it failed or expired, as the provider put it.
    """

    id: uuid.UUID
    key: str
    channel: Channel
    kind: MessageKind
    recipient: str
    body: str
    subject: str = ""
    created_at: datetime
    due_at: datetime
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    uncertain_attempts: int = 0
    claim: str | None = None
    provider_id: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    parts: int = 0
    contact_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    recipient_type: str = "BIREYSEL"
    attachments: tuple[OutboxAttachment, ...] = ()
    delivery_status: DeliveryState | None = None
    delivery_at: datetime | None = None
    delivery_error: str | None = None

    def _own(self, when: datetime) -> datetime:
        """``when`` at the message's own UTC offset, the one its enqueuer gave ``due_at`` in.

        Every ``due_at`` the dispatcher rewrites (claim, outcome, requeue, skip) is the
        dispatcher's instant shown at the message's own offset, not the dispatcher clock's:
        the SQL back ends keep ``due_at_offset`` as enqueued (revision 0018), so every back end
        reads it back alike (V1, §9, issue 11). ``sent_at`` and ``delivery_at`` keep the offset
        of the clock or the report that gave them (revision 0023).
        """
        return when.astimezone(self.due_at.tzinfo)

    @property
    def is_final(self) -> bool:
        """Sent, dead or skipped; the dispatcher never touches it again."""
        return self.state in FINAL_STATES

    def claimable(self, now: datetime) -> bool:
        """Whether a dispatcher may claim it at ``now``: pending and due, or claimed with a lapsed lease."""
        return self.state in (OutboxState.PENDING, OutboxState.CLAIMED) and self.due_at <= now

    def claim_for(self, token: str, now: datetime, lease: timedelta) -> OutboxMessage:
        """Claimed under ``token`` until ``now + lease``; one more attempt.

        Re-claiming a message whose lease lapsed after it was handed over (:meth:`handed_over`)
        counts that attempt as uncertain; one the crashed dispatcher never handed over is not.

        Raises:
            RuleViolation: the message is not claimable at ``now``.
        """
        if not self.claimable(now):
            raise RuleViolation("outbox", f"message {self.id} is {self.state.value}, not claimable")
        in_flight = self.state is OutboxState.CLAIMED and self.sent_at is not None
        return attrs.evolve(
            self,
            state=OutboxState.CLAIMED,
            claim=token,
            due_at=self._own(now + lease),
            attempts=self.attempts + 1,
            uncertain_attempts=self.uncertain_attempts + (1 if in_flight else 0),
            sent_at=None,
        )

    def handed_over(self, now: datetime) -> OutboxMessage:
        """Recorded as handed to its provider at ``now``, before the send (§9).

        While the message is claimed, ``sent_at`` says its send is in flight: should the
        dispatcher crash now, the next claim counts exactly this attempt as uncertain.

        Raises:
            RuleViolation: the message is not claimed.
        """
        if self.state is not OutboxState.CLAIMED:
            raise RuleViolation("outbox", f"message {self.id} is {self.state.value}, not claimed")
        return attrs.evolve(self, sent_at=now)

    def sent(self, provider_id: str, now: datetime) -> OutboxMessage:
        """Delivered to the gateway, which returned ``provider_id``."""
        return attrs.evolve(
            self,
            state=OutboxState.SENT,
            provider_id=provider_id,
            sent_at=now,
            claim=None,
            due_at=self._own(now),
        )

    def failed(
        self, error: DeliveryFailed | str, now: datetime, policy: BackoffPolicy, jitter: float
    ) -> OutboxMessage:
        """After a failed attempt: pending again after a backoff, or dead.

        A permanent failure, or a failure on the last allowed attempt, makes it dead.
        A plain string is a temporary failure.
        """
        permanent = isinstance(error, DeliveryFailed) and error.permanent
        reason = str(error)
        if permanent or self.attempts >= policy.max_attempts:
            return attrs.evolve(
                self,
                state=OutboxState.DEAD,
                last_error=reason,
                claim=None,
                due_at=self._own(now),
                sent_at=None,
            )
        return attrs.evolve(
            self,
            state=OutboxState.PENDING,
            last_error=reason,
            claim=None,
            due_at=self._own(now + policy.delay(self.attempts, jitter)),
            sent_at=None,
        )

    def requeued(self, now: datetime) -> OutboxMessage | None:
        """A dead message back in the queue, due at ``now`` with a fresh attempt budget (§9).

        ``last_error`` keeps why it died until the next attempt; ``None``: the message is not dead.
        """
        if self.state is not OutboxState.DEAD:
            return None
        return attrs.evolve(self, state=OutboxState.PENDING, due_at=self._own(now), attempts=0, claim=None)

    def skipped(self, reason: str, now: datetime) -> OutboxMessage:
        """Not sent on purpose (a commercial message without consent, M3)."""
        return attrs.evolve(
            self,
            state=OutboxState.SKIPPED,
            last_error=reason,
            claim=None,
            due_at=self._own(now),
            sent_at=None,
        )

    def delivery_reported(
        self, status: DeliveryState, at: datetime, error: str | None = None
    ) -> OutboxMessage | None:
        """After the provider's final delivery report; ``None`` when it changes nothing.

        Only a sent message takes a report, and only its first final one: a
        repeated report, or a later one that would move it back (a stale
        ``failed`` after ``delivered``), changes nothing (idempotent).

        >>> from datetime import datetime, UTC
        >>> t = datetime(2026, 1, 5, 9, tzinfo=UTC)
        >>> m = OutboxMessage(id=uuid.UUID(int=1), key="k", channel=Channel.SMS,
        ...     kind=MessageKind.INFORMATIONAL, recipient="+905321234567", body="x",
        ...     created_at=t, due_at=t).sent("P1", t)
        >>> done = m.delivery_reported(DeliveryState.DELIVERED, t)
        >>> done.delivery_status.value, done.delivery_reported(DeliveryState.FAILED, t, "late")
        ('delivered', None)
        """
        if self.state is not OutboxState.SENT or self.delivery_status is not None:
            return None
        reason = None if status is DeliveryState.DELIVERED else (error or status.value)
        return attrs.evolve(self, delivery_status=status, delivery_at=at, delivery_error=reason)

    @property
    def possible_duplicate(self) -> bool:
        """Sent after an attempt whose outcome is unknown; the recipient may have it twice."""
        return self.state is OutboxState.SENT and self.uncertain_attempts > 0


class ConsentState(enum.Enum):
    """A consent decision."""

    GRANTED = "granted"
    REVOKED = "revoked"


@attrs.frozen(kw_only=True)
class ConsentRecord:
    """One consent decision for an address on a channel, kept as history (M3, İYS/KVKK).

    İYS keys consent by the recipient's address (phone number or e-mail), so
    records are looked up by ``(channel, address)``; ``contact_id`` links
    them to a contact when known.

    Attributes:
        id: the record id.
        channel: SMS, e-mail or call.
        address: an E.164 number or an e-mail address.
        state: granted or revoked.
        at: when the decision was made.
        source: where it came from (``"web-form"``, ``"sms:RET"``, ``"iys"`` …).
        contact_id: the contact, when known.
    """

    id: uuid.UUID
    channel: Channel
    address: str
    state: ConsentState
    at: datetime
    source: str
    contact_id: uuid.UUID | None = None


def consent_at(records: Iterable[ConsentRecord], at: datetime) -> ConsentState | None:
    """The decision in force at ``at``: the latest record made at or before it (``None``: never asked).

    Records of one channel and address; ties on time go to the later record in the input.
    """
    current: ConsentRecord | None = None
    for record in records:
        if record.at <= at and (current is None or record.at >= current.at):
            current = record
    return None if current is None else current.state


def may_send(kind: MessageKind, consent: ConsentState | None) -> bool:
    """Whether a message of ``kind`` may go to a recipient with ``consent`` (M3).

    >>> may_send(MessageKind.INFORMATIONAL, None), may_send(MessageKind.COMMERCIAL, None)
    (True, False)
    >>> may_send(MessageKind.COMMERCIAL, ConsentState.GRANTED)
    True
    """
    return kind is MessageKind.INFORMATIONAL or consent is ConsentState.GRANTED


REVOCATION_KEYWORDS = frozenset({"RET", "STOP", "IPTAL"})
"""Inbound SMS keywords that revoke SMS consent (M3)."""


def revocation_keyword(text: str) -> str | None:
    """The revocation keyword an inbound SMS starts with, folded the Turkish way, or ``None``.

    ``iptal``, ``İPTAL`` and ``Ret lütfen`` all revoke; ``RETURN`` does not.

    >>> revocation_keyword("iptal"), revocation_keyword(" Stop "), revocation_keyword("RETURN")
    ('IPTAL', 'STOP', None)
    """
    words = text.strip().split()
    if not words:
        return None
    word = words[0].replace("i", "İ").replace("ı", "I").upper().replace("İ", "I")
    return word if word in REVOCATION_KEYWORDS else None
