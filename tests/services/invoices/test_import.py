"""Importing invoices on every storage back end: idempotent, crash-safe, checked (SPEC §7 V1, V2, V10)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import attrs
import pytest

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.adapters.invoices.ubl import UblInvoiceSource, parse_invoice
from crmkit.domain.employees import Employee
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.invoices import Invoice, InvoiceId, OrderLine, SalesOrder
from crmkit.ports.invoices import InvoiceRepository, SourceRecord
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.services.invoices import ImportReport, Invoices
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.adapters.invoices.test_csv import HEADER, ROWS, write

D = Decimal


@attrs.define
class World:
    crm: crmkit.Crm
    admin: Employee
    storage: Storage


def make_world(storage: Storage, clock: FixedClock, ids: SequentialIds, plugins: list[object]) -> World:
    email = ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids)
    sms = ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids)
    crm = crmkit.connect(
        storage, sms=sms, email=email, clock=clock, ids=ids, plugins=plugins, load_entrypoints=False
    )
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    return World(crm, admin, storage)


class Recorder:
    """A plugin that records every invoice the hook reports."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, tuple[str, ...]]] = []

    @crmkit.hookimpl
    def crmkit_on_invoice_imported(self, invoice: Invoice, warnings: tuple[str, ...]) -> None:
        self.seen.append((invoice.number, warnings))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds, recorder: Recorder) -> World:
    return make_world(storage, clock, ids, [recorder])


def counts(storage: Storage) -> tuple[int, int]:
    with storage.unit_of_work() as uow:
        return uow.invoices.count(), uow.invoices.line_count()


# name: (lines, currency, payable, tax total, VAT amount of the document)
FIGURES: dict[str, tuple[int, str, str, str]] = {
    "TicariFaturaOrnegi.xml": (8, "TRY", "29755.47", "4538.97"),
    "TemelFaturaOrnegi.xml": (1, "TRY", "17.88", "2.73"),
    "Good_TemelFatura.xml": (1, "TRY", "17.88", "2.73"),
    "IadeFaturasiOrnegi.xml": (1, "TRY", "812.43", "123.93"),
    "TEVKIFAT.xml": (1, "TRY", "20360", "360"),
    "OTV.xml": (1, "TRY", "9718.48", "3324.79"),
    "ISTISNA-1.xml": (2, "USD", "26475", "0"),
    "YTB_Satıs_EArşiv.xml": (1, "TRY", "1800.00", "300.00"),
    "UBL-Invoice-2.1-Example.xml": (5, "EUR", "729", "292.20"),
}


def test_v1_the_figures_table_covers_every_sample(samples: Path) -> None:
    assert set(FIGURES) == {p.name for p in samples.glob("*.xml")}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_v1_every_sample_imports_and_reads_back_equal(world: World, samples: Path, name: str) -> None:
    report = world.crm.invoices.import_from(f"ubl-tr://{samples / name}", actor=world.admin.id)
    assert (report.imported, report.duplicates, report.rejected) == (1, 0, [])
    parsed, _ = parse_invoice((samples / name).read_bytes(), where=str(samples / name))
    stored = world.crm.invoices.get(parsed.id, actor=world.admin.id)
    assert stored == parsed
    lines, currency, payable, tax = FIGURES[name]
    assert (len(stored.lines), stored.currency, stored.payable.amount, stored.totals.tax) == (
        lines,
        currency,
        D(payable),
        D(tax),
    )
    assert counts(world.storage) == (1, lines)
    assert report.lines == lines and report.cursor == str(samples / name)


def test_v1_a_failing_vkn_checksum_is_a_warning_not_a_rejection(world: World, samples: Path) -> None:
    report = world.crm.invoices.import_from(
        f"ubl-tr://{samples}/TicariFaturaOrnegi.xml", actor=world.admin.id
    )
    assert report.imported == 1 and report.rejected == []
    assert any("seller VKN 1288331521 fails its checksum" in w for w in report.warnings)
    assert not any("9205121120" in w for w in report.warnings)


