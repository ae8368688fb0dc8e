"""The built-in invoice sources pass the shipped InvoiceSource contract (SPEC §7 V1, V2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.adapters.invoices.ubl import UblInvoiceSource
from crmkit.ports.invoices import InvoiceSource
from crmkit.testing.contracts import InvoiceSourceContract
from tests.invoices.conftest import SAMPLES
from tests.invoices.test_csv import ROWS, write


@pytest.fixture(scope="session")
def samples() -> Path:
    """GİB's UBL-TR samples kept in tests/invoices/samples/ubl-tr."""
    return SAMPLES


class TestUblFolderSource(InvoiceSourceContract):
    @pytest.fixture
    def invoice_source(self, samples: Path, tmp_path: Path) -> InvoiceSource:
        for name in ("TicariFaturaOrnegi.xml", "IadeFaturasiOrnegi.xml", "UBL-Invoice-2.1-Example.xml"):
            shutil.copy(samples / name, tmp_path / name)
        return UblInvoiceSource.from_url(f"ubl-tr://{tmp_path}")


class TestUblFileListSource(InvoiceSourceContract):
    @pytest.fixture
    def invoice_source(self, samples: Path) -> InvoiceSource:
        names = ("TEVKIFAT.xml", "OTV.xml", "ISTISNA-1.xml", "YTB_Satıs_EArşiv.xml")
        return UblInvoiceSource([samples / name for name in names])


class TestCsvSource(InvoiceSourceContract):
    @pytest.fixture
    def invoice_source(self, tmp_path: Path) -> InvoiceSource:
        return CsvInvoiceSource.from_url(f"csv://{write(tmp_path, *ROWS)}")
