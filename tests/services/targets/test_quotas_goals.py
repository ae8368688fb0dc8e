"""crm.targets quotas (Q2) and goals (Q3) on every back end: bad input refused, actuals measured."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.ids import DocumentId
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.domain.money import Money
from crmkit.domain.offers import Offer, OfferId
from crmkit.domain.points import Product
from crmkit.ports.invoices import SourceRecord
from crmkit.testing.factories import make_contact
from tests.services.territory.conftest import Org
from tests.services.territory.test_territory_services import World, build

IST = ZoneInfo("Europe/Istanbul")
SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="1111111111")


def _invoice(number: str, at: datetime, lines: list[tuple[str, str, str]], **extra: object) -> Invoice:
    items = tuple(
        InvoiceLine(
            number=n + 1,
            product_name=code,
            product_code=code,
            quantity=Decimal(qty),
            unit_price=Decimal(amount) / Decimal(qty),
            line_extension=Decimal(amount),
        )
        for n, (code, amount, qty) in enumerate(lines)
    )
    total = sum((i.line_extension for i in items), Decimal(0))
    return Invoice(
        id=invoice_id_for(SELLER.key, number),
        number=number,
        issued_at=at,
        seller=SELLER,
        buyer=InvoiceParty("Alıcı", tax_no="1234567890"),
        lines=items,
        totals=InvoiceTotals.of(total, payable=total),
        **{"currency": "TRY", **extra},  # type: ignore[arg-type]
    )


def _setup(org: Org) -> World:
    w = build(org)
    a = org.admin.id
    org.crm.customers.update(actor=a, id=w.kadikoy.id, tax_no="1234567890")
    org.crm.parties.set_parameters(
        actor=a, name="product_categories", values=["Boya", "Boya/İç cephe", "Vernik"]
    )
    org.crm.parties.set_parameters(actor=a, name="product_brands", values=["Marshall"])
    with org.crm.storage.unit_of_work() as uow:
        uow.points.put_products(
            [
                Product(code="P-1", category="Boya", brand="Marshall"),
                Product(code="P-2", category="Boya/İç cephe"),
                Product(code="P-3", category="Vernik", brand="Marshall"),
            ]
        )
        uow.commit()
    invoices = [
        _invoice("Q1", datetime(2026, 4, 10, tzinfo=IST), [("P-1", "100", "2"), ("P-2", "50", "1")]),
        _invoice("Q2", datetime(2026, 6, 30, 23, 30, tzinfo=IST), [("P-3", "10", "1"), ("P-1", "5", "1")]),
        _invoice("Q3", datetime(2026, 7, 1, tzinfo=IST), [("P-1", "900", "9")]),
        _invoice(
            "Q4",
            datetime(2026, 5, 1, tzinfo=IST),
            [("P-1", "2", "1")],
            currency="EUR",
            exchange_rate=Decimal("40"),
        ),
    ]
    records = [SourceRecord(cursor=str(n), location=f"t:{n}", invoice=i) for n, i in enumerate(invoices)]
    assert org.crm.invoices.import_records(records, actor=a).imported == 4
    return w


def test_q2_quotas_are_measured_by_product_category_brand_and_member(org: Org) -> None:
    w = _setup(org)
    t, a = org.crm.targets, org.admin.id
    q = dict(direction="sales", period="quarter", year=2026, index=2)
    t.add_quota(actor=a, scope="product", value="P-1", amount=Money(Decimal(200), "TRY"), **q)  # type: ignore[arg-type]
    t.add_quota(actor=a, scope="category", value="Boya", quantity=4, **q)  # type: ignore[arg-type]
    t.add_quota(actor=a, scope="brand", value="Marshall", amount=100, **q)  # type: ignore[arg-type]
    t.add_quota(actor=a, scope="member", value=str(w.kadikoy.id), amount=1, currency="EUR", **q)  # type: ignore[arg-type]
    t.add_quota(
        actor=a,
        scope="product",
        value="P-1",
        direction="purchasing",
        period="year",
        year=2026,
        index=1,
        amount=5,
    )
    found = {(r.quota.scope.value, r.quota.direction.value): r for r in t.quota_report(actor=a, year=2026)}
    product = found[("product", "sales")]
    assert product.amount == Decimal(185) and product.quantity == Decimal(
        4
    )  # 100 + 5 + 2 EUR × 40; July is Q3
    assert product.attainment == Decimal("0.925")
    assert found[("category", "sales")].quantity == Decimal(5)  # P-1 and P-2 lines of Q2
    assert found[("category", "sales")].amount == Decimal(235)
    assert found[("brand", "sales")].amount == Decimal(195)  # P-1 and P-3
    member = found[("member", "sales")]
    assert member.amount == Decimal(2) and len(member.missing_rates) == 2  # TRY into EUR: no rate
    assert found[("product", "purchasing")].amount is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": -1}, "amount"),
        ({"amount": Money(Decimal(10), "EUR")}, "currency"),
        ({"period": "quarter", "index": 5}, "index"),
        ({"period": "month", "index": 13}, "index"),
        ({"scope": "product", "value": "P-404"}, "value"),
        ({"scope": "category", "value": "Cila"}, "value"),
        ({"scope": "brand", "value": "Filli"}, "value"),
        ({"scope": "member", "value": "00000000-0000-4000-8000-000000000000"}, "value"),
        ({"direction": "both"}, "direction"),
    ],
)
def test_q2_bad_quotas_are_refused_naming_the_field_and_nothing_is_stored(
    org: Org, changes: dict[str, object], field: str
) -> None:
    _setup(org)
    fields: dict[str, object] = dict(
        scope="product", value="P-1", direction="sales", period="year", year=2026, index=1, amount=10
    )
    fields.update(changes)
    with pytest.raises(ValidationError) as error:
        org.crm.targets.add_quota(actor=org.admin.id, **fields)  # type: ignore[arg-type]
    assert error.value.field == field
    assert org.crm.targets.quotas(actor=org.admin.id) == []


def test_q3_goals_are_counted_refused_when_bad_and_not_set_by_their_holder(org: Org) -> None:
    w = _setup(org)
    t, a = org.crm.targets, org.admin.id
    org.crm.territory.assign_owner(actor=a, company=w.kadikoy.id, rep=w.gulsen.id)
    goal = t.add_goal(
        actor=a,
        employee=w.gulsen.id,
        metric="new_customers",
        target=4,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    with org.crm.storage.unit_of_work() as uow:
        mine = [c for c in uow.companies.get_many([w.kadikoy.id, w.cankaya.id]).values()]
    expected = sum(1 for c in mine if c.sales_rep_id == w.gulsen.id and c.registered_at.year == 2026)
    assert expected >= 1
    [result] = t.goal_report(actor=a, employee=w.gulsen.id)
    assert result.goal == goal and result.actual == expected
    for bad, field in (
        ({"target": -1}, "target"),
        ({"end": date(2025, 1, 1)}, "end"),
        ({"metric": "x"}, "metric"),
    ):
        fields: dict[str, object] = dict(
            employee=w.gulsen.id, metric="visits", target=3, start=date(2026, 1, 1), end=date(2026, 3, 31)
        )
        fields.update(bad)
        with pytest.raises(ValidationError) as error:
            t.add_goal(actor=a, **fields)  # type: ignore[arg-type]
        assert error.value.field == field
    with pytest.raises(ValidationError) as error:
        t.add_goal(
            actor=a,
            employee=org.admin.id.hex[:8] + "-0000-4000-8000-000000000000",
            metric="visits",
            target=1,
            start=date(2026, 1, 1),
            end=date(2026, 1, 2),
        )
    assert error.value.field == "employee"
    with pytest.raises(PermissionDenied):
        t.add_goal(
            actor=w.mehmet.id,
            employee=w.mehmet.id,
            metric="visits",
            target=1,
            start=date(2026, 1, 1),
            end=date(2026, 1, 2),
        )
    assert len(t.goals(actor=a)) == 1


def test_q1_q5_category_brand_branch_and_member_category_plans_are_credited(org: Org) -> None:
    w = _setup(org)
    t, a = org.crm.targets, org.admin.id

    def plan(kind: str, amounts: dict[str, object]) -> object:
        return t.add_plan(actor=a, name=kind, year=2026, currency="TRY", scope_type=kind, amounts=amounts)

    categories = t.report(actor=a, plan=plan("product_category", {"Boya": Decimal(1200)}).id)  # type: ignore[attr-defined]
    boya, inner = categories.row("Boya"), categories.row("Boya/İç cephe")
    assert boya.month(4).actual == Decimal(150) and inner.month(4).actual == Decimal(50)  # rolled up the tree
    assert boya.source.value == "own" and inner.source.value == "none"
    assert categories.row("Vernik").month(6).actual == Decimal(10)
    brands = t.report(actor=a, plan=plan("product_brand", {"Marshall": Decimal(1200)}).id)  # type: ignore[attr-defined]
    assert [brands.row("Marshall").month(m).actual for m in (4, 5, 6)] == [
        Decimal(100),
        Decimal(80),
        Decimal(15),
    ]
    branches = t.report(actor=a, plan=plan("branch", {"İstanbul": Decimal(1200)}).id)  # type: ignore[attr-defined]
    assert branches.row("İstanbul").month(4).actual == Decimal(150)  # Kadıköy: M-01, team İstanbul, Marmara
    org.crm.parties.set_parameters(actor=a, name="company_categories", values=["Eczane"])
    org.crm.customers.update(actor=a, id=w.kadikoy.id, category="Eczane")  # after the import: recredited
    members = t.report(actor=a, plan=plan("member_category", {"Eczane": Decimal(1200)}).id)  # type: ignore[attr-defined]
    assert members.row("Eczane").year().actual == Decimal(150 + 80 + 15 + 900)
    with pytest.raises(ValidationError) as error:
        plan("branch", {"Ankara": Decimal(1)})
    assert error.value.field == "scope"


def test_q3_an_offers_sent_goal_counts_the_offers_the_employee_sent_in_its_days(org: Org) -> None:
    w = _setup(org)
    t, a = org.crm.targets, org.admin.id
    goal = t.add_goal(
        actor=a,
        employee=w.gulsen.id,
        metric="offers_sent",
        target=4,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
    )
    contact = make_contact(company_id=w.kadikoy.id)
    sent = [  # by whom, when (Istanbul): the goal's days run 1 March 00:00 to 1 April 00:00
        (w.gulsen.id, datetime(2026, 3, 1, 0, 0, tzinfo=IST)),
        (w.gulsen.id, datetime(2026, 3, 31, 23, 59, tzinfo=IST)),
        (w.gulsen.id, datetime(2026, 4, 1, 0, 0, tzinfo=IST)),
        (w.gulsen.id, datetime(2026, 2, 28, 23, 59, tzinfo=IST)),
        (w.mehmet.id, datetime(2026, 3, 10, tzinfo=IST)),
    ]
    with org.crm.storage.unit_of_work() as uow:
        uow.contacts.add(contact)
        for n, (by, at) in enumerate(sent):
            uow.offers.add(
                Offer(
                    id=OfferId(uuid.uuid4()),
                    company_id=w.kadikoy.id,
                    contact_id=contact.id,
                    template_id=DocumentId(uuid.uuid4()),
                    sent_by=by,
                    sent_at=at,
                    message_key=f"dispatch:{n}",
                )
            )
        uow.commit()
    [result] = t.goal_report(actor=a, employee=w.gulsen.id)
    assert result.goal == goal and result.actual == 2 and result.attainment == Decimal("0.5")


def test_q1_q5_a_plan_can_set_quantity_targets_and_its_quantity_report_counts_the_lines(org: Org) -> None:
    w = _setup(org)
    t, a = org.crm.targets, org.admin.id
    units = [Decimal(2)] * 12
    teams = t.add_plan(
        actor=a,
        name="Adet",
        year=2026,
        currency="TRY",
        scope_type="team",
        amounts={str(w.ist.id): Decimal(1200)},
        quantities={str(w.ist.id): units, str(w.ank.id): [Decimal(1)] * 12},  # Ankara: quantities only
    )
    assert teams.line(str(w.ank.id)).amounts == (Decimal(0),) * 12  # type: ignore[union-attr]
    report = t.quantity_report(actor=a, plan=teams.id)
    ist = report.row(str(w.ist.id))
    # April: P-1 × 2 and P-2 × 1; May: the EUR line counts without a rate; 30 June 23:30 Istanbul is June
    assert [ist.month(m).actual for m in (4, 5, 6, 7)] == [Decimal(3), Decimal(1), Decimal(2), Decimal(9)]
    assert ist.month(4).target == Decimal(2) and ist.month(4).attainment == Decimal("1.5")
    assert ist.year().actual == Decimal(15) and report.row(str(w.ank.id)).year().target == Decimal(12)
    assert t.report(actor=a, plan=teams.id).row(str(w.ist.id)).month(4).actual == Decimal(150)  # amounts
    assert {r.scope for r in t.quantity_report(actor=w.ibrahim.id, plan=teams.id).rows} == {str(w.ank.id)}
    categories = t.add_plan(
        actor=a,
        name="Boya adet",
        year=2026,
        currency="TRY",
        scope_type="product_category",
        amounts={},
        quantities={"Boya": units},
    )
    by_category = t.quantity_report(actor=a, plan=categories.id)
    assert by_category.row("Boya").month(4).actual == Decimal(3)  # P-2 is under Boya/İç cephe
    assert by_category.row("Boya/İç cephe").month(4).actual == Decimal(1)
    revised = t.revise_plan(actor=a, plan=teams.id, amounts={}, quantities={str(w.ist.id): [Decimal(5)] * 12})
    line = revised.line(str(w.ist.id))
    assert line is not None and line.year == Decimal(1200) and line.quantities == (Decimal(5),) * 12
    assert t.plan(actor=a, plan=teams.id).line(str(w.ist.id)).quantities == tuple(units)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "quantities",
    [[Decimal(-1)] + [Decimal(1)] * 11, [Decimal(1)] * 11, Decimal(12)],
    ids=["negative", "eleven", "one"],
)
def test_q1_bad_quantity_targets_name_the_field_and_store_nothing(org: Org, quantities: object) -> None:
    w = _setup(org)
    with pytest.raises(ValidationError) as error:
        org.crm.targets.add_plan(
            actor=org.admin.id,
            name="Kötü",
            year=2026,
            currency="TRY",
            scope_type="team",
            amounts={},
            quantities={str(w.ist.id): quantities},  # type: ignore[dict-item]
        )
    assert error.value.field == "quantities"
    assert org.crm.targets.plans(actor=org.admin.id) == []


@pytest.mark.parametrize(
    ("scope_type", "value"),
    [
        ("sales_region", "00000000-0000-4000-8000-00000000abcd"),
        ("employee", "00000000-0000-4000-8000-00000000abcd"),
        ("customer", "00000000-0000-4000-8000-00000000abcd"),
        ("micro_region", "Z-99"),
        ("product_category", "Cila"),
        ("product_brand", "Filli"),
        ("member_category", "Yok"),
        ("branch", "Ankara"),
    ],
)
def test_q1_a_scope_value_that_does_not_exist_is_refused_for_every_scope_type(
    org: Org, scope_type: str, value: str
) -> None:
    _setup(org)
    with pytest.raises(ValidationError) as error:
        org.crm.targets.add_plan(
            actor=org.admin.id,
            name="Yok",
            year=2026,
            currency="TRY",
            scope_type=scope_type,
            amounts={value: Decimal(1200)},
        )
    assert error.value.field == "scope"
    assert org.crm.targets.plans(actor=org.admin.id) == []
