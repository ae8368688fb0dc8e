"""Segments over purchase history (M1, seed 001): storage, memory and a reference agree.

Random companies (with and without a tax number), random invoices to them at
random local times in random UTC offsets, random partial or full returns of
their lines (recorded as line reversals, V1), and a random "bought X between D1
and D2" / "has not bought X since D" condition AND a field condition: the back
end's page (SQL ``EXISTS`` on SQLite, PostgreSQL, MariaDB; Python on memory), the
in-memory evaluation over facts built here, and a plain reference give the same
companies. Edge tests pin the local-date window: 23:30 local on D2 is in, 00:30
local on D2 + 1 is out, whatever the UTC date of the instant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.adapters.memory.territory import visible_companies
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId
from crmkit.domain.invoices import Invoice, InvoiceLine, InvoiceParty, InvoiceTotals, invoice_id_for
from crmkit.domain.invoices.returns import LineReversal
from crmkit.domain.marketing import PurchaseCondition, PurchaseScope, SegmentFilter
from crmkit.domain.parties import Company, Segmentation
from crmkit.domain.points import Product
from crmkit.domain.predicates import Purchase
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.factories import make_company
from tests.profiles import examples

AT = datetime(2026, 1, 1, tzinfo=UTC)
BASE = date(2026, 3, 1)
SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="1111111111")
TAXES = ("1234567801", "1234567802", "1234567803", None)
PRODUCTS = ("P-1", "P-2", None)
OFFSETS = (3, 0, -5, 14, -12)
CATALOGUE = (
    Product(code="P-1", category="Boya/İç cephe", brand="Marshall"),
    Product(code="P-2", category="Vernik"),
)


def _companies() -> list[Company]:
    return [
        make_company(
            id=CompanyId(uuid.UUID(int=100 + i)),
            name=f"Firma {i}",
            registered_at=AT,
            tax_no=tax,
            segmentation=Segmentation(city="İzmir" if i % 2 == 0 else "Ankara"),
        )
        for i, tax in enumerate(TAXES)
    ]


def _invoice(number: int, buyer: str, local: datetime, lines: list[tuple[str | None, int]]) -> Invoice:
    items = tuple(
        InvoiceLine(
            number=n + 1,
            product_name=code or "Hizmet",
            product_code=code,
            quantity=Decimal(qty),
            unit_price=Decimal(10),
            line_extension=Decimal(10 * qty),
        )
        for n, (code, qty) in enumerate(lines)
    )
    total = sum((i.line_extension for i in items), Decimal(0))
    return Invoice(
        id=invoice_id_for(SELLER.key, f"INV{number:05d}"),
        number=f"INV{number:05d}",
        issued_at=local,
        seller=SELLER,
        buyer=InvoiceParty("Alıcı", tax_no=buyer),
        lines=items,
        totals=InvoiceTotals.of(total, payable=total),
        currency="TRY",
    )


@st.composite
def invoices(draw: st.DrawFn) -> tuple[list[Invoice], list[LineReversal]]:
    made: list[Invoice] = []
    reversals: list[LineReversal] = []
    for n in range(draw(st.integers(0, 8))):
        buyer = draw(st.sampled_from(["1234567801", "1234567802", "1234567803", "9999999999"]))
        zone = timezone(timedelta(hours=draw(st.sampled_from(OFFSETS))))
        day = BASE + timedelta(days=draw(st.integers(0, 6)))
        clock = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30, 59])))
        lines = draw(
            st.lists(st.tuples(st.sampled_from(PRODUCTS), st.integers(1, 3)), min_size=1, max_size=3)
        )
        invoice = _invoice(n, buyer, datetime.combine(day, clock, zone), lines)
        made.append(invoice)
        for line in invoice.lines:
            back = draw(st.integers(0, int(line.quantity)))
            if back:
                reversals.append(LineReversal(invoice.id, line.number, Decimal(back), Decimal(10 * back)))
    return made, reversals


@st.composite
def conditions(draw: st.DrawFn) -> PurchaseCondition:
    bought = draw(st.booleans())
    what = draw(st.sampled_from(list(PurchaseScope)))
    values = {
        PurchaseScope.ANYTHING: frozenset[str](),
        PurchaseScope.PRODUCT: frozenset(draw(st.lists(st.sampled_from(["P-1", "P-2"]), min_size=1))),
        PurchaseScope.CATEGORY: frozenset({draw(st.sampled_from(["Boya", "Vernik"]))}),
        PurchaseScope.BRAND: frozenset({"Marshall"}),
    }[what]
    start = BASE + timedelta(days=draw(st.integers(-1, 7)))
    end = start + timedelta(days=draw(st.integers(0, 3))) if bought else None
    return PurchaseCondition(bought=bought, what=what, values=values, start=start, end=end)


def _purchases(made: list[Invoice], reversals: list[LineReversal]) -> dict[str, list[Purchase]]:
    """Net purchase lines per buyer, computed here from the drawn data (the reference's facts)."""
    back = {(r.original, r.line_number): r.quantity for r in reversals}
    found: dict[str, list[Purchase]] = {}
    for invoice in made:
        for line in invoice.lines:
            if line.quantity - back.get((invoice.id, line.number), Decimal(0)) > 0:
                found.setdefault(invoice.buyer.key, []).append((invoice.issued_at.date(), line.product_code))
    return found


def _reference(company: Company, condition: PurchaseCondition, facts: dict[str, list[Purchase]]) -> bool:
    codes = condition.products(CATALOGUE)
    hit = any(
        condition.start is not None
        and condition.start <= day
        and (condition.end is None or day <= condition.end)
        and (codes is None or code in codes)
        for day, code in (facts.get(company.tax_no, []) if company.tax_no else [])
    )
    return hit == condition.bought


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    yield storage


def _store(storage: Storage, rows: list[Company], made: list[Invoice], reversals: list[LineReversal]) -> None:
    with storage.unit_of_work() as uow:
        uow.companies.add_many(rows)
        uow.invoices.add_many(made)
        if reversals:
            uow.invoices.record_reversals(reversals)
        uow.commit()


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=invoices(), condition=conditions(), city=st.sampled_from([None, "İzmir"]))
def test_m1_purchase_history_sql_memory_and_reference_agree(
    empty: Storage,
    drawn: tuple[list[Invoice], list[LineReversal]],
    condition: PurchaseCondition,
    city: str | None,
) -> None:
    made, reversals = drawn
    rows = _companies()
    storage = fresh(empty)
    _store(storage, rows, made, reversals)
    chosen = (
        SegmentFilter((), (condition,))
        if city is None
        else SegmentFilter.of(city=city, purchases=[condition])
    )
    predicate = chosen.predicate(catalogue=CATALOGUE)
    with storage.unit_of_work() as uow:
        got = [c.id for c in uow.companies.visible(predicate, limit=100)]
        counted = uow.companies.count_visible(predicate)
    facts = _purchases(made, reversals)
    in_memory = [c.id for c in visible_companies(predicate, rows, purchases=facts)]
    expected = {
        c.id
        for c in rows
        if _reference(c, condition, facts) and (city is None or c.segmentation.city == city)
    }
    assert got == in_memory
    assert set(got) == expected
    assert counted == len(got)
    assert SegmentFilter.from_data(chosen.to_data()) == chosen  # the codec keeps it (M1)


