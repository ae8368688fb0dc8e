"""Prepared statements and predicate templates (I10 speed; A7, T4): a kept statement holds no values.

``compile_template`` builds an access predicate's clause with named parameters, once per
*shape*; the daily list keeps the statements built on it (``prepared.scoped``). On random
customers with dated codes and owners, a clause built for one predicate and run with the
parameters of another of the same shape returns exactly what ``compile_predicate`` of that
other one returns, on every SQL back end. Predicates whose clause depends on their values
(``FieldIn``, ``Purchased``) get no template and are built per call.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy.predicates import (
    compile_predicate,
    compile_template,
    predicate_template,
)
from crmkit.adapters.sqlalchemy.prepared import prepared, scoped
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import (
    EVERYTHING,
    NOTHING,
    And,
    CodeIn,
    FieldIn,
    FirmSubtree,
    Or,
    OwnedBy,
    Predicate,
    Purchased,
    all_of,
    any_of,
)
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from tests.profiles import examples
from tests.services.territory.test_dated_predicates import CODES, REPS, START, World, worlds

DAY = timedelta(days=1)


@st.composite
def predicates(draw: st.DrawFn, at: Any) -> Predicate:
    """A templated predicate: codes and owners, dated or not, a firm, and their and/or."""
    when = draw(st.sampled_from([None, at, at + 7 * DAY]))
    leaves: list[Predicate] = [
        CodeIn(frozenset(draw(st.sets(st.sampled_from(CODES)))), at=when),
        OwnedBy(draw(st.sampled_from(REPS)).id, at=when),
        FirmSubtree(CompanyId(uuid.UUID(int=1000 + draw(st.integers(0, 6))))),
    ]
    picked = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=3))
    return draw(st.sampled_from([all_of, any_of]))(*picked)


def _revalued(predicate: Predicate, data: st.DataObject, at: Any) -> Predicate:
    """``predicate`` with every value drawn anew (its shape kept: dated stays dated)."""
    when = None if getattr(predicate, "at", None) is None else at + data.draw(st.integers(-5, 5)) * DAY
    if isinstance(predicate, CodeIn):
        return CodeIn(frozenset(data.draw(st.sets(st.sampled_from(CODES)))), at=when)
    if isinstance(predicate, OwnedBy):
        return OwnedBy(data.draw(st.sampled_from(REPS)).id, at=when)
    if isinstance(predicate, FirmSubtree):
        return FirmSubtree(CompanyId(uuid.UUID(int=1000 + data.draw(st.integers(0, 6)))))
    if isinstance(predicate, And | Or):
        return type(predicate)(tuple(_revalued(part, data, at) for part in predicate.parts))
    return predicate


def _ids(storage: Storage, where: sa.ColumnElement[bool], params: dict[str, Any]) -> set[Any]:
    companies = tables.companies
    assert isinstance(storage, SqlStorage)
    with storage.unit_of_work() as uow:
        return {r[0] for r in uow.execute(sa.select(companies.c.id).where(where), params)}


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), world=worlds())
def test_a_template_built_for_one_predicate_answers_for_any_other_of_its_shape(
    sql_storage: SqlStorage, data: st.DataObject, world: World
) -> None:
    storage = fresh(sql_storage)
    with storage.unit_of_work() as uow:
        uow.employees.add_many(list(REPS))
        uow.companies.add_many(list(world.companies))
        uow.customer_codes.add_many(list(world.codes))
        uow.owners.add_many(list(world.owners))
        uow.commit()
    first = data.draw(predicates(world.at))
    template = predicate_template(first)
    assert template is not None
    kept = compile_template(first)
    for other in (
        first,
        _revalued(first, data, world.at),
        _revalued(first, data, world.at),
        data.draw(predicates(world.at + data.draw(st.integers(-5, 5)) * DAY)),
    ):
        shape = predicate_template(other)
        assert shape is not None
        want = _ids(storage, compile_predicate(other), {})
        if shape.shape == template.shape:
            assert _ids(storage, kept, shape.params) == want, (first, other)
        assert _ids(storage, compile_template(other), shape.params) == want, other


def test_shapes_name_no_value_and_value_dependent_clauses_get_none() -> None:
    at = START + 3 * DAY
    one = predicate_template(CodeIn(frozenset({"M-01"}), at=at))
    two = predicate_template(CodeIn(frozenset({"M-02", "A-01"}), at=at + DAY))
    undated = predicate_template(CodeIn(frozenset({"M-01"})))
    assert one is not None and two is not None and undated is not None
    assert one.shape == two.shape != undated.shape
    assert one.params != two.params
    assert predicate_template(FieldIn("micro_region", frozenset({"M-01"}))) is None
    assert predicate_template(all_of(CodeIn(frozenset({"M-01"})), Purchased(None, None, None))) is None
    with pytest.raises(ValueError):
        compile_template(FieldIn("micro_region", frozenset({"M-01"})))


def test_scoped_keeps_one_statement_per_shape_and_builds_value_dependent_ones_per_call() -> None:
    companies = tables.companies
    built: list[object] = []

    def build(where: sa.ColumnElement[bool] | None) -> sa.Select[Any]:
        built.append(where)
        query = sa.select(companies.c.id)
        return query if where is None else query.where(where)

    key = ("test", date(2026, 1, 1))
    a, params_a = scoped(key, CodeIn(frozenset({"M-01"}), at=START), build)
    b, params_b = scoped(key, CodeIn(frozenset({"A-01"}), at=START + DAY), build)
    assert a is b and params_a != params_b and len(built) == 1
    everything, none = scoped(key, EVERYTHING, build)
    assert everything is not a and none == {} and built[-1] is None
    assert scoped(key, NOTHING, build)[0] is scoped(key, NOTHING, build)[0]
    segment = FieldIn("micro_region", frozenset({"M-01"}))
    assert scoped(key, segment, build)[0] is not scoped(key, segment, build)[0]
    assert prepared(key, lambda: sa.select(companies.c.id)) is prepared(
        key, lambda: sa.select(companies.c.id)
    )
