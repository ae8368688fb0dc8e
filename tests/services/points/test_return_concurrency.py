"""Two imports at once, one holding a return and the other its original (§7 V1, V8; issue 15 item 4).

Each import's transaction reads before the other commits — a barrier right after the
matching holds both — so neither sees the other's uncommitted rows. Before the
matching after the commit (and the per-seller ``return_locks`` of migration 0029), the
return then waited for ever and the original kept all its points. Two threads with
their own connections (their own ``crmkit.connect`` on one storage) on PostgreSQL and
MariaDB, and on memory; SQLite has one writer, so the second transaction fails and is
imported again instead.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest

import crmkit
from crmkit.domain.errors import ConcurrencyConflict
from crmkit.domain.invoices import Invoice, InvoiceId, LineReversal
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.services import invoice_import, return_matching
from crmkit.services.return_matching import Imported, ReturnMatch
from crmkit.testing.contracts.invoice_storage import sample_invoice
from tests.services.points.conftest import World
from tests.services.points.test_return_before_original import PARTIES, _balances, _returned


def _entries(world: World) -> int:
    """How many ledger entries the three parties have."""
    with world.crm.storage.unit_of_work() as uow:
        return sum(len(uow.points.entries(("P", role, key))) for role, key in PARTIES)


def _at_once(world: World, jobs: Sequence[Callable[[crmkit.Crm], object]]) -> None:
    """Run each job in its own thread with its own CRM on the world's storage; fail on any error."""
    errors: list[str] = []

    def run(job: Callable[[crmkit.Crm], object]) -> None:
        try:
            job(crmkit.connect(world.crm.storage, load_entrypoints=False))
        except BaseException:  # pragma: no cover - reported below
            errors.append(traceback.format_exc()[-2000:])

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _import(world: World, invoice: Invoice) -> Callable[[crmkit.Crm], object]:
    def job(crm: crmkit.Crm) -> None:
        records = [SourceRecord(cursor="1", location=f"t:{invoice.number}", invoice=invoice)]
        report = crm.invoices.import_records(records, actor=world.admin.id)
        assert report.imported == 1 and not report.rejected, report

    return job


def _job(crm: crmkit.Crm) -> object:
    """The matching job."""
    return crm.points.match_returns()


def _concurrent_only(world: World) -> None:
    if world.crm.storage.url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: the second import fails on its stale snapshot and is run again")


def test_v8_two_imports_at_once_of_a_return_and_its_original_do_not_miss_each_other(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both transactions match before either commits: the return is still taken back, exactly once."""
    _concurrent_only(world)
    world.setup()
    barrier = threading.Barrier(2)
    real = return_matching.match_returns

    def held(uow: UnitOfWork, batch: Sequence[Imported]) -> ReturnMatch:
        found = real(uow, batch)
        barrier.wait(timeout=60)  # both have read; neither has committed
        return found

    monkeypatch.setattr(invoice_import, "match_returns", held)
    _at_once(world, [_import(world, world.ret("R1", "A1", 1)), _import(world, world.sale("A1", 3))])
    monkeypatch.undo()
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    assert _balances(world) == (20, 4, 2)
    entries = _entries(world)
    job = world.crm.points.match_returns()
    assert (job.lines, job.taken, job.given) == (0, 0, 0)
    assert _entries(world) == entries and _balances(world) == (20, 4, 2)


def test_v8_the_matching_job_matches_a_return_left_waiting_and_run_twice_at_once_does_it_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import stopped between its commit and its matching: the job takes the return back, once
    (two jobs at once on PostgreSQL, MariaDB and memory; one after the other on SQLite)."""
    world.setup()
    world.imported(world.ret("R1", "A1", 1))
    no_match = ReturnMatch()
    monkeypatch.setattr(invoice_import, "match_returns", lambda uow, batch: no_match)
    monkeypatch.setattr(invoice_import.InvoiceImport, "_rematch", lambda self, actor, imported: no_match)
    world.imported(world.sale("A1", 3))  # as if the process stopped right after the commit
    monkeypatch.undo()
    assert _balances(world) == (30, 6, 3)
    jobs: list[Callable[[crmkit.Crm], object]] = [_job, _job]
    if world.crm.storage.url.startswith("sqlite"):
        for job in jobs:
            job(world.crm)
    else:
        _at_once(world, jobs)
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    assert _balances(world) == (20, 4, 2)
    entries = _entries(world)
    again = world.crm.points.match_returns()
    assert (again.lines, again.taken, again.given) == (0, 0, 0)
    assert _entries(world) == entries


def test_v8_a_second_return_matching_of_a_seller_waits_for_the_first_and_reads_what_it_wrote(
    storage: Storage,
) -> None:
    """``lock_returns`` (migration 0029): the second unit of work waits on the seller's row, then
    its reads — even InnoDB's snapshot reads — see the first's commit. Memory takes no locks: the
    second of two at once is refused at commit (``ConcurrencyConflict``) and runs again."""
    invoice = sample_invoice()
    with storage.unit_of_work() as uow:
        uow.invoices.add_many([invoice])
        uow.commit()
    seller = invoice.seller_key
    if storage.url.startswith("memory"):
        with storage.unit_of_work() as a, storage.unit_of_work() as b:
            a.invoices.lock_returns([seller])
            b.invoices.lock_returns([seller])
            a.invoices.record_reversals([LineReversal(invoice.id, 2, Decimal(1), Decimal(5))])
            b.invoices.record_reversals([LineReversal(invoice.id, 2, Decimal(1), Decimal(5))])
            a.commit()
            with pytest.raises(ConcurrencyConflict):
                b.commit()
    elif storage.url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: the lock's write waits for the first transaction itself")
    else:
        held = threading.Event()
        seen: list[dict[tuple[InvoiceId, int], Decimal]] = []
        errors: list[str] = []

        def first() -> None:
            try:
                with storage.unit_of_work() as uow:
                    uow.invoices.lock_returns([seller])
                    uow.invoices.record_reversals([LineReversal(invoice.id, 2, Decimal(1), Decimal(5))])
                    held.set()
                    time.sleep(0.5)
                    uow.commit()
            except BaseException:  # pragma: no cover - reported below
                errors.append(traceback.format_exc()[-1500:])

        def second() -> None:
            try:
                held.wait(timeout=30)
                with storage.unit_of_work() as uow:
                    uow.invoices.lock_returns([seller])  # waits for the first's commit
                    seen.append(uow.invoices.returned_quantities([invoice.id]))
                    uow.commit()
            except BaseException:  # pragma: no cover - reported below
                errors.append(traceback.format_exc()[-1500:])

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert seen == [{(invoice.id, 2): Decimal(1)}]
    with storage.unit_of_work() as uow:
        assert uow.invoices.returned_quantities([invoice.id]) == {(invoice.id, 2): Decimal(1)}
