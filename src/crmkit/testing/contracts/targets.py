"""The contracts of dated customer codes (T4) and of plans and plan-vs-actual credits (Q1, Q5).

Needs a ``storage`` fixture: a migrated, empty storage. A storage adapter
passes when its ``customer_codes`` and ``targets`` repositories behave as
the in-memory ones do.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import CompanyId
from crmkit.domain.invoices import (
    Invoice,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    invoice_id_for,
)
from crmkit.domain.parties import Segmentation
from crmkit.domain.plan_actual import Credit
from crmkit.domain.quotas import Plan, PlanId, PlanLine, ScopeType
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    OwnerAssignment,
    OwnerAssignmentId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
)
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId, DatedHistory, code_at, owner_at
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_company, make_employee

__all__ = ["CustomerCodeContract", "TargetContract", "one_line_invoice"]

JAN = datetime(2026, 1, 1, tzinfo=UTC)
JUN15 = datetime(2026, 6, 14, 21, 0, tzinfo=UTC)  # 15 June, 00:00 in Istanbul
BOUNDS = [datetime(2026, m, 1, tzinfo=UTC) for m in range(1, 13)] + [datetime(2027, 1, 1, tzinfo=UTC)]
BOUNDS_IST = [b - timedelta(hours=3) for b in BOUNDS]
SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="1111111111")


def _code(company: CompanyId, code: str, start: datetime, end: datetime | None = None) -> CustomerCode:
    return CustomerCode(
        id=CustomerCodeId(uuid.uuid4()),
        company_id=company,
        code=code,
        validity=Validity(start, end),
    )


def one_line_invoice(
    number: str,
    at: datetime,
    amount: str,
    *,
    currency: str = "TRY",
    rate: str | None = None,
    tax_no: str = "1234567890",
    kind: str = "SATIS",
) -> Invoice:
    """An invoice of one line of ``amount`` to the buyer with ``tax_no``; ``kind="IADE"`` makes a return."""
    value = Decimal(amount)
    line = InvoiceLine(
        number=1, product_name="Ürün", quantity=Decimal(1), unit_price=value, line_extension=value
    )
    return Invoice(
        id=invoice_id_for(SELLER.key, number),
        number=number,
        issued_at=at,
        currency=currency,
        exchange_rate=None if rate is None else Decimal(rate),
        seller=SELLER,
        buyer=InvoiceParty("Alıcı", tax_no=tax_no),
        lines=(line,),
        totals=InvoiceTotals.of(value, payable=value),
        type_code=kind,
        references=(InvoiceReference("X"),) if kind == "IADE" else (),
    )


class CustomerCodeContract:
    """Customers' dated codes: stored, listed by start, versioned (T4)."""

    def test_t4_codes_are_listed_by_start_and_saved_with_versions(self, storage: Storage) -> None:
        """Listed by start then id, per company or for many; ``save`` counts versions, refuses stale ones."""
        company = make_company()
        store(storage, company)
        later, first = _code(company.id, "A-01", JUN15), _code(company.id, "M-01", JAN, JUN15)
        with storage.unit_of_work() as uow:
            uow.customer_codes.add_many([later, first])
            uow.commit()
        assert read(storage, lambda u: u.customer_codes.for_company(company.id)) == [first, later]
        assert read(
            storage, lambda u: u.customer_codes.for_companies([company.id, CompanyId(uuid.uuid4())])
        ) == [
            first,
            later,
        ]
        with storage.unit_of_work() as uow:
            saved = uow.customer_codes.save(_replace_end(later, datetime(2026, 9, 1, tzinfo=UTC)))
            uow.commit()
        assert saved.version == 2
        with storage.unit_of_work() as uow, pytest.raises(ConcurrencyConflict):
            uow.customer_codes.save(later)

    def test_t4_one_read_gives_both_histories_and_the_values_at_every_boundary(
        self, storage: Storage
    ) -> None:
        """``history`` equals the two per-history reads, and answers "at t" at every boundary (T4, A1, A3).

        Rows: a back-dated first code (recorded after the later one, starting before it), a code
        starting exactly at ``JUN15`` given in +03:00, a future-dated code and a future-dated owner;
        another company's rows are not read; a company with owners only has no codes.
        """
        ist = timezone(timedelta(hours=3))
        company, other, owners_only = make_company(), make_company(), make_company()
        ali, veli = make_employee(name="Ali"), make_employee(name="Veli")
        store(storage, company, other, owners_only, ali, veli)
        future = datetime(2027, 3, 1, tzinfo=UTC)
        june = _code(company.id, "A-01", JUN15.astimezone(ist), future)
        back = _code(company.id, "M-01", JAN, JUN15)  # back-dated: recorded after ``june``
        later = _code(company.id, "K-09", future)
        first = _owner(company.id, ali, JAN, future)
        then = _owner(company.id, veli, future)
        with storage.unit_of_work() as uow:
            uow.customer_codes.add_many([june, later])
            uow.customer_codes.add(back)
            uow.owners.add_many([then, first])
            uow.customer_codes.add(_code(other.id, "Z-99", JAN))
            uow.owners.add(_owner(other.id, veli, JAN))
            uow.owners.add(_owner(owners_only.id, ali, JUN15))
            uow.commit()
        found = read(storage, lambda u: u.customer_codes.history(company.id))
        assert found == DatedHistory((back, june, later), (first, then))
        assert found.codes[1].validity.valid_from.utcoffset() == timedelta(hours=3)
        assert found == read(
            storage,
            lambda u: DatedHistory(
                tuple(u.customer_codes.for_company(company.id)), tuple(u.owners.for_company(company.id))
            ),
        )
        tick = timedelta(microseconds=1)
        expected = [
            (JAN - tick, company.segmentation.micro_region, company.sales_rep_id),  # before every row
            (JAN, "M-01", ali.id),
            (JUN15 - tick, "M-01", ali.id),
            (JUN15, "A-01", ali.id),  # valid_from exactly t
            (future - tick, "A-01", ali.id),
            (future, "K-09", veli.id),  # the future-dated rows hold from their start
        ]
        for at, code, owner in expected:
            assert (code_at(company, found.codes, at), owner_at(company, found.owners, at)) == (
                code,
                owner,
            ), at
        alone = read(storage, lambda u: u.customer_codes.history(owners_only.id))
        assert alone.codes == () and [o.employee_id for o in alone.owners] == [ali.id]
        assert read(storage, lambda u: u.customer_codes.history(CompanyId(uuid.uuid4()))) == DatedHistory()

    def test_t4_history_sees_rows_added_after_the_company_was_read(self, storage: Storage) -> None:
        """A company read, then given a dated code and owner in the same unit of work, has them (T4).

        An adapter may answer "never moved" from what it read with the company; a row added
        since must still be seen, and so must one added by an earlier unit of work.
        """
        company, rep = make_company(), make_employee()
        store(storage, company, rep)
        code, owner = _code(company.id, "A-01", JUN15), _owner(company.id, rep, JUN15)
        with storage.unit_of_work() as uow:
            uow.companies.get(company.id)
            assert uow.customer_codes.history(company.id) == DatedHistory()
            uow.customer_codes.add(code)
            assert uow.customer_codes.history(company.id) == DatedHistory((code,), ())
            uow.owners.add(owner)
            assert uow.customer_codes.history(company.id) == DatedHistory((code,), (owner,))
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.companies.get_many([company.id])
            assert uow.customer_codes.history(company.id) == DatedHistory((code,), (owner,))


