"""The storage's own record of which companies have dated codes or owners (T4; revision 0026).

``companies.code_dated`` / ``companies.owner_dated`` are true exactly when the
company has a row in ``customer_codes`` / ``owner_assignments``. They are no
domain field: the history repositories (:class:`DatedFlags`) set them in the
transaction that adds a row (history rows are never deleted), and the company
repository notes, per unit of work, which companies it read with both false
(:func:`note_undated`). Two readers profit:

* ``customer_codes.history(c)`` of a company read in the same unit of work with
  both flags false is empty without a query: a single-record decision about a
  company that never moved costs no history round trip (issue 11, issue 16 item 6);
* a listing compiles its dated code leaf into two disjoint branches on
  ``code_dated`` (:mod:`crmkit.adapters.sqlalchemy.predicates`), joined by ``UNION ALL``.

A unit of work answers "no history" from the row it read: the flags as of that read, as
a decision made right after it would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy import tables
from crmkit.domain.ids import CompanyId

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["DatedFlags", "note_undated"]

_COMPANIES = tables.companies
_CODE_AT = list(_COMPANIES.columns).index(_COMPANIES.c.code_dated)
_OWNER_AT = list(_COMPANIES.columns).index(_COMPANIES.c.owner_dated)


def note_undated(uow: SqlUnitOfWork, rows: Sequence[Any], ids: Iterable[CompanyId], *, whole: bool) -> None:
    """Note the companies of ``rows`` (``ids`` in the same order) whose two flags are false.

    ``whole``: the rows are ``select(companies)`` tuples, read by position; else mappings,
    which note nothing unless they hold both flags.
    """
    undated = uow.undated_companies
    for row, company in zip(rows, ids, strict=True):
        if whole:
            code, owner = row[_CODE_AT], row[_OWNER_AT]
        else:
            code, owner = row.get("code_dated", True), row.get("owner_dated", True)
        if not code and not owner:
            undated.add(company)


class _Dated(Protocol):
    company_id: CompanyId


class DatedFlags:
    """Mixed into a history repository: adding (or saving) a row marks its company (revision 0026)."""

    flag: ClassVar[str]
    """The ``companies`` column this history sets: ``code_dated`` or ``owner_dated``."""

    _uow: SqlUnitOfWork

    def add_many(self, items: Iterable[Any]) -> None:
        """Store the rows (the repository's own ``add_many``) and mark their companies."""
        batch = list(items)
        super().add_many(batch)  # type: ignore[misc]
        self._mark({row.company_id for row in batch})

    def save(self, item: Any) -> Any:
        """Store the changed row (the repository's own ``save``) and mark its company."""
        saved = super().save(item)  # type: ignore[misc]
        self._mark({item.company_id})
        return saved

    def _mark(self, companies: set[CompanyId]) -> None:
        if not companies:
            return
        self._uow.undated_companies.difference_update(companies)
        column = _COMPANIES.c[self.flag]
        update = (
            sa.update(_COMPANIES)
            .where(_COMPANIES.c.id.in_(sorted(companies)), sa.not_(column))
            .values({self.flag: True})
        )
        self._uow.execute(update)
