"""Point rules, the ledger's lots and the point policy as pure functions (§7 V3, V4, V8; A2, A8)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.access import Decision
from crmkit.domain.employees import Employee
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.point_ledger import EntryKind, InsufficientPoints, LedgerEntry, allocate, lots, spendable
from crmkit.domain.point_policy import may_configure_points, may_use_points
from crmkit.domain.points import (
    Basis,
    Campaign,
    PartyRef,
    PointRule,
    Product,
    Program,
    Role,
    Serial,
    Target,
    Tier,
    check_serial,
    line_points,
    proportional,
    tier_for,
)

ON = date(2026, 5, 1)
UNIT = Program(code="P", name="P")
KOMBI = Product(code="K-24", category="KOMBI", brand="ISI")


def rule(target: Target, key: str, points: int | str, valid_from: date = date(2026, 1, 1)) -> PointRule:
    return PointRule(program="P", role=Role.CUSTOMER, target=target, key=key, points=Decimal(points),
                     valid_from=valid_from)  # fmt: skip


def pts(rules: list[PointRule], campaigns: list[Campaign] = [], tier: Decimal = Decimal(1)) -> int:  # noqa: B006
    return line_points(
        UNIT,
        rules,
        campaigns,
        Role.CUSTOMER,
        KOMBI,
        Decimal(3),
        Decimal(900),
        on=ON,
        dealer="S-1",
        tier_multiplier=tier,
    )


def test_v3_product_beats_category_beats_brand() -> None:
    """The product's own rule first, then its category, then its brand; none → nothing (V3)."""
    brand, category, product = (
        rule(Target.BRAND, "ISI", 1),
        rule(Target.CATEGORY, "KOMBI", 2),
        rule(Target.PRODUCT, "K-24", 3),
    )
    assert pts([brand]) == 3
    assert pts([brand, category]) == 6
    assert pts([brand, category, product]) == 9
    assert pts([rule(Target.PRODUCT, "OTHER", 5)]) == 0


def test_v3_the_rule_valid_on_the_invoice_date_applies() -> None:
    """A later version replaces an earlier one from its first day only (V3)."""
    old, new = rule(Target.PRODUCT, "K-24", 1), rule(Target.PRODUCT, "K-24", 4, date(2026, 5, 2))
    assert pts([old, new]) == 3
    later = date(2026, 5, 2)
    assert line_points(UNIT, [old, new], [], Role.CUSTOMER, KOMBI, Decimal(3), Decimal(0), on=later,
                       dealer=None) == 12  # fmt: skip


def test_v3_per_amount_counts_the_net_amount_and_rounds_down() -> None:
    """Points per currency unit of the line's net amount (before VAT), rounded down (V3)."""
    program = Program(code="P", name="P", basis=Basis.PER_AMOUNT)
    per_lira = rule(Target.AMOUNT, "*", "0.015")
    assert line_points(program, [per_lira], [], Role.CUSTOMER, KOMBI, Decimal(3), Decimal("999.99"), on=ON,
                       dealer=None) == 14  # fmt: skip


def test_v3_campaigns_multiply_in_their_range_for_their_targets_the_highest_counts() -> None:
    """A campaign applies between its days to its products, categories or dealers; the highest wins (V3)."""
    base = [rule(Target.PRODUCT, "K-24", 2)]

    def c(mult: int, **kw: tuple[str, ...]) -> Campaign:
        return Campaign(
            code=f"C{mult}",
            program="P",
            multiplier=Decimal(mult),
            starts=date(2026, 4, 1),
            ends=date(2026, 5, 1),
            **kw,
        )

    assert pts(base, [c(2, categories=("KOMBI",))]) == 12
    assert pts(base, [c(2, dealers=("S-1",)), c(3, products=("K-24",))]) == 18
    assert pts(base, [c(5, dealers=("S-9",))]) == 6
    late = Campaign(
        code="L", program="P", multiplier=Decimal(9), starts=date(2026, 5, 2), ends=date(2026, 6, 1)
    )
    assert pts(base, [late]) == 6
    assert pts(base, tier=Decimal("1.5")) == 9


def test_v8_tiers_by_threshold() -> None:
    """The highest tier whose threshold is reached (V8)."""
    silver = Tier(program="P", role=Role.CUSTOMER, name="Gümüş", threshold=100)
    gold = Tier(program="P", role=Role.CUSTOMER, name="Altın", threshold=500, multiplier=Decimal(2))
    assert tier_for([silver, gold], Role.CUSTOMER, 99) is None
    assert tier_for([silver, gold], Role.CUSTOMER, 100) == silver
    assert tier_for([silver, gold], Role.CUSTOMER, 900) == gold
    assert tier_for([silver, gold], Role.DEALER, 900) is None


