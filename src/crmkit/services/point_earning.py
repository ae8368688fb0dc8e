"""Earning and reversing points from imported invoices, exactly once (§7 V1, V3, V4, V5, V8).

:class:`PointEarning` is a system operation (A8: run by the import's hook and by
jobs, not by an employee). For each invoice, in **one unit of work**, it checks
the invoice is not processed yet, appends the ledger entries of every program
that can earn on it, records the invoice as processed and queues
the balance SMS of every credited party with a registered number (V5,
informational: no consent needed, M3). A crash at any step leaves nothing
written; running it again does the work once. Two runs over one invoice at
once: the second meets the processed marker (or the entry keys) and skips it.

Currencies (V3): a per-unit program's points do not depend on money, so it earns
on an invoice in any currency; a per-amount program gives points per unit of
*its* currency and crmkit does not convert, so it earns nothing on an invoice in
another currency and the run's report warns, naming the invoice and both
currencies.

A **return** invoice reverses, for every line of the invoices it cancels,
``proportional(earned, returned so far, sold)`` minus what was already
reversed — a cumulative figure, so several partial returns take back exactly
what was earned in total and never more. When the points were spent already
the lot goes below zero and the balance may go negative: the shortfall is owed
and named in the entry's reason, never dropped (:mod:`crmkit.services.point_reversals`).
An original earned after its returns were imported — also one imported after them:
the import gives it back what they wait for (return references, migration 0024) —
reverses their share when it earns, for all three parties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs

from crmkit.domain.errors import Duplicate
from crmkit.domain.invoices import Invoice, InvoiceId
from crmkit.domain.messaging import MessageKind
from crmkit.domain.point_ledger import EntryKind, LedgerEntry, TierChange
from crmkit.domain.points import (
    Basis,
    Campaign,
    LineRate,
    PointRule,
    Product,
    Program,
    Role,
    Tier,
    line_rate,
    rated_points,
    tier_for,
)
from crmkit.ports.points import PartyKey
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ServiceBase, ServiceContext
from crmkit.services.messaging import enqueue_sms
from crmkit.services.point_reversals import originals_of, reversals
from crmkit.services.return_repair import ReturnRepair

__all__ = ["EarnReport", "PointEarning", "earns_in", "parties_of", "record_tier"]


_EARN, _REVERSE = EntryKind.EARN, EntryKind.REVERSE  # looked up once: an enum member's lookup is slow


def _no_probe(step: str) -> None:
    """Crash-injection point for tests (``entries``, ``processed``, ``outbox``); does nothing here."""


_CUSTOMER, _DEALER, _SALES_PERSON = Role.CUSTOMER, Role.DEALER, Role.SALES_PERSON


def parties_of(invoice: Invoice) -> dict[Role, str]:
    """The three earning parties of an invoice (V4): buyer, store (else seller), sales person when named."""
    found = {_CUSTOMER: invoice.buyer.key, _DEALER: invoice.store or invoice.seller_key}
    if invoice.sales_person:
        found[_SALES_PERSON] = invoice.sales_person
    return found


@attrs.define
class EarnReport:
    """What one earning run did.

    Attributes:
        processed: invoices processed now.
        skipped: invoices already processed before (nothing done).
        earned: points credited.
        reversed: points taken back by returns.
        owed: points taken back that were already spent (the balance went below zero by them).
        messages: balance SMS queued.
        warnings: invoices a per-amount program with rules could not earn on because their
            currency is not the program's (V3), naming the invoice and both currencies; per-unit
            programs earn in any currency and are never named.
    """

    processed: int = 0
    skipped: int = 0
    earned: int = 0
    reversed: int = 0
    owed: int = 0
    messages: int = 0
    warnings: list[str] = attrs.Factory(list)


def earns_in(program: Program, invoice: Invoice) -> bool:
    """Whether ``invoice``'s currency lets ``program`` earn on it (V3).

    Per-unit points do not depend on money: any currency. Per-amount points count
    currency units of the program's currency, which crmkit does not convert into.
    """
    return program.basis is Basis.PER_UNIT or program.currency == invoice.currency


def _currency_warnings(context: _Batch, invoice: Invoice) -> list[str]:
    """Per-amount programs with rules that skip ``invoice`` for its currency, one warning each (V3)."""
    dealer = parties_of(invoice)[Role.DEALER]
    return [
        f"invoice {invoice.number} ({invoice.id}) is in {invoice.currency}; program {p.code} counts in"
        f" {p.currency}, so it earns nothing there (V3)"
        for p in context.programs
        if not earns_in(p, invoice) and context.rules.get(p.code) and p.earns_on(dealer)
    ]


def record_tier(
    uow: UnitOfWork, program: Program, tiers: Sequence[Tier], role: Role, key: str, on: date, added: int
) -> TierChange | None:
    """Record an up- or downgrade when the window's points (``added`` included) move the tier (V8)."""
    mine = [t for t in tiers if t.role is role]
    if not mine:
        return None
    window = max(t.window_days for t in mine)
    party: PartyKey = (program.code, role, key)
    earned = uow.points.earned(party, on - timedelta(days=window - 1), on) + added
    after = tier_for(mine, role, earned)
    changes = uow.points.tier_changes(party)
    last = changes[-1].new if changes else None
    name = None if after is None else after.name
    if name != last:
        rank = {t.name: t.threshold for t in mine}
        up = rank.get(name or "", -1) > rank.get(last or "", -1)
        change = TierChange(
            program=program.code,
            role=role,
            party=key,
            on=on,
            old=last,
            new=name,
            earned=earned,
            upgrade=up,
        )
        uow.points.record_tier_change(change)
        return change
    return None