def _owner(company: CompanyId, rep: Any, start: datetime, end: datetime | None = None) -> OwnerAssignment:
    return OwnerAssignment(
        id=OwnerAssignmentId(uuid.uuid4()),
        company_id=company,
        employee_id=rep.id,
        validity=Validity(start, end),
    )


def _replace_end(row: CustomerCode, end: datetime) -> CustomerCode:
    return CustomerCode(
        id=row.id,
        company_id=row.company_id,
        code=row.code,
        validity=Validity(row.validity.valid_from, end),
        version=row.version,
    )


def _plan(year: int = 2026, name: str = "Plan") -> Plan:
    return Plan(
        id=PlanId(uuid.uuid4()),
        name=name,
        year=year,
        currency="TRY",
        scope_type=ScopeType.TEAM,
        lines=(
            PlanLine(scope="b", amounts=[Decimal("10.50")] * 12),
            PlanLine(scope="a", amounts=[Decimal(i) for i in range(12)], quantities=[Decimal(1)] * 12),
        ),
        created_at=JAN,
    )


class TargetContract:
    """Plans round-trip whole; credits follow the dated territory, net returns and keep rates (Q1, Q5)."""

    def test_q1_a_plan_reads_back_equal_and_is_listed_by_year_name_revision(self, storage: Storage) -> None:
        """A plan reads back equal, lists by year, name and revision; a missing one is NotFound."""
        plan, other = _plan(), _plan(2027, "Başka")
        with storage.unit_of_work() as uow:
            uow.targets.add_plan(other)
            uow.targets.add_plan(plan)
            uow.commit()
        found = read(storage, lambda u: u.targets.plan(plan.id))
        assert found == plan
        assert [p.id for p in read(storage, lambda u: u.targets.plans())] == [plan.id, other.id]
        assert [p.id for p in read(storage, lambda u: u.targets.plans(2027))] == [other.id]
        with pytest.raises(NotFound):
            read(storage, lambda u: u.targets.plan(PlanId(uuid.uuid4())))
        assert read(storage, lambda u: u.targets.plan_stamp(plan.id)) == (plan.version, plan.created_at)
        with pytest.raises(NotFound):
            read(storage, lambda u: u.targets.plan_stamp(PlanId(uuid.uuid4())))
        with storage.unit_of_work() as uow, pytest.raises(Duplicate):
            uow.targets.add_plan(plan)

    def test_q1_a_rolled_back_plan_is_not_stored(self, storage: Storage) -> None:
        """A plan added in a rolled-back unit of work is not stored."""
        with storage.unit_of_work() as uow:
            uow.targets.add_plan(_plan())
            uow.rollback()
        assert read(storage, lambda u: u.targets.plans()) == []

    def test_q5_credits_follow_the_code_valid_at_each_invoice_and_net_returns(self, storage: Storage) -> None:
        """A customer moved on 15 June (Istanbul) credits the old team before and the new one after."""
        region = Region(id=RegionId(uuid.uuid4()), name="Marmara")
        old, new = (SalesTeam(id=TeamId(uuid.uuid4()), name=n, region_id=region.id) for n in ("Eski", "Yeni"))
        company = make_company(
            type="customer", tax_no="1234567890", segmentation=Segmentation(micro_region="M-01")
        )
        store(storage, company)
        with storage.unit_of_work() as uow:
            uow.regions.add(region)
            uow.teams.add_many([old, new])
            uow.code_links.add_many(
                [
                    CodeLink(
                        id=CodeLinkId(uuid.uuid4()), team_id=old.id, code="M-01", validity=Validity(JAN)
                    ),
                    CodeLink(
                        id=CodeLinkId(uuid.uuid4()), team_id=new.id, code="A-01", validity=Validity(JAN)
                    ),
                ]
            )
            uow.customer_codes.add_many(
                [_code(company.id, "M-01", JAN, JUN15), _code(company.id, "A-01", JUN15)]
            )
            uow.invoices.add_many(
                [
                    one_line_invoice("A1", datetime(2026, 6, 14, 20, 59, tzinfo=UTC), "10.25"),
                    one_line_invoice("A2", datetime(2026, 6, 14, 21, 0, tzinfo=UTC), "20"),
                    one_line_invoice("A3", datetime(2026, 6, 20, tzinfo=UTC), "5", kind="IADE"),
                    one_line_invoice(
                        "A4", datetime(2026, 6, 21, tzinfo=UTC), "2", currency="EUR", rate="38.5"
                    ),
                    one_line_invoice("A5", datetime(2025, 12, 31, 23, 0, tzinfo=UTC), "99"),
                    one_line_invoice(
                        "A6", datetime(2025, 12, 31, 21, 0, tzinfo=UTC), "3"
                    ),  # Jan in Istanbul, no code then
                ]
            )
            uow.commit()
        teams = read(storage, lambda u: u.targets.credits(ScopeType.TEAM, BOUNDS))
        assert teams == sorted(
            [
                Credit(str(old.id), 6, "TRY", None, Decimal("10.25")),
                Credit(str(new.id), 6, "TRY", None, Decimal(15)),
                Credit(str(new.id), 6, "EUR", Decimal("38.5"), Decimal(2)),
            ],
            key=lambda c: (c.scope, c.month, c.currency),
        )
        codes = read(storage, lambda u: u.targets.credits(ScopeType.MICRO_REGION, BOUNDS))
        customers = read(storage, lambda u: u.targets.credits(ScopeType.CUSTOMER, BOUNDS_IST))
        assert {c.month: c.amount for c in customers if c.currency == "TRY"} == {
            1: Decimal(102),
            6: Decimal("25.25"),
        }
        in_istanbul = read(storage, lambda u: u.targets.credits(ScopeType.MICRO_REGION, BOUNDS_IST))
        assert {c.month for c in in_istanbul} == {6}  # the 99 and 3 of January had no code yet
        assert [(c.scope, c.amount) for c in codes if c.currency == "TRY"] == [
            ("A-01", 15),
            ("M-01", Decimal("10.25")),
        ]
        regions = read(storage, lambda u: u.targets.credits(ScopeType.SALES_REGION, BOUNDS))
        assert {(c.scope, c.currency): c.amount for c in regions} == {
            (str(region.id), "TRY"): Decimal("25.25"),
            (str(region.id), "EUR"): Decimal(2),
        }
