"""One computation, proved (Q5): SQL GROUP BY == memory == a plain reference, on every back end.

For random organisations — codes moved between teams and regions, customers moved to
other codes and handed to other owners during the year, invoices and returns in three
currencies at instants around both year ends in three time zones — the credits the
back end under test aggregates equal the memory adapter's and a reference computed
here invoice by invoice; and so do the plan-vs-actual reports built from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.plan_actual import build_report, convert
from crmkit.domain.quotas import Plan, PlanId, PlanLine, ScopeType
from crmkit.ports.storage import Storage
from crmkit.ports.targets import CREDITED_SCOPES
from tests.services.targets.world import World, bounds, reference_credits, worlds


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


def fresh(storage: Storage) -> Storage:
    if isinstance(storage, SqlStorage):
        reset_database(storage)
        return storage
    return MemoryStorage()


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_q5_sql_memory_and_reference_credit_the_same(empty: Storage, world: World) -> None:
    storage = fresh(empty)
    world.store(storage)
    memory = MemoryStorage()
    world.store(memory)
    edges = bounds()
    for scope_type in sorted(CREDITED_SCOPES):
        with storage.unit_of_work() as uow:
            got = uow.targets.credits(scope_type, edges)
        with memory.unit_of_work() as uow:
            in_memory = uow.targets.credits(scope_type, edges)
        reference = reference_credits(world, scope_type)
        assert got == in_memory == reference, scope_type
        plan = Plan(
            id=PlanId(world.regions[0].id),
            name="Plan",
            year=2026,
            currency="TRY",
            scope_type=scope_type,
            lines=tuple(
                PlanLine(scope=s, amounts=[Decimal(100)] * 12)
                for s in sorted({c.scope for c in reference})[:2]
            ),
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        parents = {str(r.id): None if r.parent_id is None else str(r.parent_id) for r in world.regions}
        tree = parents if scope_type is ScopeType.SALES_REGION else None
        assert build_report(plan, *convert(got, "TRY"), parents=tree) == build_report(
            plan, *convert(reference, "TRY"), parents=tree
        )
