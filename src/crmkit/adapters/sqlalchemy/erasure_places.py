"""Erasure in the SQL back ends (M4): companies, employees, invoices and orders, point ledgers.

:func:`mentions` is the ``LIKE`` prefilter every place is read through.

Each function reads only the rows :func:`mentions` (or an address) lets through, decides
row by row with the rules shared with the memory back end (:mod:`crmkit.adapters.erasing`)
and updates what changed; it returns place → rows changed, as the memory back end counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.adapters.erasing import (
    NAME_KEY,
    erased_article,
    erased_company,
    erased_employee,
    erased_invoice,
    rekeyed,
    scrub_fields,
)
from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.domain.employees import EmployeeStatus
from crmkit.domain.erasure import ErasurePlan
from crmkit.domain.erasure_text import anchors, phone_like

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = [
    "erase_articles",
    "erase_companies",
    "erase_employees",
    "erase_invoices",
    "erase_points",
    "mentions",
]


def mentions(columns: Iterable[sa.ColumnElement[Any]], plan: ErasurePlan) -> sa.ColumnElement[bool]:
    """Rows whose ``columns`` may hold a value of ``plan``: every match of its pattern passes (M4).

    A name or e-mail needs each of its :func:`~crmkit.domain.erasure_text.anchors`
    (lower-cased ASCII, so the database's case rules do not matter); a phone needs
    its national digits in order (:func:`~crmkit.domain.erasure_text.phone_like`). A
    value without anchors lets every row through.
    """
    columns = list(columns)
    found: list[sa.ColumnElement[bool]] = []
    for value in plan.values:
        pieces = anchors(value)
        if not pieces:
            return sa.true()
        found += [sa.and_(*(c.icontains(p, autoescape=True) for p in pieces)) for c in columns]
    for phone in plan.phones:
        if phone.national:
            found += [c.like(phone_like(phone)) for c in columns]
    return sa.or_(sa.false(), *found)


def _addressed(column: sa.ColumnElement[Any], addresses: Iterable[str]) -> sa.ColumnElement[bool]:
    """``column`` is one of the contact's addresses, e-mail case aside."""
    return sa.func.lower(column).in_([a.lower() for a in addresses] or [""])


def _named(column: sa.ColumnElement[Any], plan: ErasurePlan) -> sa.ColumnElement[bool]:
    """A party key made of a name that may hold a value."""
    return sa.and_(column.startswith(NAME_KEY, autoescape=True), mentions([column], plan))


def _update(uow: SqlUnitOfWork, table: sa.Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    where = [table.c[name] == value for name, value in key.items()]
    uow.execute(sa.update(table).where(*where).values(values))


def erase_companies(uow: SqlUnitOfWork, plan: ErasurePlan, pattern: re.Pattern[str] | None) -> int:
    """Referring persons, the contact's addresses, her own individual company's name (C1, C7, M4)."""
    t = metadata.tables["companies"]
    own_ids = plan.own_companies
    query = sa.select(
        t.c.id,
        t.c.version,
        t.c.name,
        t.c.email,
        t.c.phone,
        t.c.portal_username,
        t.c.portal_password_hash,
        t.c.referred_by_person_name,
    ).where(
        sa.or_(
            t.c.id.in_(own_ids),
            mentions([t.c.referred_by_person_name], plan),
            *(_addressed(t.c[f], plan.addresses) for f in ("email", "phone", "portal_username")),
        )
    )
    changed = 0
    for row in list(uow.execute(query).mappings()):
        new = erased_company(dict(row), own=row["id"] in own_ids, addresses=plan.addresses, pattern=pattern)
        if new:
            changed += 1
            _update(uow, t, {"id": row["id"]}, new | {"version": row["version"] + 1})
    return changed


def erase_employees(uow: SqlUnitOfWork, plan: ErasurePlan, pattern: re.Pattern[str] | None) -> dict[str, int]:
    """Records of the same person whose employment ended, and exit reasons (C8, M4)."""
    t = metadata.tables["employees"]
    query = sa.select(
        t.c.id,
        t.c.version,
        t.c.status,
        t.c.name,
        t.c.email,
        t.c.phone,
        t.c.login,
        t.c.password_hash,
        t.c.exit_reason,
    ).where(
        sa.or_(
            _addressed(t.c.email, plan.addresses),
            _addressed(t.c.phone, plan.addresses),
            mentions([t.c.exit_reason], plan),
        )
    )
    changed = kept = 0
    for row in list(uow.execute(query).mappings()):
        active = row["status"] == EmployeeStatus.ACTIVE.value
        new, same = erased_employee(dict(row), active=active, addresses=plan.addresses, pattern=pattern)
        kept += same
        if new:
            changed += 1
            _update(uow, t, {"id": row["id"]}, new | {"version": row["version"] + 1})
    return {"employees": changed, "employees_kept_active": kept}


def erase_invoices(uow: SqlUnitOfWork, plan: ErasurePlan, pattern: re.Pattern[str] | None) -> dict[str, int]:
    """A person buyer's name and name key, who received an original, orders' name keys (V1, V10, M4)."""
    if pattern is None:
        return {}
    t, companies = metadata.tables["invoices"], metadata.tables["companies"]
    registered = sa.exists().where(companies.c.tax_no == t.c.buyer_key)
    found = sa.select(
        t.c.id,
        t.c.buyer_name,
        t.c.buyer_tax_no,
        t.c.buyer_scheme,
        t.c.buyer_key,
        t.c.received_by,
        registered.label("registered"),
    ).where(mentions([t.c.buyer_name, t.c.buyer_key, t.c.received_by], plan))
    changed = 0
    for row in list(uow.execute(found).mappings()):
        new = erased_invoice(
            dict(row),
            own_buyers=plan.own_buyers,
            registered=bool(row["registered"]),
            pattern=pattern,
            token=plan.token,
        )
        if new:
            changed += 1
            _update(uow, t, {"id": row["id"]}, new)
    o = metadata.tables["sales_orders"]
    orders = 0
    query = sa.select(o.c.number, o.c.version, o.c.customer).where(_named(o.c.customer, plan))
    for order in list(uow.execute(query)):
        customer = rekeyed(order.customer, pattern, plan.token)
        if customer is not None:
            orders += 1
            _update(uow, o, {"number": order.number}, {"customer": customer, "version": order.version + 1})
    return {"invoices": changed, "sales_orders": orders}


def _rekey_rows(
    uow: SqlUnitOfWork,
    table: sa.Table,
    key: str,
    column: str,
    plan: ErasurePlan,
    pattern: re.Pattern[str] | None,
    texts: tuple[str, ...] = (),
) -> int:
    """Rows whose ``column`` (a party key) gets its pseudonym or whose ``texts`` lose the values."""
    where = [_named(table.c[column], plan)]
    if texts:
        where.append(mentions([table.c[t] for t in texts], plan))
    query = sa.select(table.c[key], table.c[column], *(table.c[t] for t in texts)).where(sa.or_(*where))
    changed = 0
    for row in list(uow.execute(query).mappings()):
        new: dict[str, Any] = {}
        party = rekeyed(row[column], pattern, plan.token)
        if party is not None:
            new[column] = party
        if pattern is not None:
            new |= scrub_fields(dict(row), texts, pattern, table.name)
        if new:
            changed += 1
            _update(uow, table, {key: row[key]}, new)
    return changed


def erase_points(uow: SqlUnitOfWork, plan: ErasurePlan, pattern: re.Pattern[str] | None) -> dict[str, int]:
    """Ledger parties known only by name get their pseudonymous key; ledger reasons lose the values (V4, M4).

    The kept sums (``point_balances``, ``point_days``) move to the same key, so every
    balance and statement stays. The contact's own phone registrations and their reply
    log are dropped (V5–V7).
    """
    tables = metadata.tables
    phones, replies = tables["point_phones"], tables["point_replies"]
    report = {"point_phones": 0, "point_replies": 0}
    if plan.addresses:
        report["point_phones"] = int(
            uow.execute(sa.delete(phones).where(phones.c.phone.in_(plan.addresses))).rowcount
        )
        report["point_replies"] = int(
            uow.execute(sa.delete(replies).where(replies.c.phone.in_(plan.addresses))).rowcount
        )
    if pattern is None:
        return report
    report["point_entries"] = _rekey_rows(
        uow, tables["point_entries"], "id", "party", plan, pattern, ("reason",)
    )
    report["point_tier_changes"] = _rekey_rows(
        uow, tables["point_tier_changes"], "id", "party", plan, pattern
    )
    report["point_serials"] = _rekey_rows(uow, tables["point_serials"], "serial", "used_by", plan, pattern)
    report["point_phones"] += _rekey_rows(uow, phones, "phone", "party", plan, pattern)
    for name in ("point_balances", "point_days"):
        table = tables[name]
        query = sa.select(table.c.party).where(_named(table.c.party, plan)).distinct()
        for old in list(uow.execute(query).scalars()):
            party = rekeyed(old, pattern, plan.token)
            if party is not None:
                uow.execute(sa.update(table).where(table.c.party == old).values(party=party))
    return report


def erase_articles(uow: SqlUnitOfWork, plan: ErasurePlan, pattern: re.Pattern[str] | None) -> int:
    """Knowledge-base articles lose the values, and their search index follows (S7, M4).

    ``search_text`` (PostgreSQL's full-text column) and the ``kb_terms`` rows are rewritten
    from the new texts, so no index keeps a term of an erased value.
    """
    if pattern is None:
        return 0
    t, terms = metadata.tables["kb_articles"], metadata.tables["kb_terms"]
    text = sa.cast(t.c.keywords, sa.Text)
    query = sa.select(t.c.id, t.c.version, t.c.title, t.c.body, t.c.keywords).where(
        mentions([t.c.title, t.c.body, text], plan)
    )
    changed = 0
    for row in list(uow.execute(query).mappings()):
        new = erased_article(dict(row), pattern)
        if new is None:
            continue
        texts, index = new
        changed += 1
        values = texts | {"search_text": " ".join(index), "version": row["version"] + 1}
        _update(uow, t, {"id": row["id"]}, values)
        uow.execute(sa.delete(terms).where(terms.c.article_id == row["id"]))
        rows = [{"article_id": row["id"], "term": term, "weight": w} for term, w in sorted(index.items())]
        for term in rows:
            uow.execute(sa.insert(terms), term)
    return changed
