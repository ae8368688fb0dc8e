"""Everything that belongs to a company follows that company's visibility (A8).

The helpers here let any use case ask the access policy about a company it
has loaded — or about a record that only names its company (an invoice's
buyer, a campaign recipient, an audit entry) — so no read or write goes
around :func:`crmkit.domain.access.decide`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from crmkit.domain.access import Action, Actor, CompanyResource, Decision, decide
from crmkit.domain.ids import CompanyId
from crmkit.domain.limits import check_page
from crmkit.domain.parties import Company
from crmkit.domain.predicates import CompanyFacts
from crmkit.ports.storage import UnitOfWork
from crmkit.services.territory_dates import dated_facts

__all__ = [
    "CompanySight",
    "facts_of",
    "filtered_page",
    "require_active_company",
    "require_active_party",
    "require_on_company",
]

T = TypeVar("T")

_NOBODY = CompanyId(uuid.UUID(int=0))
# An invoice or order whose buyer is no stored company: judged as a company without code
# or parent, so only admins see it with regional access on (A1, A2) and no dealer staff (A6).
_UNKNOWN_BUYER = CompanyFacts(id=_NOBODY)


def facts_of(uow: UnitOfWork, company: Company, at: datetime) -> CompanyFacts:
    """The facts the policy looks at in ``company`` when it decides at ``at`` (A1–A8, T4).

    The customer's code and owner are those valid at ``at``, read from their dated histories —
    the one source of truth listings read too (:func:`~crmkit.services.territory_dates.dated_facts`);
    the company's own columns answer only for a customer that never moved. A decision made on
    the columns would disagree with the listing wherever a change dated before or after its
    recording has taken effect (A7).
    """
    return dated_facts(uow, company, at)


def require_on_company(uow: UnitOfWork, actor: Actor, action: Action, company: Company, at: datetime) -> None:
    """Enforce the policy's decision on ``action`` over ``company`` (A1–A6, A8).

    Raises:
        PermissionDenied: with the policy's reason and rule.
    """
    resource = CompanyResource(company=facts_of(uow, company, at), name=company.name)
    decide(actor, action, resource, at).enforce()


def require_active_company(company: Company) -> Company:
    """``company``, when it may take a new record; an archived one refuses (C13).

    The one guard every write that creates a record for a company calls (C13: "an
    archived company takes no new records"): contacts, child companies and status moves
    (``crm.parties``), interactions, appointments (also one moved onto it), meeting notes,
    samples, documents dispatched to its contacts, service contracts and their renewals,
    logged work, service cases, and manual point adjustments of its party. Campaigns need
    no call: their members come from the listings, which leave archived companies out.
    The invoice import is exempt on purpose: it records what accounting already booked
    (a system operation, ``SYSTEM_OPERATIONS``), and dropping an archived buyer's invoice
    would falsify actuals, points and targets.

    Raises:
        RuleViolation: rule ``C13``, naming the company and since when it is archived.
    """
    company.require_active()
    return company


def require_active_party(uow: UnitOfWork, key: str) -> None:
    """Refuse a new record for an invoice party that is an archived company (C13).

    A party key that names no stored company (an individual buyer, a sales person)
    is not a company and is left alone.

    Raises:
        RuleViolation: rule ``C13``.
    """
    found = uow.companies.by_tax_no(key) if key.isdigit() else None
    if found is not None:
        require_active_company(found)


class CompanySight:
    """What one actor may see, company by company, inside one unit of work (A8).

    Decisions are cached per company, so filtering a long list asks the
    storage once per distinct company.
    """

    def __init__(self, uow: UnitOfWork, actor: Actor, at: datetime) -> None:
        self._uow = uow
        self._actor = actor
        self._at = at
        self._seen: dict[CompanyId | None, Decision] = {}

    def company(self, company: CompanyId | None) -> Decision:
        """The ``view`` decision on a company by id; ``None`` is a party that is no stored company."""
        if company not in self._seen:
            found = None if company is None else self._uow.companies.get_many([company]).get(company)
            if found is None:
                resource = CompanyResource(company=_UNKNOWN_BUYER, name="a party that is no stored company")
            else:
                # the code and owner valid at the sight's instant (T4), as listings read them
                resource = CompanyResource(company=facts_of(self._uow, found, self._at), name=found.name)
            self._seen[company] = decide(self._actor, Action.VIEW, resource, self._at)
        return self._seen[company]

    def party(self, key: str | None) -> Decision:
        """The ``view`` decision on an invoice party by its key (a tax number matches a company)."""
        found = None
        if key and key.isdigit():
            found = self._uow.companies.by_tax_no(key)
        return self.company(None if found is None else found.id)


def filtered_page(
    fetch: Callable[[int, int], Sequence[T]],
    keep: Callable[[T], bool],
    *,
    limit: int,
    offset: int,
    chunk: int = 500,
) -> list[T]:
    """Page ``limit``/``offset`` over the rows ``keep`` allows, in ``fetch``'s order.

    ``fetch(limit, offset)`` reads the unfiltered list a chunk at a time; the
    page is full whenever enough allowed rows exist, so paging stays exact.
    """
    check_page(limit, offset)
    page: list[T] = []
    skipped = 0
    start = 0
    while len(page) < limit:
        rows = fetch(chunk, start)
        for row in (row for row in rows if keep(row)):
            if skipped < offset:
                skipped += 1
            elif len(page) < limit:
                page.append(row)
        if len(rows) < chunk:
            break
        start += chunk
    return page
