"""Statements built once and run again with other values (the daily list's speed, I10).

Building a SQLAlchemy statement — operator and coercion calls for each clause, then the cache
key SQLAlchemy computes to find its compiled form — took longer than SQLite needs to run the
small, indexed queries of one rep's day. A *prepared* statement is built on first use of its
key and kept: later runs pass only parameter values (``uow.execute(statement, params)``), and
SQLAlchemy reuses the statement's memoized cache key and compiled SQL.

Nothing a call asks for is baked into a kept statement: every value is a named bound
parameter, and the key names only the statement's *shape* — which query, which optional
filters, how the access predicate (A7) is built
(:func:`~crmkit.adapters.sqlalchemy.predicates.predicate_template`). A predicate whose
clause depends on its values is compiled afresh on each call, as before.

>>> import sqlalchemy as sa
>>> from crmkit.adapters.sqlalchemy import tables
>>> t = tables.reminders
>>> build = lambda: sa.select(t.c.id).where(t.c.assignee_id == bound("who", t.c.assignee_id))
>>> key = ("example", "reminders of one assignee")
>>> prepared(key, build) is prepared(key, build)
True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy.predicates import compile_predicate, compile_template, predicate_template
from crmkit.domain.predicates import Everything, Predicate

__all__ = ["MAX_PREPARED", "bound", "join_company", "page", "paged", "prepared", "scoped"]

MAX_PREPARED = 1_000
"""Most statements kept; past it the cache starts again empty (shapes are few, so it never should)."""

S = TypeVar("S", bound=sa.Executable)

_KEPT: dict[Hashable, Any] = {}


def prepared(key: Hashable, build: Callable[[], S]) -> S:
    """The statement ``build()`` gives, built on the first call for ``key`` and kept.

    ``key`` must say everything the statement's text depends on; every value a call may vary
    must be a named :func:`bound` parameter of it, passed when it runs.
    """
    found: S | None = _KEPT.get(key)
    if found is None:
        if len(_KEPT) >= MAX_PREPARED:
            _KEPT.clear()
        found = _KEPT[key] = build()
    return found


def bound(name: str, column: sa.ColumnElement[Any], *, expanding: bool = False) -> sa.BindParameter[Any]:
    """A named parameter typed like ``column`` (its value converted as the column's would be)."""
    return sa.bindparam(name, type_=column.type, expanding=expanding)


def paged(query: sa.Select[Any], *, offset: bool = True) -> sa.Select[Any]:
    """``query`` with ``LIMIT :limit`` (and ``OFFSET :offset``) parameters; values from :func:`page`."""
    query = query.limit(sa.bindparam("limit", type_=sa.Integer))
    return query.offset(sa.bindparam("offset", type_=sa.Integer)) if offset else query


def page(limit: int, offset: int = 0) -> dict[str, int]:
    """The values of :func:`paged`'s parameters (a negative limit or offset counts as 0)."""
    return {"limit": max(limit, 0), "offset": max(offset, 0)}


def scoped(
    key: Hashable,
    predicate: Predicate,
    build: Callable[[sa.ColumnElement[bool] | None], S],
) -> tuple[S, dict[str, Any]]:
    """The statement ``build(where)`` for the access ``predicate`` (A7), and the predicate's values.

    ``where`` is ``None`` for :data:`~crmkit.domain.predicates.EVERYTHING` (no join needed),
    else the predicate's clause over ``companies`` for ``build`` to join and filter by. The
    statement is kept per ``key`` and predicate shape; run it with the returned parameters
    plus the caller's own.
    """
    if isinstance(predicate, Everything):
        return prepared((key, "Everything"), lambda: build(None)), {}
    template = predicate_template(predicate)
    if template is None:  # its clause depends on its values: build it for this call only
        return build(compile_predicate(predicate)), {}
    statement = prepared((key, template.shape), lambda: build(compile_template(predicate)))
    return statement, template.params


def join_company(
    query: sa.Select[Any], table: sa.Table, where: sa.ColumnElement[bool] | None
) -> sa.Select[Any]:
    """``query`` joined to the record's company and filtered by ``where``; as it is for ``None``."""
    if where is None:
        return query
    companies = tables.companies
    return query.join(companies, companies.c.id == table.c.company_id).where(where)
