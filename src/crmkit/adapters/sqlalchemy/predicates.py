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

A listing splits the code leaves on ``companies.code_dated`` instead (:func:`compile_branches`,
revision 0026): two disjoint ``SELECT`` statements joined by ``UNION ALL``, the first read from
the page index alone.

>>> from crmkit.domain.predicates import CodeIn
>>> where = compile_predicate(CodeIn(frozenset({"M-02", "M-01"})))
>>> print(where.compile(compile_kwargs={"literal_binds": True}))
companies.micro_region IN ('M-01', 'M-02')
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from typing import Any

import attrs
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

__all__ = [
    "MAX_TREE_DEPTH",
    "TEMPLATE_PREFIX",
    "PredicateTemplate",
    "branch_template",
    "compile_branch_templates",
    "compile_branches",
    "compile_predicate",
    "compile_template",
    "firm_subtree",
    "predicate_template",
]

TEMPLATE_PREFIX = "visible_"
"""Names of a template's parameters: ``visible_0``, ``visible_1``, … (no other parameter may start so;
a branch template's are ``visible_u0``, … and ``visible_d0``, …)."""

MAX_TREE_DEPTH = 1_000
"""Deepest level the channel-tree walk descends to (a guard against corrupt cycles)."""


class _Binds:
    """Makes a compiled predicate's bound parameters: values inline, or named placeholders.

    Inline (``prefix`` ``None``) is what :func:`compile_predicate` has always built: each value
    an anonymous parameter of the statement. With a ``prefix``, each value becomes a parameter
    named ``<prefix><n>`` (in the order the compiler meets them) whose value is left out of the
    statement and kept in :attr:`values`, so the statement can be built once and run again with
    other values (:func:`compile_template`).
    """

    def __init__(self, prefix: str | None = None, suffix: str = "") -> None:
        self.prefix = prefix
        self.suffix = suffix  # tells apart the CTEs of two branches of one statement
        self.values: list[Any] = []

    def __call__(self, column: Any, value: Any, *, expanding: bool = False) -> sa.BindParameter[Any]:
        if self.prefix is None:
            return sa.bindparam(None, value, type_=column.type, expanding=expanding)
        name = f"{self.prefix}{len(self.values)}"
        self.values.append(value)
        return sa.bindparam(name, type_=column.type, expanding=expanding)


def firm_subtree(firm: CompanyId) -> sa.Select[Any]:
    """``SELECT id`` of ``firm`` and every company below it, by a recursive CTE (A6)."""
    return _subtree(firm, _Binds())


