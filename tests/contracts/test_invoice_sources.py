"""The built-in invoice sources pass the shipped InvoiceSource contract (SPEC §7 V1, V2, §9)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.adapters.invoices.ubl import UblInvoiceSource
from crmkit.ports.invoices import InvoiceSource
from crmkit.testing.contracts import InvoiceSourceContract
from tests.invoices.conftest import SAMPLES
from tests.invoices.test_csv import ROWS, write

SALE, RETURN = "TicariFaturaOrnegi.xml", "IadeFaturasiOrnegi.xml"  # the return cancels GIB2009000000011
SMALL = "Good_TemelFatura.xml"
GARBAGE = b"<?xml version='1.0'?><Invoice><not-ubl/>"


def _folder(root: Path, name: str, files: dict[str, bytes | str]) -> Path:
    """A folder of UBL files: file name -> bytes, or the name of a sample to copy."""
    folder = root / name
    folder.mkdir()
    for file_name, content in files.items():
        if isinstance(content, str):
            shutil.copy(SAMPLES / content, folder / file_name)
        else:
            (folder / file_name).write_bytes(content)
    return folder


class TestUblFolderSource(InvoiceSourceContract):
    @pytest.fixture
    def invoice_source(self, tmp_path: Path) -> InvoiceSource:
        names = (SALE, RETURN, "UBL-Invoice-2.1-Example.xml")
        return UblInvoiceSource.from_url(f"ubl-tr://{_folder(tmp_path, 'inbox', {n: n for n in names})}")

    @pytest.fixture
    def source_of(self, tmp_path: Path) -> Callable[[int], InvoiceSource]:
        def make(n: int) -> InvoiceSource:
            folder = _folder(tmp_path, f"of-{n}", {f"{k:04d}.xml": SMALL for k in range(n)})
            return UblInvoiceSource.from_url(f"ubl-tr://{folder}?workers=0")

        return make

    @pytest.fixture
    def source_with_a_bad_record(self, tmp_path: Path) -> InvoiceSource:
        files: dict[str, bytes | str] = {"1.xml": SALE, "2.xml": GARBAGE, "3.xml": SMALL}
        return UblInvoiceSource.from_url(f"ubl-tr://{_folder(tmp_path, 'bad', files)}")

    @pytest.fixture
    def source_with_a_return(self, invoice_source: InvoiceSource) -> InvoiceSource:
        return invoice_source

    @pytest.fixture
    def unopenable_source(self, tmp_path: Path) -> Callable[[], InvoiceSource]:
        return lambda: UblInvoiceSource.from_url(f"ubl-tr://{tmp_path / 'no-such-folder'}")


class TestUblFileListSource(InvoiceSourceContract):
    @pytest.fixture
    def invoice_source(self) -> InvoiceSource:
        names = ("TEVKIFAT.xml", "OTV.xml", "ISTISNA-1.xml", "YTB_Satıs_EArşiv.xml")
        return UblInvoiceSource([SAMPLES / name for name in names])

    @pytest.fixture
    def source_of(self, tmp_path: Path) -> Callable[[int], InvoiceSource]:
        def make(n: int) -> InvoiceSource:
            folder = _folder(tmp_path, f"of-{n}", {f"{k:04d}.xml": SMALL for k in range(n)})
            return UblInvoiceSource(sorted(folder.iterdir()), workers=0)

        return make

    @pytest.fixture
    def source_with_a_bad_record(self, tmp_path: Path) -> InvoiceSource:
        folder = _folder(tmp_path, "bad", {"2.xml": GARBAGE})
        return UblInvoiceSource([SAMPLES / SALE, folder / "2.xml", SAMPLES / SMALL])

    @pytest.fixture
    def source_with_a_return(self) -> InvoiceSource:
        return UblInvoiceSource([SAMPLES / SALE, SAMPLES / RETURN])

    @pytest.fixture
    def unopenable_source(self, tmp_path: Path) -> Callable[[], InvoiceSource]:
        return lambda: UblInvoiceSource.from_url(f"ubl-tr://{tmp_path / 'missing.xml'}")


class TestCsvSource(InvoiceSourceContract):
    @pytest.fixture
    def invoice_source(self, tmp_path: Path) -> InvoiceSource:
        return CsvInvoiceSource.from_url(f"csv://{write(tmp_path, *ROWS)}")

    @pytest.fixture
    def source_of(self, tmp_path: Path) -> Callable[[int], InvoiceSource]:
        def make(n: int) -> InvoiceSource:
            rows = [ROWS[2].replace("A-2;", f"N-{k};", 1) for k in range(n)]
            return CsvInvoiceSource.from_url(f"csv://{write(tmp_path, *rows, name=f'of-{n}.csv')}")

        return make

    @pytest.fixture
    def source_with_a_bad_record(self, tmp_path: Path) -> InvoiceSource:
        bad = ROWS[2].replace(";4;NIU;", ";dört;NIU;")
        return CsvInvoiceSource.from_url(f"csv://{write(tmp_path, ROWS[0], ROWS[1], bad, ROWS[3])}")

    @pytest.fixture
    def source_with_a_return(self, invoice_source: InvoiceSource) -> InvoiceSource:
        return invoice_source  # its return

    @pytest.fixture
    def unopenable_source(self, tmp_path: Path) -> Callable[[], InvoiceSource]:
        return lambda: CsvInvoiceSource.from_url(f"csv://{tmp_path / 'missing' / 'sales.csv'}")