@attrs.define
class _Batch:
    """What a batch of invoices reads once: programs, their rules, campaigns and tiers, products, returns."""

    programs: list[Program]
    rules: dict[str, list[PointRule]]
    campaigns: dict[str, list[Campaign]]
    tiers: dict[str, list[Tier]]
    products: dict[str, Product]
    returned: set[InvoiceId]
    phones: dict[PartyKey, str]
    pending: list[LedgerEntry] = attrs.Factory(list)
    """Entries computed, not appended yet: appended at once unless something reads the ledger first."""
    rates: dict[tuple[str, Role, date, str | bool | None], dict[str, LineRate]] = attrs.Factory(dict)
    """Per (program, role, day, dealer — when a campaign names dealers): each product's rule and
    campaign multiplier, looked up once a batch."""

    def flush(self, uow: UnitOfWork) -> None:
        """Append the pending entries (before anything reads the ledger, and at the batch's end)."""
        if self.pending:
            uow.points.append(self.pending)
            self.pending = []

    @classmethod
    def load(cls, uow: UnitOfWork, invoices: Sequence[Invoice]) -> _Batch:
        programs = uow.points.programs()
        codes = {line.product_code for i in invoices for line in i.lines if line.product_code}
        sales = [i.id for i in invoices if not i.is_return]
        parties = {
            (p.code, role, key) for i in invoices for p in programs for role, key in parties_of(i).items()
        }
        return cls(
            phones=uow.points.phones(parties),
            programs=programs,
            rules={p.code: uow.points.rules(p.code) for p in programs},
            campaigns={p.code: uow.points.campaigns(p.code) for p in programs},
            tiers={p.code: uow.points.tiers(p.code) for p in programs},
            products=uow.points.products(codes) if codes else {},
            returned={key[0] for key in uow.invoices.returned_quantities(sales)} if sales else set(),
        )