def _subtree(firm: CompanyId, binds: _Binds) -> sa.Select[Any]:
    top = tables.companies.alias("firm_top")
    down = tables.companies.alias("firm_down")
    found = binds(top.c.id, firm)
    name = firm.hex[:12] if binds.prefix is None else found.key  # a placeholder names no firm
    tree = (
        sa.select(top.c.id, sa.literal(0, sa.Integer).label("depth"))
        .where(top.c.id == found)
        .cte(f"firm_tree_{name}{binds.suffix}", recursive=True)
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


def _in(column: Any, values: list[Any], binds: _Binds) -> sa.ColumnElement[bool]:
    # one expanding parameter: building it costs the same for 2 values or 2,000
    found: sa.ColumnElement[bool] = column.in_(binds(column, values, expanding=True))
    return found


_ALIASES = {
    field: (table.alias(f"moved_{field}"), table.alias(f"held_{field}"), value)
    for field, (table, value) in _HISTORY.items()
}
"""Per dated field: the history aliases its subqueries read, built once (building an alias and its
column collection per query cost more than running the query)."""


def _dated_in(
    t: Any, field: str, values: list[Any], at: Any, binds: _Binds, branch: str | None = None
) -> sa.ColumnElement[bool]:
    """``field`` of the company, as valid at ``at``, is one of ``values`` (T4): see the module doc.

    Parameters in this order (:func:`_template` lists them alike): values, values, at, at.
    ``branch`` (the code leaves of :func:`compile_branches` only): ``"undated"`` reads the column
    alone, ``"dated"`` the history alone — the caller adds the ``code_dated`` test.
    """
    moved, held, value = _ALIASES[field]
    own = t.c[_COLUMNS.get(field, field)]
    split = branch if field == "micro_region" else None
    current = None if split == "dated" else _in(own, values, binds)
    if split == "undated" and current is not None:
        return current
    held_in = _in(held.c[value], values, binds)
    started = held.c.valid_from <= binds(held.c.valid_from, at)
    not_ended = sa.or_(held.c.valid_to.is_(None), held.c.valid_to > binds(held.c.valid_to, at))
    dated: sa.ColumnElement[bool] = t.c.id.in_(
        sa.select(held.c.company_id).where(held_in, started, not_ended).scalar_subquery()
    )
    if current is None:
        return dated
    undated = ~sa.exists().where(moved.c.company_id == t.c.id).correlate(t)
    return sa.or_(sa.and_(current, undated), dated)


def _field_in(t: Any, predicate: FieldIn, binds: _Binds, branch: str | None = None) -> sa.ColumnElement[bool]:
    column = t.c[_COLUMNS.get(predicate.field, predicate.field)]
    values: list[Any] = sorted(predicate.values)
    if predicate.field in _COLUMNS:  # employee ids, compared as text in memory: keep the canonical ones
        values = [uuid.UUID(v) for v in values if _canonical_uuid(v)]
        if not values:
            return sa.false()
    if predicate.at is not None and predicate.field in _HISTORY:
        return _dated_in(t, predicate.field, values, predicate.at, binds, branch)
    return _in(column, values, binds)


def _canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def compile_predicate(predicate: Predicate, companies: Any = None) -> sa.ColumnElement[bool]:
    """The ``WHERE`` clause over ``companies`` (default :data:`tables.companies`) for ``predicate``."""
    return _compile(predicate, tables.companies if companies is None else companies, _Binds())


def compile_branches(predicate: Predicate, companies: Any = None) -> list[sa.ColumnElement[bool]]:
    """``predicate`` as disjoint ``WHERE`` clauses whose union is :func:`compile_predicate`'s rows (T4).

    A predicate that reads the dated code history (a ``CodeIn``, or a ``FieldIn`` on
    ``micro_region``, built with ``at``) gives two clauses split on ``companies.code_dated``
    (revision 0026): the companies without dated codes, whose code leaves read ``micro_region``
    alone (answered from the page index), and those with, whose code leaves read
    ``customer_codes`` alone. A listing runs them as ``SELECT … UNION ALL SELECT …``: no ``OR``
    across the two, which SQLite could only answer row by row. Any other predicate gives one
    clause, :func:`compile_predicate`'s.

    >>> from datetime import UTC, datetime
    >>> from crmkit.domain.predicates import CodeIn
    >>> len(compile_branches(CodeIn(frozenset({"M-01"}), at=datetime(2026, 1, 1, tzinfo=UTC))))
    2
    """
    t = tables.companies if companies is None else companies
    if not _reads_codes(predicate):
        return [_compile(predicate, t, _Binds())]
    return _branches(predicate, t, lambda branch: _Binds(suffix=f"_{branch}"))


_BRANCHES = {"undated": f"{TEMPLATE_PREFIX}u", "dated": f"{TEMPLATE_PREFIX}d"}
"""Branch of :func:`compile_branches` → the parameter prefix of its template (:func:`branch_template`)."""


def _branches(predicate: Predicate, t: Any, binds: Callable[[str], _Binds]) -> list[sa.ColumnElement[bool]]:
    """The two clauses of :func:`compile_branches`, each compiled with ``binds(branch)``."""
    undated = sa.and_(sa.not_(t.c.code_dated), _compile(predicate, t, binds("undated"), "undated"))
    dated = sa.and_(t.c.code_dated, _compile(predicate, t, binds("dated"), "dated"))
    return [undated, dated]


def branch_template(predicate: Predicate) -> PredicateTemplate | None:
    """The shape and parameter values of :func:`compile_branch_templates`'s two clauses (T4, A7).

    ``None`` when :func:`compile_branches` gives one clause, or when a branch has no template
    (see :func:`predicate_template`). A listing keeps its statements per shape and runs them
    with these values: no statement is built per call.
    """
    if not _reads_codes(predicate):
        return None
    params: dict[str, Any] = {}
    shapes = []
    for branch, prefix in _BRANCHES.items():
        values: list[Any] = []
        shape = _template(predicate, values, branch)
        if shape is None:
            return None
        shapes.append(shape)
        params.update((f"{prefix}{n}", value) for n, value in enumerate(values))
    return PredicateTemplate(("branches", *shapes), params)


def compile_branch_templates(predicate: Predicate) -> list[sa.ColumnElement[bool]]:
    """:func:`compile_branches`'s two clauses for ``predicate``'s shape, values left as parameters.

    Run them with :attr:`PredicateTemplate.params` of :func:`branch_template` of any predicate of
    the same shape.

    Raises:
        ValueError: ``predicate`` has no branch template.
    """
    template = branch_template(predicate)
    if template is None:
        raise ValueError(f"no branch template for {predicate!r}")
    made: list[_Binds] = []

    def binds(branch: str) -> _Binds:
        made.append(_Binds(_BRANCHES[branch]))
        return made[-1]

    clauses = _branches(predicate, tables.companies, binds)
    bound = {f"{b.prefix}{n}": value for b in made for n, value in enumerate(b.values)}
    if bound != template.params:  # _template must list what _compile binds
        raise AssertionError(f"branch template parameters out of step for {predicate!r}")
    return clauses


def _reads_codes(predicate: Predicate) -> bool:
    """Whether ``predicate`` has a leaf on the dated code history (T4)."""
    if isinstance(predicate, And | Or):
        return any(_reads_codes(part) for part in predicate.parts)
    if isinstance(predicate, CodeIn):
        return predicate.at is not None
    return isinstance(predicate, FieldIn) and predicate.field == "micro_region" and predicate.at is not None


def _compile(
    predicate: Predicate, t: Any, binds: _Binds, branch: str | None = None
) -> sa.ColumnElement[bool]:
    if isinstance(predicate, Everything):
        return sa.true()
    if isinstance(predicate, Nothing):
        return sa.false()
    if isinstance(predicate, CodeIn):
        if predicate.at is not None:
            return _dated_in(t, "micro_region", sorted(predicate.codes), predicate.at, binds, branch)
        return _in(t.c.micro_region, sorted(predicate.codes), binds)
    if isinstance(predicate, OwnedBy):
        if predicate.at is not None:
            return _dated_in(t, "sales_rep", [predicate.employee], predicate.at, binds)
        owned: sa.ColumnElement[bool] = t.c.sales_rep_id == binds(t.c.sales_rep_id, predicate.employee)
        return owned
    if isinstance(predicate, FirmSubtree):
        below: sa.ColumnElement[bool] = t.c.id.in_(_subtree(predicate.firm, binds).scalar_subquery())
        return below
    if isinstance(predicate, FieldIn):
        return _field_in(t, predicate, binds, branch)
    if isinstance(predicate, Purchased):
        return compile_purchased(predicate, t)
    if isinstance(predicate, And):
        return sa.and_(*(_compile(part, t, binds, branch) for part in predicate.parts))
    if isinstance(predicate, Or):
        return sa.or_(*(_compile(part, t, binds, branch) for part in predicate.parts))
    raise TypeError(f"not a visibility predicate: {predicate!r}")


@attrs.frozen
class PredicateTemplate:
    """A predicate split into its *shape* and its values (what :func:`predicate_template` gives).

    Attributes:
        shape: which kinds of parts, nested how, dated or not — never a value. Two predicates
            of the same shape compile to the same clause with different parameter values.
        params: the values, by the parameter names :func:`compile_template` gives them.
    """

    shape: Hashable
    params: dict[str, Any]


def predicate_template(predicate: Predicate) -> PredicateTemplate | None:
    """``predicate``'s shape and parameter values, or ``None`` when its clause depends on its values.

    Codes, owners, firms, ``at`` and their conjunctions and disjunctions are templated;
    :class:`FieldIn` (its employee ids are checked one by one) and :class:`Purchased` are not.
    """
    values: list[Any] = []
    shape = _template(predicate, values)
    if shape is None:
        return None
    return PredicateTemplate(shape, {f"{TEMPLATE_PREFIX}{n}": value for n, value in enumerate(values)})


def _template(predicate: Predicate, values: list[Any], branch: str | None = None) -> Hashable | None:
    """The shape of ``predicate``; its values appended in the order :func:`_compile` binds them.

    ``branch``: as :func:`_compile` compiles the code leaves of that branch of :func:`compile_branches`.
    """
    if isinstance(predicate, Everything | Nothing):
        return type(predicate).__name__
    if isinstance(predicate, CodeIn | OwnedBy):
        wanted = sorted(predicate.codes) if isinstance(predicate, CodeIn) else [predicate.employee]
        split = branch if isinstance(predicate, CodeIn) else None
        if predicate.at is None:
            values.append(wanted if isinstance(predicate, CodeIn) else predicate.employee)
        elif split == "undated":
            values.append(wanted)
        elif split == "dated":
            values.extend((wanted, predicate.at, predicate.at))
        else:
            values.extend((wanted, wanted, predicate.at, predicate.at))
        return type(predicate).__name__, predicate.at is not None
    if isinstance(predicate, FirmSubtree):
        values.append(predicate.firm)
        return "FirmSubtree"
    if isinstance(predicate, And | Or):
        parts = tuple(_template(part, values, branch) for part in predicate.parts)
        return None if None in parts else (type(predicate).__name__, parts)
    return None


def compile_template(predicate: Predicate) -> sa.ColumnElement[bool]:
    """The ``WHERE`` clause over ``companies`` for ``predicate``'s shape, values left as parameters.

    Run it with :attr:`PredicateTemplate.params` of any predicate of the same shape.

    Raises:
        ValueError: ``predicate`` has no template (see :func:`predicate_template`).
    """
    template = predicate_template(predicate)
    if template is None:
        raise ValueError(f"no template for {predicate!r}")
    binds = _Binds(TEMPLATE_PREFIX)
    where = _compile(predicate, tables.companies, binds)
    if binds.values != list(template.params.values()):  # _template must list what _compile binds
        raise AssertionError(f"template parameters out of step for {predicate!r}")
    return where
