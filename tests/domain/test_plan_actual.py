"""The report's hot path equals the plain arithmetic it replaces, in value and in exponent (Q5).

``convert_summary`` sums summary rows in whole millionths instead of building a
credit and a ``Decimal`` per row; ``from_micros`` drops trailing zeros in integer
arithmetic; ``build_report`` skips the subtree walk for leaves. Each is held here
to the straightforward computation: the same numbers, shown with the same
decimal places (``Decimal('10.50')`` is not ``Decimal('10.5')`` in a printed report).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.actuals import from_micros
from crmkit.domain.plan_actual import (
    Cell,
    SummaryRow,
    build_report,
    convert,
    convert_summary,
    credits_of,
)
from crmkit.domain.quotas import MONTHS, Plan, PlanId, PlanLine

_MICRO = Decimal(1_000_000)
UUID = uuid.UUID(int=1)


def reference_from_micros(value: int, places: int = 2) -> Decimal:
    """The first ``from_micros``: divide, normalize, pad to ``places``."""
    exact = (Decimal(value) / _MICRO).normalize()
    least = Decimal(1).scaleb(-places)
    return exact.quantize(least) if exact.as_tuple().exponent > -places else exact  # type: ignore[operator]


def same(a: Decimal, b: Decimal) -> bool:
    """Equal and written alike (sign, digits, exponent)."""
    return a == b and a.as_tuple() == b.as_tuple()


micros = st.one_of(
    st.integers(-(10**15), 10**15),
    st.builds(lambda v, z: v * 10**z, st.integers(-(10**9), 10**9), st.integers(0, 8)),
)


@given(value=micros, places=st.integers(0, 8))
def test_q5_from_micros_equals_divide_and_normalize(value: int, places: int) -> None:
    assert same(from_micros(value, places), reference_from_micros(value, places))


rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.integers(1, 3),
        st.sampled_from(["TRY", "EUR", "USD"]),
        st.sampled_from([None, Decimal("38.5"), Decimal("1.234567"), Decimal("40"), Decimal("1")]),
        micros,
    ),
    max_size=20,
)


@given(summary=rows, currency=st.sampled_from(["TRY", "EUR"]))
def test_q5_convert_summary_equals_convert_of_the_credits(summary: list[SummaryRow], currency: str) -> None:
    actuals, missing = convert_summary(summary, currency)
    expected, expected_missing = convert(credits_of(summary), currency)
    assert actuals.keys() == expected.keys()
    assert all(same(actuals[k], expected[k]) for k in expected), (actuals, expected)
    assert missing == expected_missing


def test_q5_credits_of_orders_rows_and_shows_cents() -> None:
    summary: list[SummaryRow] = [
        ("b", 1, "TRY", None, 10_500_000),
        ("a", 2, "EUR", Decimal("38.5"), 1),
        ("a", 2, "EUR", None, -3_000_000),
    ]
    assert [(c.scope, c.month, c.rate, str(c.amount)) for c in credits_of(summary)] == [
        ("a", 2, None, "-3.00"),
        ("a", 2, Decimal("38.5"), "0.000001"),
        ("b", 1, None, "10.50"),
    ]


def _naive(plan: Plan, actuals: dict[tuple[str, int], Decimal]) -> dict[str, tuple[Cell, ...]]:
    """Each scope's cells of a flat plan, summed the long way."""
    scopes = {line.scope for line in plan.lines} | {s for s, _ in actuals}
    zero = (Decimal(0),) * MONTHS
    out = {}
    for scope in scopes:
        line = plan.line(scope)
        amounts = line.amounts if line is not None else zero
        out[scope] = tuple(
            Cell(amounts[m - 1], sum([actuals.get((scope, m), Decimal(0))], Decimal(0)))
            for m in range(1, MONTHS + 1)
        )
    return out


@given(summary=rows, planned=st.sets(st.sampled_from(["a", "b", "d"])))
def test_q5_a_flat_report_equals_the_cells_summed_the_long_way(
    summary: list[SummaryRow], planned: set[str]
) -> None:
    plan = Plan(
        id=PlanId(UUID),
        name="Plan",
        year=2026,
        currency="TRY",
        scope_type="team",
        lines=tuple(PlanLine(scope=s, amounts=[Decimal("1.50")] * MONTHS) for s in sorted(planned)),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    actuals, _ = convert_summary(summary, "TRY")
    report = build_report(plan, actuals)
    expected = _naive(plan, actuals)
    assert {row.scope: row.months for row in report.rows} == expected
    for row in report.rows:
        assert all(same(c.actual, e.actual) for c, e in zip(row.months, expected[row.scope], strict=True))
