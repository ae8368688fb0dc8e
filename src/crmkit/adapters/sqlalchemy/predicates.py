"""Compile access predicates (A7) to SQL ``WHERE`` clauses over ``companies``.

:func:`compile_predicate` is the SQL twin of
:func:`crmkit.domain.predicates.matches`; a property test holds the two to the
same answer on every back end.

* ``CodeIn`` → ``companies.micro_region IN (…)`` (indexed);
* ``OwnedBy`` → ``companies.sales_rep_id = …`` (indexed);
* ``FieldIn`` → ``companies.<column> IN (…)`` (segments, M1; ``sales_rep`` is ``sales_rep_id``);
* ``FirmSubtree`` → ``companies.id IN (recursive CTE down the channel tree)``;
* ``Purchased`` → ``[NOT] EXISTS`` over invoices and their lines (purchase history, M1; see
  :mod:`crmkit.adapters.sqlalchemy.segment_purchases`);
* ``And`` / ``Or`` → ``AND`` / ``OR``; ``EVERYTHING`` / ``NOTHING`` → true / false.

>>> from crmkit.domain.predicates import CodeIn
>>> where = compile_predicate(CodeIn(frozenset({"M-02", "M-01"})))
>>> print(where.compile(compile_kwargs={"literal_binds": True}))
companies.micro_region IN ('M-01', 'M-02')
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy.segment_purchases import compile_purchased
from crmkit.domain.ids import CompanyId
from crmkit.domain.predicates import (
    And,
    CodeIn,
    Everything,
    FieldIn,
    FirmSubtree,
    Nothing,
    Or,
    OwnedBy,
    Predicate,
    Purchased,
)

__all__ = ["MAX_TREE_DEPTH", "compile_predicate", "firm_subtree"]

MAX_TREE_DEPTH = 1_000
"""Deepest level the channel-tree walk descends to (a guard against corrupt cycles)."""


def firm_subtree(firm: CompanyId) -> sa.Select[Any]:
    """``SELECT id`` of ``firm`` and every company below it, by a recursive CTE (A6)."""
    top = tables.companies.alias("firm_top")
    down = tables.companies.alias("firm_down")
    tree = (
        sa.select(top.c.id, sa.literal(0, sa.Integer).label("depth"))
        .where(top.c.id == firm)
        .cte(f"firm_tree_{firm.hex[:12]}", recursive=True)
    )
    tree = tree.union_all(
        sa.select(down.c.id, (tree.c.depth + 1).label("depth")).where(
            down.c.parent_id == tree.c.id, tree.c.depth < MAX_TREE_DEPTH
        )
    )
    return sa.select(tree.c.id)


_COLUMNS = {"sales_rep": "sales_rep_id", "support_rep": "support_rep_id"}
"""Segment field → ``companies`` column, where the names differ."""


def _field_in(t: Any, predicate: FieldIn) -> sa.ColumnElement[bool]:
    column = t.c[_COLUMNS.get(predicate.field, predicate.field)]
    values: list[Any] = sorted(predicate.values)
    if predicate.field in _COLUMNS:  # employee ids, compared as text in memory: keep the canonical ones
        values = [uuid.UUID(v) for v in values if _canonical_uuid(v)]
        if not values:
            return sa.false()
    found: sa.ColumnElement[bool] = column.in_(sa.bindparam(None, values, expanding=True, type_=column.type))
    return found


def _canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def compile_predicate(predicate: Predicate, companies: Any = None) -> sa.ColumnElement[bool]:
    """The ``WHERE`` clause over ``companies`` (default :data:`tables.companies`) for ``predicate``."""
    t = tables.companies if companies is None else companies
    if isinstance(predicate, Everything):
        return sa.true()
    if isinstance(predicate, Nothing):
        return sa.false()
    if isinstance(predicate, CodeIn):
        # one expanding parameter: building it costs the same for 2 codes or 2,000
        codes = sa.bindparam(None, sorted(predicate.codes), expanding=True, type_=t.c.micro_region.type)
        return t.c.micro_region.in_(codes)
    if isinstance(predicate, OwnedBy):
        return t.c.sales_rep_id == predicate.employee
    if isinstance(predicate, FirmSubtree):
        return t.c.id.in_(firm_subtree(predicate.firm).scalar_subquery())
    if isinstance(predicate, FieldIn):
        return _field_in(t, predicate)
    if isinstance(predicate, Purchased):
        return compile_purchased(predicate, t)
    if isinstance(predicate, And):
        return sa.and_(*(compile_predicate(part, t) for part in predicate.parts))
    if isinstance(predicate, Or):
        return sa.or_(*(compile_predicate(part, t) for part in predicate.parts))
    raise TypeError(f"not a visibility predicate: {predicate!r}")
