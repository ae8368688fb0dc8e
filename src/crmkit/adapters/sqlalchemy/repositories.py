"""Repositories over SQLAlchemy Core: one per aggregate, plus the audit log reader.

Every repository works on its unit of work's one connection and transaction
(:class:`~crmkit.adapters.sqlalchemy.storage.SqlUnitOfWork`), following the
rules in :mod:`crmkit.ports.storage`:

* ``add``/``add_many`` insert the rows and their audit entries (C12) inside a
  savepoint, so a refused write (a duplicate, a missing reference) leaves the
  unit of work usable and unchanged on every back end; ``add_many`` is one
  ``executemany`` for the rows and one for the audit entries.
* ``save`` reads the stored row, then runs ``UPDATE … WHERE id = ? AND
  version = ?`` and checks the row count: a stale copy raises
  :class:`~crmkit.domain.errors.ConcurrencyConflict` and writes nothing.
* ``get_many`` is one ``SELECT … WHERE id IN (…)``; trees are walked by a
  recursive CTE in the database; search matches the stored folded key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.adapters.audit import (
    CLAIM_AGGREGATE,
    COMPANY_AGGREGATE,
    CONTACT_AGGREGATE,
    EMPLOYEE_AGGREGATE,
    PICKLIST_AGGREGATE,
)
from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import RowMapper, local
from crmkit.adapters.sqlalchemy.dated_flags import note_undated
from crmkit.adapters.sqlalchemy.predicates import branch_template, compile_branch_templates, compile_branches
from crmkit.adapters.sqlalchemy.prepared import page, paged, prepared
from crmkit.adapters.sqlalchemy.sql_repository import (
    GET_MANY_CHUNK,
    MAX_TREE_DEPTH,
    SqlRepository,
    _page,
    parents_first,
)

# re-exported: other adapters import these from here
from crmkit.adapters.sqlalchemy.sql_repository import Deleting as Deleting
from crmkit.adapters.sqlalchemy.sql_repository import audit_row as audit_row
from crmkit.domain.audit import AuditEntry, FieldChange
from crmkit.domain.employees import Employee
from crmkit.domain.errors import NotFound
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName
from crmkit.domain.parameters import PickList
from crmkit.domain.parties import Claim, ClaimStatus, Company, CompanyType, Contact
from crmkit.domain.predicates import Predicate
from crmkit.domain.text import fold

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork


__all__ = [
    "GET_MANY_CHUNK",
    "MAX_TREE_DEPTH",
    "SqlAuditLog",
    "SqlClaimRepository",
    "SqlCompanyRepository",
    "SqlContactRepository",
    "SqlEmployeeRepository",
    "SqlPickListRepository",
    "SqlRepository",
]


def _company_extra(company: Company) -> dict[str, Any]:
    return {"name_key": fold(company.name)}


class SqlCompanyRepository(Deleting, SqlRepository[Company, CompanyId]):
    """Companies (C1–C7, C11); tax numbers unique; trees walked in the database (T5, A6)."""

    aggregate_type = COMPANY_AGGREGATE
    mapper = RowMapper(
        Company,
        tables.companies,
        nested={"segmentation": "", "referred_by": "referred_by_"},
        extra=_company_extra,
    )

    def _ordered_for_insert(self, items: list[Company]) -> list[Company]:
        """Parents before their children within the batch."""
        return parents_first(items)

    def _rows(self, query: sa.Select[Any], params: Mapping[str, Any] | None = None) -> list[Company]:
        """The companies read, noting those without dated codes or owners (:mod:`.dated_flags`)."""
        result = self._uow.execute(query, params)
        selected, columns = list(query.selected_columns), list(self._table.columns)
        whole = len(selected) == len(columns) and all(a is b for a, b in zip(selected, columns, strict=True))
        rows = result.all() if whole else result.mappings().all()
        found = (
            [self.mapper.from_values(row) for row in rows]
            if whole
            else [self.mapper.from_row(row) for row in rows]
        )
        note_undated(self._uow, rows, (c.id for c in found), whole=whole)
        return found

    def by_tax_no(self, tax_no: str) -> Company | None:
        """The company with this VKN/TCKN, or ``None``."""
        t = tables.companies
        return self._one_or_none(sa.select(t).where(t.c.tax_no == tax_no))

    def by_tax_nos(self, tax_nos: Iterable[str]) -> dict[str, Company]:
        """The companies holding these VKN/TCKNs, by number, in one query per chunk of numbers."""
        t = tables.companies
        wanted = list(dict.fromkeys(tax_nos))
        found: dict[str, Company] = {}
        for start in range(0, len(wanted), GET_MANY_CHUNK):
            chunk = wanted[start : start + GET_MANY_CHUNK]
            found.update(
                (c.tax_no, c) for c in self._rows(sa.select(t).where(t.c.tax_no.in_(chunk))) if c.tax_no
            )
        return found

    def delete(self, item: Company) -> None:
        """Remove a company nothing refers to, with its ``delete`` audit row (C13).

        Raises:
            NotFound: it is not stored.
            ConcurrencyConflict: ``item.version`` is not the stored version.
        """
        self._delete(self, item)

    def children(self, parent: CompanyId) -> list[Company]:
        """Companies registered directly under ``parent``, ordered by id."""
        t = tables.companies
        return self._rows(sa.select(t).where(t.c.parent_id == parent).order_by(t.c.id))

    def ancestors(self, company: CompanyId) -> list[CompanyId]:
        """The chain above ``company``, parent first, by a recursive CTE.

        Raises:
            NotFound: when the company does not exist.
        """
        t = tables.companies
        up = t.alias("up")
        tree = (
            sa.select(t.c.id, t.c.parent_id, sa.literal(0, sa.Integer).label("depth"))
            .where(t.c.id == company)
            .cte("chain", recursive=True)
        )
        tree = tree.union_all(
            sa.select(up.c.id, up.c.parent_id, (tree.c.depth + 1).label("depth")).where(
                up.c.id == tree.c.parent_id, tree.c.depth < MAX_TREE_DEPTH
            )
        )
        rows = self._uow.execute(sa.select(tree.c.id, tree.c.depth).order_by(tree.c.depth)).all()
        if not rows:
            raise NotFound(self.aggregate_type, company)
        return [CompanyId(row.id) for row in rows if row.depth > 0]

    def subtree(self, root: CompanyId) -> list[CompanyId]:
        """``root`` and every company below it, by a recursive CTE, ordered by id.

        Empty when ``root`` does not exist.
        """
        t = tables.companies
        down = t.alias("down")
        tree = (
            sa.select(t.c.id, sa.literal(0, sa.Integer).label("depth"))
            .where(t.c.id == root)
            .cte("subtree", recursive=True)
        )
        tree = tree.union_all(
            sa.select(down.c.id, (tree.c.depth + 1).label("depth")).where(
                down.c.parent_id == tree.c.id, tree.c.depth < MAX_TREE_DEPTH
            )
        )
        query = sa.select(tree.c.id).distinct().order_by(tree.c.id)
        return [CompanyId(value) for value in self._uow.execute(query).scalars()]

    def search(
        self,
        text: str = "",
        *,
        type: CompanyType | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Company]:
        """Companies whose folded name contains folded ``text`` (``istanbul`` finds ``İSTANBUL``).

        Matches the stored key with ``LIKE`` (``%`` and ``_`` in ``text`` are
        escaped); ordered by folded name, then id.
        """
        t = tables.companies
        query = sa.select(t).where(
            t.c.name_key.contains(fold(text), autoescape=True), t.c.archived_at.is_(None)
        )
        if type is not None:
            query = query.where(t.c.type == CompanyType(type).value)
        return self._rows(_page(query.order_by(t.c.name_key, t.c.id), limit, offset))

    def visible(
        self, predicate: Predicate, *, text: str = "", limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Companies matching an access predicate compiled to ``WHERE`` (A7) and ``text``.

        Ordered by folded name then id.
        """
        t = tables.companies
        template = None if text else branch_template(predicate)
        if template is not None:  # two branches, statement kept per shape (T4, revision 0026)
            query = prepared(("visible page", template.shape), lambda: _branch_page(predicate))
            first = {_FIRST: max(limit, 0) + max(offset, 0)}
            return self._rows(query, template.params | first | page(limit, offset))
        # page the ids first (from the covering index), then read only the page's rows;
        # a derived table, since MariaDB/MySQL refuse LIMIT inside IN (…)
        branches = self._visible_where(predicate, text)
        if len(branches) == 1:
            ids = sa.select(t.c.id).where(branches[0]).order_by(t.c.name_key, t.c.id)
        else:
            ids = _union_page(branches, max(limit, 0) + max(offset, 0))
        return self._rows(sa.select(t).join(p := _page(ids, limit, offset).subquery("page"), p.c.id == t.c.id)
                          .order_by(t.c.name_key, t.c.id))  # fmt: skip

    def count_visible(self, predicate: Predicate, *, text: str = "") -> int:
        """How many companies match the access predicate and ``text``, counted in the database (A7)."""
        template = None if text else branch_template(predicate)
        if template is not None:
            query = prepared(("visible count", template.shape), lambda: _count(_branch_where(predicate)))
            return int(self._uow.execute(query, template.params).scalar_one())
        return int(self._uow.execute(_count(self._visible_where(predicate, text))).scalar_one())

    @staticmethod
    def _visible_where(predicate: Predicate, text: str) -> list[sa.ColumnElement[bool]]:
        """The listing's disjoint ``WHERE`` clauses (``compile_branches``), archived ones left out (C13)."""
        t = tables.companies
        found = []
        for branch in compile_branches(predicate):
            where = sa.and_(branch, t.c.archived_at.is_(None))
            if text:
                where = sa.and_(where, t.c.name_key.contains(fold(text), autoescape=True))
            found.append(where)
        return found


