"""Loyalty points in memory (§7 V3–V8): follows :class:`crmkit.ports.points.PointRepository`.

Writes are staged in the unit of work, checked again under the storage lock at
commit (:meth:`MemoryPointRepository.verify`: taken keys, serials claimed
meanwhile) and made visible at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.invoices import InvoiceId
from crmkit.domain.point_ledger import EntryKind, LedgerEntry, TierChange
from crmkit.domain.points import Campaign, PointRule, Product, Program, Serial, Tier
from crmkit.ports.points import Cursor, PartyKey

if TYPE_CHECKING:
    from crmkit.adapters.memory.invoices import InvoiceTables
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["POINTS_AGGREGATE", "MemoryPointRepository", "PointTables"]

POINTS_AGGREGATE = "points"
"""The audit trail's aggregate type of point configuration and manual adjustments (C12)."""


def _party(entry: LedgerEntry) -> PartyKey:
    return (entry.program, entry.role, entry.party)


def _rule_key(rule: PointRule) -> tuple[object, ...]:
    return (rule.program, rule.role.value, rule.target.value, rule.key, rule.valid_from)


@attrs.define
class PointTables:
    """The committed point data of one memory storage."""

    programs: dict[str, Program] = attrs.Factory(dict)
    products: dict[str, Product] = attrs.Factory(dict)
    rules: dict[tuple[object, ...], PointRule] = attrs.Factory(dict)
    campaigns: dict[str, Campaign] = attrs.Factory(dict)
    tiers: dict[str, list[Tier]] = attrs.Factory(dict)
    entries: list[LedgerEntry] = attrs.Factory(list)
    keys: set[str] = attrs.Factory(set)
    processed: dict[InvoiceId, datetime] = attrs.Factory(dict)
    serials: dict[str, Serial] = attrs.Factory(dict)
    phones: dict[str, PartyKey] = attrs.Factory(dict)
    tier_changes: list[TierChange] = attrs.Factory(list)
    replies: list[tuple[str, datetime]] = attrs.Factory(list)

    def clear(self) -> None:
        """Drop everything (the storage was closed)."""
        for field in attrs.fields(PointTables):
            getattr(self, field.name).clear()