class PointEarning(ServiceBase):
    """Credits and reverses invoice points, each invoice once (system operation)."""

    def __init__(self, context: ServiceContext, *, probe: Callable[[str], None] = _no_probe) -> None:
        super().__init__(context)
        self._probe = probe
        self._waiting: list[Invoice] = []
        self._returns = ReturnRepair(context)

    def on_imported(self, invoice: Invoice, warnings: tuple[str, ...] = ()) -> None:
        """The invoice import's hook: collect an invoice whose import batch committed.

        The collected invoices earn in one go when the import says its batch is done
        (:meth:`batch_done`), or once 500 are waiting.
        """
        self._waiting.append(invoice)
        if len(self._waiting) >= 500:
            self.batch_done()

    def batch_done(self) -> EarnReport:
        """Earn (or reverse) the points of every collected invoice, in batches (see :meth:`earn`).

        Returns:
            The run's report; the invoice import adds its warnings to its own (V3).
        """
        waiting, self._waiting = self._waiting, []
        # after each commit, the returned quantities of the originals earned are read again under
        # their sellers' return locks: a return another import's matching moved onto or off one of
        # them meanwhile is corrected here, once (V8)
        return self.earn(waiting) if waiting else EarnReport()

    def earn_stored(self, invoices: Iterable[InvoiceId]) -> EarnReport:
        """The catch-up job: process stored invoices by id (those the hook missed, e.g. after a crash)."""
        with self._work(None) as uow:
            loaded = [uow.invoices.get(i) for i in invoices]
        return self.earn(loaded)

    def catch_up(self, *, batch: int = 500) -> EarnReport:
        """The earning job: process every stored invoice not processed yet, oldest first (idempotent).

        Run it after a crash (or on a schedule): invoices whose import committed but whose hook
        never ran are found in the storage and earn their points once.
        """
        report = EarnReport()
        while True:
            with self._work(None) as uow:
                waiting = uow.points.unprocessed(limit=batch)
                loaded = [uow.invoices.get(i) for i in waiting]
            if not loaded:
                return report
            done = self.earn(loaded)
            for field in attrs.fields(EarnReport):
                setattr(report, field.name, getattr(report, field.name) + getattr(done, field.name))
            if done.processed == 0:
                return report

    def earn(self, invoices: Sequence[Invoice], *, batch: int = 500, recheck: bool = True) -> EarnReport:
        """Process invoices, ``batch`` per unit of work; already processed ones are skipped (idempotent).

        When another run processed one of a batch meanwhile (a Duplicate at write or commit),
        the batch is redone one invoice per unit of work, so each is done exactly once.

        After each batch commits, the returned quantities of the originals it earned are read
        again under their sellers' return locks and the points of those a concurrent matching
        moved are corrected (``ReturnRepair.recheck``, V8) — the import's hook too; ``recheck=False``
        leaves that to the caller.

        A batch keeps some thirty short-lived objects per line until it is appended; with the
        interpreter's default thresholds the cyclic collector scans them again and again
        (about a quarter of a 50,000-line run here). An import read with ``?gc=fewer`` earns
        under its raised threshold; a host earning a large backlog itself may wrap the call in
        ``fewer_collections`` — a process-wide setting,
        so the host's choice, never made here.
        """
        report = EarnReport()
        step = max(batch, 1)
        for start in range(0, len(invoices), step):
            chunk = invoices[start : start + step]
            earned: list[Invoice] = []
            returned: set[InvoiceId] = set()
            try:
                self._batch(chunk, report, earned, returned)
            except Duplicate:
                earned, returned = [], set()
                for invoice in chunk:
                    try:
                        self._batch([invoice], report, earned, returned)
                    except Duplicate:  # processed by another run meanwhile: its work stands
                        report.skipped += 1
            if recheck and earned:  # after the commit: what a matching moved meanwhile (V8)
                self._returns.recheck(earned, returned, why="matched while earning")
        return report

    def _batch(
        self, invoices: Sequence[Invoice], total: EarnReport, earned: list[Invoice], returned: set[InvoiceId]
    ) -> None:
        """One unit of work: every invoice of the batch not processed yet earns (or reverses) its points.

        Once it committed, its originals are added to ``earned`` and those it read as returned
        to ``returned``.
        """
        report = EarnReport()
        context = None
        with self._work(None) as uow:
            done = uow.points.processed(i.id for i in invoices)
            todo = [i for i in invoices if i.id not in done]
            report.skipped = len(invoices) - len(todo)
            if todo:
                context = _Batch.load(uow, todo)
                for invoice in todo:
                    self._one(uow, context, invoice, report)
                context.flush(uow)
                self._probe("processed")
                uow.points.mark_processed([i.id for i in todo], self._now())
                self._probe("outbox")
        if context is not None:
            earned += [i for i in todo if not i.is_return]
            returned |= context.returned
        for field in attrs.fields(EarnReport):
            setattr(total, field.name, getattr(total, field.name) + getattr(report, field.name))

    def _one(self, uow: UnitOfWork, context: _Batch, invoice: Invoice, report: EarnReport) -> None:
        if invoice.is_return:
            # a return reverses what its originals earned, whatever the currencies: every program
            # is looked at, and only entries actually earned are taken back (V3, V1)
            programs = context.programs
        else:
            programs = [p for p in context.programs if earns_in(p, invoice)]
            if len(programs) < len(context.programs):
                report.warnings.extend(_currency_warnings(context, invoice))
        if not programs:  # no program earns or reverses on it (none at all, say): only counted
            report.processed += 1
            return
        if (
            invoice.is_return
            or invoice.id in context.returned
            or any(context.tiers[p.code] for p in programs)
        ):
            context.flush(uow)  # returns and tiers read the ledger: it must hold every earlier entry
        entries: list[LedgerEntry] = []
        owed = 0
        returned = originals_of(uow, invoice) if invoice.is_return else []
        for program in programs:
            if invoice.is_return:
                originals = returned
            else:
                entries += self._earnings(uow, context, program, invoice)
                originals = [invoice] if invoice.id in context.returned else []
            found, short = reversals(uow, program, originals, entries, invoice, self._now(), self._new_id)
            entries += found
            owed += short
        self._probe("entries")
        context.pending.extend(entries)
        if context.phones:  # a balance SMS only for parties with a registered number (V5)
            report.messages += self._notify(uow, context, programs, invoice, entries)
        report.processed += 1
        for e in entries:
            if e.kind is _EARN:
                report.earned += e.points
            elif e.kind is _REVERSE:
                report.reversed -= e.points
        report.owed += owed

    # -- earning ---------------------------------------------------------------------------------
    def _earnings(
        self, uow: UnitOfWork, context: _Batch, program: Program, invoice: Invoice
    ) -> list[LedgerEntry]:
        """The earn entries of one program on one invoice: a line × role each (V3, V4).

        The per-entry work is kept to building the entry: what is the same for every role
        of a line (its source, reason and key prefix) is made once per line, what is the same
        for every line (dates, store, the role's key suffix) once per invoice, and the
        rule of a (role, product) once per batch and day. An entry's key is its source
        (``invoice:<id>:<line>``), the program and the role: beginning with the source, it
        lets the SQL ledger find a line's entries by a range of its unique key, without
        a source index entry per earn (revision 0027).
        """
        rules = context.rules[program.code]
        if not rules or not program.earns_on(parties_of(invoice)[Role.DEALER]):
            return []  # a seller-bound program (seed 001) earns only on its sellers' invoices
        campaigns = context.campaigns[program.code]
        tiers = context.tiers[program.code]
        products = context.products
        on = invoice.issue_date
        parties = parties_of(invoice)
        dealer = parties[Role.DEALER]
        now = self._now()
        code_of = program.code
        invoice_id = str(invoice.id)  # formatted once, not once per entry
        spendable_from = on + timedelta(days=program.return_window_days)
        expires_on = None if program.expiry_days is None else on + timedelta(days=program.expiry_days)
        store = dealer if program.store_bound else None
        by_dealer = any(c.dealers for c in campaigns)  # else a line's rule does not depend on the dealer
        sources = [f"invoice:{invoice_id}:{line.number}" for line in invoice.lines]
        lines = [  # the key begins with the source: the ledger finds it by its key (revision 0027)
            (
                line,
                line.product_code or line.product_name,
                f"{source}:{code_of}:",
                f"invoice {invoice.number} line {line.number}: {line.product_name}"[:500],
                source,
            )
            for line, source in zip(invoice.lines, sources, strict=True)
        ]
        many = getattr(self._ctx.ids, "many", None)  # ids by the batch where the generator offers it
        fresh = iter(many(len(lines) * len(parties))) if many else None
        new_id = self._ctx.ids.new if fresh is None else fresh.__next__
        entries: list[LedgerEntry] = []
        for role, key in parties.items():
            multiplier = self._tier(uow, program, tiers, role, key, on)
            rates = context.rates.setdefault((code_of, role, on, by_dealer and dealer), {})
            suffix = role.value
            rows = []
            for line, code, prefix, reason, source in lines:
                rate = rates.get(code)
                if rate is None:
                    product = products.get(code) or Product(code=code, name=line.product_name)
                    rate = rates[code] = line_rate(
                        program, rules, campaigns, role, product, on=on, dealer=dealer
                    )
                points = rated_points(program, rate, line.quantity, line.line_extension, multiplier)
                if points > 0:
                    rows.append((new_id(), prefix + suffix, points, reason, source))
            if not rows:
                continue
            entries += LedgerEntry.earned_many(  # parts checked above: no per-entry validation
                rows,
                program=code_of,
                role=role,
                party=key,
                on=on,
                recorded_at=now,
                spendable_from=spendable_from,
                expires_on=expires_on,
                store=store,
            )
            if tiers:
                record_tier(uow, program, tiers, role, key, on, sum(row[2] for row in rows))
        return entries

    @staticmethod
    def _tier(
        uow: UnitOfWork, program: Program, tiers: Sequence[Tier], role: Role, key: str, on: date
    ) -> Decimal:
        """The party's tier multiplier on ``on``: its tier by the points earned over the window before."""
        mine = [t for t in tiers if t.role is role]
        if not mine:
            return Decimal(1)
        window = max(t.window_days for t in mine)
        earned = uow.points.earned((program.code, role, key), on - timedelta(days=window - 1), on)
        tier = tier_for(mine, role, earned)
        return Decimal(1) if tier is None else tier.multiplier

    # -- balance SMS (V5) ---------------------------------------------------------------------
    def _notify(
        self,
        uow: UnitOfWork,
        context: _Batch,
        programs: Sequence[Program],
        invoice: Invoice,
        entries: Sequence[LedgerEntry],
    ) -> int:
        sent = 0
        by_code = {p.code: p for p in programs}
        credited: dict[PartyKey, int] = {}
        for e in entries:
            if e.kind is EntryKind.EARN:
                party = (e.program, e.role, e.party)
                credited[party] = credited.get(party, 0) + e.points
        for party, points in sorted(credited.items(), key=lambda kv: (kv[0][0], kv[0][1].value, kv[0][2])):
            phone = context.phones.get(party)
            if phone is None:
                continue
            context.flush(uow)  # the SMS tells the balance after this credit
            program = by_code[party[0]]
            text = program.balance_sms.format(
                points=points, balance=uow.points.balance(party), program=program.name
            )
            enqueue_sms(
                uow,
                id=self._new_id(),
                key=f"points:{program.code}:{invoice.id}:{party[1].value}",
                to=phone,
                text=text,
                kind=MessageKind.INFORMATIONAL,
                now=self._now(),
            )
            sent += 1
        return sent
