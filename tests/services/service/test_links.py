"""Interactions and cases cite the customer's contract, its subscription (SPEC §6 S1, S8), on every back end.

The office of ``tests/services/interactions/conftest.py``: Zeynep (an employee) sees the
M-01 companies only; NOW is Monday 2026-03-02 09:00 UTC (12:00 in Istanbul).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.money import Money
from crmkit.domain.service import Contract
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

PRICE = Money("24000.00", "TRY")


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Office]:
    yield build_office(storage, clock, ids)


def contract_of(office: Office, company: str, starts: date, ends: date, title: str = "Bakım") -> Contract:
    return office.crm.service.create_contract(
        actor=office.people["admin"].id,
        company=office.companies[company].id,
        title=title,
        starts_on=starts,
        ends_on=ends,
        price=PRICE,
        allowance_hours=10,
    )


def test_an_interaction_cites_its_company_s_contract_and_the_contract_lists_it(office: Office) -> None:
    """S1, S8: an interaction carries the contract; the contract lists its interactions, newest first."""
    zeynep = office.people["employee"].id
    m01 = office.companies["m01"].id
    contract = contract_of(office, "m01", date(2026, 1, 1), date(2026, 12, 31))
    other = contract_of(office, "m01", date(2026, 1, 1), date(2026, 12, 31), title="Pompa")
    i = office.crm.interactions
    first = i.create(
        actor=zeynep, company=m01, channel="phone", category="Servis", subject="Arıza", contract=contract.id
    )
    office.clock.advance(timedelta(minutes=5))
    second = i.create(actor=zeynep, company=m01, channel="phone", category="Servis", subject="Takip")
    assert (first.contract_id, second.contract_id) == (contract.id, None)
    assert i.get(actor=zeynep, id=first.id).contract_id == contract.id  # stored and read back
    second = i.update(actor=zeynep, id=second.id, contract=contract.id)
    i.create(
        actor=zeynep, company=m01, channel="phone", category="Servis", subject="Diğer", contract=other.id
    )
    page = office.crm.service.contract_interactions(actor=zeynep, contract=contract.id)
    assert [x.id for x in page.items] == [second.id, first.id]
    assert page.total == 2
    assert [
        x.id
        for x in office.crm.service.contract_interactions(
            actor=zeynep, contract=contract.id, limit=1, offset=1
        ).items
    ] == [first.id]


@pytest.mark.parametrize("which", ["another_company", "expired", "not_yet", "unknown"])
def test_an_interaction_citing_a_contract_it_may_not_cite_is_refused_and_nothing_stored(
    office: Office, which: str
) -> None:
    """S1: the contract is the interaction's company's and valid on its date, else ``contract`` is named."""
    zeynep = office.people["employee"].id
    m01 = office.companies["m01"].id
    chooser: dict[str, Callable[[], object]] = {
        "another_company": lambda: contract_of(office, "a01", date(2026, 1, 1), date(2026, 12, 31)).id,
        "expired": lambda: contract_of(office, "m01", date(2025, 1, 1), date(2026, 3, 1)).id,
        "not_yet": lambda: contract_of(office, "m01", date(2026, 3, 3), date(2026, 12, 31)).id,
        "unknown": lambda: "00000000-0000-4000-8000-0000000fffff",
    }
    cited = chooser[which]()
    before = office.crm.interactions.for_company(actor=zeynep, company=m01).total
    with pytest.raises(ValidationError) as error:
        office.crm.interactions.create(
            actor=zeynep, company=m01, channel="phone", category="Servis", subject="Arıza", contract=cited
        )
    assert error.value.field == "contract"
    assert office.crm.interactions.for_company(actor=zeynep, company=m01).total == before


def test_a_contract_valid_on_the_istanbul_day_is_valid_even_when_the_utc_day_differs(office: Office) -> None:
    """S1: "valid on its date" is the local (Istanbul) date: 2026-03-02 22:30 UTC is the 3rd there."""
    from datetime import UTC, datetime

    office.clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    zeynep = office.people["employee"].id
    starts_3rd = contract_of(office, "m01", date(2026, 3, 3), date(2026, 12, 31))
    made = office.crm.interactions.create(
        actor=zeynep,
        company=office.companies["m01"].id,
        channel="phone",
        category="Servis",
        subject="Gece arızası",
        contract=starts_3rd.id,
    )
    assert made.contract_id == starts_3rd.id


def test_updating_an_interaction_to_another_company_s_contract_is_refused(office: Office) -> None:
    admin = office.people["admin"].id
    made = office.crm.interactions.create(
        actor=admin, company=office.companies["m01"].id, channel="phone", category="Servis", subject="Arıza"
    )
    foreign = contract_of(office, "a01", date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValidationError) as error:
        office.crm.interactions.update(actor=admin, id=made.id, contract=foreign.id)
    assert error.value.field == "contract"
    assert office.crm.interactions.get(actor=admin, id=made.id).contract_id is None


def test_a_contract_s_interactions_and_cases_follow_the_access_policy(office: Office) -> None:
    """A8: who may not see the company may not list its contract's interactions or cases."""
    admin, zeynep = office.people["admin"].id, office.people["employee"].id
    foreign = contract_of(office, "a01", date(2026, 1, 1), date(2026, 12, 31))
    s = office.crm.service
    case = s.open_case(actor=admin, company=office.companies["a01"].id, channel="call", reason="Arıza")
    assert case.contract_id == foreign.id  # the covering contract, by default
    assert [c.id for c in s.contract_cases(actor=admin, contract=foreign.id)] == [case.id]
    with pytest.raises(PermissionDenied):
        s.contract_interactions(actor=zeynep, contract=foreign.id)
    with pytest.raises(PermissionDenied):
        s.contract_cases(actor=zeynep, contract=foreign.id)


def test_a_case_cites_only_a_contract_in_force_on_its_opening_day(office: Office) -> None:
    """S1, S8: a case's cited contract is checked like an interaction's: company and date."""
    admin = office.people["admin"].id
    expired = contract_of(office, "m01", date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(ValidationError) as error:
        office.crm.service.open_case(
            actor=admin,
            company=office.companies["m01"].id,
            channel="call",
            reason="Arıza",
            contract=expired.id,
        )
    assert error.value.field == "contract"
    assert office.crm.service.contract_cases(actor=admin, contract=expired.id) == []
