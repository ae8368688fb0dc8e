"""The earning job earns an original while a matching moves a return onto it (§7 V1, V8; issue 15 item 4).

The catch-up job's unit of work reads the original's returned quantities (none yet) and
computes its points; before it commits, the matching job moves a waiting return onto
the original, commits, and corrects the original's points — seeing no earned points,
it corrects nothing. Before the earning job read the returned quantities again after
its commit (``ReturnRepair.recheck``, under the sellers' ``return_locks``), the new
points then went uncorrected (30/6/3) until ``repair_returns()`` ran. Two threads with
their own CRM on PostgreSQL, MariaDB and memory; SQLite has one writer, so the two
run one after the other there.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

import crmkit
from crmkit.services import invoice_import
from crmkit.services.point_earning import EarnReport, PointEarning
from crmkit.services.return_matching import ReturnMatch
from tests.services.points.conftest import World
from tests.services.points.test_return_before_original import _balances, _returned
from tests.services.points.test_return_concurrency import _at_once, _entries


def _stored_unearned_with_a_waiting_return(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """R1 (one of A1's three) waits; A1 is stored as if the import stopped right after its commit:
    neither matched nor earned."""
    world.setup()
    world.imported(world.ret("R1", "A1", 1))
    no_match = ReturnMatch()
    monkeypatch.setattr(invoice_import, "match_returns", lambda uow, batch: no_match)
    monkeypatch.setattr(invoice_import.InvoiceImport, "_rematch", lambda self, actor, touched: no_match)
    monkeypatch.setattr(PointEarning, "on_imported", lambda self, invoice, warnings=(): None)
    monkeypatch.setattr(PointEarning, "batch_done", lambda self: EarnReport())
    world.imported(world.sale("A1", 3))
    monkeypatch.undo()
    assert _returned(world, "A1") == {} and _balances(world) == (0, 0, 0)


def test_v8_the_earning_job_earning_an_original_while_a_matching_moves_a_return_onto_it_is_corrected_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The earning job has read A1 (no returns) when the matching job moves R1 onto it and
    commits; the earning job commits after: every party ends at originals-first 20/4/2, once."""
    _stored_unearned_with_a_waiting_return(world, monkeypatch)
    if world.crm.storage.url.startswith("sqlite"):
        world.crm.points.earning.catch_up()  # one writer: the two cannot overlap
        world.crm.points.match_returns()
    else:
        read, matched = threading.Event(), threading.Event()

        def hold(step: str) -> None:
            if step == "entries":  # A1's points computed on no returns; nothing committed
                read.set()
                assert matched.wait(timeout=60)

        def earning(crm: crmkit.Crm) -> object:
            crm.points.earning = PointEarning(crm.context, probe=hold)
            try:
                return crm.points.earning.catch_up()
            finally:
                read.set()  # never leave the matching waiting

        def matching(crm: crmkit.Crm) -> object:
            try:
                assert read.wait(timeout=60)
                return crm.points.match_returns()  # commits and corrects before the earning commits
            finally:
                matched.set()

        _at_once(world, [earning, matching])
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    assert _balances(world) == (20, 4, 2)
    entries = _entries(world)
    again = world.crm.points.repair_returns()
    assert (again.taken, again.given) == (0, 0)
    assert world.crm.points.earning.catch_up().processed == 0
    assert _entries(world) == entries and _balances(world) == (20, 4, 2)
