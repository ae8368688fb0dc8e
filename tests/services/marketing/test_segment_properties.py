"""SQL and memory agree on segment predicates (M1, A7), with and without the access policy's part.

Random companies over a few cities, value classes, sectors, types, codes and
reps, some with a tax number; random invoices to them at random local times and
offsets with random returns (V1); a random segment filter, optionally with a
purchase-history condition ("bought X between D1 and D2" / "has not bought X
since D"), AND a random visibility part (everything, a code set, a firm
subtree). The back end's page, the in-memory evaluation and a plain Python
reference give the same companies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.adapters.memory.territory import visible_companies
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.invoices import Invoice
from crmkit.domain.invoices.returns import LineReversal
from crmkit.domain.marketing import PurchaseCondition, SegmentFilter
from crmkit.domain.parties import Company, CompanyType, Segmentation
from crmkit.domain.predicates import EVERYTHING, CodeIn, FirmSubtree, Predicate, all_of
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from tests.profiles import examples
from tests.services.marketing.test_purchase_segments import (
    CATALOGUE,
    _purchases,
    _reference,
    conditions,
    invoices,
)

AT = datetime(2025, 6, 1, tzinfo=UTC)
CITIES = ("İzmir", "Ankara", "ISPARTA", "ısparta")
CLASSES = ("A", "B")
CODES = ("M-01", "M-02")
REPS = (EmployeeId(uuid.UUID(int=77)), EmployeeId(uuid.UUID(int=78)))
TYPES = (CompanyType.DISTRIBUTOR, CompanyType.DEALER)
TAXES = ("1234567801", "1234567802", "1234567803")


@st.composite
def companies(draw: st.DrawFn) -> list[Company]:
    count = draw(st.integers(0, 12))
    made: list[Company] = []
    for i in range(count):
        parent: CompanyId | None = None
        if draw(st.booleans()) and made:
            parent = made[draw(st.integers(0, len(made) - 1))].id
        made.append(
            Company(
                id=CompanyId(uuid.UUID(int=100 + i)),
                name=f"Firma {draw(st.integers(0, 5))}",
                type=draw(st.sampled_from(TYPES)),
                registered_at=AT,
                parent_id=parent,
                segmentation=Segmentation(
                    city=draw(st.none() | st.sampled_from(CITIES)),
                    value_class=draw(st.none() | st.sampled_from(CLASSES)),
                    micro_region=draw(st.none() | st.sampled_from(CODES)),
                ),
                sales_rep_id=draw(st.none() | st.sampled_from(REPS)),
                tax_no=TAXES[i] if i < len(TAXES) and draw(st.booleans()) else None,  # unique (C3)
            )
        )
    return made


filters = st.fixed_dictionaries(
    {},
    optional={
        "city": st.lists(st.sampled_from(CITIES), min_size=1, max_size=2),
        "value_class": st.sampled_from(CLASSES),
        "type": st.sampled_from([t.value for t in TYPES]),
        "sales_rep": st.sampled_from([str(r) for r in REPS]),
        "micro_region": st.lists(st.sampled_from(CODES), min_size=1, max_size=2),
    },
)


def reference(company: Company, wanted: dict[str, str | list[str]]) -> bool:
    values = {
        "city": company.segmentation.city,
        "value_class": company.segmentation.value_class,
        "micro_region": company.segmentation.micro_region,
        "type": company.type.value,
        "sales_rep": None if company.sales_rep_id is None else str(company.sales_rep_id),
    }
    return all(
        values[field] in ({want} if isinstance(want, str) else set(want)) for field, want in wanted.items()
    )


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    yield storage


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=companies(),
    wanted=filters,
    sight=st.integers(0, 2),
    firm=st.integers(0, 11),
    drawn=invoices(),
    bought=st.none() | conditions(),
)
def test_m1_sql_memory_and_reference_agree(
    empty: Storage,
    rows: list[Company],
    wanted: dict[str, str | list[str]],
    sight: int,
    firm: int,
    drawn: tuple[list[Invoice], list[LineReversal]],
    bought: PurchaseCondition | None,
) -> None:
    made, reversals = drawn
    storage = fresh(empty)
    with storage.unit_of_work() as uow:
        uow.companies.add_many(rows)
        uow.invoices.add_many(made)
        if reversals:
            uow.invoices.record_reversals(reversals)
        uow.commit()
    scope: Predicate = (
        EVERYTHING,
        CodeIn(frozenset({"M-01"})),
        FirmSubtree(CompanyId(uuid.UUID(int=100 + firm))),
    )[sight]
    chosen = SegmentFilter.from_data({**wanted, "purchases": [] if bought is None else [bought]})
    predicate = all_of(chosen.predicate(catalogue=CATALOGUE), scope)
    with storage.unit_of_work() as uow:
        got = [c.id for c in uow.companies.visible(predicate, limit=100)]
        counted = uow.companies.count_visible(predicate)
    facts = _purchases(made, reversals)
    in_memory = [c.id for c in visible_companies(predicate, rows, purchases=facts)]
    in_scope = {c.id for c in visible_companies(scope, rows)}
    expected = {
        c.id
        for c in rows
        if reference(c, wanted) and c.id in in_scope and (bought is None or _reference(c, bought, facts))
    }
    assert got == in_memory
    assert set(got) == expected
    assert counted == len(got)
