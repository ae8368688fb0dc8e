"""Every read of the points ledger searches an index (V4, V8; issue 15 item 9, revision 0027).

The ledger is the biggest table of the points feature (a million invoice lines
append three million entries), so each of its indexes is paid on every append.
Revision 0027 made the expiry index partial (``WHERE expires_on IS NOT NULL``) on
SQLite and PostgreSQL, so entries that never expire cost it nothing. These tests
send each of the repository's ledger reads, ask the database for the plan of the
very statement it sent (SQLite: ``EXPLAIN QUERY PLAN``; PostgreSQL: ``EXPLAIN``
with sequential scans priced out, as a table this small would otherwise be
scanned), and fail unless the read searches the index named for it: the expiry
job's read must still use the partial index, and no read may scan the ledger.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.errors import ValidationError
from crmkit.domain.point_ledger import EntryKind, LedgerEntry
from crmkit.domain.points import Program, Role
from crmkit.testing.contracts.points import ledger_entry
from tests.adapters.sqlalchemy.support import plans as statement_plans

_PARTY = ("P", Role.CUSTOMER, "9205121120")


def uuid_of(n: int) -> uuid.UUID:
    """The id of ``ledger_entry(n)``."""
    return uuid.UUID(int=n)


READS: dict[str, tuple[Callable[[Any], object], tuple[str, ...]]] = {
    # SQLite names a unique constraint's index itself: the search on entry_key is what counts
    "known_keys": (lambda uow: uow.points.known_keys(["k1", "k9"]), ("entry_key",)),
    "by_source": (
        lambda uow: uow.points.by_source(["invoice:x:1", "invoice:y:2"]),
        ("entry_key", "ix_point_entries_source"),  # keys that begin with the source, then the rest
    ),
    "expiring": (lambda uow: uow.points.expiring(date(2027, 3, 2)), ("ix_point_entries_expires_on",)),
    "entries": (lambda uow: uow.points.entries(_PARTY), ("ix_point_entries_party",)),
    "page": (
        lambda uow: uow.points.page(_PARTY, date(2026, 1, 1), date(2026, 12, 31), limit=10),
        ("ix_point_entries_party",),
    ),
    "earned": (
        lambda uow: uow.points.earned(_PARTY, date(2026, 1, 1), date(2026, 12, 31)),
        ("ix_point_entries_party",),
    ),
}
"""Each ledger read and the index each of its statements must search."""


def _plans(storage: SqlStorage, run: Callable[[Any], object]) -> list[str]:
    """The plans of the statements ``run`` sends that read ``point_entries``."""
    return statement_plans(storage, run, "point_entries")


def _keyed(n: int, source: str, key: str) -> LedgerEntry:
    """Entry ``n`` with this source and key."""
    return attrs.evolve(ledger_entry(n, 5, source=source), key=key)


def _seed(storage: SqlStorage) -> None:
    """Entries with and without an expiry date, of two parties, like the contract's ledger."""
    earn = ledger_entry(1, 100, expires_on=date(2027, 3, 2))
    entries = [
        earn,
        ledger_entry(2, 5, on=date(2026, 1, 5)),
        ledger_entry(3, -30, kind=EntryKind.REDEEM, lot=earn.id, on=date(2026, 4, 1)),
        ledger_entry(4, 7, party=("P", Role.DEALER, "S-1")),
        *(ledger_entry(n, 3, party=("P", Role.SALES_PERSON, f"R-{n % 5}")) for n in range(10, 60)),
        *(_keyed(n, f"invoice:x:{n}", f"invoice:x:{n}:P:customer") for n in range(60, 70)),
    ]
    with storage.unit_of_work() as uow:
        uow.points.append(entries)
        uow.commit()


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("sql_storage", ["sqlite", "postgresql"], indirect=True)
def test_each_ledger_read_searches_its_index(sql_storage: SqlStorage, read: str) -> None:
    _seed(sql_storage)
    run, indexes = READS[read]
    plans = _plans(sql_storage, run)
    assert len(plans) == len(indexes), plans
    for plan, index in zip(plans, indexes, strict=True):
        assert index in plan, plan
        assert "SCAN point_entries" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("sql_storage", ["sqlite", "postgresql", "mysql"], indirect=True)