_FIRST = "first_rows"
"""The parameter of a branched page: how many rows each branch keeps (offset + limit)."""


def _branch_where(predicate: Predicate) -> list[sa.ColumnElement[bool]]:
    """The two branch clauses of ``predicate``'s shape, values as parameters, archived left out (C13)."""
    archived = tables.companies.c.archived_at.is_(None)
    return [sa.and_(branch, archived) for branch in compile_branch_templates(predicate)]


def _union_page(branches: list[sa.ColumnElement[bool]], first: Any) -> sa.Select[Any]:
    """The ids of disjoint ``branches`` by folded name then id, as one ``UNION ALL``.

    Each branch keeps only its ``first`` rows (offset + limit) from its own index, so the
    outer sort sees few rows; no ``OR`` across the branches, which SQLite could only answer
    row by row (T4, revision 0026).
    """
    t = tables.companies
    parts = [
        sa.select(t.c.id, t.c.name_key).where(b).order_by(t.c.name_key, t.c.id).limit(first).subquery()
        for b in branches
    ]
    both = sa.union_all(*(sa.select(part.c.id, part.c.name_key) for part in parts)).subquery()
    return sa.select(both.c.id).order_by(both.c.name_key, both.c.id)


def _branch_page(predicate: Predicate) -> sa.Select[Any]:
    """The page statement of ``predicate``'s shape: ids by :func:`_union_page`, then their rows."""
    t = tables.companies
    ids = _union_page(_branch_where(predicate), sa.bindparam(_FIRST, type_=sa.Integer))
    found = paged(ids).subquery("page")
    return sa.select(t).join(found, found.c.id == t.c.id).order_by(t.c.name_key, t.c.id)


