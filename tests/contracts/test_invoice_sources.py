"""The built-in invoice sources pass the shipped InvoiceSource contract (SPEC §7 V1, V2, §9)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit.adapters.invoices.ubl import UblInvoiceSource
from crmkit.ports.invoices import InvoiceSource
from crmkit.testing.contracts import InvoiceSourceContract
from tests.contracts.bindings import invoice_binding
from tests.services.invoices.conftest import SAMPLES

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


TestCsvSource = invoice_binding()
"""The CSV source (the same binding the mutants of ``test_mutants.py`` are wrapped in)."""
