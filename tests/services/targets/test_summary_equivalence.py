"""The monthly actuals summary is always the from-scratch GROUP BY (Q5, T4), on every back end.

For random organisations (``tests.services.targets.world``) whose invoices are credited
into the summary as the import does, then changed by random back-dated
territory moves through ``crm.territory`` (a customer moved to another code, a
code moved to another team, an owner assigned — each dated anywhere from
December 2025 to January 2027), the summary of every kind equals the back end's
from-scratch ``credits`` (a ``GROUP BY`` on SQL), the memory adapter's, and the
reference computed invoice by invoice on the territory read back; and the
plan-vs-actual report read from the summary equals the one built from them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.errors import RuleViolation
from crmkit.domain.plan_actual import Credit, build_report, convert
from crmkit.domain.quotas import Plan, PlanId, PlanLine, ScopeType
from crmkit.domain.settings import Settings
from crmkit.ports.storage import Storage
from crmkit.ports.targets import CREDITED_SCOPES
from crmkit.services.actuals import record_sales
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.targets.world import CODES, YEAR, ZONE, World, bounds, instants, reference_credits, worlds


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


def _fresh(storage: Storage) -> Storage:
    if isinstance(storage, SqlStorage):
        reset_database(storage)
        return storage
    return MemoryStorage()


def _crm(storage: Storage) -> crmkit.Crm:
    clock, ids = FixedClock(datetime(2027, 2, 1, tzinfo=UTC)), SequentialIds()
    return crmkit.connect(
        storage,
        sms=ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids),
        email=ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids),
        clock=clock,
        ids=ids,
        settings=Settings(timezone=ZONE),
        load_entrypoints=False,
    )


changes = st.lists(
    st.tuples(st.sampled_from(["customer", "code", "owner"]), st.integers(0, 3), instants),
    max_size=4,
)
"""Back-dated territory changes: (what, which one, from when)."""


def _read_back(storage: Storage, world: World) -> World:
    """The world with the territory as stored after the changes."""
    with storage.unit_of_work() as uow:
        firms = uow.companies.get_many(c.id for c in world.companies)
        codes = uow.customer_codes.for_companies(firms)
        owners = [o for c in firms for o in uow.owners.for_company(c)]
        links = uow.code_links.for_teams(t.id for t in world.teams)
    return attrs.evolve(
        world,
        companies=tuple(firms.values()),
        codes=tuple(codes),
        owners=tuple(owners),
        links=tuple(links),
    )


def _nonzero(credits: list[Credit]) -> list[Credit]:
    return [c for c in credits if c.amount != 0]


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(), moves=changes)
def test_q5_summary_equals_group_by_memory_and_reference_after_back_dated_changes(
    empty: Storage, world: World, moves: list[tuple[str, int, datetime]]
) -> None:
    storage = _fresh(empty)
    crm = _crm(storage)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    crm.parties.set_parameters(actor=admin.id, name="micro_region_codes", values=list(CODES))
    world.store(storage)
    with storage.unit_of_work() as uow:  # what the import does in its transaction
        record_sales(uow, world.invoices, ZONE)
        uow.commit()
    for what, pick, when in moves:
        try:
            if what == "customer" and world.companies:
                company = world.companies[pick % len(world.companies)]
                crm.territory.move_customer(
                    actor=admin.id, company=company.id, code=CODES[pick % 3], valid_from=when
                )
            elif what == "code":
                team = world.teams[pick % len(world.teams)]
                crm.territory.move_code(actor=admin.id, code=CODES[pick % 3], team=team.id, valid_from=when)
            elif world.companies:
                company = world.companies[pick % len(world.companies)]
                rep = world.employees[pick % len(world.employees)]
                crm.territory.assign_owner(actor=admin.id, company=company.id, rep=rep.id, valid_from=when)
        except RuleViolation:
            continue  # a refused change (an overlap, T3/T4) changes nothing
    now = _read_back(storage, world)
    memory = MemoryStorage()
    now.store(memory)
    edges = bounds()
    for scope_type in sorted(CREDITED_SCOPES):
        with storage.unit_of_work() as uow:
            summary = uow.targets.actuals(scope_type.value, YEAR)
            scratch = _nonzero(uow.targets.credits(scope_type, edges))
        with memory.unit_of_work() as uow:
            in_memory = _nonzero(uow.targets.credits(scope_type, edges))
        reference = _nonzero(reference_credits(now, scope_type))
        assert summary == scratch == in_memory == reference, scope_type
        plan = Plan(
            id=PlanId(world.regions[0].id),
            name="Plan",
            year=YEAR,
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
        assert build_report(plan, *convert(summary, "TRY"), parents=tree) == build_report(
            plan, *convert(reference, "TRY"), parents=tree
        )
