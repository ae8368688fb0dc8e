"""``crm.service.balance`` asks the storage little: one decision, no tree query without a parent (S3, A8).

Remaining hours are read often (the CLI's ``crmkit service remaining``, issue 16
item 6): on SQL the call costs the actor (employee, memberships, their codes), the contract,
its company, the company's dated code and owner (T4: the decision reads the values valid now,
as listings do — issue 11 item 2) and one ``SUM`` — the company's lineage is only queried when
it has a parent. Dealer staff still see a sub-company's contract through that lineage (A6).
Counted statements, not timings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.money import Money
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Office]:
    yield build_office(storage, clock, ids)


def _contract(office: Office, company: str) -> Any:
    return office.crm.service.create_contract(
        actor=office.people["admin"].id,
        company=office.companies[company].id,
        title="Bakım",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=Money("1000", "TRY"),
        allowance_hours=10,
    )


def test_the_remaining_hours_path_issues_no_tree_query_for_a_company_without_parent(office: Office) -> None:
    storage = office.crm.storage
    if not isinstance(storage, SqlStorage):
        pytest.skip("statements are a SQL matter")
    contract = _contract(office, "m01")
    sent: list[str] = []

    def count(_c: Any, _cu: Any, statement: str, _p: Any, _ctx: Any, _many: bool) -> None:
        sent.append(statement)

    sa.event.listen(storage.engine, "before_cursor_execute", count)
    try:
        balance = office.crm.service.balance(actor=office.people["employee"].id, contract=contract.id)
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", count)
    assert balance.remaining_minutes == 600
    assert not [s for s in sent if "RECURSIVE" in s.upper()]
    # employee, memberships, their code links (A1 is on here), contract, company,
    # none for its dated codes and owners: it never moved (T4, revision 0026), the SUM
    assert len([s for s in sent if s.lstrip().upper().startswith("SELECT")]) <= 6, sent


def test_a6_dealer_staff_still_see_a_sub_company_contract_through_its_lineage(office: Office) -> None:
    sub = _contract(office, "sub")  # Üsküdar Market, registered under the dealer
    seen = office.crm.service.balance(actor=office.people["dealer_staff"].id, contract=sub.id)
    assert seen.remaining_minutes == 600
    with pytest.raises(PermissionDenied):
        office.crm.service.balance(
            actor=office.people["dealer_staff"].id, contract=_contract(office, "m01").id
        )