def test_by_source_finds_keys_that_begin_with_the_source_and_the_rest(sql_storage: SqlStorage) -> None:
    """V4, V1: a return's reversals find every entry of a line, however it is keyed (revision 0027).

    Earns keyed ``<source>:…`` (found by the unique key's range), entries keyed otherwise
    (found by the partial source index), and neither a longer source sharing the prefix
    nor a key that begins with a source it does not have.
    """
    source = "invoice:x:1"
    mine = [
        _keyed(1, source, f"{source}:P:customer"),
        _keyed(2, source, f"{source}:P:dealer"),
        _keyed(3, source, "earn:P:x:1:customer"),  # written before revision 0027
        attrs.evolve(_keyed(4, source, "reverse:1:3"), kind=EntryKind.REVERSE, points=-3, lot=uuid_of(1)),
    ]
    others = [
        _keyed(5, "invoice:x:10", "invoice:x:10:P:customer"),
        _keyed(6, "invoice:x:1:P", "invoice:x:1:P:x"),
        _keyed(7, "manual", f"{source}:Q:customer"),
    ]
    with sql_storage.unit_of_work() as uow:
        uow.points.append([*others, *mine])
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.points.by_source([source]) == sorted(mine, key=lambda e: e.id)
        assert [e.key for e in uow.points.by_source(["manual", "invoice:x:10"])] == [
            "invoice:x:10:P:customer",
            f"{source}:Q:customer",
        ]
        assert uow.points.by_source(["invoice:x:1:P"]) == [others[1]]


@pytest.mark.parametrize("sql_storage", ["sqlite", "postgresql"], indirect=True)
def test_the_expiry_index_holds_only_entries_that_expire(sql_storage: SqlStorage) -> None:
    """Revision 0027: an entry with no expiry date adds nothing to ``ix_point_entries_expires_on``."""
    with sql_storage.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_point_entries_expires_on'"
            ).scalar_one()
        else:
            sql = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_point_entries_expires_on'"
            ).scalar_one()
    assert "WHERE" in sql.upper() and "IS NOT NULL" in sql.upper(), sql


@pytest.mark.parametrize("sql_storage", ["sqlite", "postgresql", "mysql"], indirect=True)
def test_the_expiry_job_still_finds_expiring_lots(sql_storage: SqlStorage) -> None:
    """The partial index answers the expiry job's read: lots due by the day, not later ones (V8)."""
    _seed(sql_storage)
    with sql_storage.unit_of_work() as uow:
        assert uow.points.expiring(date(2027, 3, 2)) == [_PARTY]
        assert uow.points.expiring(date(2027, 3, 1)) == []


def _selects(storage: SqlStorage, run: Callable[[], object]) -> list[str]:
    """The tables the ``SELECT`` statements sent by ``run`` read first."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(" ".join(statement.split()).split(" FROM ", 1)[1].split()[0].strip('"`'))

    sa.event.listen(storage.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", record)
    return sent


@pytest.mark.parametrize("sql_storage", ["sqlite", "postgresql", "mysql"], indirect=True)
def test_a_balance_is_the_policy_read_and_one_primary_key_read(sql_storage: SqlStorage) -> None:
    """V4, A8: a party's balance reads the actor, then its stored balance; the program only at 0.

    A balance other than 0 proves the program exists (programs are replaced, never
    deleted); at 0 the program is read, so a misspelt one is still refused.
    """
    crm = crmkit.connect(sql_storage, sms=ConsoleSmsGateway(io.StringIO()), load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz").id
    crm.points.define_program(actor=admin, program=Program(code="P", name="P"))
    with sql_storage.unit_of_work() as uow:
        uow.points.append([ledger_entry(1, 40)])
        uow.commit()

    def balance(program: str, party: str) -> int:
        return crm.points.balance(actor=admin, program=program, role="customer", party=party)

    assert _selects(sql_storage, lambda: balance("P", _PARTY[2])) == ["employees", "point_balances"]
    assert balance("P", _PARTY[2]) == 40
    assert _selects(sql_storage, lambda: balance("P", "1111111111")) == [
        "employees",
        "point_balances",
        "point_config",
    ]
    assert balance("P", "1111111111") == 0
    with pytest.raises(ValidationError) as caught:
        balance("NOPE", _PARTY[2])
    assert caught.value.field == "program"
