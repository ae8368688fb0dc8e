"""Hypothesis properties of the parties rules and of Money (issue 2, item 8).

(a) C2: random registrations and moves never produce a forbidden pair or a cycle;
    a refused operation leaves the state as it was.
(b) C5: the status never moves backwards.
(c) C8/A5: a dismissed or resigned employee can do nothing from the exit on.
(d) Money: addition laws within a currency; mixing currencies always raises.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from crmkit.domain.access import require_can_act
from crmkit.domain.employees import Employee, EmployeeStatus
from crmkit.domain.errors import RuleViolation
from crmkit.domain.ids import CompanyId
from crmkit.domain.money import CurrencyMismatch, Money
from crmkit.domain.parties import (
    Company,
    CompanyStatus,
    CompanyType,
    StatusTrigger,
    check_channel,
    check_no_cycle,
)
from crmkit.testing.factories import WHEN as T0
from crmkit.testing.strategies import (
    MAX_DATETIME,
    aware_datetimes,
    companies,
    currencies,
    employees,
    extreme_decimals,
    money,
)
from tests.profiles import examples

# -- (a) C2: channel hierarchy under random registrations and moves ------------------


def ancestors(state: dict[CompanyId, Company], company_id: CompanyId) -> list[CompanyId]:
    """The ids above ``company_id`` in ``state``, nearest first (stops on a loop)."""
    chain: list[CompanyId] = []
    current = state[company_id].parent_id
    while current is not None and current not in chain and current != company_id:
        chain.append(current)
        current = state[current].parent_id
    return chain


# C2 as the SPEC words it, written out independently of ALLOWED_CHILDREN.
SPEC_ALLOWED_PAIRS = {
    (CompanyType.DISTRIBUTOR, CompanyType.MAIN_DEALER),
    (CompanyType.DISTRIBUTOR, CompanyType.DEALER),
    (CompanyType.DISTRIBUTOR, CompanyType.CUSTOMER),
    (CompanyType.MAIN_DEALER, CompanyType.DEALER),
    (CompanyType.MAIN_DEALER, CompanyType.CUSTOMER),
    (CompanyType.DEALER, CompanyType.CUSTOMER),
}


def assert_c2_invariant(state: dict[CompanyId, Company]) -> None:
    for company in state.values():
        seen = {company.id}
        current = company
        while current.parent_id is not None:
            parent = state[current.parent_id]  # a parent always exists
            assert (parent.type, current.type) in SPEC_ALLOWED_PAIRS
            assert parent.id not in seen, f"cycle through {parent.id}"
            seen.add(parent.id)
            current = parent


class ChannelMachine(RuleBasedStateMachine):
    """C2: registrations and moves applied through check_channel / Company.move_under."""

    ids = Bundle("ids")

    def __init__(self) -> None:
        super().__init__()
        self.state: dict[CompanyId, Company] = {}
        self.counter = 0
        self.accepted = 0
        self.refused = 0

    def _new_id(self) -> CompanyId:
        self.counter += 1
        return CompanyId(uuid.UUID(int=self.counter))

    @initialize(target=ids, type=st.sampled_from(CompanyType))
    def first(self, type: CompanyType) -> CompanyId:
        company = Company(id=self._new_id(), name="İlk Şirket", type=type, registered_at=T0)
        self.state[company.id] = company
        return company.id

    @rule(target=ids, type=st.sampled_from(CompanyType), parent=st.none() | ids)
    def register(self, type: CompanyType, parent: CompanyId | None) -> object:
        before = dict(self.state)
        if parent is not None:
            try:
                check_channel(self.state[parent].type, type)
            except RuleViolation as error:
                assert error.rule == "C2"
                assert self.state == before
                self.refused += 1
                return multiple()  # nothing new to add to the bundle
        company = Company(
            id=self._new_id(),
            name="Çiçek Dağıtım",
            type=type,
            registered_at=T0,
            parent_id=parent,
        )
        self.state[company.id] = company
        self.accepted += 1
        return company.id

    @rule(child=ids, parent=st.none() | ids)
    def move(self, child: CompanyId, parent: CompanyId | None) -> None:
        before = dict(self.state)
        company = self.state[child]
        target = None if parent is None else self.state[parent]
        chain = [] if parent is None else ancestors(self.state, parent)
        try:
            moved = company.move_under(target, chain)
        except RuleViolation as error:
            assert error.rule == "C2"
            assert self.state == before
            assert self.state[child] == company
            self.refused += 1
            return
        self.state[child] = moved
        self.accepted += 1

    @invariant()
    def no_forbidden_pair_and_no_cycle(self) -> None:
        assert_c2_invariant(self.state)

    def teardown(self) -> None:
        note(f"accepted={self.accepted} refused={self.refused} companies={len(self.state)}")


ChannelMachine.TestCase.settings = settings(max_examples=examples(100), stateful_step_count=40)
TestChannelHierarchyC2 = ChannelMachine.TestCase


class CycleMachine(RuleBasedStateMachine):
    """C2 "no cycles", isolated from the type table: random re-parenting of any node.

    The type table alone already forbids loops (types only go downwards), so this
    machine checks that ``check_no_cycle`` with the chain computed from the state
    refuses every move that would close one.
    """

    nodes = Bundle("nodes")

    def __init__(self) -> None:
        super().__init__()
        self.parent: dict[CompanyId, CompanyId | None] = {}

    @rule(target=nodes)
    def add(self) -> CompanyId:
        node = CompanyId(uuid.UUID(int=len(self.parent) + 1))
        self.parent[node] = None
        return node

    @rule(child=nodes, new_parent=nodes)
    def reparent(self, child: CompanyId, new_parent: CompanyId) -> None:
        chain = [new_parent]
        current = self.parent[new_parent]
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parent[current]
        would_loop = child == new_parent or child in chain
        before = dict(self.parent)
        try:
            check_no_cycle(child, chain)
        except RuleViolation as error:
            assert error.rule == "C2"
            assert would_loop
            assert self.parent == before
            return
        assert not would_loop
        self.parent[child] = new_parent

    @invariant()
    def acyclic(self) -> None:
        for start in self.parent:
            seen = {start}
            current = self.parent[start]
            while current is not None:
                assert current not in seen
                seen.add(current)
                current = self.parent[current]


TestNoCyclesC2 = CycleMachine.TestCase


@given(companies(), st.sampled_from(CompanyType))
def test_c2_move_under_accepts_exactly_the_allowed_pairs(child: Company, parent_type: CompanyType) -> None:
    parent = Company(id=CompanyId(uuid.UUID(int=0)), name="Ana Bayi", type=parent_type, registered_at=T0)
    assume(parent.id != child.id)
    if (parent_type, child.type) in SPEC_ALLOWED_PAIRS:
        assert child.move_under(parent, []).parent_id == parent.id
    else:
        with pytest.raises(RuleViolation):
            child.move_under(parent, [])


# -- (b) C5: status never moves backwards ----------------------------------------------

_steps = st.lists(
    st.one_of(st.sampled_from(StatusTrigger), st.sampled_from(["contract", "invoice"])),
    max_size=30,
)


@given(companies(), _steps)
def test_c5_status_rank_never_decreases(company: Company, steps: list[StatusTrigger | str]) -> None:
    highest = company.status.rank
    for step in steps:
        previous = company.status.rank
        if step == "contract":
            company = company.record_contract()
        elif step == "invoice":
            company = company.record_invoice()
        else:
            assert isinstance(step, StatusTrigger)
            company = company.advance_status(step)
            highest = max(highest, step.target.rank)
        if step in ("contract", "invoice"):
            highest = max(highest, CompanyStatus.POTENTIAL.rank)
        assert company.status.rank >= previous
        assert company.status.rank == highest


# -- (c) C8/A5: a departed employee can do nothing -----------------------------------------

_departed = st.sampled_from([EmployeeStatus.DISMISSED, EmployeeStatus.RESIGNED]).flatmap(
    lambda status: employees(status=status)
)


@given(_departed, st.data())
def test_c8_a5_departed_employee_can_do_nothing_from_the_exit_on(gone: Employee, data: st.DataObject) -> None:
    assert gone.exit_at is not None
    assert gone.login is None and gone.password_hash is None
    later = data.draw(aware_datetimes(min_value=gone.exit_at, max_value=MAX_DATETIME))
    for instant in (gone.exit_at, later):
        assert not gone.can_act(instant)
        decision = require_can_act(gone, instant)
        assert not decision.allowed
        assert "(A5)" in decision.reason


@given(employees(status=EmployeeStatus.ACTIVE), st.data())
def test_c8_a5_exit_splits_time_exactly_at_the_exit_instant(employee: Employee, data: st.DataObject) -> None:
    exit_at = data.draw(aware_datetimes(min_value=employee.hired_at))
    leave: Callable[[str, datetime], Employee] = data.draw(
        st.sampled_from([employee.dismiss, employee.resign])
    )
    gone = leave("Görev yerinden ayrıldı", exit_at)
    probe = data.draw(aware_datetimes(min_value=employee.hired_at))
    assert gone.can_act(probe) is (probe < exit_at)
    assert require_can_act(gone, probe).allowed is (probe < exit_at)
    assert not gone.can_act(exit_at)
    if exit_at > employee.hired_at:
        assert gone.can_act(exit_at - timedelta(seconds=1))


# -- (d) Money laws --------------------------------------------------------------------------

_try = money("TRY")
_extreme_try = extreme_decimals().map(lambda amount: Money(amount, "TRY"))
_same_currency = st.one_of(_try, _extreme_try)


@given(_same_currency, _same_currency, _same_currency)
def test_money_addition_is_associative(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)


@given(_same_currency, _same_currency)
def test_money_addition_is_commutative(a: Money, b: Money) -> None:
    assert a + b == b + a


@given(currencies().flatmap(lambda code: st.tuples(money(code), st.just(code))))
def test_money_zero_is_the_identity(pair: tuple[Money, str]) -> None:
    a, code = pair
    assert a + Money.zero(code) == a
    assert Money.zero(code) + a == a
    assert a - Money.zero(code) == a


@given(currencies().flatmap(lambda code: st.tuples(money(code), money(code))))
def test_money_negation(pair: tuple[Money, Money]) -> None:
    a, b = pair
    assert (a + -a).is_zero()
    negated = -a
    assert -negated == a
    assert a - b == a + -b
    assert (a - b) + b == a


@given(currencies().flatmap(lambda code: st.lists(money(code), max_size=10)))
def test_money_total_equals_repeated_addition(items: list[Money]) -> None:
    assume(items)
    total = Money.total(items, items[0].currency)
    running = items[0]
    for item in items[1:]:
        running = running + item
    assert total == running


@given(money())
def test_generated_money_is_already_rounded(a: Money) -> None:
    assert a.rounded() == a
    assert a.rounded().rounded() == a.rounded()


_operations: list[Callable[[Money, Money], object]] = [
    operator.add,
    operator.sub,
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
    lambda x, y: Money.total([x, y], x.currency),
]


@given(
    st.lists(currencies(), min_size=2, max_size=2, unique=True).flatmap(
        lambda codes: st.tuples(money(codes[0]), money(codes[1]))
    ),
    st.sampled_from(_operations),
)
def test_money_mixing_currencies_always_raises(
    pair: tuple[Money, Money], operation: Callable[[Money, Money], object]
) -> None:
    a, b = pair
    with pytest.raises(CurrencyMismatch):
        operation(a, b)
    with pytest.raises(CurrencyMismatch):
        operation(b, a)


@given(_same_currency, st.integers(-1000, 1000))
def test_money_multiplication_distributes_over_addition(a: Money, k: int) -> None:
    assert a * k + a == a * (k + 1)
    assert (a * k).amount == a.amount * Decimal(k)
