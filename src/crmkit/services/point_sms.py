"""Points by SMS, inbound: the balance keyword and serial-number credits (§7 V6, V7; M3).

:meth:`PointSms.install` routes the keyword (``PUAN`` by default, matched the
Turkish way: ``puan``, ``Puan``, ``PUAN``) and makes serial numbers the
router's fallback. Both run inside the router's unit of work, and their replies
go through the outbox as informational messages (no consent needed, M3):

* **Balance (V6).** A number registered to a party gets its balance and what it
  may spend today; a number registered to no party gets "not registered" —
  never someone else's balance.
* **Serial (V7).** A text that is not a keyword is read as a serial number. A
  valid, unused, issued serial credits its product's points to the sender's
  party and is marked used, in the same unit of work; the claim is one
  conditional update, so two messages with one serial at once credit once.
  A used, unknown or malformed serial gets a polite reply and credits nothing.
* **Rate limit.** At most ``limit`` replies per number within ``window``;
  beyond it the message is still handled (a serial is still credited) but
  not answered.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from crmkit.domain.errors import ValidationError
from crmkit.domain.point_ledger import EntryKind, LedgerEntry, spendable
from crmkit.domain.points import Product, check_serial, line_points
from crmkit.ports.messaging import InboundSms
from crmkit.ports.points import PartyKey
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ServiceBase, ServiceContext
from crmkit.services.messaging import InboundRouter

__all__ = ["PointSms", "Replies"]


class Replies:
    """The texts of the point replies (Turkish by default; ASCII so one SMS part carries them)."""

    not_registered = "Bu numara puan programina kayitli degil. Bilgi icin bayinize basvurun."
    balance = "{program} puan bakiyeniz: {balance}. Bugun harcanabilir: {spendable}."
    malformed = "Gonderdiginiz metin bir seri numarasi degil. Bakiye icin {keyword} yazip gonderin."
    unknown = "{serial} kayitli bir seri numarasi degil. Lutfen urun etiketindeki numarayi kontrol edin."
    used = "{serial} seri numarasi daha once kullanilmis. Puan yuklenmedi."
    credited = "{serial}: {points} puan yuklendi. {program} bakiyeniz: {balance}."
    nothing = "{serial} bu program icin puan kazandirmiyor."


class PointSms(ServiceBase):
    """Answers the balance keyword and credits serial numbers (V6, V7).

    Args:
        context: the service context.
        keyword: the balance keyword (one word).
        limit: replies per number within ``window``.
        window: the rate-limit window.
        replies: the reply texts.
    """

    def __init__(
        self,
        context: ServiceContext,
        *,
        keyword: str = "PUAN",
        limit: int = 5,
        window: timedelta = timedelta(hours=1),
        replies: Replies | None = None,
    ) -> None:
        super().__init__(context)
        if not keyword.strip() or " " in keyword.strip():
            raise ValidationError("keyword", "one word, like PUAN")
        if limit < 1:
            raise ValidationError("limit", "at least one reply per window")
        self.keyword = keyword.strip()
        self.limit = limit
        self.window = window
        self.replies = replies or Replies()
        self._help: str | None = None

    def install(self, router: InboundRouter, *, default: bool = False) -> None:
        """Route the keyword to :meth:`answer_balance` (unless routed already), serials to the fallback.

        ``default``: a default route, which a host's own registration of the keyword replaces.
        """
        if not router.routes(self.keyword):
            router.register(self.keyword, self.answer_balance, default=default)
        self._help = router.help_reply
        router.fallback = self.credit_serial

    def uninstall(self, router: InboundRouter) -> None:
        """Undo :meth:`install`: the keyword and the serial fallback, where they are still this one's."""
        if router.handler(self.keyword) == self.answer_balance:
            router.unregister(self.keyword)
        if router.fallback == self.credit_serial:
            router.fallback = None

    def _today(self) -> date:
        return self._now().astimezone(ZoneInfo(self._ctx.settings.timezone)).date()

    def _reply(self, uow: UnitOfWork, phone: str, text: str) -> str | None:
        """``text``, unless the number had ``limit`` replies within the window (then no reply)."""
        now = self._now()
        if uow.points.replies_since(phone, now - self.window) >= self.limit:
            return None
        uow.points.record_reply(phone, now)
        return text

    def answer_balance(self, uow: UnitOfWork, inbound: InboundSms) -> str | None:
        """The balance reply to a registered number; "not registered" to any other (V6)."""
        party = uow.points.party_of(inbound.sender)
        if party is None:
            return self._reply(uow, inbound.sender, self.replies.not_registered)
        program = uow.points.program(party[0])
        entries = uow.points.entries(party)
        text = self.replies.balance.format(
            program=program.name,
            balance=sum(e.points for e in entries),
            spendable=spendable(entries, self._today()),
        )
        return self._reply(uow, inbound.sender, text)

    def credit_serial(self, uow: UnitOfWork, inbound: InboundSms) -> str | None:
        """Credit an issued, unused serial's points to the sender's party, once (V7).

        A text with no digit is no serial: it gets the router's help reply.
        """
        if not any(ch.isdigit() for ch in inbound.text):
            return self._help
        party = uow.points.party_of(inbound.sender)
        if party is None:
            return self._reply(uow, inbound.sender, self.replies.not_registered)
        try:
            serial = check_serial(inbound.text)
        except ValidationError:
            return self._reply(uow, inbound.sender, self.replies.malformed.format(keyword=self.keyword))
        found = uow.points.serial(serial)
        if found is None:
            return self._reply(uow, inbound.sender, self.replies.unknown.format(serial=serial))
        if found.used_by is not None or not uow.points.claim_serial(serial, party[2], self._today()):
            return self._reply(uow, inbound.sender, self.replies.used.format(serial=serial))
        earner: PartyKey = (found.program, party[1], party[2])
        points = self._points(uow, earner, found.product)
        program = uow.points.program(found.program)
        if points <= 0:
            return self._reply(uow, inbound.sender, self.replies.nothing.format(serial=serial))
        on = self._today()
        uow.points.append(
            [
                LedgerEntry(
                    id=self._new_id(),
                    key=f"serial:{serial}",
                    program=found.program,
                    role=party[1],
                    party=party[2],
                    kind=EntryKind.EARN,
                    points=points,
                    reason=f"serial {serial} ({found.product})",
                    source=f"serial:{serial}",
                    on=on,
                    recorded_at=self._now(),
                    spendable_from=on,
                    expires_on=None
                    if program.expiry_days is None
                    else on + timedelta(days=program.expiry_days),
                )
            ]
        )
        text = self.replies.credited.format(
            serial=serial, points=points, program=program.name, balance=uow.points.balance(earner)
        )
        return self._reply(uow, inbound.sender, text)

    def _points(self, uow: UnitOfWork, party: PartyKey, code: str) -> int:
        program = uow.points.program(party[0])
        product = uow.points.products([code]).get(code) or Product(code=code)
        rules = uow.points.rules(program.code)
        campaigns = uow.points.campaigns(program.code)
        today = self._today()
        return line_points(
            program, rules, campaigns, party[1], product, Decimal(1), Decimal(0), on=today, dealer=None
        )
