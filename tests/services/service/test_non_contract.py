"""S4 for customers served without a contract: the cost of that work vs what was invoiced to them.

On every back end: the cost is man-hours × the technician's dated rate + km × the
vehicle's dated rate (+ fuel), summed in the storage; the invoiced amount is the
signed net of the imported invoices issued to the customer (matched by tax number)
in the period, returns counted against, foreign ones at their own rate, summed in
the storage — the same on memory and SQL. The office is ``tests/interactions``'.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crmkit.domain.errors import PermissionDenied
from crmkit.domain.money import Money
from crmkit.domain.periods import Period
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.contracts.targets import one_line_invoice
from tests.services.interactions.conftest import Office, build_office

IST = ZoneInfo("Europe/Istanbul")
M01_TAX, A01_TAX = "1234567890", "1234567808"


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Office]:
    yield build_office(storage, clock, ids)


def test_s4_cost_of_non_contract_customers_against_what_was_invoiced_to_them(office: Office) -> None:
    crm, admin, zeynep = office.crm, office.people["admin"].id, office.people["employee"].id
    m01, a01 = office.companies["m01"].id, office.companies["a01"].id
    crm.customers.update(actor=admin, id=m01, tax_no=M01_TAX)
    crm.customers.update(actor=admin, id=a01, tax_no=A01_TAX)
    s = crm.service
    s.create_contract(
        actor=admin,
        company=a01,
        title="Bakım",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=Money("1000", "TRY"),
        allowance_hours=10,
    )
    s.set_rate(
        actor=admin,
        valid_from=datetime(2026, 1, 1, tzinfo=IST),
        amount=Money("300", "TRY"),
        technician=zeynep,
    )
    s.set_rate(  # a dated rise: work from 10 March costs more
        actor=admin,
        valid_from=datetime(2026, 3, 10, tzinfo=IST),
        amount=Money("360", "TRY"),
        technician=zeynep,
    )
    s.set_rate(
        actor=admin,
        valid_from=datetime(2026, 1, 1, tzinfo=IST),
        amount=Money("5", "TRY"),
        vehicle="34 SRV 01",
        fuel_per_km=Money("2.5", "TRY"),
    )
    visit: dict[str, Any] = dict(actor=admin, technician=zeynep, kind="visit", vehicle="34 SRV 01")
    s.log_work(**visit, company=m01, at=datetime(2026, 3, 3, 10, 0, tzinfo=IST), hours=2, km=40)  # 600 + 300
    s.log_work(
        **visit, company=m01, at=datetime(2026, 3, 12, 10, 0, tzinfo=IST), minutes=30, km="0.5"
    )  # 180 + 3.75
    s.log_work(**visit, company=m01, at=datetime(2026, 4, 2, 10, 0, tzinfo=IST), hours=5, km=10)  # April: out
    s.log_work(
        **visit, company=a01, at=datetime(2026, 3, 3, 14, 0, tzinfo=IST), hours=3, km=5
    )  # a contract's
    with crm.storage.unit_of_work() as uow:
        uow.invoices.add_many(
            [
                one_line_invoice("F1", datetime(2026, 3, 5, tzinfo=IST), "1000", tax_no=M01_TAX),
                one_line_invoice("F2", datetime(2026, 3, 10, tzinfo=IST), "100", tax_no=M01_TAX, kind="IADE"),
                one_line_invoice(
                    "F3", datetime(2026, 3, 11, tzinfo=IST), "10", currency="EUR", rate="35.5", tax_no=M01_TAX
                ),
                one_line_invoice(
                    "F4", datetime(2026, 3, 12, tzinfo=IST), "3", currency="USD", tax_no=M01_TAX
                ),
                one_line_invoice(
                    "F5", datetime(2026, 4, 1, 0, 0, tzinfo=IST), "999", tax_no=M01_TAX
                ),  # April
                one_line_invoice("F6", datetime(2026, 3, 5, tzinfo=IST), "5000", tax_no=A01_TAX),
            ]
        )
        uow.commit()
    [row] = s.non_contract_report(actor=admin, period=Period.month(2026, 3))
    assert row.company_id == m01
    assert row.minutes == 150
    assert (row.cost.labour, row.cost.travel) == (Money("780.00", "TRY"), Money("303.75", "TRY"))
    assert row.invoiced == Money("1255.00", "TRY")  # 1000 − 100 + 10 × 35.5
    assert row.unconverted == (("USD", Decimal(3)),)
    assert row.margin == Money("171.25", "TRY")
    with pytest.raises(PermissionDenied):
        s.non_contract_report(actor=zeynep, period=Period.month(2026, 3))


def test_s4_a_non_contract_customer_with_no_invoice_shows_its_whole_cost_as_a_loss(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"].id
    m01 = office.companies["m01"].id
    crm.service.set_rate(
        actor=admin, valid_from=datetime(2026, 1, 1, tzinfo=IST), amount=Money("120", "TRY"), technician=admin
    )
    crm.service.log_work(
        actor=admin, company=m01, kind="call", at=datetime(2026, 3, 2, 10, 0, tzinfo=IST), minutes=45
    )
    [row] = crm.service.non_contract_report(actor=admin, period=Period.month(2026, 3))
    assert (row.minutes, row.cost.total, row.invoiced) == (45, Money("90.00", "TRY"), Money("0", "TRY"))
    assert row.margin == Money("-90.00", "TRY")
    assert crm.service.non_contract_report(actor=admin, period=Period.month(2026, 2)) == []
