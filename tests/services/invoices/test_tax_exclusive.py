"""The tax-exclusive total against line extension − allowances + charges (SPEC §7 V1).

GİB's ``ISTISNA-1.xml`` states ``TaxExclusiveAmount`` 26475 for lines of 22425 with
no allowance or charge: the 4050 is unexplained. The document is kept (V1: warn,
don't reject) and the import report says so, naming the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmkit.adapters.invoices.ubl import parse_invoice
from crmkit.domain.invoices.totals import check_totals
from crmkit.domain.money import Money
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.invoices.test_import import World, make_world


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> World:
    return make_world(storage, clock, ids, [])


def test_v1_istisna_1_is_kept_with_a_warning_naming_the_file_on_every_back_end(
    world: World, tmp_path: Path, samples: Path
) -> None:
    path = tmp_path / "ISTISNA-1.xml"
    shutil.copy(samples / "ISTISNA-1.xml", path)
    report = world.crm.invoices.import_from(f"ubl-tr://{path}", actor=world.admin.id)
    assert report.imported == 1 and report.rejected == []
    found = [w for w in report.warnings if "tax-exclusive" in w]
    assert len(found) == 1, report.warnings
    assert found[0].startswith(f"{path}: invoice ")
    assert "26475" in found[0] and "22425" in found[0] and "4050" in found[0]
    invoice_id = parse_invoice(path.read_bytes(), where=path.name)[0].id
    stored = world.crm.invoices.get(invoice_id, actor=world.admin.id)
    assert stored.net == Money("22425", "USD")  # the lines are what the points and targets count


@pytest.mark.parametrize(
    "name",
    ["Good_TemelFatura.xml", "TicariFaturaOrnegi.xml", "OTV.xml", "TEVKIFAT.xml", "IadeFaturasiOrnegi.xml"],
)
def test_v1_samples_whose_totals_agree_get_no_tax_exclusive_warning(samples: Path, name: str) -> None:
    invoice = parse_invoice((samples / name).read_bytes(), where=name)[0]
    assert not [w for w in check_totals(invoice) if "tax-exclusive" in w and "explain" in w]


def test_v1_an_allowance_total_that_explains_the_difference_gives_no_warning(samples: Path) -> None:
    text = (samples / "ISTISNA-1.xml").read_text(encoding="utf-8")
    head, total = text.split("<cac:LegalMonetaryTotal>", 1)
    total = total.replace(
        "</cbc:TaxExclusiveAmount>",
        '</cbc:TaxExclusiveAmount>\n\t\t<cbc:ChargeTotalAmount currencyID="USD">4050</cbc:ChargeTotalAmount>',
        1,
    )
    invoice = parse_invoice((head + "<cac:LegalMonetaryTotal>" + total).encode(), where="x.xml")[0]
    assert invoice.totals.charge == 4050
    assert not [w for w in check_totals(invoice) if "explain" in w]
