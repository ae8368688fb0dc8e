"""SQL loyalty points (§7 V3–V8): a :class:`~crmkit.ports.points.PointRepository`.

Balances, window sums and the parties with expiring lots are computed in the
database. Entries are inserted with one ``executemany`` inside a savepoint, so
a taken key (an invoice processed meanwhile) leaves the unit of work usable.
A serial is claimed with one conditional ``UPDATE … WHERE used_by IS NULL``:
the row lock makes two simultaneous claims of one serial yield one winner.

A few lines over the house's 500: it is one port's SQL binding (the ledger, balances,
days and serials share one unit of work's write path); serial and paging reads would
be the first to move out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from crmkit.adapters.sqlalchemy._convert import utc, uuid_of
from crmkit.adapters.sqlalchemy._errors import arose_from_lock_conflict
from crmkit.adapters.sqlalchemy.bulk import bulk_insert, chunks, upsert
from crmkit.adapters.sqlalchemy.tables import audit_entries, invoices
from crmkit.adapters.sqlalchemy.tables.points import (
    UNPREFIXED,
    point_balances,
    point_days,
    point_entries,
    point_invoices,
    point_phones,
    point_replies,
    point_serials,
    point_tier_changes,
)
from crmkit.domain.errors import ConcurrencyConflict
from crmkit.domain.invoices import InvoiceId
from crmkit.domain.point_ledger import EntryKind, LedgerEntry, TierChange
from crmkit.domain.points import Role, Serial
from crmkit.ports.points import Cursor, PartyKey

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

from crmkit.adapters.sqlalchemy.points_config import (
    POINTS_AGGREGATE,
    SqlPointConfig,
    config_data,
    config_value,
)

__all__ = ["POINTS_AGGREGATE", "SqlPointRepository", "config_data", "config_value"]


_Process = Callable[[Any], Any]
_PROCESSORS: dict[str, tuple[_Process | None, _Process | None, _Process | None]] = {}


def _processors(dialect: sa.Dialect) -> tuple[_Process | None, _Process | None, _Process | None]:
    """The bind processors of an id, a date and a time column on ``dialect`` (``None``: the value as is)."""
    found = _PROCESSORS.get(dialect.name)
    if found is None:
        c = point_entries.c
        found = _PROCESSORS[dialect.name] = tuple(  # type: ignore[assignment]
            column.type.dialect_impl(dialect).bind_processor(dialect)
            for column in (c.id, c.on_date, c.recorded_at)
        )
    return found  # type: ignore[return-value]


def _prepared(
    entries: Sequence[LedgerEntry], dialect: sa.Dialect
) -> tuple[list[tuple[Any, ...]], list[Any], list[Any]]:
    """The entries as driver-ready ``point_entries`` rows, and what they add to balances and days.

    One pass over the entries. The rows are in column order (``bulk_insert(prepared=True)``):
    what the columns' bind processors would make of each value. The entries of one invoice
    share their dates and recording time, so those are converted when they change from the
    entry before, not once per entry; an id's hex digits come straight from its integer.
    ``_value_``: an enum's ``.value`` is a property, slow a million times.

    The deltas: one row per party (its balance) and one per party and day (``point_days``),
    in key order. Entries come in runs of one party and day (an invoice's lines for one
    role), so a run is summed before it touches the dictionary.
    """
    as_id, as_date, as_time = _processors(dialect)
    probe = uuid.UUID(int=1)
    hex_ids = as_id is not None and as_id(probe) == probe.hex  # ids stored as 32 hex digits

    def day(value: dt.date | None) -> Any:
        return value if value is None or as_date is None else as_date(value)

    rows: list[tuple[Any, ...]] = []
    append = rows.append
    seen: tuple[Any, ...] = ()
    dates: tuple[Any, ...] = ()
    days: dict[tuple[str, str, str, dt.date], int] = {}
    run: tuple[Any, ...] = ()  # (program, role, party, on) of the current run, as the entries hold them
    run_key: tuple[str, str, str, dt.date] | None = None
    run_points = 0
    role_value = ""
    for e in entries:
        on = e.on
        same = seen and on is seen[0] and e.spendable_from is seen[1] and e.expires_on is seen[2]
        if not same or e.recorded_at is not seen[3]:
            seen = (on, e.spendable_from, e.expires_on, e.recorded_at)
            at = utc(e.recorded_at)
            dates = (
                day(on),
                day(e.spendable_from),
                day(e.expires_on),
                at if as_time is None else as_time(at),
            )
        program, role, party, points = e.program, e.role, e.party, e.points
        if not run or party is not run[2] or on is not run[3] or role is not run[1] or program is not run[0]:
            if run_key is not None:
                days[run_key] = days.get(run_key, 0) + run_points
            run = (program, role, party, on)
            role_value = role._value_
            run_key = (program, role_value, party, on)
            run_points = 0
        run_points += points
        lot = e.lot
        id = e.id
        append(
            (
                f"{id.int:032x}" if hex_ids else id if as_id is None else as_id(id), e.key, program,
                role_value, party, e.kind._value_, points, e.reason, e.source, dates[0], dates[3], dates[1],
                dates[2], e.store, lot if lot is None or as_id is None else as_id(lot),
            )
        )  # fmt: skip
    if run_key is not None:
        days[run_key] = days.get(run_key, 0) + run_points
    sums: dict[tuple[str, str, str], int] = {}
    for (p, r, k, _), n in days.items():
        sums[p, r, k] = sums.get((p, r, k), 0) + n
    return (
        rows,
        [{"program": p, "role": r, "party": k, "balance": n} for (p, r, k), n in sorted(sums.items())],
        [
            {"program": p, "role": r, "party": k, "on_date": d, "points": n}
            for (p, r, k, d), n in sorted(days.items())
        ],
    )


_ROLES = {r.value: r for r in Role}
_KINDS = {k.value: k for k in EntryKind}
_FIELDS = tuple(f.name for f in attrs.fields(LedgerEntry))
_set = object.__setattr__


def _entry(row: Sequence[Any]) -> LedgerEntry:
    """A stored entry from its row (columns in table order): valid when written, so not validated again."""
    entry = object.__new__(LedgerEntry)
    lot = row[14]
    values = (
        uuid_of(row[0]), row[1], row[2], _ROLES[row[3]], row[4], _KINDS[row[5]], int(row[6]), row[7], row[8],
        row[9], utc(row[10]), row[11], row[12], row[13], None if lot is None else uuid_of(lot),
    )  # fmt: skip
    for name, value in zip(_FIELDS, values, strict=True):
        _set(entry, name, value)
    return entry


def _tier_change(r: Any) -> TierChange:
    return TierChange(
        program=r.program, role=Role(r.role), party=r.party, on=r.on_date, old=r.old, new=r.new,
        earned=int(r.earned), upgrade=bool(r.upgrade),
    )  # fmt: skip


def _of(party: PartyKey) -> sa.ColumnElement[bool]:
    program, role, key = party
    return sa.and_(
        point_entries.c.program == program, point_entries.c.role == role.value, point_entries.c.party == key
    )


_ORDER = (point_entries.c.on_date, point_entries.c.recorded_at, point_entries.c.id)


class SqlPointRepository(SqlPointConfig):
    """The point repository of a SQL unit of work."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        super().__init__(uow)
        self._locked: set[PartyKey] = set()  # parties held by lock_party() in this unit of work

    # -- ledger -------------------------------------------------------------------------------
    def append(self, entries: Sequence[LedgerEntry]) -> None:
        """Insert entries in one batch; a taken key raises Duplicate and inserts none."""
        if not entries:
            return
        audits = [self._audit(f"entry:{e.id}", e) for e in entries if e.kind is EntryKind.ADJUST]
        with self._writing("key", "a ledger entry with one of these keys") as connection:
            rows, balances, days = _prepared(entries, connection.dialect)
            bulk_insert(connection, point_entries, rows, batch_size=len(rows), prepared=True)
            connection.execute(self._add_to(point_balances, "balance"), balances)
            connection.execute(self._add_to(point_days, "points"), days)
            if audits:
                connection.execute(sa.insert(audit_entries), audits)

    def _add_to(self, table: sa.Table, column: str) -> sa.Executable:
        """An upsert adding each row's ``column`` to the stored row of its key (atomic in the database).

        ``point_balances`` (a party's running total) and ``point_days`` (its daily totals)
        are kept this way in the transaction that appends the entries (V4).
        """
        dialect = self._uow.connection.dialect.name
        keys = [c.name for c in table.primary_key.columns]
        if dialect in ("mysql", "mariadb"):
            mine = mysql.insert(table)
            return mine.on_duplicate_key_update({column: table.c[column] + mine.inserted[column]})
        lite = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        return lite.on_conflict_do_update(
            index_elements=keys, set_={column: table.c[column] + lite.excluded[column]}
        )

    def _present(self, column: sa.Column[Any], values: Iterable[Any]) -> set[Any]:
        """The stored values of ``column`` among ``values``, asked 500 at a time."""
        found: set[Any] = set()
        for chunk in chunks(list(set(values)), 500):
            found.update(self._uow.execute(sa.select(column).where(column.in_(chunk))).scalars())
        return found

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Stored keys among ``keys``."""
        return self._present(point_entries.c.entry_key, keys)

    def entries(
        self, party: PartyKey, *, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[LedgerEntry]:
        """The party's entries in the range, by date, recording time, id."""
        query = sa.select(point_entries).where(_of(party)).order_by(*_ORDER)
        if start is not None:
            query = query.where(point_entries.c.on_date >= start)
        if end is not None:
            query = query.where(point_entries.c.on_date <= end)
        if party in self._locked and self._uow.connection.dialect.name in ("mysql", "mariadb"):
            # InnoDB's plain reads see the snapshot of the transaction's first read, taken
            # before the party's lock was granted: read the latest committed entries instead.
            query = query.with_for_update(read=True)
        return [_entry(row) for row in self._uow.execute(query)]

    def page(
        self, party: PartyKey, start: dt.date, end: dt.date, *, after: Cursor | None = None, limit: int = 500
    ) -> list[LedgerEntry]:
        """Up to ``limit`` entries after ``after`` in the range: one range read of the party index."""
        c = point_entries.c
        query = sa.select(point_entries).where(_of(party), c.on_date <= end)
        if after is None:
            query = query.where(c.on_date >= start)
        else:
            on, at, id = after
            at = utc(at)
            later = sa.or_(c.recorded_at > at, sa.and_(c.recorded_at == at, c.id > id))
            query = query.where(
                c.on_date >= max(on, start), sa.or_(c.on_date > on, sa.and_(c.on_date == on, later))
            )
        query = query.order_by(*_ORDER).limit(max(limit, 1))
        return [_entry(row) for row in self._uow.execute(query)]

    def lock_party(self, party: PartyKey) -> None:
        """Hold the party's balance row until the unit of work ends (FOR UPDATE; SQLite's write lock)."""
        program, role, key = party
        c = point_balances.c
        where = (c.program == program, c.role == role.value, c.party == key)
        try:
            if self._uow.connection.dialect.name == "sqlite":  # no row locks: take the write lock
                self._uow.execute(sa.update(point_balances).where(*where).values(balance=c.balance))
            else:
                self._uow.execute(sa.select(c.balance).where(*where).with_for_update()).all()
        except DBAPIError as error:  # a deadlock victim, a lock wait timeout, SQLite's stale snapshot
            if arose_from_lock_conflict(error):
                raise ConcurrencyConflict(POINTS_AGGREGATE, f"{program}/{role.value}/{key}", 0) from None
            raise
        self._locked.add(party)

    def by_source(self, sources: Iterable[str]) -> list[LedgerEntry]:
        """Entries of these sources, by id.

        On SQLite and PostgreSQL two index reads per 100 sources (revision 0027): the
        entries whose key begins with their source and ``:`` (an invoice line's earns)
        by a range of the unique key each, and the others by the partial
        ``ix_point_entries_source``, whose predicate the query repeats. Elsewhere the
        whole source index.
        """
        wanted = sorted(set(sources))
        if not wanted:
            return []
        c = point_entries.c
        if self._uow.connection.dialect.name not in ("sqlite", "postgresql"):
            queries = [sa.select(point_entries).where(c.source.in_(wanted))]
        else:
            queries = []
            for chunk in chunks(wanted, 100):
                keyed = (sa.and_(c.entry_key >= f"{s}:", c.entry_key < f"{s};", c.source == s) for s in chunk)
                queries.append(sa.select(point_entries).where(sa.or_(*keyed)))  # ';' follows ':'
                queries.append(sa.select(point_entries).where(c.source.in_(chunk), sa.text(UNPREFIXED)))
        found = [_entry(row) for query in queries for row in self._uow.execute(query)]
        return sorted(found, key=lambda e: e.id)

    def balance(self, party: PartyKey, *, until: dt.date | None = None) -> int:
        """The party's stored running balance, or (``until`` given) its daily totals summed in SQL."""
        if until is None:
            program, role, key = party
            c = point_balances.c
            stored = self._uow.execute(
                sa.select(c.balance).where(c.program == program, c.role == role.value, c.party == key)
            ).scalar()
            return 0 if stored is None else int(stored)
        program, role, key = party
        d = point_days.c
        query = sa.select(sa.func.coalesce(sa.func.sum(d.points), 0)).where(
            d.program == program, d.role == role.value, d.party == key, d.on_date <= until
        )
        return int(self._uow.execute(query).scalar_one())

    def earned(self, party: PartyKey, start: dt.date, end: dt.date) -> int:
        """Earn + reverse points dated ``start``..``end``, summed in the database."""
        query = sa.select(sa.func.coalesce(sa.func.sum(point_entries.c.points), 0)).where(
            _of(party),
            point_entries.c.on_date >= start,
            point_entries.c.on_date <= end,
            point_entries.c.kind.in_([EntryKind.EARN.value, EntryKind.REVERSE.value]),
        )
        return int(self._uow.execute(query).scalar_one())

    def expiring(self, on: dt.date) -> list[PartyKey]:
        """Parties with a lot expiring by ``on``, in key order.

        A range read of the partial ``ix_point_entries_expires_on`` (revision 0027). The
        explicit ``IS NOT NULL`` is what SQLite's planner needs to prefer it: without it,
        it scanned the whole ledger through the party index to skip the grouping's sort.
        """
        c = point_entries.c
        query = (
            sa.select(c.program, c.role, c.party)
            .where(c.expires_on.is_not(None), c.expires_on <= on, c.lot.is_(None), c.points > 0)
            .group_by(c.program, c.role, c.party)
            .order_by(c.program, c.role, c.party)
        )
        return [(row.program, Role(row.role), row.party) for row in self._uow.execute(query)]

    # -- processed invoices ------------------------------------------------------------------
    def mark_processed(self, invoices: Sequence[InvoiceId], at: dt.datetime) -> None:
        """Record processed invoices."""
        if not invoices:
            return
        with self._writing("invoice", "one of these invoices' points") as connection:
            connection.execute(
                sa.insert(point_invoices), [{"invoice_id": i, "processed_at": utc(at)} for i in invoices]
            )

    def processed(self, invoices: Iterable[InvoiceId]) -> set[InvoiceId]:
        """Processed ids among ``invoices``."""
        return {InvoiceId(uuid_of(v)) for v in self._present(point_invoices.c.invoice_id, invoices)}

    def unprocessed(self, *, limit: int = 500) -> list[InvoiceId]:
        """Stored invoices with no processed marker, oldest issue first then id (an anti-join)."""
        query = (
            sa.select(invoices.c.id)
            .select_from(invoices.outerjoin(point_invoices, point_invoices.c.invoice_id == invoices.c.id))
            .where(point_invoices.c.invoice_id.is_(None))
            .order_by(invoices.c.issued_at, invoices.c.id)
            .limit(max(limit, 0))
        )
        return [InvoiceId(uuid_of(v)) for v in self._uow.execute(query).scalars()]

    # -- serials ------------------------------------------------------------------------------
    def add_serials(self, serials: Sequence[Serial]) -> None:
        """Register issued serials."""
        if not serials:
            return
        rows = [
            {
                "serial": s.serial,
                "program": s.program,
                "product": s.product,
                "used_by": s.used_by,
                "used_at": s.used_at,
            }
            for s in serials
        ]
        with self._writing("serial", "one of these serials") as connection:
            connection.execute(sa.insert(point_serials), rows)

    def serial(self, serial: str) -> Serial | None:
        """The registered serial, or ``None``."""
        row = self._uow.execute(sa.select(point_serials).where(point_serials.c.serial == serial)).first()
        if row is None:
            return None
        return Serial(
            serial=row.serial,
            program=row.program,
            product=row.product,
            used_by=row.used_by,
            used_at=row.used_at,
        )

    def claim_serial(self, serial: str, party: str, on: dt.date) -> bool:
        """Mark an unused serial used; one conditional UPDATE, so one of two racing claims wins."""
        result = self._uow.execute(
            sa.update(point_serials)
            .where(point_serials.c.serial == serial, point_serials.c.used_by.is_(None))
            .values(used_by=party, used_at=on)
        )
        return bool(result.rowcount == 1)

    # -- phones, tiers, replies ---------------------------------------------------------------
    def register_phone(self, phone: str, party: PartyKey) -> None:
        """Register a number to a party (replacing its previous party)."""
        program, role, key = party
        statement = upsert(
            point_phones, self._uow.connection.dialect, ["phone"], ["program", "role", "party"]
        )
        self._uow.connection.execute(
            statement, [{"phone": phone, "program": program, "role": role.value, "party": key}]
        )

    def party_of(self, phone: str) -> PartyKey | None:
        """The party of a number, or ``None``."""
        row = self._uow.execute(sa.select(point_phones).where(point_phones.c.phone == phone)).first()
        return None if row is None else (row.program, Role(row.role), row.party)

    def phone_of(self, party: PartyKey) -> str | None:
        """The smallest number registered to the party."""
        program, role, key = party
        query = sa.select(sa.func.min(point_phones.c.phone)).where(
            point_phones.c.program == program, point_phones.c.role == role.value, point_phones.c.party == key
        )
        value = self._uow.execute(query).scalar_one()
        return None if value is None else str(value)

    def phones(self, parties: Iterable[PartyKey]) -> dict[PartyKey, str]:
        """The smallest phone of each party that has one: one grouped query per 500 party keys."""
        wanted = set(parties)
        keys = sorted({key for _, _, key in wanted})
        c = point_phones.c
        found: dict[PartyKey, str] = {}
        for start in range(0, len(keys), 500):
            query = (
                sa.select(c.program, c.role, c.party, sa.func.min(c.phone))
                .where(c.party.in_(keys[start : start + 500]))
                .group_by(c.program, c.role, c.party)
            )
            rows: list[Any] = list(self._uow.execute(query))
            for row in rows:
                party = (row[0], Role(row[1]), row[2])
                if party in wanted:
                    found[party] = str(row[3])
        return found

    def record_tier_change(self, change: TierChange) -> None:
        """Record a tier change."""
        self._uow.execute(
            sa.insert(point_tier_changes).values(
                program=change.program,
                role=change.role.value,
                party=change.party,
                on_date=change.on,
                old=change.old,
                new=change.new,
                earned=change.earned,
                upgrade=change.upgrade,
            )
        )

    def tier_changes(self, party: PartyKey) -> list[TierChange]:
        """The party's tier changes, oldest first."""
        program, role, key = party
        c = point_tier_changes.c
        query = (
            sa.select(point_tier_changes)
            .where(c.program == program, c.role == role.value, c.party == key)
            .order_by(c.id)
        )
        return [_tier_change(r) for r in self._uow.execute(query)]

    def current_tiers(self, program: str) -> list[TierChange]:
        """Each party's latest change (highest id) where it left the party in a tier, in the database."""
        c = point_tier_changes.c
        latest = (
            sa.select(sa.func.max(c.id))
            .where(c.program == program)
            .group_by(c.role, c.party)
            .scalar_subquery()
        )
        query = (
            sa.select(point_tier_changes)
            .where(c.id.in_(latest), c.new.is_not(None))
            .order_by(c.role, c.party)
        )
        return [_tier_change(r) for r in self._uow.execute(query)]

    def record_reply(self, phone: str, at: dt.datetime) -> None:
        """Record a reply sent to ``phone``."""
        self._uow.execute(sa.insert(point_replies).values(phone=phone, at=utc(at)))

    def replies_since(self, phone: str, since: dt.datetime) -> int:
        """Replies to ``phone`` at or after ``since``, counted in the database."""
        query = (
            sa.select(sa.func.count())
            .select_from(point_replies)
            .where(point_replies.c.phone == phone, point_replies.c.at >= utc(since))
        )
        return int(self._uow.execute(query).scalar_one())
