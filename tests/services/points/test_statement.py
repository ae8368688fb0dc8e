"""Statements by page and the per-party redemption lock (§7 V4, V8; issue 15 items 5, 9).

* A property on every back end: a statement read page by page (any page size)
  concatenates to the whole statement, which equals a reference computed here
  from the appended entries; opening and closing (summed from the daily totals
  kept with every append) equal the sums of the entries; the balance is the sum.
* Two processes redeeming from one party at once on PostgreSQL and MariaDB never
  spend more than was spendable (the party's row is locked ``FOR UPDATE``).
"""

from __future__ import annotations

import io
import multiprocessing
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.domain.errors import ConcurrencyConflict, ValidationError
from crmkit.domain.point_ledger import EntryKind, LedgerEntry
from crmkit.domain.points import Program, Role
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.points.conftest import BUYER, World
from tests.services.points.race import redeem_at_once

FIRST = date(2025, 1, 1)
MOMENTS = [datetime(2026, 1, 1, 9, 0, 0, n * 137_001 % 1_000_000, tzinfo=UTC) for n in range(3)]
PARTY = ("P", Role.CUSTOMER, BUYER)


@st.composite
def ledgers(draw: st.DrawFn) -> list[LedgerEntry]:
    """Entries of one party (and a few of another) on random days, tied dates and times included."""
    made = []
    count = draw(st.integers(0, 25))
    ids = draw(st.lists(st.integers(1, 2**128 - 1), min_size=count, max_size=count, unique=True))
    for n, id in enumerate(ids):
        kind = draw(st.sampled_from([EntryKind.EARN, EntryKind.REDEEM, EntryKind.ADJUST]))
        size = draw(st.integers(1, 500))
        points = -size if kind is EntryKind.REDEEM or (kind is EntryKind.ADJUST and n % 2) else size
        made.append(
            LedgerEntry(
                id=uuid.UUID(int=id), key=f"k{n}", program="P", role=Role.CUSTOMER,
                party=BUYER if n % 5 else "9999999999", kind=kind, points=points, reason="r",
                source=f"s{n}", on=FIRST + timedelta(days=draw(st.integers(0, 40))),
                recorded_at=draw(st.sampled_from(MOMENTS)),
            )
        )  # fmt: skip
    return made


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    made=ledgers(),
    start=st.integers(0, 40),
    days=st.integers(0, 40),
    limit=st.integers(1, 7),
    batches=st.integers(1, 3),
)
def test_v8_paged_statement_is_the_whole_statement_is_the_reference(
    storage: Storage, made: list[LedgerEntry], start: int, days: int, limit: int, batches: int
) -> None:
    """Pages concatenated == whole statement == reference; opening, closing and balance are sums (V4, V8)."""
    empty = fresh(storage)
    crm = crmkit.connect(empty, sms=ConsoleSmsGateway(io.StringIO()), load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz").id
    crm.points.define_program(actor=admin, program=Program(code="P", name="P"))
    step = max(1, len(made) // batches)
    for i in range(0, len(made), step):  # several appends: the daily totals add up across them
        with empty.unit_of_work() as uow:
            uow.points.append(made[i : i + step])
            uow.commit()
    first, last = FIRST + timedelta(days=start), FIRST + timedelta(days=start + days)
    mine = [e for e in made if e.party == BUYER]
    reference = sorted((e for e in mine if first <= e.on <= last), key=lambda e: (e.on, e.recorded_at, e.id))
    opening = sum(e.points for e in mine if e.on < first)
    ask = {"actor": admin, "program": "P", "role": "customer", "party": BUYER, "start": first, "end": last}
    whole = crm.points.statement(**ask)  # type: ignore[arg-type]
    pages: list[object] = []
    after = None
    while True:
        page = crm.points.statement_page(**ask, after=after, limit=limit)  # type: ignore[arg-type]
        assert (page.opening, page.closing) == (opening, opening + sum(e.points for e in reference))
        assert len(page.entries) <= limit
        pages.extend(page.entries)
        if page.next is None:
            break
        after = page.next
    assert pages == list(whole.entries) == reference
    assert (whole.opening, whole.closing) == (opening, opening + sum(e.points for e in reference))
    balance = crm.points.balance(actor=admin, program="P", role="customer", party=BUYER)
    assert balance == sum(e.points for e in mine)
    with empty.unit_of_work() as uow:
        assert uow.points.balance(PARTY, until=first) == sum(e.points for e in mine if e.on <= first)


def test_v8_a_bad_cursor_or_page_size_names_its_field(world: World) -> None:
    """A cursor not given by statement_page, or a page size out of 1..1000, is refused by name."""
    world.setup()
    ask = {"actor": world.admin.id, "program": "P", "role": "customer", "party": BUYER}
    span = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}
    with pytest.raises(ValidationError) as bad:
        world.crm.points.statement_page(**ask, **span, after="not-a-cursor")  # type: ignore[arg-type]
    assert bad.value.field == "after"
    with pytest.raises(ValidationError) as bad:
        world.crm.points.statement_page(**ask, **span, limit=0)  # type: ignore[arg-type]
    assert bad.value.field == "limit"
    with pytest.raises(ValidationError) as bad:
        world.crm.points.statement_page(**ask, start=span["end"], end=span["start"])  # type: ignore[arg-type]
    assert bad.value.field == "end"


def _credit(world: World, points: int) -> None:
    world.crm.points.adjust(
        actor=world.admin.id, program="P", role="customer", party=BUYER, points=points,
        reason="opening credit", on=date(2026, 1, 1),
    )  # fmt: skip


def test_v8_memory_redemptions_decided_on_the_same_ledger_cannot_both_commit() -> None:
    """Two memory units of work holding one party: the second to commit is refused (V8)."""
    clock, ids = FixedClock(), SequentialIds()
    crm = crmkit.connect("memory://", clock=clock, ids=ids, load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    world = World(crm, admin, clock)
    world.setup()
    _credit(world, 100)

    def redemption(n: int) -> LedgerEntry:
        return LedgerEntry(
            id=uuid.UUID(int=900 + n), key=f"redeem:{n}", program="P", role=Role.CUSTOMER, party=BUYER,
            kind=EntryKind.REDEEM, points=-60, reason="r", source="redeem", on=date(2026, 6, 1),
            recorded_at=clock.now(),
        )  # fmt: skip

    with crm.storage.unit_of_work() as one, crm.storage.unit_of_work() as two:
        for n, uow in enumerate((one, two)):
            uow.points.lock_party(PARTY)
            assert uow.points.balance(PARTY) == 100
            uow.points.append([redemption(n)])
        one.commit()
        with pytest.raises(ConcurrencyConflict):
            two.commit()
    assert world.balance() == 40


@pytest.mark.parametrize("kind", ["postgresql", "mysql", "sqlite"])
def test_v8_two_processes_redeeming_from_one_party_at_once_never_overspend(world: World, kind: str) -> None:
    """100 points, two processes redeem 60 each at the same moment: one gets them, the other is
    refused (insufficient, or a conflict), and the balance stays 40 — never -20 (V8)."""
    url = world.crm.storage.url
    prefixes = {"postgresql": ("postgresql",), "mysql": ("mysql", "mariadb"), "sqlite": ("sqlite",)}
    if not url.startswith(prefixes[kind]):
        pytest.skip(f"runs on the {kind} storage only")
    world.setup()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        for round in range(3):
            _credit(world, 100 - world.balance())
            barrier = manager.Barrier(2)
            futures = [pool.submit(redeem_at_once, url, str(world.admin.id), 60, barrier) for _ in range(2)]
            outcomes = sorted(f.result(timeout=120) for f in futures)
            assert outcomes[1] == "redeemed", (round, outcomes)
            assert outcomes[0] in ("conflict", "insufficient"), (round, outcomes)
            assert world.balance() == 40


def test_v4_the_earning_jobs_unchecked_entry_equals_the_checked_one() -> None:
    """LedgerEntry.earned (the earning job's fast path) builds what the checking constructor builds,
    and still refuses a non-positive amount, naming ``points`` (V4)."""
    parts = {
        "id": uuid.UUID(int=5), "key": "earn:P:x:1:customer", "program": "P", "role": Role.CUSTOMER,
        "party": BUYER, "points": 12, "reason": "invoice A1 line 1", "source": "invoice:x:1",
        "on": FIRST, "recorded_at": MOMENTS[1], "spendable_from": FIRST, "expires_on": None, "store": "S-1",
    }  # fmt: skip
    assert LedgerEntry.earned(**parts) == LedgerEntry(kind=EntryKind.EARN, **parts)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as bad:
        LedgerEntry.earned(**{**parts, "points": 0})  # type: ignore[arg-type]
    assert bad.value.field == "points"
