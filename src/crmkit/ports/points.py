"""The point storage port: programs and rules as data, the append-only ledger, serials, phones (§7 V3–V8).

Every adapter passes :class:`crmkit.testing.contracts.PointRepositoryContract`.
Like every repository, nothing is visible to other units of work before
``commit()``. Ledger entries are only ever appended; nothing here edits or
deletes one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol

from crmkit.domain.invoices import InvoiceId
from crmkit.domain.point_ledger import LedgerEntry, TierChange
from crmkit.domain.points import Campaign, PointRule, Product, Program, Role, Serial, Tier

__all__ = ["Cursor", "PartyKey", "PointRepository"]

PartyKey = tuple[str, Role, str]
"""A ledger's key: (program code, role, party key)."""

Cursor = tuple[date, datetime, uuid.UUID]
"""Where a statement page ends: the last entry's (date, recording time, id), the statement's order."""


class PointRepository(Protocol):
    """Loyalty programs, their rules, the ledger, issued serials and registered phones."""

    # -- configuration (V3, V8) ------------------------------------------------------------
    def put_program(self, program: Program) -> None:
        """Store a program, replacing the one with its code (audited, C12)."""
        ...

    def program(self, code: str) -> Program:
        """The program with this code.

        Raises:
            NotFound: when there is none.
        """
        ...

    def programs(self) -> list[Program]:
        """Every program, by code."""
        ...

    def put_products(self, products: Sequence[Product]) -> None:
        """Store products, replacing those with the same codes."""
        ...

    def catalogue(self) -> list[Product]:
        """Every product, by code (segments turn categories and brands into codes with it, M1)."""
        ...

    def products(self, codes: Iterable[str]) -> dict[str, Product]:
        """The products with these codes, in one query; unknown codes are left out."""
        ...

    def add_rules(self, rules: Sequence[PointRule]) -> None:
        """Add rule versions (audited, C12).

        Raises:
            Duplicate: on ``valid_from`` when a rule for the same program, role, target and key
                already starts that day.
        """
        ...

    def rules(self, program: str) -> list[PointRule]:
        """Every version of the program's rules, by role, target, key, then ``valid_from``."""
        ...

    def add_campaign(self, campaign: Campaign) -> None:
        """Add a campaign (audited, C12).

        Raises:
            Duplicate: on ``code`` when it is taken.
        """
        ...

    def campaigns(self, program: str) -> list[Campaign]:
        """The program's campaigns, by start then code."""
        ...

    def put_tiers(self, program: str, tiers: Sequence[Tier]) -> None:
        """Replace the program's tiers (audited, C12)."""
        ...

    def tiers(self, program: str) -> list[Tier]:
        """The program's tiers, by role then threshold."""
        ...

    # -- ledger (V4) -----------------------------------------------------------------------
    def append(self, entries: Sequence[LedgerEntry]) -> None:
        """Append entries in one batch; all or nothing. Adjustments are audited (C12).

        Raises:
            Duplicate: on ``key`` when an entry with one of these keys is stored (idempotency).
        """
        ...

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these entry keys are stored, in one query."""
        ...

    def entries(
        self, party: PartyKey, *, start: date | None = None, end: date | None = None
    ) -> list[LedgerEntry]:
        """The party's entries dated ``start``..``end`` (inclusive, open when ``None``).

        Ordered by date, then recording time, then id.
        """
        ...

    def page(
        self, party: PartyKey, start: date, end: date, *, after: Cursor | None = None, limit: int = 500
    ) -> list[LedgerEntry]:
        """At most ``limit`` of the party's entries dated ``start``..``end`` that sort after ``after``.

        In the order of :meth:`entries` (date, recording time, id); a keyset page read
        from the party's index, so the thousandth page costs what the first does.
        """
        ...

    def lock_party(self, party: PartyKey) -> None:
        """Hold the party's ledger until the unit of work ends: a second one waits here (V8 redemption).

        Entries read afterwards in the unit of work are the latest committed ones, so a
        redemption decided on them cannot overspend what a concurrent one just took.
        """
        ...

    def by_source(self, sources: Iterable[str]) -> list[LedgerEntry]:
        """Entries whose source is one of these (an invoice line's earnings and reversals), by id."""
        ...

    def balance(self, party: PartyKey, *, until: date | None = None) -> int:
        """The sum of the party's entries (dated up to ``until``), summed in the storage.

        Kept per party (and per party and day) by :meth:`append`, so neither sum reads the entries.
        """
        ...

    def earned(self, party: PartyKey, start: date, end: date) -> int:
        """Earn plus reverse points of the party dated ``start``..``end``, summed in the storage (tiers)."""
        ...

    def expiring(self, on: date) -> list[PartyKey]:
        """Parties holding a lot that expires on or before ``on``, in key order."""
        ...

    # -- invoices processed (exactly once) --------------------------------------------------
    def mark_processed(self, invoices: Sequence[InvoiceId], at: datetime) -> None:
        """Record that these invoices earned (or reversed) their points.

        Raises:
            Duplicate: on ``invoice`` when one is already recorded.
        """
        ...

    def processed(self, invoices: Iterable[InvoiceId]) -> set[InvoiceId]:
        """Which of these invoices are recorded as processed, in one query."""
        ...

    def unprocessed(self, *, limit: int = 500) -> list[InvoiceId]:
        """Stored invoices not yet recorded as processed, oldest issue first then by id, at most ``limit``.

        Found in the storage (no invoice is loaded); the catch-up job's work list.
        """
        ...

    # -- serials (V7) -----------------------------------------------------------------------
    def add_serials(self, serials: Sequence[Serial]) -> None:
        """Register issued serials.

        Raises:
            Duplicate: on ``serial`` when one is registered.
        """
        ...

    def serial(self, serial: str) -> Serial | None:
        """The registered serial, or ``None``."""
        ...

    def claim_serial(self, serial: str, party: str, on: date) -> bool:
        """Mark an unused serial used by ``party``; ``False`` when it is unknown or already used.

        Atomic: of two units of work claiming one serial at once, exactly one gets ``True``
        (the other waits for it, then gets ``False``, or fails its commit with ConcurrencyConflict).
        """
        ...

    # -- phones, tier changes, replies (V5–V8) -----------------------------------------------
    def register_phone(self, phone: str, party: PartyKey) -> None:
        """Register a party's mobile number (E.164), replacing what the number was registered to."""
        ...

    def party_of(self, phone: str) -> PartyKey | None:
        """The party this number is registered to, or ``None``."""
        ...

    def phone_of(self, party: PartyKey) -> str | None:
        """A number registered to the party (the smallest), or ``None``."""
        ...

    def phones(self, parties: Iterable[PartyKey]) -> dict[PartyKey, str]:
        """The smallest number registered to each party, in one query; parties with none are left out."""
        ...

    def record_tier_change(self, change: TierChange) -> None:
        """Record a tier change."""
        ...

    def tier_changes(self, party: PartyKey) -> list[TierChange]:
        """The party's tier changes, oldest first."""
        ...

    def current_tiers(self, program: str) -> list[TierChange]:
        """Each party's latest tier change in ``program`` that left it in a tier, by role then party."""
        ...

    def record_reply(self, phone: str, at: datetime) -> None:
        """Record a reply sent to ``phone`` (for the per-number rate limit)."""
        ...

    def replies_since(self, phone: str, since: datetime) -> int:
        """How many replies went to ``phone`` at or after ``since``, counted in the storage."""
        ...
