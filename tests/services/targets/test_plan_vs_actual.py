"""crm.targets on every back end: plans, plan-vs-actual by the territory of each invoice date (Q1, Q5, T4)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.invoices import (
    Invoice,
)
from crmkit.domain.money import Money
from crmkit.domain.quotas import Plan
from crmkit.ports.invoices import SourceRecord
from crmkit.testing.contracts.targets import one_line_invoice
from tests.services.territory.conftest import Org
from tests.services.territory.test_territory_services import World, build

IST = ZoneInfo("Europe/Istanbul")
MONTHLY = [Decimal(1000)] * 12


def _import(org: Org, invoices: Sequence[Invoice]) -> None:
    """Through the invoice import, which keeps the monthly actuals summary (Q5)."""
    records = [
        SourceRecord(cursor=str(n), location=f"test:{n}", invoice=inv) for n, inv in enumerate(invoices)
    ]
    report = org.crm.invoices.import_records(records, actor=org.admin.id)
    assert report.imported == len(invoices), report.rejected


def _setup(org: Org) -> tuple[World, Plan]:
    w = build(org)
    org.crm.customers.update(actor=org.admin.id, id=w.kadikoy.id, tax_no="1234567890")
    plan = org.crm.targets.add_plan(
        actor=org.admin.id,
        name="2026",
        year=2026,
        currency="TRY",
        scope_type="team",
        amounts={str(w.ist.id): MONTHLY, str(w.ank.id): Decimal(12000)},
    )
    return w, plan


def test_q5_an_invoice_at_2330_on_31_march_istanbul_lands_in_march(org: Org) -> None:
    w, plan = _setup(org)
    _import(
        org,
        [
            one_line_invoice("A1", datetime(2026, 3, 31, 23, 30, tzinfo=IST), "100"),
            one_line_invoice("A2", datetime(2026, 4, 1, 0, 30, tzinfo=IST), "40"),
            one_line_invoice("A3", datetime(2025, 12, 31, 23, 59, tzinfo=IST), "7"),
        ],
    )
    row = org.crm.targets.report(actor=org.admin.id, plan=plan.id).row(str(w.ist.id))
    assert [row.month(m).actual for m in (3, 4, 1)] == [Decimal(100), Decimal(40), Decimal(0)]
    assert row.month(3).target == Decimal(1000) and row.month(3).attainment == Decimal("0.1")
    assert row.year().actual == Decimal(140) and row.quarter(2).actual == Decimal(40)


def test_q5_t4_a_customer_moved_on_15_june_credits_the_old_team_before_and_the_new_after(org: Org) -> None:
    w, plan = _setup(org)
    org.crm.territory.move_customer(
        actor=org.admin.id, company=w.kadikoy.id, code="A-01", valid_from=datetime(2026, 6, 15, tzinfo=IST)
    )
    _import(
        org,
        [
            one_line_invoice("B1", datetime(2026, 6, 14, 23, 0, tzinfo=IST), "10"),
            one_line_invoice("B2", datetime(2026, 6, 15, 0, 0, tzinfo=IST), "20"),
            one_line_invoice("B3", datetime(2026, 6, 20, 12, 0, tzinfo=IST), "5", kind="IADE"),
        ],
    )
    report = org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    assert report.row(str(w.ist.id)).month(6).actual == Decimal(10)
    assert report.row(str(w.ank.id)).month(6).actual == Decimal(15)  # the return is netted


def test_q5_a_back_dated_territory_change_recomputes_the_affected_months(org: Org) -> None:
    w, plan = _setup(org)
    _import(org, [one_line_invoice(f"C{m}", datetime(2026, m, 10, tzinfo=IST), "100") for m in (4, 5, 6, 7)])
    before = org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    assert [before.row(str(w.ist.id)).month(m).actual for m in (4, 5, 6, 7)] == [Decimal(100)] * 4
    org.clock.set(datetime(2026, 7, 20, tzinfo=IST))
    org.crm.territory.move_code(
        actor=org.admin.id, code="M-01", team=w.ank.id, valid_from=datetime(2026, 5, 1, tzinfo=IST)
    )
    after = org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    assert [after.row(str(w.ist.id)).month(m).actual for m in (4, 5, 6, 7)] == [Decimal(100), 0, 0, 0]
    assert [after.row(str(w.ank.id)).month(m).actual for m in (4, 5, 6, 7)] == [0] + [Decimal(100)] * 3


def test_q5_foreign_currency_uses_the_invoice_rate_and_a_missing_rate_is_reported(org: Org) -> None:
    w, plan = _setup(org)
    _import(
        org,
        [
            one_line_invoice("D1", datetime(2026, 2, 1, tzinfo=IST), "10", currency="EUR", rate="35.5"),
            one_line_invoice("D2", datetime(2026, 2, 2, tzinfo=IST), "3", currency="USD"),
        ],
    )
    report = org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    assert report.row(str(w.ist.id)).month(2).actual == Decimal(355)
    [gap] = report.missing_rates
    assert (gap.scope, gap.month, gap.currency, gap.amount) == (str(w.ist.id), 2, "USD", Decimal(3))


def test_q5_a8_region_roll_up_and_who_sees_which_rows(org: Org) -> None:
    w, _ = _setup(org)
    t = org.crm.targets
    plan = t.add_plan(
        actor=org.admin.id,
        name="Bölgeler",
        year=2026,
        currency="TRY",
        scope_type="sales_region",
        amounts={str(w.marmara.id): MONTHLY, str(w.central.id): MONTHLY},
    )
    _import(org, [one_line_invoice("E1", datetime(2026, 1, 10, tzinfo=IST), "300")])
    report = t.report(actor=org.admin.id, plan=plan.id)
    top = report.row(str(w.europe.id))
    assert top.source.value == "children" and top.month(1).target == Decimal(2000)
    assert top.month(1).actual == Decimal(300) and report.row(str(w.central.id)).month(1).actual == 0
    seen = {r.scope for r in t.report(actor=w.gulsen.id, plan=plan.id).rows}
    assert seen == {str(w.marmara.id)}
    teams = t.add_plan(
        actor=org.admin.id,
        name="Ekipler",
        year=2026,
        currency="TRY",
        scope_type="team",
        amounts={str(w.ist.id): MONTHLY, str(w.ank.id): MONTHLY},
    )
    assert {r.scope for r in t.report(actor=w.ibrahim.id, plan=teams.id).rows} == {str(w.ank.id)}
    assert {r.scope for r in t.report(actor=w.mehmet.id, plan=teams.id).rows} == {
        str(w.ist.id),
        str(w.ank.id),
    }


def test_q1_bad_input_names_the_field_and_stores_nothing(org: Org) -> None:
    w, plan = _setup(org)
    t, a = org.crm.targets, org.admin.id
    cases = [
        ({"amounts": {str(w.ist.id): [Decimal(-1), *MONTHLY[1:]]}}, "amounts"),
        ({"amounts": {str(w.ist.id): Decimal(1200)}, "percentages": [Decimal(8)] * 12}, "percentages"),
        ({"amounts": {str(w.ist.id): Money(Decimal(5), "EUR")}}, "currency"),
        ({"amounts": {"00000000-0000-4000-8000-0000000fffff": MONTHLY}}, "scope"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as bad:
            t.add_plan(actor=a, name="Kötü", year=2026, currency="TRY", scope_type="team", **extra)  # type: ignore[arg-type]
        assert bad.value.field == field
    with pytest.raises(ValidationError) as missing:
        t.report(actor=a, plan="00000000-0000-4000-8000-0000000fffff")
    assert missing.value.field == "plan"
    assert [p.id for p in t.plans(actor=a)] == [plan.id]
    with pytest.raises(PermissionDenied):
        t.add_plan(
            actor=w.gulsen.id,
            name="Kendim",
            year=2026,
            currency="TRY",
            scope_type="employee",
            amounts={str(w.gulsen.id): MONTHLY},
        )


def test_q1_a_revised_plan_keeps_the_old_version_readable(org: Org) -> None:
    w, plan = _setup(org)
    t, a = org.crm.targets, org.admin.id
    revised = t.revise_plan(
        actor=a,
        plan=plan.id,
        amounts={str(w.ist.id): Decimal(2400)},
        percentages=[Decimal(10)] * 6 + [Decimal("6.67"), Decimal("6.67"), Decimal("6.66")] * 2,
    )
    assert revised.revision == 2 and revised.supersedes == plan.id
    assert t.plan(actor=a, plan=plan.id).line(str(w.ist.id)) == plan.line(str(w.ist.id))
    assert t.plan(actor=a, plan=revised.id).line(str(w.ist.id)).year == Decimal(2400)  # type: ignore[union-attr]
    assert [p.revision for p in t.plans(actor=a, year=2026)] == [1, 2]


def test_q6_sales_per_rep_and_department_credit_the_owner_of_each_invoice_date(org: Org) -> None:
    w, _ = _setup(org)
    t, a = org.crm.territory, org.admin.id
    t.add_member(actor=a, team=w.ist.id, employee=w.ibrahim.id)
    t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.ibrahim.id)
    t.assign_owner(
        actor=a, company=w.kadikoy.id, rep=w.gulsen.id, valid_from=datetime(2026, 5, 1, tzinfo=IST)
    )
    _import(
        org,
        [
            one_line_invoice("F1", datetime(2026, 4, 30, 23, 0, tzinfo=IST), "100"),
            one_line_invoice("F2", datetime(2026, 5, 2, tzinfo=IST), "70"),
            one_line_invoice("F3", datetime(2026, 5, 3, tzinfo=IST), "20", kind="IADE"),
            one_line_invoice("F4", datetime(2026, 7, 1, tzinfo=IST), "999"),
        ],
    )
    start, end = datetime(2026, 4, 1, tzinfo=IST), datetime(2026, 7, 1, tzinfo=IST)
    sales = org.crm.targets.sales_by_rep(actor=a, start=start, end=end)
    assert sales.by_rep == {w.ibrahim.id: Decimal(100), w.gulsen.id: Decimal(50)}
    assert sum(sales.by_department.values()) == Decimal(150)
    mine = org.crm.targets.sales_by_rep(actor=w.gulsen.id, start=start, end=end)
    assert mine.by_rep == {w.gulsen.id: Decimal(50)}
    with pytest.raises(ValidationError) as bad:
        org.crm.targets.sales_by_rep(actor=a, start=end, end=start)
    assert bad.value.field == "end"


def test_v9_pareto_names_the_fewest_customers_making_80_percent_of_revenue(org: Org) -> None:
    w, _ = _setup(org)
    a = org.admin.id
    org.crm.customers.update(actor=a, id=w.cankaya.id, tax_no="3344556677")
    _import(
        org,
        [
            one_line_invoice("G1", datetime(2026, 2, 1, tzinfo=IST), "700"),
            one_line_invoice("G2", datetime(2026, 2, 2, tzinfo=IST), "350", tax_no="3344556677"),
            one_line_invoice("G3", datetime(2026, 2, 3, tzinfo=IST), "50", tax_no="3344556677", kind="IADE"),
        ],
    )
    start, end = datetime(2026, 1, 1, tzinfo=IST), datetime(2027, 1, 1, tzinfo=IST)
    result = org.crm.targets.pareto(actor=a, start=start, end=end)
    assert result.ranked == ((w.kadikoy.id, Decimal(700)), (w.cankaya.id, Decimal(300)))
    assert result.top == (w.kadikoy.id, w.cankaya.id) and result.total == Decimal(1000)
    assert org.crm.targets.pareto(actor=a, start=start, end=end, share=Decimal("0.7")).top == (w.kadikoy.id,)
    with pytest.raises(PermissionDenied):
        org.crm.targets.pareto(actor=w.mehmet.id, start=start, end=end)
    with pytest.raises(ValidationError) as bad:
        org.crm.targets.pareto(actor=a, start=start, end=end, share=Decimal("1.5"))
    assert bad.value.field == "share"


def test_c12_entering_and_revising_a_plan_writes_audit_entries(org: Org) -> None:
    _, plan = _setup(org)
    revised = org.crm.targets.revise_plan(actor=org.admin.id, plan=plan.id, amounts={})
    with org.crm.storage.unit_of_work() as uow:
        first = uow.audit.for_record("plan", str(plan.id))
        second = uow.audit.for_record("plan", str(revised.id))
    assert [(e.action, e.actor_id, e.version) for e in first] == [("create", str(org.admin.id), 1)]
    assert [(e.action, e.version) for e in second] == [("create", 2)]
    fields = {c.field: c.new for c in second[0].changes}
    assert fields["supersedes"] == str(plan.id) and fields["name"] == "2026"


def test_q1_q3_a_manager_edits_the_targets_of_the_teams_he_leads_only_and_never_his_own(org: Org) -> None:
    w, plan = _setup(org)
    t, a = org.crm.targets, org.admin.id
    zeynep = org.crm.parties.hire(actor=a, name="Zeynep Arslan", position="manager")
    org.crm.territory.add_member(actor=a, team=w.ank.id, employee=zeynep.id, role="manager")
    org.crm.territory.add_member(actor=a, team=w.ist.id, employee=zeynep.id)  # a member there, not leading
    mine = t.add_plan(
        actor=zeynep.id,
        name="Ankara",
        year=2026,
        currency="TRY",
        scope_type="team",
        amounts={str(w.ank.id): MONTHLY},
    )
    rep = t.add_plan(
        actor=zeynep.id,
        name="İbrahim",
        year=2026,
        currency="TRY",
        scope_type="employee",
        amounts={str(w.ibrahim.id): MONTHLY},
    )
    refused = [
        ("team", {str(w.ist.id): MONTHLY}),  # she does not lead İstanbul
        ("team", {str(w.ank.id): MONTHLY, str(w.ist.id): MONTHLY}),  # nor half of it
        ("employee", {str(w.gulsen.id): MONTHLY}),  # Gülşen is in İstanbul only
        ("employee", {str(zeynep.id): MONTHLY}),  # her own target
    ]
    for kind, amounts in refused:
        with pytest.raises(PermissionDenied):
            t.add_plan(
                actor=zeynep.id, name="Hayır", year=2026, currency="TRY", scope_type=kind, amounts=amounts
            )
    with pytest.raises(PermissionDenied):
        t.revise_plan(actor=zeynep.id, plan=plan.id, amounts={str(w.ist.id): MONTHLY})  # İstanbul's line
    assert [p.id for p in t.plans(actor=a)] == [plan.id, mine.id, rep.id]
    t.add_goal(
        actor=zeynep.id,
        employee=w.ibrahim.id,
        metric="visits",
        target=5,
        start=date(2026, 1, 1),
        end=date(2026, 1, 31),
    )
    with pytest.raises(PermissionDenied):
        t.add_goal(
            actor=zeynep.id,
            employee=w.gulsen.id,
            metric="visits",
            target=5,
            start=date(2026, 1, 1),
            end=date(2026, 1, 31),
        )
    assert [g.employee_id for g in t.goals(actor=a)] == [w.ibrahim.id]
