"""The visible page and its count are answered from a covering index (A7, C13; revision 0025).

Listings hide archived companies (C13: ``archived_at IS NULL``). Revision 0006's
index ``(micro_region, name_key, id)`` did not hold ``archived_at``, so SQLite
read every candidate row from the table to test it (``bench_access.py``: a rep's
page + count 1.6 → 8.8 ms at 200,000 customers). These tests ask SQLite for the
plan of the very statements the repository sends and fail unless both the page
of ids and the count search a *covering* index. Revision 0026 splits a dated listing into two
``UNION ALL`` branches on ``companies.code_dated`` (T4); the plan of that form is checked too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.parties import Segmentation
from crmkit.domain.predicates import CodeIn
from crmkit.testing.factories import make_company
from tests.adapters.sqlalchemy.support import plans as statement_plans

INDEX = "ix_companies_visible_page"


def _plans(storage: SqlStorage, run: Callable[[Any], object]) -> list[str]:
    """The plans of the statements ``run`` sends that read ``companies``."""
    return statement_plans(storage, run, "companies")


@pytest.mark.parametrize("sql_storage", ["sqlite"], indirect=True)
def test_page_and_count_search_the_covering_index(sql_storage: SqlStorage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.companies.add_many(
            [
                make_company(name=f"Müşteri {n}", segmentation=Segmentation(micro_region=f"M-{n % 4:02d}"))
                for n in range(40)
            ]
        )
        uow.commit()
    codes = CodeIn(frozenset({"M-01", "M-02"}))
    page = _plans(sql_storage, lambda uow: uow.companies.visible(codes, limit=5))
    count = _plans(sql_storage, lambda uow: uow.companies.count_visible(codes))
    assert page and count
    assert f"COVERING INDEX {INDEX}" in page[0], page
    assert f"COVERING INDEX {INDEX}" in count[0], count


@pytest.mark.parametrize("sql_storage", ["sqlite"], indirect=True)
def test_archived_companies_stay_out_of_the_page(sql_storage: SqlStorage) -> None:
    """The index holds ``archived_at``; the filter still applies (C13)."""
    kept = make_company(name="Açık", segmentation=Segmentation(micro_region="M-01"))
    gone = make_company(
        name="Arşivde",
        segmentation=Segmentation(micro_region="M-01"),
        archived_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with sql_storage.unit_of_work() as uow:
        uow.companies.add_many([kept, gone])
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        codes = CodeIn(frozenset({"M-01"}))
        assert [c.id for c in uow.companies.visible(codes)] == [kept.id]
        assert uow.companies.count_visible(codes) == 1


@pytest.mark.parametrize("sql_storage", ["sqlite"], indirect=True)
def test_dated_listing_searches_the_code_history_by_index(sql_storage: SqlStorage) -> None:
    """T4: the branch for moved customers finds them by ``customer_codes (code, valid_from)``."""
    codes = CodeIn(frozenset({"M-01", "M-02"}), at=datetime(2026, 6, 1, tzinfo=UTC))
    page = _plans(sql_storage, lambda uow: uow.companies.visible(codes, limit=5))
    count = _plans(sql_storage, lambda uow: uow.companies.count_visible(codes))
    for plan in (page[0], count[0]):
        assert f"COVERING INDEX {INDEX}" in plan, plan
        assert "SCAN held_micro_region" not in plan, plan
        assert "held_micro_region USING" in plan and "(code=?" in plan, plan


@pytest.mark.parametrize("sql_storage", ["sqlite"], indirect=True)
def test_dated_listing_is_two_branches_and_the_undated_one_reads_the_index_alone(
    sql_storage: SqlStorage,
) -> None:
    """Revision 0026: the page is ``UNION ALL`` of the companies without dated codes (the covering
    index alone, ``code_dated`` in it) and those with (found through their code rows, then by id);
    the count adds the two. No ``OR`` across the branches, so no row is read for the first branch
    and no scan of ``companies`` anywhere (T4, A7)."""
    codes = CodeIn(frozenset({"M-01", "M-02"}), at=datetime(2026, 6, 1, tzinfo=UTC))
    page = _plans(sql_storage, lambda uow: uow.companies.visible(codes, limit=5))[0]
    count = _plans(sql_storage, lambda uow: uow.companies.count_visible(codes))[0]
    assert "UNION ALL" in page, page
    for plan in (page, count):
        undated, dated = plan.split(f"COVERING INDEX {INDEX}", 1)[1].split("SEARCH companies USING INDEX", 1)
        assert "(micro_region=?)" in undated, plan
        assert "(id=?)" in dated and "held_micro_region USING INDEX" in dated, plan
        assert "SCAN companies" not in plan and "MULTI-INDEX OR" not in plan, plan
