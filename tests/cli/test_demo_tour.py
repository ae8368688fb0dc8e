"""The demo's seed organisation and its files (issue 17): what the tour builds, imports and prints."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from crmkit.cli import run_demo
from crmkit.demos.documents import write_csv
from crmkit.demos.organisation import Organisation, vkn
from crmkit.domain.employees import Employee
from crmkit.domain.fields import tax_number_checksum_ok
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company, Segmentation


def test_generated_tax_numbers_pass_the_vkn_checksum() -> None:
    numbers = [vkn(470000001 + n) for n in range(200)]
    assert all(len(n) == 10 and tax_number_checksum_ok(n) for n in numbers)
    assert len(set(numbers)) == 200
    assert not tax_number_checksum_ok(numbers[0][:9] + str((int(numbers[0][9]) + 1) % 10))


def _org() -> Organisation:
    zone = ZoneInfo("Europe/Istanbul")
    when = datetime(2026, 1, 1, tzinfo=zone)
    rep = Employee(
        id=EmployeeId(uuid.uuid4()), name="Elif Aydın", position="employee", hired_at=when, login="rep1"
    )
    buyer = Company(
        id=CompanyId(uuid.uuid4()),
        name="Bursa Koç Eczanesi",
        type="customer",
        registered_at=when,
        tax_no=vkn(470000001),
        segmentation=Segmentation(micro_region="M-11"),
    )
    seller = Company(
        id=CompanyId(uuid.uuid4()),
        name="Anadolu Ecza Deposu A.Ş.",
        type="distributor",
        registered_at=when,
        tax_no=vkn(470000002),
    )
    return Organisation(
        regional_manager=rep,
        reps=[rep],
        distributors=[seller],
        dealers={"Bursa Bayi 1 Ltd.": "BAYI-11"},
        customers=[buyer],
        rep_of_code={"M-11": rep},
        year_start=when,
    )


def test_the_csv_is_the_same_on_every_run_and_within_the_year(tmp_path: Path) -> None:
    org = _org()
    until = datetime(2026, 6, 30, 12, tzinfo=ZoneInfo("Europe/Istanbul"))
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    lines = write_csv(first, org, until, invoices=300)
    assert write_csv(second, org, until, invoices=300) == lines
    assert first.read_bytes() == second.read_bytes()
    rows = list(csv.DictReader(io.StringIO(first.read_text(encoding="utf-8"))))
    assert len(rows) == lines and 300 <= lines <= 1500
    assert len({r["invoice_number"] for r in rows}) == 300
    assert all("2026-01-01" <= r["issue_date"] <= "2026-06-30" for r in rows)
    assert {(r["store"], r["sales_person"], r["buyer_tax_no"]) for r in rows} == {
        ("BAYI-11", "rep1", vkn(470000001))
    }


def test_the_tour_prints_every_section_with_what_it_built(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_demo("memory://", out) == 0
    text = out.getvalue()
    found = re.search(
        r"ERP CSV, (\d+) lines: 1000 imported \((\d+) lines\), 0 already there, 0 rejected", text
    )
    assert found and found.group(1) == found.group(2) and int(found.group(1)) >= 2000  # a few thousand (V1)
    assert "3 UBL-TR e-invoices: 3 imported" in text
    assert "employees by position: {'admin_manager': 1, 'manager': 3, 'employee': 7}" in text
    assert "20 customers with a contact each" in text
    day = text[text.index("One rep's day") : text.index("Plan vs actual")]
    assert len(re.findall(r"\d\d:00  Ziyaret: ", day)) == 3  # I6: her three appointments tomorrow
    plan = text[text.index("Plan vs actual") : text.index("Point statements")]
    assert all(code in plan for code in ("M-11", "M-12", "A-11", "A-12", "D-11")) and " %" in plan
    points = re.findall(
        r"(dealer|sales_person) \S+: opening 0, (\d+) entries \(\+(\d+)\), closing (\d+)", text
    )
    assert [p[0] for p in points] == ["dealer", "sales_person"]
    assert all(int(n) > 0 and earned == closing for _, n, earned, closing in points)  # V4: the CSV earned
    sees = text[text.index("What three employees see") : text.index("One rep's day")]
    assert "is not in a team holding code A-1" in sees and "sees everything (A2)" in sees  # A1, A2
    pipeline = text[text.index("Pipeline") : text.index("Point statements")]
    forecast = pipeline[: pipeline.index("won and lost per rep")]
    rows = re.findall(r"│ (\S+ \S+) +│ (\d{4}-\d\d) +│ (\d+) +│ ([\d,.]+) +│ ([\d,.]+) +│", forecast)
    assert len({r[0] for r in rows}) == 5 and sum(int(r[2]) for r in rows) == 8  # every rep's open deals
    for *_, amount, weighted in rows:  # I9: weighted at teklif's 40 % or pazarlık's 75 %
        ratio = Decimal(weighted.replace(",", "")) / Decimal(amount.replace(",", ""))
        assert ratio in (Decimal("0.4"), Decimal("0.75"))
    closed = re.findall(
        r"│ (\S+ \S+) +│ (\d+) +│ (\d+) +│ ([\d,.]+) +│ (\d+) +│ (\d+) % +│",
        pipeline[pipeline.index("won and lost per rep") :],
    )
    assert len(closed) == 5  # Q6: every rep, with his opened, won and lost
    assert sum(int(c[2]) for c in closed) == 4 and sum(int(c[4]) for c in closed) == 4
    assert all(int(c[2]) == 0 or Decimal(c[3].replace(",", "")) >= 55_000 for c in closed)  # won with amounts
    assert "losses per competitor: Anadolu Temizlik 2, Rakip Kimya A.Ş. 3;" in pipeline  # I9 (one from Selin)
    # I11: 2.5 h at 400 TRY, 64.2 km at 5.50 + 3.75 TRY; set against the customer's imported invoices
    assert re.search(
        r"64\.2 km, 150 min → 1,593\.85 TRY \(labour 1,000\.00, travel 593\.85\); .* [\d.]+ % of it", pipeline
    )
    tech = text[text.index("Technician report") :]
    assert "Murat Teknik" in tech and len(re.findall(r"│ 1 +│ 1 +│", tech)) >= 3  # S5: closed, first time
