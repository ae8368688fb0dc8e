"""Properties of the hours ledger on every back end (S3, issue 16 item 10).

For random contracts and work logs (corrections included), the balance the
storage sums equals allowance + carried − charged, for hours and visits,
per contract and per product — on memory and SQL alike.
"""

from __future__ import annotations

import uuid
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.domain.service import Contract, WorkKind
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.service import make_contract, make_entry
from crmkit.testing.factories import make_company

PRODUCTS = ["", "Kompresör", "Pompa"]

contracts = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 6000)),
        st.one_of(st.none(), st.integers(0, 12)),
        st.integers(0, 600),
        st.sampled_from(PRODUCTS),
    ).filter(lambda c: c[0] is not None or c[1] is not None),
    min_size=1,
    max_size=4,
)
entries = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 900), st.booleans(), st.booleans()), max_size=25
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(contracts, entries)
def test_remaining_is_allowance_minus_charged(
    storage: Storage,
    specs: list[tuple[int | None, int | None, int, str]],
    work: list[tuple[int, int, bool, bool]],
) -> None:
    company = make_company()
    with storage.unit_of_work() as uow:
        uow.companies.add(company)
        made: list[Contract] = []
        for minutes, visits, carried, product in specs:
            contract = make_contract(
                company.id,
                allowance_minutes=minutes,
                allowance_visits=visits,
                carried_minutes=carried if minutes is not None else 0,
                product=product,
                starts_on=date(2026, 1, 1),
            )
            uow.service.contracts.add(contract)
            made.append(contract)
        used = {c.id: [0, 0] for c in made}
        last = None
        for which, spent, is_visit, correct in work:
            contract = made[which % len(made)]
            if correct and last is not None and last.contract_id == contract.id:
                entry = make_entry(contract, company.id, -min(spent, last.minutes), corrects=last.id)
            elif is_visit:
                entry = make_entry(contract, company.id, spent, kind=WorkKind.VISIT, visits=1)
            else:
                entry = make_entry(contract, company.id, spent)
            uow.service.ledger.add(entry)
            used[contract.id][0] += entry.minutes
            used[contract.id][1] += entry.visits
            last = entry
        uow.commit()
    with storage.unit_of_work() as uow:
        for contract in made:
            balance = uow.service.ledger.balance(contract)
            minutes, visits = used[contract.id]
            assert balance.used_minutes == minutes and balance.used_visits == visits
            if contract.allowance_minutes is not None:
                expected = contract.allowance_minutes + contract.carried_minutes - minutes
                assert balance.remaining_minutes == expected
                assert balance.over_minutes == max(-expected, 0)
            if contract.allowance_visits is not None:
                assert balance.remaining_visits == contract.allowance_visits - visits
        all_balances = {b.contract_id: b for b in uow.service.ledger.balances(company.id)}
        assert all_balances == {c.id: uow.service.ledger.balance(c) for c in made}
        for product in PRODUCTS:
            listed = uow.service.ledger.balances(company.id, product=product)
            assert {b.contract_id for b in listed} == {c.id for c in made if c.product == product}
    assert uuid.UUID(int=0) not in all_balances
