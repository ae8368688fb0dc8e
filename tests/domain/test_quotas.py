"""Plans, distributions, quotas, goals and who may edit them (Q1–Q3), and the report arithmetic (Q5)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.employees import Employee
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.plan_actual import Credit, MissingRate, TargetSource, build_report, convert
from crmkit.domain.quotas import Goal, GoalId, Plan, PlanId, PlanLine, Quota, QuotaId, may_edit_target, spread
from crmkit.domain.territory import TeamId

NOW = datetime(2026, 1, 1, tzinfo=UTC)

cents = st.integers(0, 10**12).map(lambda c: Decimal(c) / 100)


@st.composite
def percentages(draw: st.DrawFn) -> list[Decimal]:
    """Twelve non-negative percentages with two decimals totalling exactly 100."""
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=11, max_size=11)))
    edges = [0, *cuts, 10_000]
    return [Decimal(b - a) / 100 for a, b in itertools.pairwise(edges)]


@given(total=cents, weights=st.none() | percentages())
def test_q1_spread_sums_exactly_and_is_largest_remainder(
    total: Decimal, weights: list[Decimal] | None
) -> None:
    months = spread(total, "TRY", weights)
    assert len(months) == 12 and sum(months) == total
    share = [total * (w if weights else Decimal(100) / 12) / 100 for w in (weights or [Decimal(1)] * 12)]
    for month, exact in zip(months, share, strict=True):
        assert month >= 0 and abs(month - exact) < Decimal("0.01")
        assert month == month.quantize(Decimal("0.01"))
    # largest remainder: a month rounded up never has a smaller remainder than one rounded down
    up = [
        exact - int(exact * 100) / Decimal(100) for m, exact in zip(months, share, strict=True) if m > exact
    ]
    down = [
        exact - int(exact * 100) / Decimal(100) for m, exact in zip(months, share, strict=True) if m < exact
    ]
    if up and down:
        assert min(up) >= max(down)


def test_q1_spread_refuses_bad_distributions_and_negative_totals() -> None:
    with pytest.raises(ValidationError) as bad:
        spread(Decimal(100), "TRY", [Decimal(10)] * 12)
    assert bad.value.field == "percentages"
    with pytest.raises(ValidationError) as short:
        spread(Decimal(100), "TRY", [Decimal(50), Decimal(50)])
    assert short.value.field == "percentages"
    with pytest.raises(ValidationError) as negative:
        spread(Decimal(-1), "TRY")
    assert negative.value.field == "total"
    assert spread(Decimal(1000), "JPY")[0] == Decimal(84)  # 1000 yen: no minor unit, 84 × 4 + 83 × 8


def _plan(**kw: object) -> Plan:
    fields: dict[str, object] = {
        "id": PlanId(uuid.uuid4()),
        "name": "2026 bölge planı",
        "year": 2026,
        "currency": "TRY",
        "scope_type": "team",
        "lines": (PlanLine(scope="T", amounts=["100"] * 12),),
        "created_at": NOW,
    }
    fields.update(kw)
    return Plan(**fields)  # type: ignore[arg-type]  # test builds the fields dynamically


def test_q1_a_plan_is_twelve_non_negative_months_and_the_year_is_their_sum() -> None:
    plan = _plan()
    assert plan.lines[0].year == Decimal(1200) and plan.lines[0].amounts[0] == Decimal(100)
    with pytest.raises(ValidationError) as negative:
        _plan(lines=(PlanLine(scope="T", amounts=["-1"] + ["0"] * 11),))
    assert negative.value.field == "amounts"
    with pytest.raises(ValidationError) as eleven:
        PlanLine(scope="T", amounts=["1"] * 11)
    assert eleven.value.field == "amounts"
    with pytest.raises(ValidationError) as places:
        _plan(lines=(PlanLine(scope="T", amounts=["0.001"] * 12),))
    assert places.value.field == "amounts"
    with pytest.raises(ValidationError) as scope_type:
        _plan(scope_type="planet")
    assert scope_type.value.field == "scope_type"
    with pytest.raises(ValidationError) as currency:
        _plan(currency="XXX1")
    assert currency.value.field == "currency"


def test_q2_q3_quota_periods_and_goals_are_checked() -> None:
    quota = Quota(
        id=QuotaId(uuid.uuid4()),
        scope="brand",
        value="Arçelik",
        direction="sales",
        period="quarter",
        year=2026,
        index=4,
        amount=Decimal(5),
    )
    assert quota.period.value == "quarter"
    with pytest.raises(ValidationError) as index:
        Quota(
            id=QuotaId(uuid.uuid4()),
            scope="brand",
            value="X",
            direction="sales",
            period="quarter",
            year=2026,
            index=5,
            amount=Decimal(5),
        )
    assert index.value.field == "index"
    with pytest.raises(ValidationError) as none:
        Quota(
            id=QuotaId(uuid.uuid4()),
            scope="product",
            value="X",
            direction="purchasing",
            period="year",
            year=2026,
            index=1,
        )
    assert none.value.field == "amount"
    goal = Goal(
        id=GoalId(uuid.uuid4()),
        employee_id=EmployeeId(uuid.uuid4()),
        metric="visits",
        target=20,
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
    )
    assert goal.metric.value == "visits"
    with pytest.raises(ValidationError) as backwards:
        Goal(
            id=GoalId(uuid.uuid4()),
            employee_id=goal.employee_id,
            metric="visits",
            target=1,
            start=date(2026, 2, 1),
            end=date(2026, 1, 1),
        )
    assert backwards.value.field == "end"


def _employee(position: str) -> Employee:
    return Employee(id=EmployeeId(uuid.uuid4()), name=position, position=position, hired_at=NOW)


def test_q1_admins_edit_every_target_managers_their_teams_but_not_their_own() -> None:
    admin, manager, rep = _employee("admin"), _employee("manager"), _employee("employee")
    team, other = TeamId(uuid.uuid4()), TeamId(uuid.uuid4())
    led = frozenset({team})
    assert may_edit_target(
        admin, subject=None, subject_teams=frozenset({other}), led_teams=frozenset(), at=NOW
    )
    assert may_edit_target(manager, subject=rep.id, subject_teams=led, led_teams=led, at=NOW)
    assert not may_edit_target(manager, subject=None, subject_teams=frozenset({other}), led_teams=led, at=NOW)
    own = may_edit_target(manager, subject=manager.id, subject_teams=led, led_teams=led, at=NOW)
    assert not own and "own" in own.reason
    assert not may_edit_target(rep, subject=None, subject_teams=led, led_teams=led, at=NOW)
    assert not may_edit_target(manager, subject=None, subject_teams=frozenset(), led_teams=led, at=NOW)


def test_q5_conversion_uses_the_invoice_rate_and_reports_what_it_cannot_convert() -> None:
    credits = [
        Credit("A", 1, "TRY", None, Decimal(100)),
        Credit("A", 1, "EUR", Decimal(35), Decimal(2)),
        Credit("A", 2, "EUR", None, Decimal(3)),
        Credit("B", 2, "USD", Decimal(30), Decimal(1)),
    ]
    actuals, missing = convert(credits, "TRY")
    assert actuals == {("A", 1): Decimal(170), ("B", 2): Decimal(30)}
    assert missing == (MissingRate("A", 2, "EUR", Decimal(3)),)
    in_euro, gaps = convert(credits, "EUR")
    assert in_euro == {("A", 1): Decimal(2), ("A", 2): Decimal(3)} and {g.currency for g in gaps} == {
        "TRY",
        "USD",
    }


def test_q5_roll_up_periods_and_projection() -> None:
    plan = _plan(
        scope_type="sales_region",
        lines=(PlanLine(scope="left", amounts=["10"] * 12), PlanLine(scope="right", amounts=["20"] * 12)),
    )
    parents: dict[str, str | None] = {"top": None, "left": "top", "right": "top"}
    actuals = {
        ("left", 1): Decimal(5),
        ("right", 1): Decimal(30),
        ("top", 2): Decimal(1),
        ("left", 3): Decimal(7),
    }
    report = build_report(plan, actuals, parents=parents)
    top = report.row("top")
    assert top.source is TargetSource.CHILDREN and report.row("left").source is TargetSource.OWN
    assert top.month(1).target == Decimal(30) and top.month(1).actual == Decimal(35)
    assert top.quarter(1).actual == Decimal(43) and top.year().target == Decimal(360)
    assert top.ytd(2).actual == Decimal(36) and top.projection(2) == Decimal(216)
    assert report.row("left").month(1).attainment == Decimal("0.5")
    assert report.row("right").month(1).variance == Decimal(10)
    mine = build_report(plan, actuals, parents=parents, visible=frozenset({"left"}))
    assert [r.scope for r in mine.rows] == ["left"]
