"""The resume cursor each invoice source keeps in storage, on every back end (SPEC §7 V2, issue 5 item 2).

An import stores the cursor of the last record whose outcome it committed, in
the same transaction as the invoices that record closes; the next
``import_from`` of that source starts after it — after a clean run, and after
a crash in the middle, where the re-run then equals one clean import.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import InvoiceId
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.storage import Storage
from crmkit.services.invoices import Invoices
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.adapters.invoices.test_csv import write
from tests.services.invoices.test_import import (
    CrashingStorage,
    PowerCut,
    World,
    counts,
    make_world,
    many_rows,
    stored_invoices_are_whole,
)


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> World:
    return make_world(storage, clock, ids, [])


def stored_cursor(storage: Storage, key: str) -> str | None:
    with storage.unit_of_work() as uow:
        return uow.invoices.cursor(key)


def equals_a_clean_import(storage: Storage, source: CsvInvoiceSource) -> None:
    """Every invoice of the source stored once, equal to what the source reads; nothing else stored."""
    records = [r for r in source.read() if r.invoice is not None]
    with storage.unit_of_work() as uow:
        for record in records:
            assert record.invoice is not None
            assert uow.invoices.get(record.invoice.id) == record.invoice
        assert uow.invoices.count() == len(records)
        assert uow.invoices.line_count() == sum(len(r.invoice.lines) for r in records if r.invoice)


def test_v2_an_import_stores_its_cursor_and_the_next_import_resumes_after_it(
    world: World, tmp_path: Path
) -> None:
    path = write(tmp_path, *many_rows(6))  # 6 invoices, 13 lines
    url = f"csv://{path}"
    first = world.crm.invoices.import_from(url, actor=world.admin.id)
    assert first.imported == 6
    key = first.source  # the source's URL as built (csv://…?tz=Europe/Istanbul)
    assert stored_cursor(world.storage, key) == first.cursor == "line:14"
    again = world.crm.invoices.import_from(url, actor=world.admin.id)  # nothing new: nothing read
    assert (again.imported, again.duplicates, again.rejected) == (0, 0, [])
    with path.open("a", encoding="utf-8") as handle:
        handle.write(many_rows(8)[-1].replace("C-0007", "C-0100") + "\n")
    more = world.crm.invoices.import_from(url, actor=world.admin.id)
    assert (more.imported, more.duplicates) == (1, 0)  # only the new invoice was read
    assert stored_cursor(world.storage, key) == "line:15"
    assert counts(world.storage) == (7, 14)
    # read from the start on request: everything is a duplicate (V2), the cursor stays at the end
    full = world.crm.invoices.import_from(url, actor=world.admin.id, resume=False)
    assert (full.imported, full.duplicates) == (0, 7)
    assert stored_cursor(world.storage, key) == "line:15"


def test_v2_the_cursor_is_kept_per_source_name(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, *many_rows(3))
    url = f"csv://{path}"
    named = world.crm.invoices.import_from(url, actor=world.admin.id, name="erp-nightly")
    assert stored_cursor(world.storage, "erp-nightly") == "line:7"
    assert stored_cursor(world.storage, named.source) is None
    # another name has no cursor yet: it reads from the start (all duplicates)
    other = world.crm.invoices.import_from(url, actor=world.admin.id, name="erp-manual")
    assert (other.imported, other.duplicates) == (0, 3)
    same = world.crm.invoices.import_from(url, actor=world.admin.id, name="erp-nightly")
    assert (same.imported, same.duplicates) == (0, 0)
    with pytest.raises(ValidationError) as refused:
        world.crm.invoices.import_from(url, actor=world.admin.id, name="")
    assert refused.value.field == "name"


def test_v2_trailing_rejected_records_move_the_cursor_past_them(world: World, tmp_path: Path) -> None:
    rows = many_rows(2)
    bad = rows[0].replace("C-0000", "C-0099").replace("05.01.2026", "kötü-tarih")
    path = write(tmp_path, *rows, bad)
    url = f"csv://{path}"
    report = world.crm.invoices.import_from(url, actor=world.admin.id)
    assert (report.imported, len(report.rejected)) == (2, 1)
    assert stored_cursor(world.storage, report.source) == f"line:{len(rows) + 2}"
    again = world.crm.invoices.import_from(url, actor=world.admin.id)
    assert (again.imported, again.rejected) == (0, [])  # reported once, not re-read


@pytest.mark.parametrize("after_lines", [1, 7, 26, 49])
def test_v2_after_a_crash_in_the_middle_the_rerun_resumes_and_equals_one_clean_import(
    storage: Storage, clock: FixedClock, ids: SequentialIds, tmp_path: Path, after_lines: int
) -> None:
    world = make_world(storage, clock, ids, [])
    path = write(tmp_path, *many_rows(24))  # 24 invoices, 60 lines
    source = CsvInvoiceSource(path)
    expected = {r.invoice.id: len(r.invoice.lines) for r in source.read() if r.invoice is not None}
    crashing = Invoices(
        attrs.evolve(world.crm.context, storage=CrashingStorage(storage, after_lines)), batch_lines=10
    )
    with pytest.raises(PowerCut):
        crashing.import_from(source, actor=world.admin.id)
    survivors = stored_invoices_are_whole(storage, expected)
    cursor = stored_cursor(storage, source.url)
    if survivors:
        # the stored cursor is the last record of the last committed batch: everything up to it is stored
        assert cursor is not None
        upto = {r.invoice.id for r in source.read() if r.invoice and int(r.cursor[5:]) <= int(cursor[5:])}
        assert upto == survivors
    else:
        assert cursor is None
    rerun = world.crm.invoices.import_from(source, actor=world.admin.id)
    # resumed: nothing committed before the crash is read again
    assert (rerun.duplicates, rerun.rejected) == (0, [])
    assert rerun.imported == len(expected) - len(survivors)
    assert stored_cursor(storage, source.url) == "line:61"
    equals_a_clean_import(storage, source)


class _CursorCut:
    """Delegates to the real invoice repository, but dies right after the n-th cursor is written."""

    def __init__(self, real: Any, budget: list[int]) -> None:
        self._real = real
        self._budget = budget

    def save_cursor(self, source: str, cursor: str) -> None:
        self._real.save_cursor(source, cursor)
        self._budget[0] -= 1
        if self._budget[0] == 0:
            raise PowerCut(f"power cut after writing cursor {cursor}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _CursorCutStorage:
    def __init__(self, real: Storage, after: int) -> None:
        self._real = real
        self.url = real.url
        self.budget = [after]

    def unit_of_work(self, actor: Any = None) -> Any:
        uow = self._real.unit_of_work(actor)
        wrapped = _CursorCut(uow.invoices, self.budget)

        class _Uow:
            invoices = wrapped

            def __enter__(self) -> Any:
                uow.__enter__()
                return self

            def __exit__(self, *exc: Any) -> None:
                uow.__exit__(*exc)

            def __getattr__(self, name: str) -> Any:
                return getattr(uow, name)

        return _Uow()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_v2_a_crash_after_the_cursor_is_written_loses_the_batch_and_its_cursor_together(
    world: World, tmp_path: Path
) -> None:
    source = CsvInvoiceSource(write(tmp_path, *many_rows(24)))
    cutting = Invoices(
        attrs.evolve(world.crm.context, storage=_CursorCutStorage(world.storage, 2)), batch_lines=10
    )
    with pytest.raises(PowerCut):
        cutting.import_from(source, actor=world.admin.id)
    # the first batch committed with its cursor; the second wrote its invoices and its cursor, then died
    first_batch = stored_cursor(world.storage, source.url)
    assert first_batch is not None
    committed, _ = counts(world.storage)
    upto = [r for r in source.read() if int(r.cursor[5:]) <= int(first_batch[5:])]
    assert committed == len(upto)
    rerun = world.crm.invoices.import_from(source, actor=world.admin.id)
    assert (rerun.duplicates, rerun.imported) == (0, 24 - committed)
    equals_a_clean_import(world.storage, source)


def test_v2_records_imported_directly_store_their_cursor_under_the_key_given(
    world: World, tmp_path: Path
) -> None:
    source = CsvInvoiceSource(write(tmp_path, *many_rows(24)))
    records = list(source.read())

    def dying() -> Iterator[SourceRecord]:
        yield from records[:15]
        raise PowerCut("disk unplugged")

    service = Invoices(world.crm.context, batch_lines=10)
    with pytest.raises(PowerCut) as caught:
        service.import_records(dying(), actor=world.admin.id, source=source.url, cursor_key=source.url)
    assert "the stored cursor resumes there" in "".join(caught.value.__notes__)
    committed, _ = counts(world.storage)
    assert 0 < committed < 15
    resumed = world.crm.invoices.import_from(source, actor=world.admin.id)
    assert (resumed.duplicates, resumed.imported) == (0, 24 - committed)
    assert counts(world.storage) == (24, 60)
    ids: set[InvoiceId] = {r.invoice.id for r in records if r.invoice is not None}
    assert (
        stored_invoices_are_whole(world.storage, {i: n for i, n in _lines(records).items() if i in ids})
        == ids
    )


def _lines(records: list[SourceRecord]) -> dict[InvoiceId, int]:
    return {r.invoice.id: len(r.invoice.lines) for r in records if r.invoice is not None}


class _ListSource:
    """A plugin-like source over ready records, whose cursors it chooses."""

    def __init__(self, url: str, records: list[SourceRecord]) -> None:
        self.url = url
        self._records = records

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        cursors = [r.cursor for r in self._records]
        start = 0 if since is None else cursors.index(since) + 1
        yield from self._records[start:]


def test_v2_a_cursor_too_long_to_store_is_a_warning_and_nothing_is_rejected(
    world: World, tmp_path: Path
) -> None:
    records = [r for r in CsvInvoiceSource(write(tmp_path, *many_rows(4))).read()]
    long_cursor = "x" * 1001
    records[2] = attrs.evolve(records[2], cursor=long_cursor)
    service = Invoices(world.crm.context, batch_lines=1)  # one invoice per transaction
    report = service.import_from(_ListSource("erp://test", records), actor=world.admin.id)
    assert (report.imported, report.rejected) == (4, [])
    assert any("longer than 1000 characters: not stored" in w for w in report.warnings)
    # the cursors before the long one were stored; none after it
    assert stored_cursor(world.storage, "erp://test") == records[1].cursor


def test_v2_two_units_of_work_store_the_first_cursor_of_one_source_at_once(storage: Storage) -> None:
    """V2 race: two imports of the same new source each store its cursor → both commit, the last wins.

    The first transaction inserts the source's row and holds it uncommitted a moment; the
    second meets that row (it waits on the key), then overwrites it. Before the upsert
    the second failed on the primary key and its import stopped.
    """
    key = f"csv:///race/{uuid.uuid4()}.csv"  # new: in no earlier run's table
    if storage.url.startswith(("postgresql", "mysql", "mariadb")):
        start = threading.Barrier(2)
        errors: list[str] = []

        def save(cursor: str, delay: float) -> None:
            try:
                start.wait()
                time.sleep(delay)  # "line:10" inserts first; "line:20" meets its uncommitted row
                with storage.unit_of_work() as uow:
                    uow.invoices.save_cursor(key, cursor)
                    time.sleep(0.4)
                    uow.commit()
            except BaseException:  # pragma: no cover - reported below
                errors.append(f"{cursor}: {traceback.format_exc()[-1500:]}")

        order = (("line:10", 0.0), ("line:20", 0.1))
        threads = [threading.Thread(target=save, args=pair) for pair in order]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
    elif storage.url.startswith("memory"):  # two units of work open in one thread
        with storage.unit_of_work() as a, storage.unit_of_work() as b:
            a.invoices.save_cursor(key, "line:10")
            b.invoices.save_cursor(key, "line:20")
            a.commit()
            b.commit()
    else:
        pytest.skip("SQLite has one writer: a second transaction waits for the first to commit")
    assert stored_cursor(storage, key) == "line:20"
    with storage.unit_of_work() as uow:  # and an update of the stored row still goes through the upsert
        uow.invoices.save_cursor(key, "line:30")
        uow.commit()
    assert stored_cursor(storage, key) == "line:30"
