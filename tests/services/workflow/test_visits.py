"""I11 visit cost: vehicle, km, hours priced at the dated rates; cost per customer vs revenue (A3, A8)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.invoices import (
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
)
from crmkit.domain.money import Money
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

TAX_NO = "9205121120"


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    crm, admin, rep = built.crm, built.people["admin"], built.people["employee"]
    built.companies["buyer"] = crm.parties.register_company(
        actor=admin.id, name="Moda Kozmetik", type="customer", micro_region="M-01", tax_no=TAX_NO
    )
    jan, mar10 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    crm.service.set_rate(actor=admin.id, valid_from=jan, amount=Money("300", "TRY"), technician=rep.id)
    for start, per_km in ((jan, "4.5"), (mar10, "6")):
        crm.service.set_rate(
            actor=admin.id, valid_from=start, amount=Money(per_km, "TRY"), vehicle="34 ABC 12",
            fuel_per_km=Money("2.25", "TRY"),
        )  # fmt: skip
    return built


def _invoice(n: int, day: int, amount: str, *, is_return: bool = False) -> Invoice:
    value = Decimal(amount)
    return Invoice(
        id=InvoiceId(uuid.UUID(int=500 + n)),
        number=f"ABC2026{n:09d}",
        issued_at=datetime(2026, 3, day, 10, tzinfo=UTC),
        currency="TRY",
        seller=InvoiceParty("Satıcı A.Ş.", tax_no="1111111111"),
        buyer=InvoiceParty("Moda Kozmetik", tax_no=TAX_NO),
        lines=(
            InvoiceLine(
                number=1, product_name="Sabun", quantity=Decimal(1), unit_price=value, line_extension=value
            ),
        ),
        totals=InvoiceTotals.of(value, payable=value),
        type_code="IADE" if is_return else "SATIS",
        references=(InvoiceReference("ABC2026000000001"),) if is_return else (),
    )


def test_visits_are_priced_at_the_rates_of_their_day_and_set_against_revenue(office: Office) -> None:
    """I11: cost = km × (rate + fuel) + hours × rate, dated; per customer vs net invoiced revenue."""
    crm, admin, rep, manager = (
        office.crm,
        office.people["admin"],
        office.people["employee"],
        office.people["manager"],
    )
    buyer = office.companies["buyer"].id
    first = crm.visits.record(
        actor=rep.id, company=buyer, km="42.5", hours="1.5", vehicle="34 ABC 12",
        visited_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    )  # fmt: skip
    assert (first.cost.labour, first.cost.travel) == (Money("450.00", "TRY"), Money("286.88", "TRY"))
    second = crm.visits.record(
        actor=rep.id, company=buyer, km=10, hours="0.5", vehicle="34 ABC 12",
        visited_at=datetime(2026, 3, 20, 9, tzinfo=UTC),
    )  # fmt: skip
    assert second.cost.total == Money("232.50", "TRY")  # 150 + 10 × (6 + 2.25): the rate from 10 March
    crm.service.set_rate(
        actor=admin.id,
        valid_from=datetime(2026, 3, 1, tzinfo=UTC),
        amount=Money("999", "TRY"),
        technician=rep.id,
    )
    assert crm.visits.for_company(actor=rep.id, company=buyer) == [second, first]  # priced once, kept
    crm.visits.record(actor=admin.id, company=office.companies["a01"].id, km=5, hours=1)
    with crm.storage.unit_of_work() as uow:
        uow.invoices.add_many([_invoice(1, 5, "10000"), _invoice(2, 6, "1000", is_return=True)])
        uow.commit()
    rows = crm.visits.costs(
        actor=manager.id, since=datetime(2026, 3, 1, tzinfo=UTC), until=datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert len(rows) == 1  # the A-01 visit is not his to see (A8)
    row = rows[0]
    assert (row.company_id, row.visits, row.minutes, row.km) == (buyer, 2, 120, Decimal("52.5"))
    assert (row.cost.labour, row.cost.travel) == (
        Money("600.00", "TRY"),
        Money("369.38", "TRY"),
    )  # rounded once
    assert row.revenue == Money("9000.00", "TRY")  # the return is netted
    assert row.cost_ratio == Decimal("0.1077")
    everyone = crm.visits.costs(
        actor=admin.id, since=datetime(2026, 3, 1, tzinfo=UTC), until=datetime(2026, 3, 10, tzinfo=UTC)
    )
    assert {r.company_id: r.visits for r in everyone} == {buyer: 1, office.companies["a01"].id: 1}


def test_bad_visits_store_nothing(office: Office) -> None:
    """I11 bad input names the field; the policy decides (A3, A5); nothing is stored."""
    crm, rep = office.crm, office.people["employee"]
    buyer = office.companies["buyer"].id
    for kw, field in (
        ({"km": "-1", "hours": 1}, "km"),
        ({"km": "1.0001", "hours": 1}, "km"),
        ({"km": 1, "hours": "0.001"}, "hours"),
        ({"km": 1, "hours": 1, "visited_at": datetime(2026, 3, 2, 9)}, "visited_at"),
        ({"km": 1, "hours": 1, "employee": office.people["departed"].id}, "employee"),
        ({"km": 1.5, "hours": 1}, "km"),
    ):
        with pytest.raises(ValidationError) as caught:
            crm.visits.record(actor=rep.id, company=buyer, **kw)
        assert caught.value.field == field
    with pytest.raises(PermissionDenied):
        crm.visits.record(actor=rep.id, company=office.companies["a01"].id, km=1, hours=1)
    with pytest.raises(ValidationError) as caught:
        crm.visits.costs(
            actor=rep.id, since=datetime(2026, 3, 1, tzinfo=UTC), until=datetime(2026, 3, 1, tzinfo=UTC)
        )
    assert caught.value.field == "until"
    assert crm.visits.for_company(actor=rep.id, company=buyer) == []
