"""Inbound SMS: revocation keywords (M3), registered keyword handlers, the help reply."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

import attrs

from crmkit.domain.errors import Duplicate, ValidationError
from crmkit.domain.limits import NOTE_MAX, PHONE_MAX, check_text
from crmkit.domain.messaging import (
    Channel,
    ConsentState,
    MessageKind,
    OutboxMessage,
    revocation_keyword,
)
from crmkit.ports.clock import Clock, IdGenerator
from crmkit.ports.messaging import (
    InboundSms,
)
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.services.messaging.enqueue import enqueue_sms, record_consent

__all__ = ["InboundResult", "InboundRouter", "KeywordHandler"]

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


_TEXT_MAX = 5000
"""The longest inbound text read: far beyond a concatenated SMS (Twilio's limit is 1,600)."""


def _check(inbound: InboundSms) -> None:
    """Refuse what a careless webhook parser may pass (M3): each bad field named."""
    sender = check_text("sender", inbound.sender, PHONE_MAX)
    digits = sender[1:]
    if not (sender.startswith("+") and digits.isascii() and digits.isdigit()):
        raise ValidationError("sender", f"{sender!r} is not an E.164 number")
    check_text("text", inbound.text, _TEXT_MAX)
    if inbound.provider_id is not None:
        check_text("provider_id", inbound.provider_id, NOTE_MAX)
    at = inbound.received_at
    if at is not None and (not isinstance(at, datetime) or at.utcoffset() is None):
        raise ValidationError("received_at", "must be a timezone-aware datetime")


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
        self._defaults: set[str] = set()  # keywords routed by default: a later register() replaces them
        self.fallback: KeywordHandler | None = None
        """Answers a message with no routed keyword (a serial number, V7); ``None``: the help reply."""

    def register(self, keyword: str, handler: KeywordHandler, *, default: bool = False) -> None:
        """Route messages starting with ``keyword`` (matched the Turkish way, case-insensitively).

        Args:
            keyword: one word.
            handler: answers the message inside the router's unit of work.
            default: a default route (``crmkit.connect`` routes ``PUAN`` to ``crm.points`` so):
                a later registration of the keyword replaces it instead of being refused.

        Raises:
            ValidationError: on ``keyword`` for a revocation keyword, an empty one, or one taken
                (by a route that is not a default).
        """
        folded = _fold_keyword(keyword)
        if not folded or " " in keyword.strip():
            raise ValidationError("keyword", "one word, like PUAN")
        if revocation_keyword(folded) is not None:
            raise ValidationError("keyword", f"{folded} revokes consent and cannot be routed")
        if folded in self._handlers and folded not in self._defaults:
            raise ValidationError("keyword", f"{folded} is already routed")
        self._handlers[folded] = handler
        if default:
            self._defaults.add(folded)
        else:
            self._defaults.discard(folded)

    def unregister(self, keyword: str) -> None:
        """Stop routing ``keyword`` (folded the Turkish way); nothing happens when it is not routed."""
        folded = _fold_keyword(keyword)
        self._handlers.pop(folded, None)
        self._defaults.discard(folded)

    def handler(self, keyword: str) -> KeywordHandler | None:
        """The handler routed for ``keyword`` (folded the Turkish way), or ``None``."""
        return self._handlers.get(_fold_keyword(keyword))

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
            ValidationError: on ``sender`` when it is not E.164 (ASCII digits), on ``text`` or
                ``provider_id`` when not text or holding NUL, on ``received_at`` when naive.
        """
        _check(inbound)
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
                handler = handler or self.fallback
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