@given(st.integers(0, 10_000), st.lists(st.integers(1, 20), min_size=1, max_size=6))
def test_v1_proportional_returns_add_up_and_never_exceed(earned: int, parts: list[int]) -> None:
    """Cumulative proportional reversal never exceeds earned and reaches it exactly at a full return (V1)."""
    sold = Decimal(sum(parts))
    returned, taken = Decimal(0), 0
    for part in parts:
        returned += part
        target = proportional(earned, returned, sold)
        assert taken <= target <= earned
        taken = target
    assert taken == earned


def entry(n: int, points: int, *, on: date = ON, expires: date | None = None, store: str | None = None,
          kind: EntryKind = EntryKind.EARN, lot: uuid.UUID | None = None) -> LedgerEntry:  # fmt: skip
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return LedgerEntry(id=uuid.UUID(int=n), key=f"k{n}", program="P", role=Role.CUSTOMER, party="1",
                       kind=kind, points=points, reason="r", source="s", on=on, recorded_at=at,
                       spendable_from=on if lot is None else None, expires_on=expires, store=store,
                       lot=lot)  # fmt: skip


def test_v8_redemption_takes_oldest_expiry_first_and_never_overdraws() -> None:
    """Lots expiring first go first, never-expiring ones last; more than spendable is refused (V8)."""
    never = entry(1, 10, on=date(2026, 1, 1))
    late = entry(2, 10, expires=date(2026, 12, 1))
    soon = entry(3, 10, on=date(2026, 4, 1), expires=date(2026, 6, 1))
    taken = allocate([never, late, soon], 25, ON, None)
    assert [(lot.id.int, n) for lot, n in taken] == [(3, 10), (2, 10), (1, 5)]
    with pytest.raises(InsufficientPoints) as error:
        allocate([never, late, soon], 31, ON, None)
    assert (error.value.field, error.value.available) == ("points", 30)
    with pytest.raises(ValidationError):
        allocate([never], 0, ON, None)


def test_v8_store_bound_lots_expired_lots_and_owed_points() -> None:
    """Other stores' and expired lots are not spendable; a lot taken below zero is owed (V8, seed 001)."""
    here, there = entry(1, 10, store="S-1"), entry(2, 10, store="S-2")
    assert spendable([here, there], ON, "S-1") == 10
    assert spendable([entry(3, 10, expires=ON)], ON) == 0
    spent = entry(4, 10)
    taken = [
        spent,
        entry(5, -10, kind=EntryKind.REDEEM, lot=spent.id),
        entry(6, -10, kind=EntryKind.REVERSE, lot=spent.id),
    ]
    assert lots(taken)[0].remaining == -10
    assert spendable([*taken, entry(7, 15)], ON) == 5


def test_entries_keep_their_signs_and_serials_their_shape() -> None:
    """An earn is positive, a redemption negative, zero is refused; serials are 6–40 letters and digits."""
    with pytest.raises(ValidationError) as sign:
        entry(1, -5)
    assert sign.value.field == "points"
    with pytest.raises(ValidationError):
        entry(2, 5, kind=EntryKind.REDEEM, lot=uuid.UUID(int=1))
    with pytest.raises(ValidationError):
        entry(3, 0, kind=EntryKind.ADJUST)
    assert check_serial(" kb-240001") == "KB-240001"
    with pytest.raises(ValidationError) as bad:
        Serial(serial="kb 24", program="P", product="K-24")
    assert bad.value.field == "serial"


def _employee(position: str, login: str | None = None) -> Employee:
    return Employee(id=EmployeeId(uuid.UUID(int=1)), name="Ali", position=position,
                    hired_at=datetime(2020, 1, 1, tzinfo=UTC), login=login)  # fmt: skip


@pytest.mark.parametrize(
    ("position", "login", "party", "company", "allowed"),
    [
        ("admin", None, PartyRef(role=Role.CUSTOMER, key="1"), None, True),
        ("employee", None, PartyRef(role=Role.CUSTOMER, key="1"), Decision.allow("his team"), True),
        ("employee", None, PartyRef(role=Role.CUSTOMER, key="1"), Decision.deny("not his team"), False),
        ("employee", None, PartyRef(role=Role.DEALER, key="1"), None, False),
        ("employee", "R-12", PartyRef(role=Role.SALES_PERSON, key="R-12"), None, True),
        ("employee", "R-13", PartyRef(role=Role.SALES_PERSON, key="R-12"), None, False),
    ],
)
def test_a8_point_access_decision_table(position: str, login: str | None, party: PartyRef,
                                       company: Decision | None, allowed: bool) -> None:  # fmt: skip
    """Points follow the company's visibility; a sales person sees his own; admins all (A2, A8)."""
    assert may_use_points(_employee(position, login), party, company).allowed is allowed
    assert may_configure_points(_employee(position)).allowed is (position == "admin")
