"""Return references in SQL (§7 V1, V8; migration 0024): what returns cite, and what of them waits.

:class:`SqlReturnReferences` is the part of
:class:`~crmkit.adapters.sqlalchemy.invoices.SqlInvoiceRepository` that keeps
``return_references``. The table's key leads with the cited original's number and
seller, so :meth:`~SqlReturnReferences.waiting_returns` is an index look-up per
thousand imported invoices, whatever the number of returns stored. ``waiting`` is
compared in Python: SQLite keeps exact decimals as text, which SQL would compare as text.
:meth:`~SqlReturnReferences.lock_returns` writes ``return_locks`` rows (migration 0029).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from crmkit.adapters.sqlalchemy._convert import uuid_of
from crmkit.adapters.sqlalchemy._errors import arose_from_lock_conflict, savepoint
from crmkit.adapters.sqlalchemy.bulk import bulk_insert, chunks, upsert
from crmkit.adapters.sqlalchemy.tables.invoice import return_locks, return_references
from crmkit.domain.errors import ConcurrencyConflict, Duplicate
from crmkit.domain.invoices import InvoiceId, ReturnReference

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlReturnReferences"]

_C = return_references.c
_SET_WAITING = (
    sa.update(return_references)
    .where(
        _C.number == sa.bindparam("b_number"),
        _C.seller_key == sa.bindparam("b_seller"),
        _C.return_id == sa.bindparam("b_return"),
        _C.line_number == sa.bindparam("b_line"),
    )
    .values(waiting=sa.bindparam("b_waiting"))
)


class SqlReturnReferences:
    """``return_references`` of a SQL unit of work (see :class:`crmkit.ports.invoices.InvoiceRecords`)."""

    _uow: SqlUnitOfWork

    def add_return_references(self, references: Sequence[ReturnReference]) -> None:
        """Insert the references of new returns through the bulk path, in a savepoint.

        Raises:
            Duplicate: one is stored already (names ``return_id``); none is written.
        """
        if not references:
            return
        rows = [(r.number, r.seller_key, r.return_id, r.line_number, r.waiting) for r in references]
        connection = self._uow.connection
        try:
            with savepoint(connection):
                bulk_insert(connection, return_references, rows)
        except IntegrityError:
            raise Duplicate("return_id", f"return {references[0].return_id} is referenced already") from None

    def waiting_returns(self, originals: Iterable[tuple[str, str]]) -> list[ReturnReference]:
        """References with something waiting that cite one of ``originals`` (seller key, number)."""
        wanted = set(originals)
        numbers = sorted({number for _, number in wanted})
        found: list[ReturnReference] = []
        for chunk in chunks(numbers):
            query = sa.select(return_references).where(_C.number.in_(chunk))
            for row in self._uow.execute(query):
                waiting = Decimal(row.waiting)
                if waiting > 0 and (row.seller_key, row.number) in wanted:
                    found.append(
                        ReturnReference(
                            row.seller_key,
                            row.number,
                            InvoiceId(uuid_of(row.return_id)),
                            row.line_number,
                            waiting,
                        )
                    )
        return sorted(found, key=lambda r: (r.seller_key, r.number, r.return_id, r.line_number))

    def set_waiting(self, references: Sequence[ReturnReference]) -> None:
        """Update the ``waiting`` of these references by their key (one ``executemany``)."""
        if not references:
            return
        self._uow.connection.execute(
            _SET_WAITING,
            [
                {"b_number": r.number, "b_seller": r.seller_key, "b_return": r.return_id,
                 "b_line": r.line_number, "b_waiting": r.waiting}
                for r in references
            ],
        )  # fmt: skip

    def _reference(self, row: sa.Row[Any]) -> ReturnReference:
        return_id = InvoiceId(uuid_of(row.return_id))
        return ReturnReference(row.seller_key, row.number, return_id, row.line_number, Decimal(row.waiting))

    def references_citing(self, originals: Iterable[tuple[str, str]]) -> list[ReturnReference]:
        """Every reference citing one of ``originals``: one index look-up per thousand numbers."""
        wanted = set(originals)
        numbers = sorted({number for _, number in wanted})
        found = [
            self._reference(row)
            for chunk in chunks(numbers)
            for row in self._uow.execute(sa.select(return_references).where(_C.number.in_(chunk)))
            if (row.seller_key, row.number) in wanted
        ]
        return sorted(found, key=lambda r: (r.seller_key, r.number, r.return_id, r.line_number))

    def reference_page(
        self,
        after: tuple[str, str, InvoiceId, int] | None = None,
        *,
        limit: int = 1000,
        waiting: bool = False,
    ) -> list[ReturnReference]:
        """Up to ``limit`` references after ``after`` in (seller key, number, return, line) order.

        ``waiting`` is filtered in Python (SQLite keeps it as text), reading on by pages.
        """
        found: list[ReturnReference] = []
        size = max(limit, 1)
        while len(found) < size:
            key = (_C.seller_key, _C.number, _C.return_id, _C.line_number)
            query = sa.select(return_references).order_by(*key)
            if after is not None:
                query = query.where(sa.tuple_(*key) > tuple(after))
            rows = self._uow.execute(query.limit(size)).all()
            for row in rows:
                reference = self._reference(row)
                if not waiting or reference.waiting > 0:
                    found.append(reference)
            if len(rows) < size:
                break
            last = rows[-1]
            after = (last.seller_key, last.number, InvoiceId(uuid_of(last.return_id)), last.line_number)
        return found[:size]

    def lock_returns(self, sellers: Iterable[str]) -> None:
        """Write the sellers' ``return_locks`` rows in key order: held until the unit of work ends.

        Raises:
            ConcurrencyConflict: a lock wait timed out or was a deadlock's victim (SQLite: its
                snapshot was stale); run the matching again.
        """
        keys = sorted(set(sellers))
        if not keys:
            return
        statement = upsert(return_locks, self._uow.connection.dialect, ["seller_key"], ["turns"])
        try:
            for key in keys:  # one by one in key order: two matchings never wait on each other in a circle
                self._uow.connection.execute(statement, [{"seller_key": key, "turns": 1}])
        except DBAPIError as error:
            if arose_from_lock_conflict(error):
                raise ConcurrencyConflict("return matching", keys[0], 0) from None
            raise
