"""Loyalty points for hosts: ``crm.points`` (§7 V3–V8; §3 A2, A8; C12).

Every call takes the acting employee and asks the policy
(:mod:`crmkit.domain.point_policy`): configuration and manual adjustments are
for admins and are audited (C12); a party's balance, statement and redemption
follow the visibility of the company with the party's tax number (A8).
Earning from invoices and expiry are system operations
(:class:`~crmkit.services.point_earning.PointEarning`, :meth:`PointUseCases.expire`).

A few lines over the house's 500 because it is the whole ``crm.points`` namespace's
front (each method a short policy check and a call); earning, reversals, SMS, inputs
and return repair are already modules of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from crmkit.domain.access import Action, CompanyResource, Decision, decide
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.limits import PHONE_MAX, check_text
from crmkit.domain.point_ledger import (
    EntryKind,
    LedgerEntry,
    Statement,
    StatementPage,
    TierChange,
    allocate,
    cursor_after,
    due_expiries,
    parse_cursor,
    spendable,
    statement,
)
from crmkit.domain.point_policy import may_configure_points, may_use_points
from crmkit.domain.points import Campaign, PartyRef, PointRule, Product, Program, Role, Serial, Target, Tier
from crmkit.ports.points import PartyKey
from crmkit.ports.storage import UnitOfWork
from crmkit.services import point_inputs
from crmkit.services.base import ActorRef, ServiceContext
from crmkit.services.customers import facts_of
from crmkit.services.guard import require_active_party
from crmkit.services.messaging import InboundRouter
from crmkit.services.point_earning import PointEarning, record_tier
from crmkit.services.point_sms import PointSms
from crmkit.services.policy import PolicyUseCases, actor_for
from crmkit.services.return_repair import RepairReport, ReturnRepair

__all__ = ["PointUseCases"]

_REASON_MAX, _STORE_MAX = 500, 290  # the ledger's reason column; ``redeem:`` + the store in its source


class PointUseCases(PolicyUseCases):
    """Programs, rules, campaigns, serials, balances, statements, redemption and adjustments.

    Attributes:
        earning: the system operation crediting and reversing invoice points (the import's hook).
        returns: the return jobs (system operations): ``match_waiting``, ``repair`` and the
            import's corrections after a batch (``crmkit.services.return_repair``).
        sms: the inbound balance keyword and serial credits: ``crmkit.connect`` installs them on
            ``crm.inbound`` (``PUAN``); ``None`` after :meth:`disable_sms`.
    """

    def __init__(self, context: ServiceContext) -> None:
        super().__init__(context)
        self.earning = PointEarning(context)
        self.returns = ReturnRepair(context)
        self.sms: PointSms | None = None
        self._router: InboundRouter | None = None

    def enable_sms(
        self,
        router: InboundRouter,
        *,
        keyword: str = "PUAN",
        limit: int = 5,
        window: timedelta = timedelta(hours=1),
        default: bool = False,
    ) -> PointSms:
        """Answer the balance ``keyword`` and credit serial numbers on ``router`` (``crm.inbound``, V6, V7).

        ``crmkit.connect`` already did ``enable_sms(crm.inbound, default=True)``: ``PUAN``
        is answered with no call from the host. Call it again to change the keyword or
        the rate limit (the previous routing is replaced), or :meth:`disable_sms` to
        answer no point SMS.

        Args:
            router: the inbound router.
            keyword: the balance keyword, matched the Turkish way (``puan``, ``Puan``, ``PUAN``).
            limit: replies per number within ``window``.
            window: the reply rate-limit window.
            default: route the keyword as a default, which a host's own
                ``crm.inbound.register`` of that keyword replaces.

        Raises:
            ValidationError: on ``keyword`` when it is not one word or is routed already.
        """
        sms = PointSms(self._ctx, keyword=keyword, limit=limit, window=window)  # validates first
        routed = router.handler(keyword)
        if routed is not None and (self.sms is None or routed != self.sms.answer_balance):
            raise ValidationError("keyword", f"{keyword} is already routed")
        self.disable_sms()
        sms.install(router, default=default)
        self.sms, self._router = sms, router
        return sms

    def disable_sms(self) -> None:
        """Stop answering the balance keyword and serial numbers (undo :meth:`enable_sms`)."""
        if self.sms is not None and self._router is not None:
            self.sms.uninstall(self._router)
        self.sms = self._router = None

    # -- policy ----------------------------------------------------------------------------------
    def _user(self, uow: UnitOfWork, actor: ActorRef, party: PartyRef) -> None:
        employee = self._acting(uow, actor)
        if employee.position.is_admin or party.role is Role.SALES_PERSON:  # decided without the company (A2)
            may_use_points(employee, party, None).enforce()
            return
        who = actor_for(uow, employee, self._ctx.settings.regional_access)
        company: Decision | None = None
        found = uow.companies.by_tax_no(party.key)
        if found is not None:
            now = self._now()
            resource = CompanyResource(company=facts_of(uow, found, now), name=found.name)
            company = decide(who, Action.VIEW, resource, now)
        may_use_points(who.employee, party, company).enforce()

    @staticmethod
    def _program(uow: UnitOfWork, code: str) -> Program:
        try:
            return uow.points.program(code)
        except NotFound:
            raise ValidationError("program", f"no program {code!r}") from None

    # -- configuration (admins, audited) ---------------------------------------------------------
    def define_program(self, *, actor: ActorRef, program: Program) -> Program:
        """Create or replace a program (V3)."""
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            uow.points.put_program(point_inputs.one("program", program, Program))
        return program

    def add_products(self, *, actor: ActorRef, products: Sequence[Product]) -> None:
        """Register products with their category and brand (what rules can name)."""
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            uow.points.put_products(point_inputs.each("products", products, Product))

    def add_rules(self, *, actor: ActorRef, rules: Sequence[PointRule]) -> None:
        """Add rule versions (V3); all or nothing.

        Raises:
            ValidationError: on ``program`` for an unknown program, on ``key`` for a product rule
                naming an unregistered product, on ``target`` for a rule not fitting the program's basis.
            Duplicate: on ``valid_from`` when a version of that rule already starts that day.
        """
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            rules = point_inputs.each("rules", rules, PointRule)
            for rule in rules:
                program = self._program(uow, rule.program)
                if (rule.target is Target.AMOUNT) != (program.basis.value == "per_amount"):
                    raise ValidationError(
                        "target", f"{rule.target.value} rules do not fit a {program.basis.value} program"
                    )
            named = {r.key for r in rules if r.target is Target.PRODUCT}
            unknown = named - set(uow.points.products(named))
            if unknown:
                raise ValidationError("key", f"unknown product {sorted(unknown)[0]!r}: register it first")
            uow.points.add_rules(rules)

    def add_campaign(self, *, actor: ActorRef, campaign: Campaign) -> None:
        """Add a campaign (V3)."""
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            self._program(uow, point_inputs.one("campaign", campaign, Campaign).program)
            uow.points.add_campaign(campaign)

    def set_tiers(self, *, actor: ActorRef, program: str, tiers: Sequence[Tier]) -> None:
        """Replace a program's tiers (V8)."""
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            self._program(uow, program)
            if any(t.program != program for t in point_inputs.each("tiers", tiers, Tier)):
                raise ValidationError("program", f"every tier must belong to {program}")
            uow.points.put_tiers(program, tiers)

    def issue_serials(self, *, actor: ActorRef, serials: Sequence[Serial]) -> None:
        """Register issued serial numbers (V7); their products must be registered."""
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            serials = point_inputs.each("serials", serials, Serial)
            for program in {s.program for s in serials}:
                self._program(uow, program)
            named = {s.product for s in serials}
            unknown = named - set(uow.points.products(named))
            if unknown:
                raise ValidationError("product", f"unknown product {sorted(unknown)[0]!r}")
            uow.points.add_serials(serials)

    def register_phone(
        self, *, actor: ActorRef, phone: str, program: str, role: Role | str, party: str
    ) -> None:
        """Register a party's mobile number for balance SMS and inbound queries (V5–V7)."""
        ref = point_inputs.party(role, party)
        check_text("phone", phone, PHONE_MAX)
        if not (
            phone.startswith("+") and phone[1:].isascii() and phone[1:].isdigit() and 8 <= len(phone) <= 16
        ):
            raise ValidationError("phone", f"{phone!r} is not an E.164 number like +905321234567")
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            self._program(uow, program)
            uow.points.register_phone(phone, (program, ref.role, ref.key))

    # -- reading (A8) ----------------------------------------------------------------------------
    @contextmanager
    def _reading(
        self, actor: ActorRef, program: str, role: Role | str, party: str
    ) -> Iterator[tuple[UnitOfWork, PartyKey]]:
        """A unit of work in which ``actor`` may read ``party``'s points (A8), and the ledger's key."""
        ref = point_inputs.party(role, party)
        with self._work(None) as uow:
            self._user(uow, actor, ref)
            self._program(uow, program)  # a misspelt program is an error, not an empty ledger
            yield uow, (program, ref.role, ref.key)

    def balance(self, *, actor: ActorRef, program: str, role: Role | str, party: str) -> int:
        """The party's balance: the sum of its entries (V4), kept in the storage.

        Two reads after the policy's (A8): the stored balance, and the program only when
        the balance is 0 — a misspelt program has no entries, so it is refused then, while
        a balance other than 0 proves the program (programs are replaced, never deleted).
        """
        ref = point_inputs.party(role, party)
        with self._work(None) as uow:
            self._user(uow, actor, ref)
            found = uow.points.balance((program, ref.role, ref.key)) if isinstance(program, str) else 0
            if found == 0:
                self._program(uow, program)  # a misspelt program is an error, not an empty ledger
            return found

    def spendable(
        self,
        *,
        actor: ActorRef,
        program: str,
        role: Role | str,
        party: str,
        on: date,
        store: str | None = None,
    ) -> int:
        """Points the party may spend on ``on`` (at ``store``): no locked, expired or owed points (V8)."""
        point_inputs.day("on", on)
        with self._reading(actor, program, role, party) as (uow, key):
            return spendable(uow.points.entries(key), on, store)

    def statement(
        self, *, actor: ActorRef, program: str, role: Role | str, party: str, start: date, end: date
    ) -> Statement:
        """The party's whole statement: opening balance, every entry of the period, closing balance (V8).

        Every entry is loaded at once: meant for short periods or small ledgers. For a long
        period of a busy party (a dealer's year) page through :meth:`statement_page`, which
        gives the same opening, entries and closing.
        """
        if point_inputs.day("end", end) < point_inputs.day("start", start):
            raise ValidationError("end", f"{end} is before {start}")
        with self._reading(actor, program, role, party) as (uow, key):
            opening = uow.points.balance(key, until=date.fromordinal(start.toordinal() - 1))
            within = uow.points.entries(key, start=start, end=end)
        found = statement(program, key[1], key[2], within, start, end)
        return Statement(program, key[1], key[2], start, end, opening, found.entries, opening + found.closing)

    def statement_page(
        self,
        *,
        actor: ActorRef,
        program: str,
        role: Role | str,
        party: str,
        start: date,
        end: date,
        after: str | None = None,
        limit: int = 100,
    ) -> StatementPage:
        """One page of the party's statement (V8): the period's opening and closing, ``limit`` entries.

        Opening and closing are summed from the party's daily totals (kept with every
        ledger append), the page is one keyset read of the party's index from ``after``,
        so any page of a year with 100,000 entries costs a few milliseconds.

        Args:
            actor: who asks (A8).
            program: the program's code.
            role: the party's role.
            party: the party's key.
            start: first day of the period.
            end: last day of the period.
            after: the previous page's ``next`` (``None``: the first page).
            limit: entries per page, 1..1000.

        Raises:
            ValidationError: on ``end`` before ``start``, on ``limit`` out of range, on ``after``
                when it is not a cursor this method gave.
        """
        if point_inputs.day("end", end) < point_inputs.day("start", start):
            raise ValidationError("end", f"{end} is before {start}")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValidationError("limit", f"must be a whole number from 1 to 1000 (got {limit!r})")
        cursor = None if after is None else parse_cursor(after)
        with self._reading(actor, program, role, party) as (uow, key):
            opening = uow.points.balance(key, until=date.fromordinal(start.toordinal() - 1))
            closing = uow.points.balance(key, until=end)
            rows = uow.points.page(key, start, end, after=cursor, limit=limit + 1)
        more = len(rows) > limit
        shown = tuple(rows[:limit])
        following = cursor_after(shown[-1]) if more else None
        return StatementPage(program, key[1], key[2], start, end, opening, shown, closing, following)

    def tier_changes(
        self, *, actor: ActorRef, program: str, role: Role | str, party: str
    ) -> list[TierChange]:
        """The party's recorded tier upgrades and downgrades (V8)."""
        with self._reading(actor, program, role, party) as (uow, key):
            return uow.points.tier_changes(key)

    # -- changing (A8, C12) ----------------------------------------------------------------------
    def redeem(
        self,
        *,
        actor: ActorRef,
        program: str,
        role: Role | str,
        party: str,
        points: int,
        on: date,
        store: str | None = None,
        reason: str = "redemption",
    ) -> list[LedgerEntry]:
        """Spend points, oldest expiry first (V8); one redeem entry per lot drawn on.

        Two redemptions of one party at once are serialised on the party's ledger
        (``SELECT … FOR UPDATE`` of its balance row on PostgreSQL and MariaDB, SQLite's
        write lock, a commit-time check in memory), so together they never spend more
        than was spendable.

        Raises:
            ~crmkit.domain.point_ledger.InsufficientPoints: more than is spendable (names
                ``points``); nothing is stored.
            ValidationError: on ``store`` when the program is store-bound and no store is given,
                on ``on`` when it is not a date.
        """
        point_inputs.day("on", on)
        check_text("reason", reason, _REASON_MAX)
        if store is not None:
            check_text("store", store, _STORE_MAX)
        ref = point_inputs.party(role, party)
        with self._as(actor) as (uow, _):
            self._user(uow, actor, ref)
            found = self._program(uow, program)
            if found.store_bound and not store:
                raise ValidationError(
                    "store", f"program {program} is store-bound: say where the points are spent"
                )
            # hold the party's ledger first: a concurrent redemption waits, then sees what this one took
            uow.points.lock_party((program, ref.role, ref.key))
            ledger = uow.points.entries((program, ref.role, ref.key))
            taken = allocate(ledger, points, on, store if found.store_bound else None)
            now = self._now()
            entries = [
                LedgerEntry(
                    id=self._new_id(),
                    key=f"redeem:{self._new_id()}",
                    program=program,
                    role=ref.role,
                    party=ref.key,
                    kind=EntryKind.REDEEM,
                    points=-take,
                    reason=reason,
                    source="redeem" if store is None else f"redeem:{store}"[:300],
                    on=on,
                    recorded_at=now,
                    lot=lot.id,
                )
                for lot, take in taken
            ]
            uow.points.append(entries)
            return entries

    def adjust(
        self,
        *,
        actor: ActorRef,
        program: str,
        role: Role | str,
        party: str,
        points: int,
        reason: str,
        on: date,
    ) -> LedgerEntry:
        """A manual correction (admins; audited, C12): a positive one opens a lot, a negative one is owed.

        Raises:
            ValidationError: on ``reason`` when empty, on ``points`` when zero, on ``on`` when it
                is not a date.
        """
        point_inputs.day("on", on)
        ref = point_inputs.party(role, party)
        if isinstance(points, bool) or not isinstance(points, int) or points == 0:
            raise ValidationError("points", f"must be a non-zero whole number (got {points!r})")
        if not check_text("reason", reason, _REASON_MAX).strip():
            raise ValidationError("reason", "say why the balance is adjusted")
        with self._as(actor) as (uow, who):
            may_configure_points(who).enforce()
            require_active_party(uow, ref.key)  # C13
            found = self._program(uow, program)
            entry = LedgerEntry(
                id=self._new_id(),
                key=f"adjust:{self._new_id()}",
                program=program,
                role=ref.role,
                party=ref.key,
                kind=EntryKind.ADJUST,
                points=points,
                reason=reason,
                source="manual",
                on=on,
                recorded_at=self._now(),
                spendable_from=on if points > 0 else None,
                expires_on=None
                if points < 0 or found.expiry_days is None
                else date.fromordinal(on.toordinal() + found.expiry_days),
            )
            uow.points.append([entry])
            return entry

    def match_returns(self) -> RepairReport:
        """The return matching job (system operation, V1, V8); idempotent.

        Settles every return waiting for an original that is now stored, and corrects its
        originals' points. The import does this after each batch's commit; run the job on a
        schedule so that an import stopped between its commit and that step loses nothing.
        """
        return self.returns.match_waiting()

    def repair_returns(self) -> RepairReport:
        """The return repair (system operation, V1, V8, C12); idempotent: a second run appends nothing.

        Settles every stored return again and appends audited ``adjust`` entries for what its
        originals' points should have given back (``crmkit.services.return_repair``).
        """
        return self.returns.repair()

    def review_tiers(self, *, on: date) -> list[TierChange]:
        """The tier job (system operation, V8): re-tier every tiered party as of ``on``; idempotent.

        A party whose points over the rolling window ending ``on`` no longer reach its tier is
        downgraded (and one that reaches a higher one upgraded), with the change recorded.

        Returns:
            The changes recorded now.
        """
        point_inputs.day("on", on)
        changes: list[TierChange] = []
        with self._work(None) as uow:
            for program in uow.points.programs():
                tiers = uow.points.tiers(program.code)
                for current in uow.points.current_tiers(program.code):
                    change = record_tier(uow, program, tiers, current.role, current.party, on, 0)
                    if change is not None:
                        changes.append(change)
        return changes

    def expire(self, *, on: date) -> int:
        """The expiry job (system operation, V8): one expire entry per lot expired by ``on``; idempotent.

        Returns:
            The points expired now.
        """
        point_inputs.day("on", on)
        total = 0
        with self._work(None) as uow:
            now: datetime = self._now()
            for party in uow.points.expiring(on):
                program, role, key = party
                entries = [
                    LedgerEntry(
                        id=self._new_id(),
                        key=f"expire:{lot.id}",
                        program=program,
                        role=role,
                        party=key,
                        kind=EntryKind.EXPIRE,
                        points=-lot.remaining,
                        reason=f"expired on {lot.expires_on}",
                        source="expiry",
                        on=lot.expires_on or on,
                        recorded_at=now,
                        lot=lot.id,
                    )
                    for lot in due_expiries(uow.points.entries(party), on)
                ]
                fresh = uow.points.known_keys(e.key for e in entries)
                entries = [e for e in entries if e.key not in fresh]
                uow.points.append(entries)
                total -= sum(e.points for e in entries)
        return total
