"""Erasure in the memory back end (M4): companies, employees, invoices and orders, point ledgers.

Each function counts the records that change and, with ``write``, changes them in the
committed data, deciding with the rules shared with the SQL back end
(:mod:`crmkit.adapters.erasing`), so both report the same counts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.adapters.erasing import (
    erased_article,
    erased_company,
    erased_employee,
    erased_invoice,
    rekeyed,
    scrub_fields,
)
from crmkit.domain.employees import EmployeeStatus
from crmkit.domain.erasure import ErasurePlan

if TYPE_CHECKING:
    from crmkit.adapters.memory.storage import MemoryStorage

__all__ = ["erase_articles", "erase_companies", "erase_employees", "erase_invoices", "erase_points"]


def erase_companies(s: MemoryStorage, plan: ErasurePlan, pattern: re.Pattern[str] | None, write: bool) -> int:
    """Referring persons, the contact's addresses, her own individual company's name (C1, C7, M4)."""
    changed = 0
    for key, company in list(s._companies.items()):
        ref = company.referred_by
        row = {
            "name": company.name,
            "email": company.email,
            "phone": company.phone,
            "portal_username": company.portal_username,
            "portal_password_hash": company.portal_password_hash,
            "referred_by_person_name": None if ref is None else ref.person_name,
        }
        own = company.id in plan.own_companies
        new = erased_company(row, own=own, addresses=plan.addresses, pattern=pattern)
        new.pop("name_key", None)  # memory folds names when it searches
        if not new:
            continue
        changed += 1
        if write:
            if "referred_by_person_name" in new:
                assert ref is not None  # a referring person's name came from it
                new["referred_by"] = attrs.evolve(ref, person_name=new.pop("referred_by_person_name"))
            s._companies[key] = attrs.evolve(company, **new, version=company.version + 1)
    return changed


def erase_employees(
    s: MemoryStorage, plan: ErasurePlan, pattern: re.Pattern[str] | None, write: bool
) -> dict[str, int]:
    """Records of the same person whose employment ended, and exit reasons (C8, M4)."""
    changed = kept = 0
    for key, employee in list(s._employees.items()):
        new, active = erased_employee(
            attrs.asdict(employee, recurse=False),
            active=employee.status is EmployeeStatus.ACTIVE,
            addresses=plan.addresses,
            pattern=pattern,
        )
        kept += active
        if new:
            changed += 1
            if write:
                s._employees[key] = attrs.evolve(employee, **new, version=employee.version + 1)
    return {"employees": changed, "employees_kept_active": kept}


def erase_invoices(
    s: MemoryStorage, plan: ErasurePlan, pattern: re.Pattern[str] | None, write: bool
) -> dict[str, int]:
    """A person buyer's name and name key, who received an original, orders' name keys (V1, V10, M4)."""
    tables = s._invoicing
    registered = {c.tax_no for c in s._companies.values() if c.tax_no}
    changed = 0
    for key, invoice in list(tables.invoices.items()):
        delivery = tables.deliveries.get(key)
        row = {
            "buyer_name": invoice.buyer.name,
            "buyer_tax_no": invoice.buyer.tax_no,
            "buyer_scheme": invoice.buyer.scheme,
            "buyer_key": invoice.buyer.key,
            "received_by": None if delivery is None else delivery.received_by,
        }
        new = erased_invoice(
            row,
            own_buyers=plan.own_buyers,
            registered=row["buyer_key"] in registered,
            pattern=pattern,
            token=plan.token,
        )
        if not new:
            continue
        changed += 1
        if not write:
            continue
        if "received_by" in new:
            assert delivery is not None  # the name came from it
            tables.deliveries[key] = attrs.evolve(delivery, received_by=new.pop("received_by"))
        buyer = invoice.buyer
        if "buyer_name" in new:
            buyer = attrs.evolve(buyer, name=new["buyer_name"])
        if "buyer_tax_no" in new:
            buyer = attrs.evolve(buyer, tax_no=new["buyer_tax_no"])
        if buyer != invoice.buyer:
            tables.invoices[key] = attrs.evolve(invoice, buyer=buyer)
    orders = 0
    for number, order in list(tables.orders.items()):
        customer = rekeyed(order.customer, pattern, plan.token)
        if customer is not None:
            orders += 1
            if write:
                tables.orders[number] = attrs.evolve(order, customer=customer, version=order.version + 1)
    return {"invoices": changed, "sales_orders": orders}


def erase_points(
    s: MemoryStorage, plan: ErasurePlan, pattern: re.Pattern[str] | None, write: bool
) -> dict[str, int]:
    """Ledger parties known only by name get their pseudonymous key; ledger reasons lose the values (V4, M4).

    The contact's own phone registrations and their reply log are dropped (V5–V7).
    """
    t = s._points
    entries = 0
    for index, entry in enumerate(t.entries):
        new: dict[str, Any] = (
            {}
            if pattern is None
            else scrub_fields({"reason": entry.reason}, ("reason",), pattern, "point_entries")
        )
        party = rekeyed(entry.party, pattern, plan.token)
        if party is not None:
            new["party"] = party
        if new:
            entries += 1
            if write:
                t.entries[index] = attrs.evolve(entry, **new)
    tiers = 0
    for index, change in enumerate(t.tier_changes):
        party = rekeyed(change.party, pattern, plan.token)
        if party is not None:
            tiers += 1
            if write:
                t.tier_changes[index] = attrs.evolve(change, party=party)
    serials = 0
    for code, serial in list(t.serials.items()):
        used_by = rekeyed(serial.used_by, pattern, plan.token)
        if used_by is not None:
            serials += 1
            if write:
                t.serials[code] = attrs.evolve(serial, used_by=used_by)
    dropped = [p for p in plan.addresses if p in t.phones]
    moved = 0
    for phone, (program, role, key) in list(t.phones.items()):
        party = rekeyed(key, pattern, plan.token)
        if party is not None and phone not in dropped:
            moved += 1
            if write:
                t.phones[phone] = (program, role, party)
    replies = [r for r in t.replies if r[0] in plan.addresses]
    if write:
        for phone in dropped:
            del t.phones[phone]
        t.replies[:] = [r for r in t.replies if r[0] not in plan.addresses]
    return {
        "point_entries": entries,
        "point_tier_changes": tiers,
        "point_serials": serials,
        "point_phones": len(dropped) + moved,
        "point_replies": len(replies),
    }


def erase_articles(s: MemoryStorage, plan: ErasurePlan, pattern: re.Pattern[str] | None, write: bool) -> int:
    """Knowledge-base articles lose the values; memory indexes from the texts, so search follows (S7, M4)."""
    changed = 0
    for key, article in list(s._service.articles.items()):
        row = {"title": article.title, "body": article.body, "keywords": list(article.keywords)}
        new = erased_article(row, pattern)
        if new is None:
            continue
        changed += 1
        if write:
            texts = dict(new[0])
            if "keywords" in texts:
                texts["keywords"] = tuple(texts["keywords"])
            s._service.articles[key] = attrs.evolve(article, **texts, version=article.version + 1)
    return changed
