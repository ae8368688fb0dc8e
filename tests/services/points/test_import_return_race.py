"""The import earns an original while a concurrent matching moves a return off it or onto it (§7 V1, V8).

Issue 15 item 4. The import's hook earns its batch's originals in their own unit of work
after the import committed (``PointEarning.batch_done``). Meanwhile another import stores
an older original the waiting return also cites: its matching prefers that one (``settle``:
oldest first), moves the return **off** the original being earned and corrects the points
of what it moved — seeing none earned yet, it corrects nothing. Before the hook read the
returned quantities again under the sellers' ``return_locks`` after its commit
(``ReturnRepair.recheck``), the import re-read only the originals that had a returned
quantity *now*, so the first original kept its reversal (40/8/4 instead of 50/10/5) until
``repair_returns()`` ran. The same with a return moved **onto** it. Two threads with their
own CRM on PostgreSQL, MariaDB and memory; SQLite has one writer, so the two imports run
one after the other there.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import attrs

import crmkit
from crmkit.domain.invoices import Invoice, InvoiceReference
from crmkit.ports.invoices import SourceRecord
from crmkit.services.point_earning import PointEarning
from tests.services.points.conftest import World
from tests.services.points.test_return_before_original import _balances, _returned
from tests.services.points.test_return_concurrency import _at_once, _entries


def _import(crm: crmkit.Crm, world: World, invoice: Invoice) -> None:
    records = [SourceRecord(cursor="1", location=f"t:{invoice.number}", invoice=invoice)]
    report = crm.invoices.import_records(records, actor=world.admin.id)
    assert report.imported == 1 and not report.rejected, report


def _while_earning(world: World, earned: Invoice, other: Invoice) -> None:
    """Import ``earned``; its hook has computed its points on what it read when ``other`` is imported
    by another CRM, whose matching commits and corrects before the hook's earning commits."""
    if world.crm.storage.url.startswith("sqlite"):  # one writer: the two cannot overlap
        _import(world.crm, world, earned)
        _import(world.crm, world, other)
        return
    read, matched = threading.Event(), threading.Event()

    def hold(step: str) -> None:
        if step == "entries":  # the original's points computed; nothing of the earning committed
            read.set()
            assert matched.wait(timeout=60)

    def earning(crm: crmkit.Crm) -> None:
        crm.points.earning = PointEarning(crm.context, probe=hold)
        try:
            _import(crm, world, earned)
        finally:
            read.set()  # never leave the other import waiting

    def matching(crm: crmkit.Crm) -> None:
        try:
            assert read.wait(timeout=60)
            _import(crm, world, other)  # matches, commits and corrects before the earning commits
        finally:
            matched.set()

    _at_once(world, [earning, matching])


def _once(world: World, balances: tuple[int, ...]) -> None:
    """The balances are final: the jobs find nothing left to do and append nothing."""
    assert _balances(world) == balances
    entries = _entries(world)
    again = world.crm.points.repair_returns()
    assert (again.taken, again.given) == (0, 0)
    assert world.crm.points.match_returns().lines == 0
    assert world.crm.points.earning.catch_up().processed == 0
    assert _entries(world) == entries and _balances(world) == balances


def test_v8_the_import_earning_an_original_while_an_older_one_takes_its_return_is_corrected_once(
    world: World,
) -> None:
    """R1 (1 unit) cites A2 and the older A0. A2's import matches R1 onto A2 and earns it (30 less
    10); meanwhile A0's import moves R1 to A0 (oldest first) and commits. Originals first: A0 gives
    the unit back, A2 keeps all: 20/4/2 + 30/6/3 = 50/10/5, every party, once."""
    world.setup()
    both = attrs.evolve(world.ret("R1", "A2", 1), references=(InvoiceReference("A2"), InvoiceReference("A0")))
    world.imported(both)
    _while_earning(world, world.sale("A2", 3), world.sale("A0", 3, on=date(2026, 3, 1)))
    assert _returned(world, "A0") == {1: (Decimal(1), Decimal("1000.00"))}
    assert _returned(world, "A2") == {}
    _once(world, (50, 10, 5))


def test_v8_the_import_earning_an_original_while_a_return_of_it_is_imported_is_corrected_once(
    world: World,
) -> None:
    """A1's import has computed its points on no returns when R1's import matches R1 onto A1 and
    commits: A1 ends at 20/4/2, every party, once."""
    world.setup()
    _while_earning(world, world.sale("A1", 3), world.ret("R1", "A1", 1))
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    _once(world, (20, 4, 2))