class MemoryPointRepository:
    """The in-memory :class:`~crmkit.ports.points.PointRepository`."""

    def __init__(
        self,
        uow: MemoryUnitOfWork,
        tables: PointTables,
        lock: threading.RLock,
        invoices: InvoiceTables | None = None,
    ) -> None:
        self._uow = uow
        self._t = tables
        self._invoices = invoices
        self._lock = lock
        self.discard()

    # -- configuration -----------------------------------------------------------------------
    def put_program(self, program: Program) -> None:
        """Stage a program (replacing its code's)."""
        self._uow.check_usable()
        old = self._s.programs.get(program.code) or self._t.programs.get(program.code)
        self._s.programs[program.code] = program
        self._uow.record_change(POINTS_AGGREGATE, f"program:{program.code}", 1, old, program)

    def program(self, code: str) -> Program:
        """The program with this code."""
        self._uow.check_usable()
        with self._lock:
            found = self._s.programs.get(code) or self._t.programs.get(code)
        if found is None:
            raise NotFound("program", code)
        return found

    def programs(self) -> list[Program]:
        """Every program by code."""
        with self._lock:
            merged = {**self._t.programs, **self._s.programs}
        return [merged[k] for k in sorted(merged)]

    def put_products(self, products: Sequence[Product]) -> None:
        """Stage products."""
        self._uow.check_usable()
        self._s.products.update((p.code, p) for p in products)

    def catalogue(self) -> list[Product]:
        """Every product, by code."""
        with self._lock:
            merged = {**self._t.products, **self._s.products}
        return [merged[k] for k in sorted(merged)]

    def products(self, codes: Iterable[str]) -> dict[str, Product]:
        """Known products among ``codes``."""
        with self._lock:
            merged = {**self._t.products, **self._s.products}
        return {c: merged[c] for c in set(codes) if c in merged}

    def add_rules(self, rules: Sequence[PointRule]) -> None:
        """Stage rule versions."""
        self._uow.check_usable()
        with self._lock:
            for rule in rules:
                key = _rule_key(rule)
                if key in self._t.rules or key in self._s.rules:
                    raise Duplicate(
                        "valid_from",
                        f"a rule for {rule.target.value} {rule.key} already starts {rule.valid_from}",
                    )
        for rule in rules:
            self._s.rules[_rule_key(rule)] = rule
            self._uow.record_change(POINTS_AGGREGATE, f"rule:{rule.program}:{rule.key}", 1, None, rule)

    def rules(self, program: str) -> list[PointRule]:
        """The program's rule versions."""
        with self._lock:
            merged = {**self._t.rules, **self._s.rules}
        return [merged[k] for k in sorted(merged, key=str) if merged[k].program == program]

    def add_campaign(self, campaign: Campaign) -> None:
        """Stage a campaign."""
        self._uow.check_usable()
        with self._lock:
            taken = campaign.code in self._t.campaigns
        if taken or campaign.code in self._s.campaigns:
            raise Duplicate("code", f"campaign {campaign.code} already exists")
        self._s.campaigns[campaign.code] = campaign
        self._uow.record_change(POINTS_AGGREGATE, f"campaign:{campaign.code}", 1, None, campaign)

    def campaigns(self, program: str) -> list[Campaign]:
        """The program's campaigns by start then code."""
        with self._lock:
            merged = {**self._t.campaigns, **self._s.campaigns}
        return sorted((c for c in merged.values() if c.program == program), key=lambda c: (c.starts, c.code))

    def put_tiers(self, program: str, tiers: Sequence[Tier]) -> None:
        """Stage the program's tiers."""
        self._uow.check_usable()
        self._s.tiers[program] = list(tiers)
        for tier in tiers:
            self._uow.record_change(
                POINTS_AGGREGATE, f"tier:{program}:{tier.role.value}:{tier.name}", 1, None, tier
            )

    def tiers(self, program: str) -> list[Tier]:
        """The program's tiers by role then threshold."""
        with self._lock:
            found = self._s.tiers.get(program, self._t.tiers.get(program, []))
        return sorted(found, key=lambda t: (t.role.value, t.threshold, t.name))

    # -- ledger -------------------------------------------------------------------------------
    def append(self, entries: Sequence[LedgerEntry]) -> None:
        """Stage entries; a taken key raises Duplicate and stages nothing."""
        self._uow.check_usable()
        keys = [e.key for e in entries]
        if len(set(keys)) != len(keys):
            raise Duplicate("key", "two entries share a key")
        with self._lock:
            taken = [k for k in keys if k in self._t.keys or k in self._staged_keys]
        if taken:
            raise Duplicate("key", f"ledger entry {taken[0]} is already stored")
        self._s.entries.extend(entries)
        self._staged_keys.update(keys)
        for entry in entries:
            if entry.kind is EntryKind.ADJUST:
                self._uow.record_change(POINTS_AGGREGATE, f"entry:{entry.id}", 1, None, entry)

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Stored keys among ``keys``."""
        with self._lock:
            return {k for k in keys if k in self._t.keys or k in self._staged_keys}

    def _all(self) -> list[LedgerEntry]:
        with self._lock:
            return [*self._t.entries, *self._s.entries]

    def entries(
        self, party: PartyKey, *, start: date | None = None, end: date | None = None
    ) -> list[LedgerEntry]:
        """The party's entries in the range, by date, recording time, id."""
        found = [
            e
            for e in self._all()
            if _party(e) == party and (start is None or e.on >= start) and (end is None or e.on <= end)
        ]
        return sorted(found, key=lambda e: (e.on, e.recorded_at, e.id))

    def page(
        self, party: PartyKey, start: date, end: date, *, after: Cursor | None = None, limit: int = 500
    ) -> list[LedgerEntry]:
        """Up to ``limit`` of the party's entries in the range after ``after``, in statement order."""
        found = self.entries(party, start=start, end=end)
        if after is not None:
            found = [e for e in found if (e.on, e.recorded_at, e.id) > after]
        return found[: max(limit, 1)]

    def lock_party(self, party: PartyKey) -> None:
        """Count the party's committed entries: the commit is refused if another adds one meanwhile."""
        with self._lock:
            self._held[party] = sum(1 for e in self._t.entries if _party(e) == party)

    def by_source(self, sources: Iterable[str]) -> list[LedgerEntry]:
        """Entries of these sources by id."""
        wanted = set(sources)
        return sorted((e for e in self._all() if e.source in wanted), key=lambda e: e.id)

    def balance(self, party: PartyKey, *, until: date | None = None) -> int:
        """The party's balance."""
        return sum(e.points for e in self.entries(party, end=until))

    def earned(self, party: PartyKey, start: date, end: date) -> int:
        """Earn + reverse points in the range."""
        return sum(
            e.points
            for e in self.entries(party, start=start, end=end)
            if e.kind in (EntryKind.EARN, EntryKind.REVERSE)
        )

    def expiring(self, on: date) -> list[PartyKey]:
        """Parties with a lot expiring by ``on``."""
        found = {
            _party(e) for e in self._all() if e.opens_lot and e.expires_on is not None and e.expires_on <= on
        }
        return sorted(found, key=lambda p: (p[0], p[1].value, p[2]))

    # -- processed invoices ------------------------------------------------------------------
    def mark_processed(self, invoices: Sequence[InvoiceId], at: datetime) -> None:
        """Stage processed markers."""
        self._uow.check_usable()
        with self._lock:
            taken = [i for i in invoices if i in self._t.processed or i in self._s.processed]
        if taken or len(set(invoices)) != len(invoices):
            raise Duplicate("invoice", f"invoice {taken[0] if taken else invoices[0]} is already processed")
        self._s.processed.update((i, at) for i in invoices)

    def processed(self, invoices: Iterable[InvoiceId]) -> set[InvoiceId]:
        """Processed ids among ``invoices``."""
        with self._lock:
            return {i for i in invoices if i in self._t.processed or i in self._s.processed}

    def unprocessed(self, *, limit: int = 500) -> list[InvoiceId]:
        """Committed invoices with no processed marker, oldest issue first then id."""
        if self._invoices is None:
            return []
        with self._lock:
            stored = list(self._invoices.invoices.values())
            done = set(self._t.processed) | set(self._s.processed)
        waiting = sorted((i for i in stored if i.id not in done), key=lambda i: (i.issued_at, i.id))
        return [i.id for i in waiting[: max(limit, 0)]]

    # -- serials ------------------------------------------------------------------------------
    def add_serials(self, serials: Sequence[Serial]) -> None:
        """Stage issued serials."""
        self._uow.check_usable()
        names = [s.serial for s in serials]
        with self._lock:
            taken = [n for n in names if n in self._t.serials or n in self._s.serials]
        if taken or len(set(names)) != len(names):
            raise Duplicate("serial", f"serial {taken[0] if taken else names[0]} is already registered")
        self._s.serials.update((s.serial, s) for s in serials)

    def serial(self, serial: str) -> Serial | None:
        """The serial, staged or committed."""
        with self._lock:
            return self._s.serials.get(serial) or self._t.serials.get(serial)

    def claim_serial(self, serial: str, party: str, on: date) -> bool:
        """Stage the claim of an unused serial; re-checked at commit."""
        found = self.serial(serial)
        if found is None or found.used_by is not None:
            return False
        self._s.serials[serial] = attrs.evolve(found, used_by=party, used_at=on)
        self._claimed.add(serial)
        return True

    # -- phones, tiers, replies ---------------------------------------------------------------
    def register_phone(self, phone: str, party: PartyKey) -> None:
        """Stage a phone registration."""
        self._uow.check_usable()
        self._s.phones[phone] = party

    def party_of(self, phone: str) -> PartyKey | None:
        """The party of a phone."""
        with self._lock:
            return self._s.phones.get(phone) or self._t.phones.get(phone)

    def phone_of(self, party: PartyKey) -> str | None:
        """The smallest phone of a party."""
        with self._lock:
            merged = {**self._t.phones, **self._s.phones}
        return min((p for p, who in merged.items() if who == party), default=None)

    def phones(self, parties: Iterable[PartyKey]) -> dict[PartyKey, str]:
        """The smallest phone of each party that has one."""
        wanted = set(parties)
        with self._lock:
            merged = {**self._t.phones, **self._s.phones}
        found: dict[PartyKey, str] = {}
        for phone, who in merged.items():
            if who in wanted and (who not in found or phone < found[who]):
                found[who] = phone
        return found

    def record_tier_change(self, change: TierChange) -> None:
        """Stage a tier change."""
        self._s.tier_changes.append(change)

    def tier_changes(self, party: PartyKey) -> list[TierChange]:
        """The party's tier changes, oldest first."""
        with self._lock:
            merged = [*self._t.tier_changes, *self._s.tier_changes]
        return [c for c in merged if (c.program, c.role, c.party) == party]

    def current_tiers(self, program: str) -> list[TierChange]:
        """Each party's latest change, where it left the party in a tier."""
        with self._lock:
            merged = [*self._t.tier_changes, *self._s.tier_changes]
        latest = {(c.role, c.party): c for c in merged if c.program == program}
        return [
            latest[k] for k in sorted(latest, key=lambda k: (k[0].value, k[1])) if latest[k].new is not None
        ]

    def record_reply(self, phone: str, at: datetime) -> None:
        """Stage a reply record."""
        self._s.replies.append((phone, at))

    def replies_since(self, phone: str, since: datetime) -> int:
        """Replies to ``phone`` since ``since``."""
        with self._lock:
            merged = [*self._t.replies, *self._s.replies]
        return sum(1 for p, at in merged if p == phone and at >= since)

    # -- staging --------------------------------------------------------------------------------
    def verify(self) -> None:
        """Refuse keys, invoices and serials another unit of work committed first (under the storage lock)."""
        if any(k in self._t.keys for k in self._staged_keys):
            self.discard()
            raise Duplicate("key", "a ledger entry key was stored meanwhile")
        for party, count in self._held.items():  # a held party's ledger changed: decided on stale entries
            if sum(1 for e in self._t.entries if _party(e) == party) != count:
                self.discard()
                raise ConcurrencyConflict("points", f"{party[0]}/{party[1].value}/{party[2]}", count)
        if any(i in self._t.processed for i in self._s.processed):
            self.discard()
            raise Duplicate("invoice", "an invoice was processed meanwhile")
        for serial in self._claimed:
            committed = self._t.serials.get(serial)
            if committed is not None and committed.used_by is not None:
                self.discard()
                raise ConcurrencyConflict("serial", serial, 1)
        if any(s in self._t.serials for s in self._s.serials if s not in self._claimed):
            self.discard()
            raise Duplicate("serial", "a serial was registered meanwhile")

    def apply(self) -> None:
        """Make the staged writes visible (under the storage lock)."""
        t, s = self._t, self._s
        t.programs.update(s.programs)
        t.products.update(s.products)
        t.rules.update(s.rules)
        t.campaigns.update(s.campaigns)
        t.tiers.update(s.tiers)
        t.entries.extend(s.entries)
        t.keys.update(self._staged_keys)
        t.processed.update(s.processed)
        t.serials.update(s.serials)
        t.phones.update(s.phones)
        t.tier_changes.extend(s.tier_changes)
        t.replies.extend(s.replies)
        self.discard()

    def discard(self) -> None:
        """Drop the staged writes."""
        self._s = PointTables()
        self._staged_keys: set[str] = set()
        self._claimed: set[str] = set()
        self._held: dict[PartyKey, int] = {}