def test_v2_the_sample_folder_twice_changes_nothing_the_second_time(
    world: World, samples: Path, recorder: Recorder
) -> None:
    url = f"ubl-tr://{samples}"
    first = world.crm.invoices.import_from(url, actor=world.admin.id)
    # Six GİB samples share one UUID: only the first (by file name) is that invoice, the rest are refused.
    assert first.imported == 4 and first.duplicates == 0
    assert sorted(r.location for r in first.rejected) == [
        "ISTISNA-1.xml",
        "OTV.xml",
        "TEVKIFAT.xml",
        "TemelFaturaOrnegi.xml",
        "TicariFaturaOrnegi.xml",
    ]
    assert all("is already used by invoice GIB2026000000001" in r.reason for r in first.rejected)
    before = counts(world.storage)
    assert before == (4, 1 + 1 + 5 + 1)
    second = world.crm.invoices.import_from(url, actor=world.admin.id, resume=False)  # read it all again
    assert (second.imported, second.duplicates, len(second.rejected)) == (0, 4, 5)
    assert counts(world.storage) == before
    assert [n for n, _ in recorder.seen] == [
        "GIB2026000000001",
        "GIB2009000000022",
        "TOSL108",
        "GIB2025000000001",
    ]


def test_v2_the_same_invoice_by_seller_and_number_under_another_uuid_is_a_duplicate(
    world: World, samples: Path, tmp_path: Path
) -> None:
    data = (samples / "TEVKIFAT.xml").read_bytes()
    (tmp_path / "a.xml").write_bytes(data)
    (tmp_path / "b.xml").write_bytes(
        data.replace(b"F47AC10B-58CC-4372-A567-0E02B2C3D479", b"0b9d7c36-3f7e-4f4e-9c53-5d6f6a2d0001")
    )
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path}", actor=world.admin.id)
    assert (report.imported, report.duplicates) == (1, 1)
    assert any("another UUID" in w for w in report.warnings)


def test_v2_csv_imported_twice_changes_nothing(world: World, tmp_path: Path, recorder: Recorder) -> None:
    url = f"csv://{write(tmp_path, *ROWS)}"
    first = world.crm.invoices.import_from(url, actor=world.admin.id)
    assert (first.imported, first.lines, first.rejected) == (3, 4, [])
    second = world.crm.invoices.import_from(url, actor=world.admin.id, resume=False)
    assert (second.imported, second.duplicates, second.rejected) == (0, 3, [])
    assert counts(world.storage) == (3, 4)
    assert len(recorder.seen) == 3
    # the return reversed what it cancels only once
    original = world.crm.invoices.find("9205121120", "A-1", actor=world.admin.id)
    assert original is not None
    assert world.crm.invoices.returned(original.id, actor=world.admin.id) == {1: (D(3), D("7.50"))}


def test_v1_a_totals_mismatch_is_rejected_with_the_figures_and_the_rest_imports(
    world: World, tmp_path: Path
) -> None:
    header = HEADER + ";invoice_net_total"
    rows = [ROWS[0] + ";2500,00", ROWS[1] + ";2500,00", ROWS[2] + ";10.00"]
    report = world.crm.invoices.import_from(
        f"csv://{write(tmp_path, *rows, header=header)}", actor=world.admin.id
    )
    assert report.imported == 1 and len(report.rejected) == 1
    rejection = report.rejected[0]
    assert (rejection.location, rejection.number) == ("sales.csv:2-3", "A-1")
    assert "A-1" in rejection.reason and "2494.12" in rejection.reason and "2500.00" in rejection.reason


def test_v1_a_bad_csv_row_is_reported_and_the_good_rows_import(world: World, tmp_path: Path) -> None:
    bad = ROWS[2].replace(";4;NIU;", ";4x;NIU;")
    report = world.crm.invoices.import_from(
        f"csv://{write(tmp_path, ROWS[0], ROWS[1], bad)}", actor=world.admin.id
    )
    assert report.imported == 1
    assert [(r.location, r.reason) for r in report.rejected] == [
        ("sales.csv:4", "sales.csv:4: quantity: '4x' is not a number")
    ]


def test_v1_a_return_reverses_quantities_and_cannot_take_back_more_than_sold(
    world: World, tmp_path: Path
) -> None:
    ret2 = (
        ROWS[3].replace("R-1;", "R-2;").replace(";3;NIU;2.50;0;7.50;20;1.50;", ";8;NIU;2.50;0;20.00;20;4.00;")
    )
    report = world.crm.invoices.import_from(f"csv://{write(tmp_path, *ROWS, ret2)}", actor=world.admin.id)
    assert report.imported == 3
    [rejected] = report.rejected
    assert rejected.number == "R-2" and "more than the cancelled invoices have left" in rejected.reason
    original = world.crm.invoices.find("9205121120", "A-1", actor=world.admin.id)
    assert original is not None and world.crm.invoices.returned(original.id, actor=world.admin.id) == {
        1: (D(3), D("7.50"))
    }
    ret3 = (
        ROWS[3].replace("R-1;", "R-3;").replace(";3;NIU;2.50;0;7.50;20;1.50;", ";7;NIU;2.50;0;17.50;20;3.50;")
    )
    more = world.crm.invoices.import_from(
        f"csv://{write(tmp_path, ret3, name='more.csv')}", actor=world.admin.id
    )
    assert more.imported == 1
    assert world.crm.invoices.returned(original.id, actor=world.admin.id) == {1: (D(10), D("25.00"))}


