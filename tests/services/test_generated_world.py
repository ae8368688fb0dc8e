"""A8 on generated worlds: every listing and every get of a company's data agrees with ``decide(view)``.

The A7 strategies (:mod:`tests.services.territory.organisations`) draw regions, teams, dated code links,
a channel tree of companies, employees of every position and status, and dated changes recorded on
one day and valid from an earlier or a later one (T4): customers moved to another code, owners
assigned, codes moved to another team. For each employee, the public namespaces —
``crm.customers`` and ``crm.parties`` listings, gets, history, documents and contacts,
``crm.invoices`` by buyer — return exactly what the pure policy allows on the code and owner valid
at the instant (``decide(view)``; ``decide(update)`` and "my customers" for the owner, A3), also
when asked about another instant (``at=``), and a departed employee gets ``PermissionDenied`` (A5)
from every one of them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import partial

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.domain.access import Action, CompanyResource, ContactResource, decide
from crmkit.domain.employees import Employee
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.invoices import (
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceParty,
    InvoiceTotals,
    invoice_id_for,
)
from crmkit.domain.parties import Company
from crmkit.domain.settings import Settings
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.organisations import Organisation, day, organisations

EXAMPLES = 20
"""Generated worlds per back end: each runs every read for every employee and company."""

SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="9205121120")


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


def _tax_no(index: int) -> str:
    return f"{1_000_000_000 + index}"


def _invoice(company: Company, index: int, org: Organisation) -> Invoice:
    net = Decimal("10.00")
    line = InvoiceLine(
        number=1, product_name="Kalem", quantity=Decimal(1), unit_price=net, line_extension=net
    )
    return Invoice(
        id=invoice_id_for(SELLER.key, f"F-{index}"),
        number=f"F-{index}",
        issued_at=org.at,
        currency="TRY",
        seller=SELLER,
        buyer=InvoiceParty(company.name, tax_no=company.tax_no),
        lines=(line,),
        totals=InvoiceTotals(line_extension=net, tax_exclusive=net, tax_inclusive=net, payable=net),
    )


def _asked_elsewhere(crm: crmkit.Crm, org: Organisation, employee: Employee, asked: datetime) -> None:
    """Listings and decisions asked about another instant read the values valid then (T4, A7)."""
    actor, who = org.actor(employee), employee.id
    facts = {c.id: org.facts(c, asked) for c in org.companies}
    sees = {cid for cid, f in facts.items() if decide(actor, Action.VIEW, CompanyResource(company=f), asked)}
    assert {c.id for c in crm.customers.visible(actor=who, at=asked, limit=100).items} == sees
    mine = {cid for cid in sees if facts[cid].owner_id == who}
    assert {c.id for c in crm.customers.visible(actor=who, at=asked, owner=who, limit=100).items} == mine
    for company in org.companies:
        for action in (Action.VIEW, Action.UPDATE):
            expected = decide(actor, action, CompanyResource(company=facts[company.id]), asked)
            got = crm.customers.decide(actor=who, company=company.id, action=action, at=asked)
            assert bool(got) is bool(expected), (action, company, got.reason, expected.reason)


def _allowed(call: Callable[[], object]) -> bool:
    try:
        call()
    except PermissionDenied:
        return False
    return True


def _gets(crm: crmkit.Crm, who: EmployeeId, cid: CompanyId, invoice: InvoiceId) -> dict[str, bool]:
    """Whether each get of a company's data lets ``who`` through."""
    p = crm.parties
    calls: dict[str, Callable[[], object]] = {
        "customers.get": partial(crm.customers.get, actor=who, id=cid),
        "parties.get_company": partial(p.get_company, actor=who, company=cid),
        "parties.history": partial(p.history, actor=who, aggregate_type="company", aggregate_id=cid),
        "parties.documents": partial(p.documents, actor=who, owner_kind="company", owner_id=cid),
        "invoices.get": partial(crm.invoices.get, invoice, actor=who),
        "invoices.delivery": partial(crm.invoices.delivery, invoice, actor=who),
    }
    return {name: _allowed(call) for name, call in calls.items()}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=organisations(), asked=st.integers(-5, 75).map(day))
def test_a8_every_listing_and_get_returns_exactly_what_decide_view_allows(
    empty: Storage, org: Organisation, asked: datetime
) -> None:
    org = attrs.evolve(
        org, companies=tuple(attrs.evolve(c, tax_no=_tax_no(i)) for i, c in enumerate(org.companies))
    )
    storage = fresh(empty)
    org.store(storage)
    invoices = {c.id: _invoice(c, i, org) for i, c in enumerate(org.companies)}
    with storage.unit_of_work() as uow:
        uow.invoices.add_many(list(invoices.values()))
        uow.commit()
    clock = FixedClock(org.at)
    ids = SequentialIds()
    crm = crmkit.connect(
        storage,
        sms=ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids),
        email=ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids),
        clock=clock,
        ids=ids,
        settings=Settings(regional_access=org.switch),
        load_entrypoints=False,
    )
    for employee in org.employees:
        actor = org.actor(employee)
        facts = {c.id: org.facts(c, org.at) for c in org.companies}  # T4: code and owner valid at ``at``
        sees = {
            cid for cid, f in facts.items() if decide(actor, Action.VIEW, CompanyResource(company=f), org.at)
        }
        who = employee.id
        if not employee.can_act(org.at):  # A5: nothing at all
            assert sees == set()
            with pytest.raises(PermissionDenied):
                crm.customers.visible(actor=who)
            with pytest.raises(PermissionDenied):
                crm.invoices.undelivered(actor=who)
            continue
        assert {c.id for c in crm.customers.visible(actor=who, limit=100).items} == sees
        assert {c.id for c in crm.parties.search_companies(actor=who, limit=100)} == sees
        mine = {cid for cid in sees if facts[cid].owner_id == who}  # A3, T4: owned at ``at``
        assert {c.id for c in crm.customers.visible(actor=who, owner=who, limit=100).items} == mine
        _asked_elsewhere(crm, org, employee, asked)
        assert set(crm.invoices.undelivered(actor=who, limit=100)) == {invoices[c].id for c in sees}
        for company in org.companies:
            seen = company.id in sees
            allowed = _gets(crm, who, company.id, invoices[company.id].id)
            assert allowed == dict.fromkeys(allowed, seen), (employee, company)
            assert bool(crm.customers.decide(actor=who, company=company.id)) is seen
            update = decide(actor, Action.UPDATE, CompanyResource(company=facts[company.id]), org.at)
            assert bool(crm.customers.decide(actor=who, company=company.id, action="update")) is bool(update)
            reach = decide(actor, Action.VIEW, ContactResource(company=facts[company.id]), org.at)
            assert _allowed(partial(crm.parties.contacts, actor=who, company=company.id)) is bool(reach)
