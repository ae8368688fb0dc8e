"""Point ledger properties over random programs, invoices, returns, redemptions, expiries (issue 15 item 8).

Each scenario runs on a memory CRM and a SQLite CRM side by side (same clock, same ids):

* every balance equals the sum of its entries;
* redemption never takes the spendable balance below zero (a refused one stores nothing);
* a full return brings an invoice's earned points back to zero for all three parties;
* reprocessing any invoice is a no-op;
* the memory and the SQL ledgers are identical, entry for entry.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.ids import EmployeeId
from crmkit.domain.invoices import Invoice
from crmkit.domain.point_ledger import InsufficientPoints, spendable
from crmkit.domain.points import PointRule, Product, Program, Role, Target
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.strategies import PointOp, point_operations
from tests.services.points.conftest import BUYER, _invoice

EPOCH = date(2026, 3, 1)
ROLES = (Role.CUSTOMER, Role.DEALER, Role.SALES_PERSON)
PARTIES = {Role.CUSTOMER: BUYER, Role.DEALER: "S-1", Role.SALES_PERSON: "R-12"}


@pytest.fixture(scope="module")
def sqlite_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    """One migrated SQLite storage, emptied before each scenario."""
    path: Path = tmp_path_factory.mktemp("points") / "p.db"
    storage = crmkit.connect(f"sqlite:///{path}", load_entrypoints=False).storage
    storage.migrate()
    yield storage
    storage.close()


def _crm(storage: Storage | str) -> tuple[crmkit.Crm, EmployeeId]:
    clock, ids = FixedClock(), SequentialIds()
    sms = ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids)
    crm = crmkit.connect(storage, sms=sms, clock=clock, ids=ids, load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    return crm, admin.id


def _run(
    crm: crmkit.Crm, admin: EmployeeId, program: Program, per_unit: tuple[int, int, int], ops: list[PointOp]
) -> list[Invoice]:
    pts = crm.points
    pts.define_program(actor=admin, program=program)
    pts.add_products(actor=admin, products=[Product(code="K-24", category="KOMBI")])
    pts.add_rules(
        actor=admin,
        rules=[
            PointRule(
                program="P",
                role=role,
                target=Target.PRODUCT,
                key="K-24",
                points=Decimal(n),
                valid_from=date(2026, 1, 1),
            )
            for role, n in zip(ROLES, per_unit, strict=True)
        ],
    )
    sales: list[tuple[Invoice, int]] = []  # invoice, units left to return
    invoices: list[Invoice] = []
    for n, (kind, a, b, c) in enumerate(ops):
        if kind == "sale":
            sale = _invoice(f"S{n}", a, on=EPOCH + timedelta(days=b))
            sales.append((sale, a))
            invoices.append(sale)
            _import(crm, admin, sale)
        elif kind == "return" and sales:
            index = a % len(sales)
            sale, left = sales[index]
            quantity = min(b, left)
            if quantity:
                ret = _invoice(
                    f"R{n}", quantity, on=sale.issue_date + timedelta(days=c % 30), ret=sale.number
                )
                sales[index] = (sale, left - quantity)
                invoices.append(ret)
                _import(crm, admin, ret)
        elif kind == "redeem":
            role = ROLES[a]
            on = EPOCH + timedelta(days=c)
            before = pts.balance(actor=admin, program="P", role=role, party=PARTIES[role])
            try:
                pts.redeem(
                    actor=admin,
                    program="P",
                    role=role,
                    party=PARTIES[role],
                    points=b,
                    on=on,
                    store="S-1",
                )
            except InsufficientPoints:
                assert pts.balance(actor=admin, program="P", role=role, party=PARTIES[role]) == before
        elif kind == "expire":
            pts.expire(on=EPOCH + timedelta(days=a))
    for sale, left in sales:
        if left == 0:  # fully returned: nothing earned on it is left, for all three parties
            with crm.storage.unit_of_work() as uow:
                on_sale = uow.points.by_source([f"invoice:{sale.id}:1"])
            earned_back = sum(e.points for e in on_sale if e.kind.value in ("earn", "reverse"))
            assert earned_back == 0
    return invoices


def _import(crm: crmkit.Crm, admin: EmployeeId, invoice: Invoice) -> None:
    report = crm.invoices.import_records(
        [SourceRecord(cursor="1", location="x", invoice=invoice)], actor=admin
    )
    assert not report.rejected, report.rejected


programs = st.builds(
    lambda window, expiry, bound: Program(
        code="P", name="P", return_window_days=window, expiry_days=expiry, store_bound=bound
    ),
    st.integers(0, 20),
    st.one_of(st.none(), st.integers(20, 120)),
    st.booleans(),
)


@given(program=programs, per_unit=st.tuples(*[st.integers(0, 6)] * 3), ops=point_operations())
def test_ledger_properties_on_memory_and_sqlite(
    sqlite_storage: Storage, program: Program, per_unit: tuple[int, int, int], ops: list[PointOp]
) -> None:
    """Balances are sums, redemption never overdraws, full returns zero out, reprocessing is a no-op,
    and the memory and SQLite ledgers are identical (issue 15 item 8)."""
    reset_database(sqlite_storage)
    ledgers = []
    for storage in ("memory://", sqlite_storage):
        crm, admin = _crm(storage)
        invoices = _run(crm, admin, program, per_unit, ops)
        assert crm.points.earning.earn(invoices).processed == 0  # reprocessing: a no-op
        entries = {}
        with crm.storage.unit_of_work() as uow:
            for role in ROLES:
                party = ("P", role, PARTIES[role])
                found = uow.points.entries(party)
                assert uow.points.balance(party) == sum(e.points for e in found)
                assert spendable(found, EPOCH + timedelta(days=400)) >= 0
                entries[role] = found
        ledgers.append(entries)
    assert ledgers[0] == ledgers[1]
