"""UBL files parsed by worker processes give exactly the records parsed here, in order (SPEC §7 V1, V2)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

import attrs
import pytest

from crmkit.adapters.invoices import _transport, ubl_workers
from crmkit.adapters.invoices.ubl import UblInvoiceSource
from crmkit.adapters.invoices.ubl_workers import ParsePool, _chunks
from crmkit.domain.errors import ValidationError
from crmkit.ports.invoices import SourceRecord
from tests.services.invoices.conftest import SAMPLES

pytestmark = pytest.mark.slow  # starts parsing processes

OTV_PER_UNIT = Path(__file__).parent / "OTV-per-unit-line.xml"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 4 files: the 56 files below make 14 chunks, several per worker."""
    monkeypatch.setattr(ubl_workers, "CHUNK_FILES", 4)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every GİB sample five times under different names, a malformed file, a refused DOCTYPE, a warning."""
    target = tmp_path_factory.mktemp("inbox")
    samples = [*sorted(SAMPLES.glob("*.xml")), OTV_PER_UNIT]
    for copy in range(5):
        for sample in samples:
            shutil.copy(sample, target / f"{copy}-{sample.name}")
    (target / "2-bozuk.xml").write_text("<Invoice><cbc:ID>", encoding="utf-8")
    odd_time = (SAMPLES / "TemelFaturaOrnegi.xml").read_text(encoding="utf-8")
    odd_time = odd_time.replace(
        "<cbc:IssueTime>14:42:00</cbc:IssueTime>", "<cbc:IssueTime>öğlen</cbc:IssueTime>"
    )
    (target / "4-saat.xml").write_text(odd_time, encoding="utf-8")  # read, with a warning
    (target / "3-doctype.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Invoice>&a;</Invoice>', encoding="utf-8"
    )
    return target


def in_process(folder: Path, since: str | None = None) -> list[SourceRecord]:
    return list(UblInvoiceSource(folder, workers=0).read(since))


def test_v1_the_transport_gives_back_equal_records_of_the_same_types(folder: Path) -> None:
    records = in_process(folder)
    assert any(r.invoice is None for r in records) and any(r.warnings for r in records)
    back = _transport.loads(_transport.dumps(records))
    assert back == records
    for got, expected in zip(back, records, strict=True):
        assert type(got.invoice) is type(expected.invoice)
        if got.invoice is not None and expected.invoice is not None:
            assert got.invoice.lines == expected.invoice.lines
            assert [type(t) for line in got.invoice.lines for t in line.taxes] == [
                type(t) for line in expected.invoice.lines for t in line.taxes
            ]
            assert got.invoice.issued_at.tzinfo == expected.invoice.issued_at.tzinfo


@pytest.mark.parametrize("workers", [1, 3])
def test_v2_workers_yield_the_records_parsed_here_in_file_order(folder: Path, workers: int) -> None:
    expected = in_process(folder)
    got = list(UblInvoiceSource(folder, workers=workers).read())
    assert got == expected
    assert len(got) > 2 * workers * ubl_workers.CHUNK_FILES  # more chunks than the workers hold at once
    assert [r.cursor for r in got] == sorted(r.cursor for r in got)


def test_v2_workers_resume_after_a_cursor(folder: Path) -> None:
    since = in_process(folder)[17].cursor
    assert list(UblInvoiceSource(folder, workers=2).read(since)) == in_process(folder, since)


def test_v2_by_default_workers_start_only_for_many_files_and_more_than_one_cpu(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    real_init = ParsePool.__init__

    def counting_init(self: ParsePool, workers: int, **options: Any) -> None:
        started.append(workers)
        real_init(self, workers, **options)

    monkeypatch.setattr(ParsePool, "__init__", counting_init)
    files = len(list(folder.glob("*.xml")))
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert list(UblInvoiceSource(folder, parallel_from=files + 1).read()) == in_process(folder)
    assert started == []
    assert list(UblInvoiceSource(folder, parallel_from=files).read()) == in_process(folder)
    assert started == [2]
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert list(UblInvoiceSource(folder, parallel_from=1).read()) == in_process(folder)
    assert started == [2]


_DIES = "import sys; sys.exit(3)"
_SHORT_FRAME = "import sys; sys.stdin.buffer.read(8); sys.stdout.buffer.write(bytes(7) + b'\\3ab')"
_GARBAGE = (
    "import sys; sys.stdout.buffer.write((3).to_bytes(8, 'big') + b'xyz'); sys.stdout.flush();"
    " sys.stdin.buffer.read()"
)
_ONE_CHUNK = (
    "import sys, pickle; from pathlib import Path; from crmkit.adapters.invoices import ubl_workers as w;"
    " m, z, e = pickle.loads(w._read_frame(sys.stdin.buffer));"
    " w._write_frame(sys.stdout.buffer,"
    " w.dumps([w.read_record(n, Path(p), max_bytes=m, timezone_name=z) for n, p in e]))"
)


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", _DIES],
        [sys.executable, "-c", _SHORT_FRAME],
        [sys.executable, "-c", _GARBAGE],
        ["/nonexistent/python-for-crmkit"],
        ["", "-m", "crmkit.adapters.invoices.ubl_workers"],  # sys.executable of an embedded Python
        [sys.executable, "-c", _ONE_CHUNK],
    ],
    ids=["dies", "short-frame", "garbage", "cannot-start", "no-interpreter", "one-chunk-then-gone"],
)
def test_v2_a_worker_that_fails_leaves_its_files_to_this_process_and_a_warning(
    folder: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], request: pytest.FixtureRequest
) -> None:
    monkeypatch.setattr(ubl_workers, "WORKER_COMMAND", command)
    got = list(UblInvoiceSource(folder, workers=2).read())
    expected = in_process(folder)
    noted = [i for i, r in enumerate(got) if any("parsing workers stopped" in w for w in r.warnings)]
    assert len(noted) == 1  # said once, on the first record parsed here
    first = noted[0]
    assert got[:first] == expected[:first] and got[first + 1 :] == expected[first + 1 :]
    assert got[first].warnings[:-1] == expected[first].warnings
    assert got[first].warnings[-1].startswith(f"{expected[first].location}: the parsing workers stopped (")
    assert attrs.evolve(got[first], warnings=expected[first].warnings) == expected[first]
    if "cannot-start" in request.node.name or "no-interpreter" in request.node.name:
        assert first == 0 and "could not be started" in got[0].warnings[-1]
    if "one-chunk" in request.node.name:
        assert first >= 1  # the chunk it delivered came through the worker


def test_v2_when_the_reader_stops_early_the_workers_are_stopped(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[ParsePool] = []
    real_records = ParsePool.records

    def keeping(self: ParsePool, entries: list[tuple[str, Path]]) -> Any:
        pools.append(self)
        return real_records(self, entries)

    monkeypatch.setattr(ParsePool, "records", keeping)
    reader = cast(Generator[SourceRecord, None, None], UblInvoiceSource(folder, workers=2).read())
    first = next(reader)
    assert first == in_process(folder)[0]
    processes = list(pools[0].processes)
    assert len(processes) == 2 and all(p.poll() is None for p in processes)
    reader.close()
    assert pools[0].processes == []
    assert all(p.returncode is not None for p in processes)


def test_chunks_hold_at_most_chunk_files_files_and_fit_a_pipe_buffer() -> None:
    entries = [(f"{i:03d}.xml", Path(f"/inbox/{i:03d}.xml")) for i in range(100)]
    chunks = _chunks(entries)
    assert [e for chunk in chunks for e in chunk] == entries
    assert max(len(c) for c in chunks) == ubl_workers.CHUNK_FILES
    long = [("x" * 3000 + f"{i}.xml", Path("/inbox") / ("x" * 3000 + f"{i}.xml")) for i in range(10)]
    chunks = _chunks(long)
    assert [e for chunk in chunks for e in chunk] == long
    assert all(len(chunk) <= 2 for chunk in chunks)  # 16 KB of names at most (one name alone may pass)


def test_v2_workers_find_crmkit_where_this_process_found_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A worker gets this process's ``sys.path``: a script that put crmkit on it still gets workers."""
    seen = tmp_path / "seen"
    probe = f"import sys, runpy; open({str(seen)!r}, 'w').write('\\n'.join(sys.path)); runpy.run_module("
    probe += "'crmkit.adapters.invoices.ubl_workers', run_name='__main__')"
    monkeypatch.setattr(ubl_workers, "WORKER_COMMAND", [sys.executable, "-c", probe])
    monkeypatch.syspath_prepend(str(tmp_path / "extra"))
    assert list(UblInvoiceSource(folder, workers=1).read()) == in_process(folder)
    assert str(tmp_path / "extra") in seen.read_text().splitlines()


def test_the_workers_option_is_checked(folder: Path) -> None:
    with pytest.raises(ValidationError) as error:
        UblInvoiceSource(folder, workers=-1)
    assert error.value.field == "workers"
    with pytest.raises(ValidationError) as error:
        UblInvoiceSource.from_url(f"ubl-tr://{folder}?workers=iki")
    assert error.value.field == "url"
    assert UblInvoiceSource.from_url(f"ubl-tr://{folder}?workers=0").workers == 0