def _count(branches: list[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    """``SELECT`` the number of companies the disjoint ``branches`` hold (each counted apart)."""
    t = tables.companies
    counts = [sa.select(sa.func.count()).select_from(t).where(b).scalar_subquery() for b in branches]
    total: sa.ColumnElement[Any] = counts[0]
    for more in counts[1:]:
        total = total + more
    return sa.select(total)


class SqlContactRepository(SqlRepository[Contact, ContactId]):
    """Contact persons (C4)."""

    aggregate_type = CONTACT_AGGREGATE
    mapper = RowMapper(Contact, tables.contacts)

    def for_company(self, company: CompanyId) -> list[Contact]:
        """The company's contacts, ordered by name then id."""
        t = tables.contacts
        query = sa.select(t).where(t.c.company_id == company).order_by(t.c.name, t.c.id)
        return self._rows(query)


class SqlEmployeeRepository(SqlRepository[Employee, EmployeeId]):
    """Employees (C8); logins unique."""

    aggregate_type = EMPLOYEE_AGGREGATE
    mapper = RowMapper(Employee, tables.employees)

    def by_login(self, login: str) -> Employee | None:
        """The employee with this login, or ``None`` (departed employees have none)."""
        t = tables.employees
        return self._one_or_none(sa.select(t).where(t.c.login == login))

    def for_firm(self, firm: CompanyId | None) -> list[Employee]:
        """Staff of a firm (``None``: the host company), ordered by name then id."""
        t = tables.employees
        where = t.c.firm_id.is_(None) if firm is None else t.c.firm_id == firm
        return self._rows(sa.select(t).where(where).order_by(t.c.name, t.c.id))


class SqlClaimRepository(SqlRepository[Claim, ClaimId]):
    """Ownership claims (C6)."""

    aggregate_type = CLAIM_AGGREGATE
    mapper = RowMapper(Claim, tables.claims)

    def for_company(self, company: CompanyId) -> list[Claim]:
        """All claims on a company, oldest first (by request time, then id)."""
        t = tables.claims
        query = sa.select(t).where(t.c.company_id == company)
        return self._rows(query.order_by(t.c.requested_at, t.c.id))

    def pending(self, *, limit: int = 50, offset: int = 0) -> list[Claim]:
        """Claims awaiting a decision, oldest first (by request time, then id)."""
        t = tables.claims
        query = sa.select(t).where(t.c.status == ClaimStatus.PENDING.value)
        return self._rows(_page(query.order_by(t.c.requested_at, t.c.id), limit, offset))


class SqlPickListRepository(SqlRepository[PickList, PickListName]):
    """Parameter lists (C9), keyed by name."""

    aggregate_type = PICKLIST_AGGREGATE
    mapper = RowMapper(PickList, tables.picklists)
    key_column = "name"

    def all(self) -> list[PickList]:
        """Every list, ordered by name."""
        t = tables.picklists
        return self._rows(sa.select(t).order_by(t.c.name))


class SqlAuditLog:
    """Reads the audit trail (C12): committed entries plus this unit of work's own."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _entries(self, query: sa.Select[Any]) -> list[AuditEntry]:
        t = tables.audit_entries
        rows = self._uow.execute(query.order_by(t.c.at, t.c.id)).mappings()
        return [_entry(row) for row in rows]

    def for_record(self, aggregate_type: str, aggregate_id: str) -> list[AuditEntry]:
        """Every change to one record, oldest first (by time, then the order written)."""
        t = tables.audit_entries
        return self._entries(
            sa.select(t).where(t.c.aggregate_type == aggregate_type, t.c.aggregate_id == str(aggregate_id))
        )

    def by_actor(self, actor_id: str, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Changes made by one actor, oldest first (by time, then the order written)."""
        t = tables.audit_entries
        query = sa.select(t).where(t.c.actor_id == str(actor_id))
        return self._entries(query.limit(max(limit, 0)).offset(max(offset, 0)))


def _entry(row: Any) -> AuditEntry:
    changes: Sequence[Sequence[str | None]] = row["changes"]
    return AuditEntry(
        actor_id=row["actor_id"],
        at=local(row["at"], row["at_offset"]),
        aggregate_type=row["aggregate_type"],
        aggregate_id=row["aggregate_id"],
        version=row["version"],
        action=row["action"],
        changes=tuple(FieldChange(str(c[0]), c[1], c[2]) for c in changes),
    )
