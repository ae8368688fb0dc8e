"""Search, trees, audit trail and bulk paths on every SQL back end (issue 3 items 6, 7, 8)."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from crmkit.adapters.sqlalchemy import repositories as sql_repositories
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.audit import FieldChange
from crmkit.domain.errors import NotFound
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company, CompanyType
from crmkit.testing.clock import FixedClock
from crmkit.testing.factories import make_company
from tests.adapters.sqlalchemy.support import StatementLog


def _names(companies: list[Company]) -> list[str]:
    return [c.name for c in companies]


def test_search_is_turkish_case_and_accent_insensitive(sql_storage: SqlStorage) -> None:
    """Issue 3 item 6 / SPEC C3: ``istanbul`` finds ``İSTANBUL``, ``ısparta`` finds ``ISPARTA``."""
    with sql_storage.unit_of_work() as uow:
        uow.companies.add_many(
            [
                make_company(name="İSTANBUL Kimya A.Ş."),
                make_company(name="ISPARTA Gül Yağı", type=CompanyType.DEALER),
                make_company(name="Çağlayan Şişe Ürünleri"),
                make_company(name="Ankara Temizlik"),
            ]
        )
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert _names(uow.companies.search("istanbul")) == ["İSTANBUL Kimya A.Ş."]
        assert _names(uow.companies.search("ısparta")) == ["ISPARTA Gül Yağı"]
        assert _names(uow.companies.search("Isparta")) == ["ISPARTA Gül Yağı"]
        assert _names(uow.companies.search("SISE URUN")) == ["Çağlayan Şişe Ürünleri"]
        assert _names(uow.companies.search("", type=CompanyType.DEALER)) == ["ISPARTA Gül Yağı"]
        everything = _names(uow.companies.search())
        assert everything == [
            "Ankara Temizlik",
            "Çağlayan Şişe Ürünleri",
            "ISPARTA Gül Yağı",
            "İSTANBUL Kimya A.Ş.",
        ]  # by folded name: ankara, caglayan, isparta, istanbul
        assert _names(uow.companies.search(limit=2, offset=1)) == everything[1:3]


def test_search_escapes_like_wildcards(sql_storage: SqlStorage) -> None:
    """Issue 3 item 6: ``%`` and ``_`` in the text match themselves, not anything."""
    with sql_storage.unit_of_work() as uow:
        uow.companies.add_many(
            [
                make_company(name="Yüzde 100% Temizlik"),
                make_company(name="Alt_Çizgi Ltd"),
                make_company(name="Altın Çizgi Ltd"),
            ]
        )
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert _names(uow.companies.search("%")) == ["Yüzde 100% Temizlik"]
        assert _names(uow.companies.search("alt_")) == ["Alt_Çizgi Ltd"]


def test_trees_run_as_one_recursive_query(sql_storage: SqlStorage) -> None:
    """SPEC T5/A6, ports.storage: ancestors and subtree by a recursive CTE, one statement each."""
    top = make_company(name="Dağıtıcı")
    main = make_company(name="Ana Bayi", type="main_dealer", parent_id=top.id)
    dealer = make_company(name="Bayi", type="dealer", parent_id=main.id)
    customer = make_company(name="Müşteri", type="customer", parent_id=dealer.id)
    other = make_company(name="Başka Dağıtıcı")
    with sql_storage.unit_of_work() as uow:
        uow.companies.add_many([customer, dealer, other, main, top])  # children first: reordered
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        with StatementLog(sql_storage.engine) as log:
            chain = uow.companies.ancestors(customer.id)
            below = uow.companies.subtree(main.id)
        assert chain == [dealer.id, main.id, top.id]
        assert below == sorted([main.id, dealer.id, customer.id])
        recursive = [s for s, _ in log.statements if "RECURSIVE" in s.upper()]
        assert len(recursive) == 2 and len(log.statements) == 2
        assert uow.companies.ancestors(top.id) == []
        assert uow.companies.subtree(top.id) == sorted([top.id, main.id, dealer.id, customer.id])
        assert uow.companies.subtree(_missing()) == []
        assert uow.companies.children(top.id) == [main]
        with pytest.raises(NotFound):
            uow.companies.ancestors(_missing())


def _missing() -> CompanyId:
    return make_company().id


def test_add_many_is_one_executemany_and_get_many_one_select(sql_storage: SqlStorage) -> None:
    """Issue 3 item 8: one batched INSERT for the rows, one for their audit; one SELECT to read."""
    batch = [make_company(name=f"Firma {n:03d}") for n in range(120)]
    with sql_storage.unit_of_work() as uow:
        with StatementLog(sql_storage.engine) as log:
            uow.companies.add_many(batch)
        assert len(log.starting("INSERT INTO companies")) == 1
        assert len(log.starting("INSERT INTO audit_entries")) == 1
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        wanted = [c.id for c in reversed(batch)] + [_missing()]
        with StatementLog(sql_storage.engine) as log:
            found = uow.companies.get_many(wanted)
        assert len(log.starting("SELECT")) == 1
        assert list(found) == [c.id for c in reversed(batch)]
        assert all(found[c.id] == c for c in batch)


def test_audit_trail_per_record_and_per_actor(sql_storage: SqlStorage, clock: FixedClock) -> None:
    """Issue 3 item 7 / SPEC C12: actor, time, version, old → new; none for a rollback."""
    ayse, mehmet = EmployeeId(_missing()), EmployeeId(_missing())
    company = make_company(name="Ege Kimya")
    with sql_storage.unit_of_work(actor=ayse) as uow:
        uow.companies.add(company)
        uow.commit()
    clock.advance(timedelta(minutes=5))
    with sql_storage.unit_of_work(actor=mehmet) as uow:
        saved = uow.companies.save(attrs.evolve(company, name="Ege Kimya A.Ş.", tax_no=None))
        uow.commit()
    clock.advance(timedelta(minutes=5))
    with sql_storage.unit_of_work(actor=mehmet) as uow:
        uow.companies.save(attrs.evolve(saved, name="Geri Alınan"))
        uow.rollback()
        uow.companies.save(attrs.evolve(saved, has_contract=True, portal_password_hash="gizli-özet"))
        # leaving without commit: nothing either

    with sql_storage.unit_of_work() as uow:
        history = uow.audit.for_record("company", str(company.id))
        by_mehmet = uow.audit.by_actor(str(mehmet))
        by_ayse = uow.audit.by_actor(str(ayse))
    assert [(e.action, e.version, e.actor_id) for e in history] == [
        ("create", 1, str(ayse)),
        ("update", 2, str(mehmet)),
    ]
    assert history[0].at == clock.now() - timedelta(minutes=10)
    assert history[0].at.utcoffset() == timedelta(0)
    assert FieldChange("name", None, "Ege Kimya") in history[0].changes
    assert history[1].changes == (FieldChange("name", "Ege Kimya", "Ege Kimya A.Ş."),)
    assert by_mehmet == [history[1]]
    assert by_ayse == [history[0]]


def test_audit_masks_secrets(sql_storage: SqlStorage) -> None:
    """SPEC C12 / domain.audit SECRET_FIELDS: a password hash reaches the trail only as ``***``."""
    company = make_company(email="info@ege.com.tr", has_contract=True)
    with sql_storage.unit_of_work() as uow:
        uow.companies.add(company)
        uow.companies.save(company.issue_portal_credentials("hash-değeri"))
        uow.commit()
        history = uow.audit.for_record("company", str(company.id))
    assert FieldChange("portal_password_hash", None, "***") in history[1].changes
    assert "hash-değeri" not in repr(history)


def test_by_actor_pages_oldest_first(sql_storage: SqlStorage, clock: FixedClock) -> None:
    """ports.storage AuditLog.by_actor: oldest first, ``limit``/``offset`` page it."""
    actor = EmployeeId(_missing())
    companies = [make_company(name=f"Firma {n}") for n in range(5)]
    for company in companies:
        clock.advance(timedelta(seconds=1))
        with sql_storage.unit_of_work(actor=actor) as uow:
            uow.companies.add(company)
            uow.commit()
    with sql_storage.unit_of_work() as uow:
        page = uow.audit.by_actor(str(actor), limit=2, offset=1)
    assert [e.aggregate_id for e in page] == [str(c.id) for c in companies[1:3]]


def test_c1_c5_by_tax_nos_reads_one_chunk_of_numbers_per_query(
    sql_storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import's buyer look-up (C5, Q5): every chunk is read, one ``SELECT`` each, not one per number."""
    monkeypatch.setattr(sql_repositories, "GET_MANY_CHUNK", 2)
    firms = [make_company(name=f"Firma {n}", tax_no=f"{1_000_000_000 + n}") for n in range(5)]
    with sql_storage.unit_of_work() as uow:
        uow.companies.add_many(firms)
        uow.commit()
    wanted = [f.tax_no or "" for f in firms] + ["9999999999"]
    with StatementLog(sql_storage.engine) as log, sql_storage.unit_of_work() as uow:
        found = uow.companies.by_tax_nos(wanted)
    assert found == {f.tax_no: f for f in firms}
    assert len(log.starting("SELECT")) == 3  # six numbers in chunks of two
