"""The generic versioned SQL repository, its audit rows and conditional deletes.

``add``/``add_many`` write rows and their audit entries (C12) in a savepoint; ``save``
is a conditional ``UPDATE … WHERE version = ?`` (a stale copy raises
:class:`~crmkit.domain.errors.ConcurrencyConflict`). The concrete repositories are in
:mod:`crmkit.adapters.sqlalchemy.repositories`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import attrs
import sqlalchemy as sa

from crmkit.adapters.audit import (
    audit_entry,
    deletion_entry,
)
from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import RowMapper, offset_of, utc
from crmkit.adapters.sqlalchemy.prepared import bound, prepared
from crmkit.domain.audit import AuditEntry
from crmkit.domain.errors import ConcurrencyConflict, NotFound
from crmkit.ports.clock import Clock

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork


__all__ = [
    "GET_MANY_CHUNK",
    "MAX_TREE_DEPTH",
    "Deleting",
    "SqlRepository",
    "audit_row",
    "change_row",
    "parents_first",
]

GET_MANY_CHUNK = 5_000
"""Most ids one ``get_many`` query asks for (drivers cap the number of parameters)."""
MAX_TREE_DEPTH = 1_000
"""Deepest level a recursive tree query descends to (a guard against corrupt cycles)."""


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


E = TypeVar("E", bound=_Versioned)
K = TypeVar("K")


def _page(query: sa.Select[Any], limit: int, offset: int) -> sa.Select[Any]:
    return query.limit(max(limit, 0)).offset(max(offset, 0))


class SqlRepository(Generic[E, K]):
    """What every SQL repository shares: add, add_many, get, get_many, save, count.

    Subclasses set :attr:`aggregate_type`, :attr:`mapper` and :attr:`key_column`.
    """

    aggregate_type: ClassVar[str] = ""
    """The ``aggregate_type`` of audit entries and the ``kind`` of :class:`NotFound`."""
    mapper: ClassVar[RowMapper[Any]]
    """Maps the aggregate to its table's rows."""
    key_column: ClassVar[str] = "id"
    """The primary-key column, which is also the aggregate's key attribute."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _table(self) -> sa.Table:
        return self.mapper.table

    @property
    def _key(self) -> sa.ColumnElement[Any]:
        return self._table.c[self.key_column]

    def _key_of(self, item: E) -> K:
        key: K = getattr(item, self.key_column)
        return key

    def _rows(self, query: sa.Select[Any], params: Mapping[str, Any] | None = None) -> list[E]:
        result = self._uow.execute(query, params)
        selected, columns = list(query.selected_columns), list(self._table.columns)
        if len(selected) == len(columns) and all(a is b for a, b in zip(selected, columns, strict=True)):
            # select(table): read values by position, the fast path for lists and get_many
            return [self.mapper.from_values(row) for row in result]
        return [self.mapper.from_row(row) for row in result.mappings()]

    def _one_or_none(self, query: sa.Select[Any]) -> E | None:
        found = self._rows(query.limit(1))
        return found[0] if found else None

    def _by_key(self) -> sa.Select[Any]:
        """``SELECT`` the row whose key is the parameter ``key`` (built once per table)."""
        table, key = self._table, self._key
        return prepared(
            ("by key", table, self.key_column),
            lambda: sa.select(table).where(key == bound("key", key)).limit(1),
        )

    def _ordered_for_insert(self, items: list[E]) -> list[E]:
        """The batch in an order that satisfies references within it (default: as given)."""
        return items

    def _audit_row(self, key: object, version: int, old: E | None, new: E) -> dict[str, Any]:
        return change_row(self._uow, self.aggregate_type, key, version, old, new)

    def add(self, item: E) -> None:
        """Store a new aggregate and its ``create`` audit entry.

        Raises:
            Duplicate: the key or another unique field is taken; names the field.
            ValidationError: a reference points nowhere, or a text is too long; names the field.
        """
        self.add_many([item])

    def add_many(self, items: Iterable[E]) -> None:
        """Store many new aggregates: one batched ``INSERT`` for them, one for their audit.

        All or nothing: when one row is refused, none of the batch is written.

        Raises:
            Duplicate: as :meth:`add`.
            ValidationError: as :meth:`add`.
        """
        batch = self._ordered_for_insert(list(items))
        if not batch:
            return
        rows = [self.mapper.to_row(item) for item in batch]
        audit = [self._audit_row(self._key_of(item), item.version, None, item) for item in batch]
        insert = sa.insert(self._table)
        audit_insert = sa.insert(tables.audit_entries)
        with self._uow.writing(self, rows, self._key_of(batch[0]), batch[0].version) as conn:
            if len(rows) == 1:
                conn.execute(insert, rows[0])
                conn.execute(audit_insert, audit[0])
            else:
                conn.execute(insert, rows)
                conn.execute(audit_insert, audit)

    def get(self, key: K) -> E:
        """The aggregate with this key.

        Raises:
            NotFound: when there is none.
        """
        found = self._rows(self._by_key(), {"key": key})
        if not found:
            raise NotFound(self.aggregate_type, key)
        return found[0]

    def get_many(self, keys: Iterable[K]) -> dict[K, E]:
        """The aggregates with these keys in one query (per :data:`GET_MANY_CHUNK` keys).

        Missing keys are left out; the dict follows the order of ``keys``.
        """
        wanted = list(dict.fromkeys(keys))
        found: dict[K, E] = {}
        for start in range(0, len(wanted), GET_MANY_CHUNK):
            chunk = wanted[start : start + GET_MANY_CHUNK]
            for item in self._rows(sa.select(self._table).where(self._key.in_(chunk))):
                found[self._key_of(item)] = item
        return {key: found[key] for key in wanted if key in found}

    def save(self, item: E) -> E:
        """Store a changed aggregate with a conditional ``UPDATE``; returns it with ``version + 1``.

        Raises:
            ConcurrencyConflict: ``item.version`` is not the stored version; nothing is written.
            NotFound: the aggregate was never added.
            Duplicate: a unique field clashes with another record; names the field.
            ValidationError: a reference points nowhere, or a text is too long.
        """
        key = self._key_of(item)
        old = self._one_or_none(sa.select(self._table).where(self._key == key))
        if old is None:
            raise NotFound(self.aggregate_type, key)
        if old.version != item.version:
            raise ConcurrencyConflict(self.aggregate_type, key, item.version)
        new: E = attrs.evolve(item, version=item.version + 1)  # type: ignore[misc]  # E is attrs
        row = self.mapper.to_row(new)
        del row[self.key_column]
        update = (
            sa.update(self._table).where(self._key == key, self._table.c.version == item.version).values(row)
        )
        with self._uow.writing(self, [row | {self.key_column: key}], key, item.version) as conn:
            if conn.execute(update).rowcount != 1:
                raise ConcurrencyConflict(self.aggregate_type, key, item.version)
            conn.execute(sa.insert(tables.audit_entries), self._audit_row(key, new.version, old, new))
        return new

    def count(self) -> int:
        """How many aggregates are stored (as this unit of work sees them)."""
        query = sa.select(sa.func.count()).select_from(self._table)
        return int(self._uow.execute(query).scalar_one())


class _Auditing(Protocol):
    """What :func:`change_row` reads of a unit of work: who acts, and the clock."""

    @property
    def actor(self) -> uuid.UUID | None: ...

    @property
    def clock(self) -> Clock: ...


def change_row(
    uow: _Auditing, aggregate_type: str, key: object, version: int, old: object | None, new: object | None
) -> dict[str, Any]:
    """The ``audit_entries`` row of a change made now in ``uow`` by its actor (C12).

    ``old`` ``None``: an ``add``; ``new`` ``None``: a delete (see :func:`~crmkit.adapters.audit.audit_entry`).
    """
    entry = audit_entry(
        actor=uow.actor,
        at=uow.clock.now(),
        aggregate_type=aggregate_type,
        aggregate_id=key,
        version=version,
        old=old,
        new=new,
    )
    return audit_row(entry)


class _Node(Protocol):
    """A record of a tree: companies (C2) and regions (T1)."""

    @property
    def id(self) -> Any: ...

    @property
    def parent_id(self) -> Any: ...


_N = TypeVar("_N", bound=_Node)


def parents_first(items: list[_N]) -> list[_N]:
    """The batch with parents before their children, so every back end accepts it row by row.

    A cycle inside the batch is left as it is, for the database to refuse.
    """
    in_batch = {n.id for n in items}
    placed: set[Any] = set()
    ordered: list[_N] = []
    waiting = list(items)
    while waiting:
        ready = [
            n for n in waiting if n.parent_id is None or n.parent_id not in in_batch or n.parent_id in placed
        ]
        if not ready:  # a cycle inside the batch: let the database refuse it
            ready = waiting
        ordered.extend(ready)
        placed.update(n.id for n in ready)
        ready_ids = {id(n) for n in ready}
        waiting = [n for n in waiting if id(n) not in ready_ids]
    return ordered


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """The ``audit_entries`` row of an entry; ``changes`` as ``[field, old, new]`` triples."""
    return {
        "actor_id": entry.actor_id,
        "at": utc(entry.at),
        "at_offset": offset_of(entry.at),  # read back at the offset it was written with (revision 0018)
        "aggregate_type": entry.aggregate_type,
        "aggregate_id": entry.aggregate_id,
        "version": entry.version,
        "action": entry.action,
        "changes": [[c.field, c.old, c.new] for c in entry.changes],
    }


class Deleting:
    """The conditional delete with its audit row, shared by the repositories of deletable records."""

    aggregate_type: ClassVar[str]
    _uow: Any

    def _delete(self, repository: SqlRepository[Any, Any], item: Any) -> None:
        table = repository.mapper.table
        key = item.id
        old = repository._one_or_none(sa.select(table).where(table.c.id == key))
        if old is None:
            raise NotFound(self.aggregate_type, key)
        if old.version != item.version:
            raise ConcurrencyConflict(self.aggregate_type, key, item.version)
        entry = deletion_entry(
            actor=self._uow.actor,
            at=self._uow.clock.now(),
            aggregate_type=self.aggregate_type,
            aggregate_id=key,
            old=old,
        )
        statement = sa.delete(table).where(table.c.id == key, table.c.version == item.version)
        with self._uow.writing(repository, [], key, item.version) as conn:
            if conn.execute(statement).rowcount != 1:
                raise ConcurrencyConflict(self.aggregate_type, key, item.version)
            conn.execute(sa.insert(tables.audit_entries), audit_row(entry))
