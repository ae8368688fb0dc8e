"""An invoice keeps the date written on it on every back end (SPEC §7 V1; issue 11 item 3).

Fails on the code before issue 11: SQL storage gave ``issued_at`` back in UTC, so an
invoice issued between local midnight and 03:00 Istanbul time — or with no issue time,
which is local midnight — read back with the previous day, and the previous month
on the first of a month.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from crmkit.adapters.invoices.ubl import parse_invoice
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.invoices.test_import import World, make_world


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> World:
    return make_world(storage, clock, ids, [])


@pytest.mark.parametrize(
    ("time_element", "offset"),
    [
        ("", timedelta(hours=3)),  # no issue time: local midnight
        ("<cbc:IssueTime>00:30:00</cbc:IssueTime>", timedelta(hours=3)),
        ("<cbc:IssueTime>02:59:59.999</cbc:IssueTime>", timedelta(hours=3)),
        ("<cbc:IssueTime>01:00:00+05:00</cbc:IssueTime>", timedelta(hours=5)),
    ],
)
def test_v1_an_early_morning_invoice_keeps_its_date_and_month_on_every_back_end(
    world: World, tmp_path: Path, samples: Path, time_element: str, offset: timedelta
) -> None:
    text = (samples / "Good_TemelFatura.xml").read_text(encoding="utf-8")
    text = text.replace(
        "<cbc:IssueDate>2026-01-05</cbc:IssueDate>", "<cbc:IssueDate>2026-03-01</cbc:IssueDate>"
    )
    text = text.replace("<cbc:IssueTime>14:42:00</cbc:IssueTime>", time_element)
    (tmp_path / "early.xml").write_text(text, encoding="utf-8")
    report = world.crm.invoices.import_from(f"ubl-tr://{tmp_path / 'early.xml'}", actor=world.admin.id)
    assert report.imported == 1, report.rejected
    parsed, _ = parse_invoice(text.encode(), where="early.xml")
    stored = world.crm.invoices.get(parsed.id, actor=world.admin.id)
    assert stored.issue_date == date(2026, 3, 1)  # not 28 February
    assert (stored.issued_at.year, stored.issued_at.month) == (2026, 3)
    assert stored.issued_at.utcoffset() == offset
    assert stored.issued_at == parsed.issued_at
