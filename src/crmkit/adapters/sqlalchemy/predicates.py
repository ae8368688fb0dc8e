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

**Dated values (T4).** A ``CodeIn`` / ``OwnedBy`` / ``FieldIn`` on ``micro_region`` or
``sales_rep`` built with ``at`` reads the dated history, the one source of truth for "at t":

.. code-block:: sql

    (companies.micro_region IN (…)                 -- never moved: its own column answers
       AND NOT EXISTS (SELECT 1 FROM customer_codes h WHERE h.company_id = companies.id))
    OR companies.id IN (SELECT company_id FROM customer_codes
                        WHERE code IN (…) AND valid_from <= :at
                          AND (valid_to IS NULL OR valid_to > :at))

(``owner_assignments`` likewise for the owner). The first branch keeps using the
``micro_region`` index for the customers that never moved (nearly all of them); the second is
an index range over the few dated rows. Nothing has to copy a dated change into the columns
when its date passes, so a listing at ``t`` can never disagree with a decision at ``t``.

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
from crmkit.adapters.sqlalchemy.tables import targets as _codes
from crmkit.adapters.sqlalchemy.tables import territory as _owners
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

_HISTORY = {
    "micro_region": (_codes.customer_codes, "code"),
    "sales_rep": (_owners.owner_assignments, "employee_id"),
}
"""Dated ``companies`` field → its history table and value column (T4)."""


def _in(column: Any, values: list[Any]) -> sa.ColumnElement[bool]:
    # one expanding parameter: building it costs the same for 2 values or 2,000
    found: sa.ColumnElement[bool] = column.in_(sa.bindparam(None, values, expanding=True, type_=column.type))
    return found


_ALIASES = {
    field: (table.alias(f"moved_{field}"), table.alias(f"held_{field}"), value)
    for field, (table, value) in _HISTORY.items()
}
"""Per dated field: the history aliases its subqueries read, built once (building an alias and its
column collection per query cost more than running the query)."""


def _dated_in(t: Any, field: str, values: list[Any], at: Any) -> sa.ColumnElement[bool]:
    """``field`` of the company, as valid at ``at``, is one of ``values`` (T4): see the module doc."""
    moved, held, value = _ALIASES[field]
    own = t.c[_COLUMNS.get(field, field)]
    undated = ~sa.exists().where(moved.c.company_id == t.c.id).correlate(t)
    dated = sa.select(held.c.company_id).where(
        _in(held.c[value], values),
        held.c.valid_from <= at,
        sa.or_(held.c.valid_to.is_(None), held.c.valid_to > at),
    )
    return sa.or_(sa.and_(_in(own, values), undated), t.c.id.in_(dated.scalar_subquery()))


def _field_in(t: Any, predicate: FieldIn) -> sa.ColumnElement[bool]:
    column = t.c[_COLUMNS.get(predicate.field, predicate.field)]
    values: list[Any] = sorted(predicate.values)
    if predicate.field in _COLUMNS:  # employee ids, compared as text in memory: keep the canonical ones
        values = [uuid.UUID(v) for v in values if _canonical_uuid(v)]
        if not values:
            return sa.false()
    if predicate.at is not None and predicate.field in _HISTORY:
        return _dated_in(t, predicate.field, values, predicate.at)
    return _in(column, values)


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
        if predicate.at is not None:
            return _dated_in(t, "micro_region", sorted(predicate.codes), predicate.at)
        return _in(t.c.micro_region, sorted(predicate.codes))
    if isinstance(predicate, OwnedBy):
        if predicate.at is not None:
            return _dated_in(t, "sales_rep", [predicate.employee], predicate.at)
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
