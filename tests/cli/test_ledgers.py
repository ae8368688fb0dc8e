"""``crmkit points balance|statement`` and ``crmkit service remaining`` (V4, V8, S3, A8)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from crmkit.bootstrap import connect
from crmkit.cli import main
from crmkit.domain.money import Money
from crmkit.domain.points import Program

TAX = "6800120004"


@pytest.fixture
def ledgers(database: tuple[str, str]) -> tuple[str, str, str, str]:
    """``(url, admin, gone, contract)``: 120 points credited, 30 adjusted off; a 4 h contract, 90 min used.

    ``gone`` is a dismissed employee: he reads nothing any more (C8, A8).
    """
    url, admin = database
    with connect(url) as crm:
        today = crm.clock.now().date()
        company = crm.parties.register_company(actor=admin, name="Isparta Gül", type="customer", tax_no=TAX)
        rep = crm.parties.hire(actor=admin, name="Gülşen Çelik", position="employee")
        crm.parties.dismiss(actor=admin, employee=rep.id, reason="Görev yeri değişikliği")
        pts = crm.points
        pts.define_program(actor=admin, program=Program(code="TEMIZ", name="Temiz Kulüp"))
        pts.adjust(
            actor=admin, program="TEMIZ", role="customer", party=TAX, points=120, on=today, reason="açılış"
        )
        pts.adjust(
            actor=admin, program="TEMIZ", role="customer", party=TAX, points=-30, on=today, reason="düzeltme"
        )
        contract = crm.service.create_contract(
            actor=admin,
            company=company.id,
            title="Bakım",
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=300),
            price=Money("1000", "TRY"),
            allowance_hours=4,
            allowance_visits=2,
        )
        crm.service.log_work(
            actor=admin,
            company=company.id,
            contract=contract.id,
            kind="visit",
            at=datetime.now(UTC) - timedelta(days=1),
            minutes=90,
        )
    return url, admin, str(rep.id), str(contract.id)


def _run(url: str, actor: str, *args: str) -> list[str]:
    return ["--database-url", url, "--actor", actor, *args]


def test_balance_and_statement_in_json(
    ledgers: tuple[str, str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin, _, _ = ledgers
    assert main(_run(url, admin, "--json", "points", "balance", TAX, "--program", "TEMIZ")) == 0
    assert json.loads(capsys.readouterr().out)["balance"] == 90
    today = date.today()
    args = ("points", "statement", TAX, "--program", "TEMIZ", "--from", str(today - timedelta(days=1)))
    assert main(_run(url, admin, "--json", *args)) == 0
    statement = json.loads(capsys.readouterr().out)
    assert statement["opening"] == 0 and statement["closing"] == 90
    assert [(e["kind"], e["points"], e["reason"]) for e in statement["entries"]] == [
        ("adjust", 120, "açılış"),
        ("adjust", -30, "düzeltme"),
    ]
    later = ("--from", str(today + timedelta(days=1)), "--to", str(today + timedelta(days=2)))
    assert main(_run(url, admin, "--json", "points", "statement", TAX, "--program", "TEMIZ", *later)) == 0
    assert json.loads(capsys.readouterr().out) | {"from": "", "to": ""} == {
        "program": "TEMIZ",
        "role": "customer",
        "party": TAX,
        "from": "",
        "to": "",
        "opening": 90,
        "entries": [],
        "closing": 90,
    }


def test_the_statement_table_shows_opening_entries_and_closing(
    ledgers: tuple[str, str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin, _, _ = ledgers
    assert main(_run(url, admin, "points", "statement", TAX, "--program", "TEMIZ")) == 0
    table = capsys.readouterr().out
    assert "opening balance" in table and "açılış" in table and "-30" in table and "closing balance" in table


def test_a_dismissed_employee_reads_nothing_and_bad_input_is_one_line(
    ledgers: tuple[str, str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _, rep, contract = ledgers
    assert main(_run(url, rep, "points", "balance", TAX, "--program", "TEMIZ")) == 1
    assert capsys.readouterr().err.startswith("crmkit: ")  # C8: dismissed
    assert main(_run(url, rep, "service", "remaining", contract)) == 1
    assert capsys.readouterr().err.startswith("crmkit: ")
    assert main(_run(url, rep, "points", "statement", TAX, "--program", "TEMIZ", "--from", "dün")) == 1
    assert capsys.readouterr().err.strip() == "crmkit: from: 'dün' is not a date (YYYY-MM-DD)"
    assert main(["--database-url", url, "points", "balance", TAX, "--program", "TEMIZ"]) == 1
    assert "CRMKIT_ACTOR" in capsys.readouterr().err


def test_service_remaining_counts_the_ledger(
    ledgers: tuple[str, str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin, _, contract = ledgers
    assert main(_run(url, admin, "--json", "service", "remaining", contract)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["contract"] == contract
    assert (data["granted_minutes"], data["used_minutes"], data["remaining_minutes"]) == (240, 90, 150)
    assert data["remaining_hours"] == "2.50" and data["over_minutes"] == 0
    assert main(_run(url, admin, "service", "remaining", contract)) == 0
    assert "remaining_hours" in capsys.readouterr().out
