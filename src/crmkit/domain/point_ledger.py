"""The append-only point ledger: entries, lots, spendable balance, redemption, expiry, statements (§7 V4, V8).

Every change to a party's points is a new :class:`LedgerEntry`; entries are
never edited or deleted, a correction is a new entry. The **balance** is the sum
of a party's entries and may go below zero when a return takes back points that
were already spent (the shortfall is owed, never dropped).

A positive ``earn`` or ``adjust`` entry opens a **lot**, with the day it becomes
spendable (after the return window), its expiry and the store it may be spent
at. Every later entry that draws on a lot names it (``lot``): a reversal, an
expiry, each part of a redemption. A lot's remaining points are its own plus
those entries. Redemption takes the lots spendable that day, **oldest expiry
first** (lots that never expire last), then oldest first.

>>> import uuid
>>> from datetime import date, datetime, timezone
>>> from crmkit.domain.points import Role
>>> at = datetime(2026, 5, 1, tzinfo=timezone.utc)
>>> earn = LedgerEntry(id=uuid.UUID(int=1), key="earn:1", program="P", role=Role.CUSTOMER, party="1",
...     kind=EntryKind.EARN, points=30, reason="invoice", source="invoice:A1:1", on=date(2026, 5, 1),
...     spendable_from=date(2026, 5, 15), recorded_at=at)
>>> spendable([earn], date(2026, 5, 2)), spendable([earn], date(2026, 5, 15)), balance([earn])
(0, 30, 30)
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.points import Role

__all__ = [
    "EntryKind",
    "InsufficientPoints",
    "LedgerEntry",
    "Lot",
    "Statement",
    "StatementPage",
    "TierChange",
    "allocate",
    "balance",
    "cursor_after",
    "due_expiries",
    "lots",
    "parse_cursor",
    "spendable",
    "statement",
]


class EntryKind(enum.Enum):
    """What a ledger entry does (V4, V8)."""

    EARN = "earn"
    REVERSE = "reverse"
    REDEEM = "redeem"
    EXPIRE = "expire"
    ADJUST = "adjust"


_EARN = EntryKind.EARN
"""The earn kind, looked up once (an enum member's look-up is slow a million times)."""
_SIGN = {EntryKind.EARN: 1, EntryKind.REVERSE: -1, EntryKind.REDEEM: -1, EntryKind.EXPIRE: -1}


class InsufficientPoints(ValidationError):
    """A redemption asks for more points than are spendable (V8); names ``points``."""

    def __init__(self, wanted: int, available: int, where: str = "") -> None:
        super().__init__("points", f"{wanted} points asked, only {available} spendable{where}")
        self.wanted = wanted
        self.available = available


@attrs.frozen(kw_only=True)
class LedgerEntry:
    """One append-only entry of a party's points (V4).

    Attributes:
        id: the entry's id.
        key: what makes it unique (``earn:<invoice>:<line>:customer``); writing the same key twice is refused,
            which makes every earning, reversal and expiry idempotent.
        program: the program's code.
        role: the party's role.
        party: the party's key within its role.
        kind: earn, reverse, redeem, expire or adjust.
        points: signed whole points (earn > 0; reverse, redeem, expire < 0; adjust ≠ 0).
        reason: why, fit to show to the party.
        source: where it comes from (``invoice:<id>:<line>``, ``serial:<no>``, ``manual``).
        on: the business date (the invoice's date for earnings).
        spendable_from: for a lot, the first day it may be spent (after the return window).
        expires_on: for a lot, the day it expires (``None``: never).
        store: for a lot of a store-bound program, the only store it may be spent at.
        lot: for an entry drawing on a lot, the lot's entry id.
        recorded_at: when it was written (aware).
    """

    id: uuid.UUID
    key: str
    program: str
    role: Role
    party: str
    kind: EntryKind
    points: int
    reason: str
    source: str
    on: date
    recorded_at: datetime
    spendable_from: date | None = None
    expires_on: date | None = None
    store: str | None = None
    lot: uuid.UUID | None = None

    def __attrs_post_init__(self) -> None:
        if isinstance(self.points, bool) or not isinstance(self.points, int) or self.points == 0:
            raise ValidationError("points", f"must be a non-zero whole number (got {self.points!r})")
        sign = _SIGN.get(self.kind)
        if sign is not None and (self.points > 0) != (sign > 0):
            raise ValidationError(
                "points", f"a {self.kind.value} entry must be {'positive' if sign > 0 else 'negative'}"
            )
        if self.recorded_at.tzinfo is None:
            raise ValidationError("recorded_at", "must be timezone-aware")
        if not self.key or len(self.key) > 200:
            raise ValidationError("key", "must be 1-200 characters")
        if self.opens_lot and self.lot is not None:
            raise ValidationError("lot", "a credit opens a lot; it does not draw on one")

    @classmethod
    def earned(
        cls,
        *,
        id: uuid.UUID,
        key: str,
        program: str,
        role: Role,
        party: str,
        points: int,
        reason: str,
        source: str,
        on: date,
        recorded_at: datetime,
        spendable_from: date | None,
        expires_on: date | None,
        store: str | None,
    ) -> LedgerEntry:
        """An ``earn`` entry the earning job built from checked parts, without the checks again.

        The earning job (a million lines at a time) calls it with ``points > 0``, an aware
        ``recorded_at`` and a short key; anything else goes through the checking constructor.

        Raises:
            ValidationError: on ``points`` when it is not positive (the one value that varies).
        """
        if points <= 0:
            raise ValidationError("points", f"an earn entry must be positive (got {points!r})")
        entry = object.__new__(cls)
        put = object.__setattr__
        put(entry, "id", id)
        put(entry, "key", key)
        put(entry, "program", program)
        put(entry, "role", role)
        put(entry, "party", party)
        put(entry, "kind", _EARN)
        put(entry, "points", points)
        put(entry, "reason", reason)
        put(entry, "source", source)
        put(entry, "on", on)
        put(entry, "recorded_at", recorded_at)
        put(entry, "spendable_from", spendable_from)
        put(entry, "expires_on", expires_on)
        put(entry, "store", store)
        put(entry, "lot", None)
        return entry

    @classmethod
    def earned_many(
        cls,
        rows: Iterable[tuple[uuid.UUID, str, int, str, str]],
        *,
        program: str,
        role: Role,
        party: str,
        on: date,
        recorded_at: datetime,
        spendable_from: date | None,
        expires_on: date | None,
        store: str | None,
    ) -> list[LedgerEntry]:
        """:meth:`earned` for the lines of one invoice and party: ``(id, key, points, reason, source)`` rows.

        What the entries share is passed once; each entry costs its slot writes and no call.

        >>> from datetime import timezone
        >>> at = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
        >>> parts = dict(program="P", role=Role.CUSTOMER, party="1", on=date(2026, 5, 1), recorded_at=at,
        ...              spendable_from=None, expires_on=None, store=None)
        >>> [one] = LedgerEntry.earned_many([(uuid.UUID(int=1), "k", 3, "r", "s")], **parts)
        >>> one == LedgerEntry.earned(id=uuid.UUID(int=1), key="k", points=3, reason="r", source="s", **parts)
        True

        Raises:
            ValidationError: on ``points`` when one is not positive.
        """
        put = object.__setattr__
        new = object.__new__
        made = []
        for id, key, points, reason, source in rows:
            if points <= 0:
                raise ValidationError("points", f"an earn entry must be positive (got {points!r})")
            entry = new(cls)
            put(entry, "id", id)
            put(entry, "key", key)
            put(entry, "program", program)
            put(entry, "role", role)
            put(entry, "party", party)
            put(entry, "kind", _EARN)
            put(entry, "points", points)
            put(entry, "reason", reason)
            put(entry, "source", source)
            put(entry, "on", on)
            put(entry, "recorded_at", recorded_at)
            put(entry, "spendable_from", spendable_from)
            put(entry, "expires_on", expires_on)
            put(entry, "store", store)
            put(entry, "lot", None)
            made.append(entry)
        return made

    @property
    def opens_lot(self) -> bool:
        """Whether the entry is a credit that opens a lot (earn, or a positive adjustment)."""
        return self.kind is EntryKind.EARN or (self.kind is EntryKind.ADJUST and self.points > 0)


@attrs.frozen
class Lot:
    """Points credited together, with what is left of them (V8).

    Attributes:
        id: the crediting entry's id.
        points: credited.
        remaining: left after reversals, redemptions and expiries
            (negative when a return took back spent points).
        on: when credited.
        spendable_from: first day they may be spent.
        expires_on: when they expire (``None``: never).
        store: the only store they may be spent at (``None``: any).
    """

    id: uuid.UUID
    points: int
    remaining: int
    on: date
    spendable_from: date
    expires_on: date | None
    store: str | None

    def usable(self, on: date, store: str | None) -> bool:
        """Whether the lot may be spent on ``on`` at ``store`` (``None``: anywhere the lot allows)."""
        if self.spendable_from > on or (self.expires_on is not None and self.expires_on <= on):
            return False
        return self.store is None or store is None or self.store == store


def balance(entries: Iterable[LedgerEntry]) -> int:
    """The balance: the sum of the entries (V4); may be negative when spent points were returned."""
    return sum(e.points for e in entries)


def lots(entries: Iterable[LedgerEntry]) -> list[Lot]:
    """The lots the entries open, with what is left of each, oldest first."""
    listed = list(entries)
    drawn: dict[uuid.UUID, int] = {}
    for entry in listed:
        if entry.lot is not None:
            drawn[entry.lot] = drawn.get(entry.lot, 0) + entry.points
    return sorted(
        (
            Lot(
                e.id,
                e.points,
                e.points + drawn.get(e.id, 0),
                e.on,
                e.spendable_from or e.on,
                e.expires_on,
                e.store,
            )
            for e in listed
            if e.opens_lot
        ),
        key=lambda lot: (lot.on, lot.id),
    )


def _owed(entries: Sequence[LedgerEntry], all_lots: Sequence[Lot]) -> int:
    """Points owed: lots taken below zero, and debits drawing on no lot (≤ 0)."""
    loose = sum(e.points for e in entries if not e.opens_lot and e.lot is None)
    return min(0, loose) + sum(min(0, lot.remaining) for lot in all_lots)


def spendable(entries: Iterable[LedgerEntry], on: date, store: str | None = None) -> int:
    """Points spendable on ``on`` (at ``store`` for store-bound lots), owed points deducted; never < 0."""
    listed = list(entries)
    all_lots = lots(listed)
    free = sum(lot.remaining for lot in all_lots if lot.remaining > 0 and lot.usable(on, store))
    return max(0, free + _owed(listed, all_lots))


def allocate(
    entries: Sequence[LedgerEntry], points: int, on: date, store: str | None
) -> list[tuple[Lot, int]]:
    """Which lots a redemption of ``points`` takes, oldest expiry first (V8).

    Raises:
        ValidationError: ``points`` is not a positive whole number.
        InsufficientPoints: fewer points are spendable on ``on`` at ``store``.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise ValidationError("points", f"must be a positive whole number (got {points!r})")
    available = spendable(entries, on, store)
    if points > available:
        raise InsufficientPoints(points, available, "" if store is None else f" at store {store}")
    usable = [lot for lot in lots(entries) if lot.remaining > 0 and lot.usable(on, store)]
    usable.sort(key=lambda lot: (lot.expires_on is None, lot.expires_on or lot.on, lot.on, lot.id))
    taken: list[tuple[Lot, int]] = []
    left = points
    for lot in usable:
        take = min(left, lot.remaining)
        taken.append((lot, take))
        left -= take
        if left == 0:
            break
    return taken


def due_expiries(entries: Iterable[LedgerEntry], on: date) -> list[Lot]:
    """Lots expired by ``on`` (``expires_on <= on``) that still hold points: each gets one expire entry."""
    return [
        lot
        for lot in lots(entries)
        if lot.expires_on is not None and lot.expires_on <= on and lot.remaining > 0
    ]


@attrs.frozen
class Statement:
    """A party's points over a period (V8).

    Attributes:
        program: the program's code.
        role: the party's role.
        party: the party's key.
        start: first day.
        end: last day.
        opening: balance before ``start``.
        entries: the entries dated ``start``..``end``, by date then recording time.
        closing: balance at the end of ``end``.
    """

    program: str
    role: Role
    party: str
    start: date
    end: date
    opening: int
    entries: tuple[LedgerEntry, ...]
    closing: int


@attrs.frozen
class StatementPage:
    """One page of a party's statement over a period (V8).

    ``opening`` and ``closing`` are the whole period's, on every page; the pages'
    ``entries`` concatenated are the period's entries in statement order.

    Attributes:
        program: the program's code.
        role: the party's role.
        party: the party's key.
        start: first day of the period.
        end: last day of the period.
        opening: balance before ``start``.
        entries: this page's entries, by date, recording time, id.
        closing: balance at the end of ``end``.
        next: the cursor of the next page (pass it as ``after``), ``None`` on the last page.
    """

    program: str
    role: Role
    party: str
    start: date
    end: date
    opening: int
    entries: tuple[LedgerEntry, ...]
    closing: int
    next: str | None


def cursor_after(entry: LedgerEntry) -> str:
    """The opaque cursor of the page that follows ``entry``: its date, recording time and id.

    >>> import uuid
    >>> from datetime import timezone
    >>> at = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    >>> e = LedgerEntry(id=uuid.UUID(int=7), key="k", program="P", role=Role.CUSTOMER, party="1",
    ...     kind=EntryKind.EARN, points=3, reason="r", source="s", on=date(2026, 5, 1), recorded_at=at)
    >>> parse_cursor(cursor_after(e)) == (e.on, at, e.id)
    True
    """
    return f"{entry.on.isoformat()}~{entry.recorded_at.isoformat()}~{entry.id.hex}"


def parse_cursor(text: str) -> tuple[date, datetime, uuid.UUID]:
    """The (date, recording time, id) a cursor from :func:`cursor_after` names.

    Raises:
        ValidationError: on ``after`` when ``text`` is not such a cursor.
    """
    if not isinstance(text, str):
        raise ValidationError("after", f"{text!r} is not a statement cursor")
    try:
        on, at, id = text.split("~")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(at)
        return date.fromisoformat(on), moment, uuid.UUID(hex=id)
    except ValueError:
        raise ValidationError("after", f"{text!r} is not a statement cursor") from None


def statement(
    program: str, role: Role, party: str, entries: Iterable[LedgerEntry], start: date, end: date
) -> Statement:
    """The statement of one party from its entries (any order).

    Raises:
        ValidationError: on ``end`` when it is before ``start``.
    """
    if end < start:
        raise ValidationError("end", f"{end} is before {start}")
    listed = list(entries)
    opening = sum(e.points for e in listed if e.on < start)
    within = sorted((e for e in listed if start <= e.on <= end), key=lambda e: (e.on, e.recorded_at, e.id))
    return Statement(program, role, party, start, end, opening, tuple(within), opening + balance(within))


@attrs.frozen(kw_only=True)
class TierChange:
    """A recorded move between tiers (V8).

    Attributes:
        program: the program's code.
        role: the party's role.
        party: the party's key.
        on: the day of the change.
        old: the tier before (``None``: none).
        new: the tier after (``None``: none).
        earned: the points earned over the window that decided it.
        upgrade: ``True`` for a move up, ``False`` for a move down.
    """

    program: str
    role: Role
    party: str
    on: date
    old: str | None
    new: str | None
    earned: int
    upgrade: bool