def test_v1_a_return_whose_original_is_unknown_imports_with_a_warning(world: World, samples: Path) -> None:
    report = world.crm.invoices.import_from(
        f"ubl-tr://{samples}/IadeFaturasiOrnegi.xml", actor=world.admin.id
    )
    assert report.imported == 1
    assert any("GIB2009000000011" in w and "not imported" in w for w in report.warnings)


def test_v1_a_gib_return_reverses_the_gib_sale_it_cancels(world: World, samples: Path) -> None:
    sale = world.crm.invoices.import_from(f"ubl-tr://{samples}/TicariFaturaOrnegi.xml", actor=world.admin.id)
    ret = world.crm.invoices.import_from(f"ubl-tr://{samples}/IadeFaturasiOrnegi.xml", actor=world.admin.id)
    assert sale.imported == ret.imported == 1
    original = world.crm.invoices.find("1288331521", "GIB2009000000011", actor=world.admin.id)
    assert original is not None
    # "Notebook Çantası" (line 3: 18 × 38.25) comes back whole
    assert world.crm.invoices.returned(original.id, actor=world.admin.id) == {3: (D(18), D("688.5"))}


def test_v10_order_lines_are_to_be_invoiced_until_invoices_name_them(world: World, tmp_path: Path) -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    order = SalesOrder(
        number="SO-9",
        customer="1234567890",
        ordered_at=at,
        lines=(
            OrderLine(line_id="1", product_name="Kalem", product_code="P1", quantity=D(10)),
            OrderLine(line_id="2", product_name="Defter", product_code="P2", quantity=D(5)),
            OrderLine(line_id="3", product_name="Silgi", product_code="P3", quantity=D(1)),
        ),
    )
    world.crm.invoices.register_order(actor=world.admin.id, order=order)
    assert [(n, ol.line_id) for n, ol in world.crm.invoices.to_be_invoiced(actor=world.admin.id)] == [
        ("SO-9", "1"),
        ("SO-9", "2"),
        ("SO-9", "3"),
    ]
    report = world.crm.invoices.import_from(
        f"csv://{write(tmp_path, ROWS[0], ROWS[1])}", actor=world.admin.id
    )
    assert report.imported == 1
    stored = world.crm.invoices.order("SO-9", actor=world.admin.id)
    assert [(ol.line_id, ol.invoiced) for ol in stored.lines] == [("1", D(10)), ("2", D(2)), ("3", D(0))]
    assert [
        (n, ol.line_id, ol.remaining) for n, ol in world.crm.invoices.to_be_invoiced(actor=world.admin.id)
    ] == [
        ("SO-9", "2", D(3)),
        ("SO-9", "3", D(1)),
    ]
    assert stored.version == 2


def test_v10_delivery_of_the_original_invoice_is_tracked(
    world: World, tmp_path: Path, clock: FixedClock
) -> None:
    world.crm.invoices.import_from(f"csv://{write(tmp_path, *ROWS)}", actor=world.admin.id)
    pending = world.crm.invoices.undelivered(actor=world.admin.id)
    assert len(pending) == 3
    first = world.crm.invoices.get(pending[0], actor=world.admin.id)
    assert first.number == "A-1"  # oldest issue first
    assert world.crm.invoices.delivery(first.id, actor=world.admin.id).status.value == "pending"
    delivery = world.crm.invoices.mark_delivered(
        actor=world.admin.id, invoice=first.id, received_by="Mehmet Bey"
    )
    assert delivery.at == clock.now()
    again = world.crm.invoices.delivery(first.id, actor=world.admin.id)
    assert (again.status.value, again.at, again.received_by) == ("delivered", clock.now(), "Mehmet Bey")
    assert first.id not in world.crm.invoices.undelivered(actor=world.admin.id)
    assert len(world.crm.invoices.undelivered(limit=1, offset=1, actor=world.admin.id)) == 1


