"""Earning does not depend on the import order of originals and returns (§7 V1, V4, V8; issue 15).

For random sales (by two stores and up to two sales persons, some on one day) and
returns citing one or two of them in any order (issue 15 item 8: a return of two
originals with the same product is split oldest original first, then by number)
that never take back more than was sold, importing them in any order and in any
grouping into import batches gives every party the same balance, and every original
the same returned quantities, as importing each original before its returns. On
memory and on SQLite (one migrated file, emptied per example).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.invoices import Invoice, InvoiceId, InvoiceReference
from crmkit.domain.points import Role
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.profiles import examples
from tests.services.points.conftest import BUYER, World, _invoice

EPOCH = date(2026, 3, 1)
STORES = ("S-1", "S-2")
REPS = ("R-12", "R-7", None)


@attrs.frozen
class History:
    """Sales and returns, the canonical order (each sale before its returns) and a shuffled one."""

    canonical: tuple[Invoice, ...]
    shuffled: tuple[Invoice, ...]
    cuts: tuple[bool, ...]
    """After which invoices of ``shuffled`` an import batch ends."""


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Up to four sales (some on one day) and five returns citing one or two sales each (in any
    order), never more than the sales they cite have left when taken oldest first.

    Returns are dated one after the other, so the settling order (issue time, number) is the order
    drawn here, and each one's units are taken from its cited sales oldest first (date, then number)
    as :func:`crmkit.domain.invoices.settle` does: a return drawn here is never more than that leaves.
    """
    sales: list[Invoice] = []
    for n in range(draw(st.integers(1, 4))):
        day = EPOCH + timedelta(days=draw(st.integers(0, 2)))
        sale = _invoice(f"A{n}", draw(st.integers(1, 4)), on=day)
        sales.append(
            attrs.evolve(sale, store=draw(st.sampled_from(STORES)), sales_person=draw(st.sampled_from(REPS)))
        )
    left = [int(s.lines[0].quantity) for s in sales]
    returns: list[Invoice] = []
    for n in range(draw(st.integers(0, 5))):
        cited = draw(st.lists(st.integers(0, len(sales) - 1), min_size=1, max_size=2, unique=True))
        oldest = sorted(cited, key=lambda k: (sales[k].issued_at, sales[k].number))
        room = sum(left[k] for k in cited)
        if room == 0:
            continue
        quantity = draw(st.integers(1, room))
        want = quantity
        for k in oldest:
            take = min(want, left[k])
            left[k] -= take
            want -= take
        ret = _invoice(f"R{n}", quantity, on=EPOCH + timedelta(days=10 + n), ret=sales[cited[0]].number)
        returns.append(attrs.evolve(ret, references=tuple(InvoiceReference(sales[k].number) for k in cited)))
    canonical = (*sales, *returns)
    shuffled = tuple(draw(st.permutations(canonical)))
    cuts = tuple(draw(st.lists(st.booleans(), min_size=len(shuffled), max_size=len(shuffled))))
    return History(canonical, shuffled, cuts)


def _world(storage: Storage | str) -> World:
    clock, ids = FixedClock(), SequentialIds()
    sms = ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids)
    crm = crmkit.connect(storage, sms=sms, clock=clock, ids=ids, load_entrypoints=False)
    world = World(crm, crm.parties.create_first_admin(name="Ayşe Yılmaz"), clock)
    world.setup()
    return world


def _outcome(
    storage: Storage | str, batches: list[list[Invoice]], sales: list[Invoice]
) -> tuple[dict[tuple[Role, str], int], dict[InvoiceId, dict[int, tuple[Decimal, Decimal]]]]:
    """Import the batches in order; every party's balance and every sale's returned quantities."""
    world = _world(storage)
    for n, batch in enumerate(batches):
        records = [SourceRecord(cursor=f"{n}.{k}", location=i.number, invoice=i) for k, i in enumerate(batch)]
        report = world.crm.invoices.import_records(records, actor=world.admin.id)
        assert not report.rejected, report.rejected
    parties = [
        (Role.CUSTOMER, BUYER),
        *((Role.DEALER, s) for s in STORES),
        *((Role.SALES_PERSON, r) for r in REPS if r),
    ]
    balances = {(role, key): world.balance(role, key) for role, key in parties}
    returned = {s.id: world.crm.invoices.returned(s.id, actor=world.admin.id) for s in sales}
    return balances, returned


def _batches(history: History) -> list[list[Invoice]]:
    batches: list[list[Invoice]] = [[]]
    for invoice, cut in zip(history.shuffled, history.cuts, strict=True):
        batches[-1].append(invoice)
        if cut:
            batches.append([])
    return [b for b in batches if b]


def _check(storage: Storage | str, history: History) -> None:
    sales = [i for i in history.canonical if not i.is_return]
    expected = _outcome(storage, [[i] for i in history.canonical], sales)
    if not isinstance(storage, str):
        reset_database(storage)
    assert _outcome(storage, _batches(history), sales) == expected


@settings(max_examples=examples(200))
@given(history=histories())
def test_v8_any_import_order_gives_every_party_the_same_points_on_memory(history: History) -> None:
    """Memory: shuffled, batched imports equal originals-first imports, party by party (V1, V4, V8)."""
    _check("memory://", history)


@pytest.fixture(scope="module")
def sqlite_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    """One migrated SQLite storage, emptied before each example."""
    path: Path = tmp_path_factory.mktemp("order") / "o.db"
    storage = crmkit.connect(f"sqlite:///{path}", load_entrypoints=False).storage
    storage.migrate()
    yield storage
    storage.close()


@settings(max_examples=examples(40))
@given(history=histories())
def test_v8_any_import_order_gives_every_party_the_same_points_on_sqlite(
    sqlite_storage: Storage, history: History
) -> None:
    """SQLite: the same property through the SQL return references (migration 0024)."""
    reset_database(sqlite_storage)
    _check(sqlite_storage, history)


@pytest.fixture(scope="module", params=["postgresql", "mysql"])
def server_storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Storage]:
    """One migrated PostgreSQL or MariaDB storage (skipped without its URL), emptied per example."""
    from crmkit.domain.settings import Settings
    from crmkit.hookspecs import AdapterContext
    from crmkit.testing.backends import BackendUnavailable, make_storage

    try:
        storage = make_storage(
            request.param,
            tmp_path_factory.mktemp("srv"),
            AdapterContext(FixedClock(), SequentialIds(), Settings()),
        )
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    yield storage
    storage.close()


@settings(max_examples=examples(15))
@given(history=histories())
def test_v8_any_import_order_gives_every_party_the_same_points_on_servers(
    server_storage: Storage, history: History
) -> None:
    """PostgreSQL and MariaDB: the same property, fewer examples (each empties the database twice)."""
    reset_database(server_storage)
    _check(server_storage, history)