IST = timezone(timedelta(hours=3))
D2 = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        (datetime(2026, 3, 31, 23, 30, tzinfo=IST), True),  # 20:30 UTC on D2
        (datetime(2026, 4, 1, 0, 30, tzinfo=IST), False),  # 21:30 UTC on D2: still the next local day
        (datetime(2026, 3, 1, 0, 30, tzinfo=IST), True),  # 21:30 UTC on D1 - 1: local D1
        (datetime(2026, 2, 28, 23, 30, tzinfo=IST), False),
        # in UTC (no offset: the SQL compares instants with the window's UTC midnights)
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), True),
        (datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC), False),
        (datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC), True),
        (datetime(2026, 4, 1, 0, 0, tzinfo=UTC), False),
    ],
)
def test_m1_window_is_the_invoices_local_dates(empty: Storage, local: datetime, inside: bool) -> None:
    rows = _companies()[:1]
    _store(empty, rows, [_invoice(1, "1234567801", local, [("P-1", 1)])], [])
    bought = SegmentFilter.of(
        purchases=[{"what": "product", "values": ["P-1"], "from": "2026-03-01", "to": D2.isoformat()}]
    )
    not_since = SegmentFilter.of(purchases=[{"bought": False, "what": "anything", "from": "2026-03-01"}])
    with empty.unit_of_work() as uow:
        found = uow.companies.visible(bought.predicate(), limit=10)
        quiet = uow.companies.visible(not_since.predicate(), limit=10)
    assert [c.id for c in found] == ([rows[0].id] if inside else [])
    assert bool(quiet) == (local.date() < date(2026, 3, 1))


def test_m1_fully_returned_purchase_is_no_purchase(empty: Storage) -> None:
    """Decision (M1): "bought" is net of returns; a line fully taken back counts as not bought."""
    rows = _companies()[:1]
    invoice = _invoice(1, "1234567801", datetime(2026, 3, 5, 12, tzinfo=IST), [("P-1", 2), ("P-2", 1)])
    _store(empty, rows, [invoice], [LineReversal(invoice.id, 1, Decimal(2), Decimal(20))])
    p1 = SegmentFilter.of(
        purchases=[{"what": "product", "values": ["P-1"], "from": "2026-03-01", "to": "2026-03-31"}]
    )
    p2 = SegmentFilter.of(
        purchases=[{"what": "product", "values": ["P-2"], "from": "2026-03-01", "to": "2026-03-31"}]
    )
    with empty.unit_of_work() as uow:
        assert uow.companies.visible(p1.predicate(), limit=10) == []
        assert [c.id for c in uow.companies.visible(p2.predicate(), limit=10)] == [rows[0].id]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"what": "product", "values": ["P-1"], "from": "2026-03-31", "to": "2026-03-01"}, "end"),
        ({"what": "product", "values": ["P-1"], "from": datetime(2026, 3, 1), "to": "2026-03-31"}, "start"),
        (
            {
                "what": "product",
                "values": ["P-1"],
                "from": "2026-03-01",
                "to": datetime(2026, 3, 5, tzinfo=UTC),
            },
            "end",
        ),
        ({"what": "product", "values": ["P-1"], "from": "2026-03-01"}, "end"),
        ({"what": "product", "values": [], "from": "2026-03-01", "to": "2026-03-31"}, "values"),
        ({"what": "anything", "values": ["P-1"], "from": "2026-03-01", "to": "2026-03-31"}, "values"),
        ({"what": "colour", "from": "2026-03-01", "to": "2026-03-31"}, "what"),
        ({"bought": False, "from": "2026-03-01", "to": "2026-03-31"}, "end"),
        ({"bought": False}, "start"),
        ({"from": "31.03.2026", "to": "2026-03-31"}, "start"),
    ],
)
def test_m1_bad_purchase_conditions_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SegmentFilter.of(purchases=[data])
    assert raised.value.field == field