def test_v2_an_unknown_actor_may_not_import(world: World, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        world.crm.invoices.import_from(
            f"csv://{write(tmp_path, *ROWS)}", actor="00000000-0000-4000-8000-00000000abcd"
        )
    assert counts(world.storage) == (0, 0)


# -- crash injection (V2) -------------------------------------------------------------------------


class PowerCut(Exception):
    """The simulated crash."""


class _CrashingInvoices:
    """Delegates to the real repository, but dies after writing the n-th line of the run."""

    def __init__(self, real: InvoiceRepository, budget: list[int]) -> None:
        self._real = real
        self._budget = budget

    def add_many(self, invoices: Any) -> None:
        batch = list(invoices)
        lines = sum(len(i.lines) for i in batch)
        if lines < self._budget[0]:
            self._budget[0] -= lines
            self._real.add_many(batch)
            return
        # write what fits in the budget (whole invoices and the invoice being cut), then die
        written, cut = 0, []
        for invoice in batch:
            cut.append(invoice)
            written += len(invoice.lines)
            if written >= self._budget[0]:
                break
        self._real.add_many(cut)
        raise PowerCut(f"power cut after {self._budget[0]} more lines")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _CrashingUnitOfWork:
    def __init__(self, real: UnitOfWork, budget: list[int]) -> None:
        self._real = real
        self.invoices = _CrashingInvoices(real.invoices, budget)

    def __enter__(self) -> Self:
        self._real.__enter__()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._real.__exit__(t, e, tb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class CrashingStorage:
    """A storage whose unit of work dies after the n-th invoice line written (a crash mid-transaction)."""

    def __init__(self, real: Storage, after_lines: int) -> None:
        self._real = real
        self.url = real.url
        self.budget = [after_lines]

    def unit_of_work(self, actor: Any = None) -> Any:
        return _CrashingUnitOfWork(self._real.unit_of_work(actor), self.budget)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def stored_invoices_are_whole(storage: Storage, expected: dict[InvoiceId, int]) -> set[InvoiceId]:
    with storage.unit_of_work() as uow:
        found = {k.id for k in uow.invoices.known(expected, [])}
        for key in found:
            assert len(uow.invoices.get(key).lines) == expected[key]
        assert uow.invoices.line_count() == sum(expected[k] for k in found)
    return found


def many_rows(count: int) -> list[str]:
    rows = []
    for n in range(count):
        for line in range(1, 1 + n % 4 + 1):
            rows.append(
                f"C-{n:04d};;05.01.2026;;SATIS;TRY;9205121120;Marmara;1234567890;Ege;S-01;R-12;;"
                f"P{line};Ürün {line};{line};NIU;10,00;0;{line * 10},00;20;{line * 2},00;"
            )
    return rows


@pytest.mark.parametrize("after_lines", [1, 7, 26, 49])
def test_v2_a_crash_after_any_nth_line_leaves_whole_invoices_and_a_rerun_completes(
    storage: Storage, clock: FixedClock, ids: SequentialIds, tmp_path: Path, after_lines: int
) -> None:
    world = make_world(storage, clock, ids, [])
    path = write(tmp_path, *many_rows(24))  # 24 invoices, 60 lines
    source = CsvInvoiceSource(path)
    expected = {r.invoice.id: len(r.invoice.lines) for r in source.read() if r.invoice is not None}
    crashing = Invoices(
        attrs.evolve(world.crm.context, storage=CrashingStorage(storage, after_lines)), batch_lines=10
    )
    with pytest.raises(PowerCut) as caught:
        crashing.import_from(source, actor=world.admin.id)
    note = "".join(getattr(caught.value, "__notes__", []))
    assert "stored whole or not at all" in note
    survivors = stored_invoices_are_whole(storage, expected)
    # every committed batch is whole; the batch being written at the crash left nothing
    assert len(survivors) < len(expected)
    rerun = world.crm.invoices.import_from(source, actor=world.admin.id, resume=False)
    assert rerun.duplicates == len(survivors) and rerun.imported == len(expected) - len(survivors)
    assert stored_invoices_are_whole(storage, expected) == set(expected)


def test_v2_a_crash_while_reading_loses_only_the_uncommitted_batch_and_the_cursor_resumes(
    world: World, tmp_path: Path
) -> None:
    source = CsvInvoiceSource(write(tmp_path, *many_rows(24)))
    records = list(source.read())

    def dying() -> Iterator[SourceRecord]:
        yield from records[:15]
        raise PowerCut("disk unplugged")

    service = Invoices(world.crm.context, batch_lines=10)
    with pytest.raises(PowerCut) as caught:
        service.import_records(dying(), actor=world.admin.id, source=source.url)
    note = "".join(caught.value.__notes__)
    cursor = note.rsplit("since=", 1)[1].strip("'")
    committed, _ = counts(world.storage)
    assert 0 < committed < 15
    resumed = world.crm.invoices.import_from(source, actor=world.admin.id, since=cursor)
    assert resumed.duplicates == 0 and committed + resumed.imported == 24
    assert counts(world.storage) == (24, 60)


def test_v2_the_report_cursor_resumes_an_import(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, *many_rows(6))
    report = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id)
    assert report.imported == 6 and report.cursor is not None
    with path.open("a", encoding="utf-8") as handle:
        handle.write(many_rows(8)[-1].replace("C-0007", "C-0100") + "\n")
    more = world.crm.invoices.import_from(f"csv://{path}", actor=world.admin.id, since=report.cursor)
    assert (more.imported, more.duplicates) == (1, 0)


def test_v1_a_plugin_can_add_an_erp_source_through_the_same_hook(
    storage: Storage, clock: FixedClock, ids: SequentialIds, samples: Path, tmp_path: Path
) -> None:
    shutil.copy(samples / "TEVKIFAT.xml", tmp_path / "t.xml")

    class ErpPlugin:
        @crmkit.hookimpl
        def crmkit_register_invoice_sources(self, register: Any) -> None:
            register("acme-erp", lambda url, ctx: UblInvoiceSource(tmp_path, url=url))

    world = make_world(storage, clock, ids, [ErpPlugin()])
    assert "acme-erp" in world.crm.plugins.schemes("invoices")
    report: ImportReport = world.crm.invoices.import_from("acme-erp://erp.local/firm/1", actor=world.admin.id)
    assert report.imported == 1 and report.source == "acme-erp://erp.local/firm/1"


def test_c12_imports_deliveries_and_order_changes_are_audited(world: World, tmp_path: Path) -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    order = SalesOrder(
        number="SO-9",
        customer="1234567890",
        ordered_at=at,
        lines=(OrderLine(line_id="1", product_name="Kalem", product_code="P1", quantity=D(10)),),
    )
    world.crm.invoices.register_order(actor=world.admin.id, order=order)
    world.crm.invoices.import_from(f"csv://{write(tmp_path, ROWS[0], ROWS[1])}", actor=world.admin.id)
    invoice = world.crm.invoices.find("9205121120", "A-1", actor=world.admin.id)
    assert invoice is not None
    world.crm.invoices.mark_delivered(actor=world.admin.id, invoice=invoice.id, received_by="Mehmet Bey")
    with world.storage.unit_of_work() as uow:
        trail = uow.audit.for_record("invoice", str(invoice.id))
        orders = uow.audit.for_record("sales_order", "SO-9")
    assert [(e.action, e.actor_id) for e in trail] == [
        ("create", str(world.admin.id)),
        ("update", str(world.admin.id)),
    ]
    assert {(c.field, c.new) for c in trail[0].changes} == {("number", "A-1"), ("source", "sales.csv:2")}
    assert ("received_by", None, "Mehmet Bey") in {(c.field, c.old, c.new) for c in trail[1].changes}
    assert [(e.action, e.version) for e in orders] == [("create", 1), ("update", 2)]


def test_c12_import_audit_entries_read_back_at_the_offset_of_the_clock_that_wrote_them(
    world: World, clock: FixedClock, tmp_path: Path
) -> None:
    """V1, §9, issue 11: every ``create`` entry of an import keeps the clock's UTC offset (revision 0018)."""
    ist = timezone(timedelta(hours=3))
    clock.set(datetime(2026, 1, 2, 12, 30, tzinfo=ist))
    world.crm.invoices.import_from(f"csv://{write(tmp_path, *ROWS)}", actor=world.admin.id)
    found = [world.crm.invoices.find(s, n, actor=world.admin.id) for s, n in _IMPORTED]
    with world.storage.unit_of_work() as uow:
        entries = [e for i in found if i is not None for e in uow.audit.for_record("invoice", str(i.id))]
    assert len(entries) == len(_IMPORTED)
    assert [(e.at, e.at.utcoffset()) for e in entries] == [(clock.now(), timedelta(hours=3))] * len(entries)


_IMPORTED = (("9205121120", "A-1"), ("9205121120", "A-2"), ("1234567890", "R-1"))
"""Seller and number of each invoice in ``ROWS``."""


def test_v2_an_invoice_the_storage_refuses_is_rejected_alone_and_the_batch_imports(
    world: World, tmp_path: Path
) -> None:
    if world.storage.url.startswith("memory"):
        pytest.skip("the memory back end has no column lengths")
    long_name = "Ç" * 301
    rows = [ROWS[0], ROWS[1].replace(";Defter;", f";{long_name};"), ROWS[2]]
    report = world.crm.invoices.import_from(f"csv://{write(tmp_path, *rows)}", actor=world.admin.id)
    assert report.imported == 1
    [rejected] = report.rejected
    assert rejected.number == "A-1" and "lines.product_name is longer than 300 characters" in rejected.reason
    assert counts(world.storage) == (1, 1)
