"""The report's plan cache on every back end (Q1, Q5): reused while the stored version's stamp holds.

Plan versions are immutable — a revision is a new version — so ``crm.targets``
keeps the plans it read and only checks each one's stamp (version, creation
instant) in storage. These tests replace a stored version behind the API's back
(no use case can) to show the stamp is checked, not trusted.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
import sqlalchemy as sa

from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables import targets as qt
from crmkit.domain.errors import ValidationError
from crmkit.domain.quotas import Plan, PlanLine
from crmkit.services.targets import PLAN_CACHE
from tests.services.targets.test_plan_vs_actual import _setup
from tests.services.territory.conftest import Org


def _replace_behind_the_api(org: Org, plan: Plan, scope: str, monthly: Decimal) -> None:
    """Store other amounts for ``scope`` under the same plan id with version 2 (no use case does this)."""
    storage = org.crm.storage
    if isinstance(storage, SqlStorage):
        with storage.engine.begin() as conn:
            conn.execute(sa.update(qt.plans).where(qt.plans.c.id == plan.id).values(version=2))
            conn.execute(
                sa.update(qt.plan_lines)
                .where(qt.plan_lines.c.plan_id == plan.id, qt.plan_lines.c.scope == scope)
                .values(amount=monthly)
            )
    else:
        assert isinstance(storage, MemoryStorage)
        lines = tuple(
            PlanLine(scope=line.scope, amounts=[monthly] * 12) if line.scope == scope else line
            for line in plan.lines
        )
        storage._targets.plans[plan.id] = attrs.evolve(plan, lines=lines, version=2)


def test_q5_the_report_reuses_a_plan_read_before(org: Org) -> None:
    _, plan = _setup(org)
    first = org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    second = org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    assert second.plan is first.plan and second == first


def test_q5_a_changed_stamp_makes_the_report_read_the_plan_again(org: Org) -> None:
    w, plan = _setup(org)
    scope = str(w.ist.id)
    assert org.crm.targets.report(actor=org.admin.id, plan=plan.id).row(scope).month(1).target == 1000
    _replace_behind_the_api(org, plan, scope, Decimal(7))
    again = org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    assert again.plan.version == 2 and again.row(scope).month(1).target == Decimal(7)


def test_q1_q5_a_revision_and_many_plans_report_their_own_targets(org: Org) -> None:
    w, plan = _setup(org)
    t, a, scope = org.crm.targets, org.admin.id, str(w.ist.id)
    assert t.report(actor=a, plan=plan.id).row(scope).year().target == 12000
    revised = t.revise_plan(actor=a, plan=plan.id, amounts={scope: [Decimal(5)] * 12})
    assert t.report(actor=a, plan=revised.id).row(scope).year().target == 60
    assert t.report(actor=a, plan=plan.id).row(scope).year().target == 12000
    more = [
        t.add_plan(
            actor=a, name=f"P{n}", year=2026, currency="TRY", scope_type="team", amounts={scope: Decimal(n)}
        )
        for n in range(1, PLAN_CACHE + 3)
    ]
    for n, other in enumerate(more, start=1):  # more plans than the cache keeps: each still its own
        assert t.report(actor=a, plan=other.id).row(scope).year().target == n
    assert t.report(actor=a, plan=plan.id).row(scope).year().target == 12000


def test_q5_a_plan_that_is_gone_is_a_missing_plan_even_when_read_before(org: Org) -> None:
    _, plan = _setup(org)
    org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    storage = org.crm.storage
    if isinstance(storage, SqlStorage):
        with storage.engine.begin() as conn:
            conn.execute(sa.delete(qt.plan_lines).where(qt.plan_lines.c.plan_id == plan.id))
            conn.execute(sa.delete(qt.plans).where(qt.plans.c.id == plan.id))
    else:
        assert isinstance(storage, MemoryStorage)
        del storage._targets.plans[plan.id]
    with pytest.raises(ValidationError) as raised:
        org.crm.targets.report(actor=org.admin.id, plan=plan.id)
    assert raised.value.field == "plan"
