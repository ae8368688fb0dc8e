"""The company repository contract (C1–C7, C11; §9)."""

from __future__ import annotations

import uuid

import attrs
import pytest

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import CompanyId
from crmkit.domain.parties import (
    CompanyKind,
    CompanyStatus,
    CompanyType,
    Reference,
    ReferenceKind,
    Segmentation,
    StatusTrigger,
)
from crmkit.domain.text import fold
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_claim, make_company, make_contact, make_employee

__all__ = ["CompanyRepositoryContract"]


class CompanyRepositoryContract:
    """What every :class:`~crmkit.ports.storage.CompanyRepository` must do.

    Needs a ``storage`` fixture: a migrated, empty storage.
    """

    # -- round trips --------------------------------------------------------------
    def test_c1_c3_round_trip_returns_an_equal_company(self, storage: Storage) -> None:
        """get(add(x)) == x for a company with every plain field filled (C1, C3, C7, C11)."""
        company = make_company(
            name="Ege Hijyen Ürünleri Ltd. Şti.",
            type=CompanyType.DEALER,
            kind=CompanyKind.INDIVIDUAL,
            status=CompanyStatus.POTENTIAL,
            tax_no="1234567890",
            email="info@egehijyen.example.com.tr",
            phone="+905321234567",
            segmentation=Segmentation(
                sector="Hijyen",
                category="A Sınıfı",
                city="İzmir",
                district="Karşıyaka",
                size="Orta",
                value_class="Altın",
                micro_region="M-07",
                sales_region="Ege",
            ),
            referred_by=Reference(ReferenceKind.INDIVIDUAL, person_name="Şükrü Çağlar"),
            has_contract=True,
            portal_username="info@egehijyen.example.com.tr",
            portal_password_hash="9f" * 32,
        )
        store(storage, company)
        assert read(storage, lambda uow: uow.companies.get(company.id)) == company

    def test_c2_c4_c6_c7_round_trip_keeps_links_to_other_records(self, storage: Storage) -> None:
        """Parent, reps, primary contact, pending claim and corporate reference survive (C2–C7)."""
        parent = make_company(name="Anadolu Dağıtım A.Ş.")
        referrer = make_company(name="Referans Kimya A.Ş.", type=CompanyType.CUSTOMER)
        rep, support = make_employee(name="Rep Bir"), make_employee(name="Destek İki")
        company = make_company(
            name="Bayi Üç",
            type=CompanyType.DEALER,
            parent_id=parent.id,
            referred_by=Reference(ReferenceKind.CORPORATE, company_id=referrer.id),
        )
        contact = make_contact(company_id=company.id)
        claim = make_claim(company_id=company.id, claimant_id=rep.id)
        store(storage, parent, referrer, rep, support, company, contact, claim)
        linked = attrs.evolve(
            company,
            primary_contact_id=contact.id,
            pending_claim_id=claim.id,
            sales_rep_id=rep.id,
            support_rep_id=support.id,
        )
        with storage.unit_of_work() as uow:
            saved = uow.companies.save(linked)
            uow.commit()
        assert saved == attrs.evolve(linked, version=2)
        assert read(storage, lambda uow: uow.companies.get(company.id)) == saved

    def test_c1_turkish_text_survives_the_round_trip(self, storage: Storage) -> None:
        """Dotted/dotless i, ş, ğ, ç, ö, ü and circumflexes come back exactly as typed (C1, C3)."""
        company = make_company(
            name="IĞDIR İŞÇİ ÇÖMLEK Şişe Ürünleri ılık iİıI Âlâ",
            segmentation=Segmentation(city="Iğdır", district="Çağlayan", sector="Gıda"),
        )
        store(storage, company)
        back = read(storage, lambda uow: uow.companies.get(company.id))
        assert back.name == "IĞDIR İŞÇİ ÇÖMLEK Şişe Ürünleri ılık iİıI Âlâ"
        assert back.segmentation == company.segmentation

    def test_s9_get_of_an_unknown_id_raises_not_found(self, storage: Storage) -> None:
        """get() of an id never added raises NotFound (§9)."""
        with storage.unit_of_work() as uow, pytest.raises(NotFound):
            uow.companies.get(CompanyId(uuid.uuid4()))

    def test_s9_get_many_returns_found_ids_and_leaves_out_missing(self, storage: Storage) -> None:
        """get_many() maps each stored id to its company and leaves unknown ids out (§9)."""
        a, b, c = make_company(name="A"), make_company(name="B"), make_company(name="C")
        store(storage, a, b, c)
        missing = CompanyId(uuid.uuid4())
        found = read(storage, lambda uow: uow.companies.get_many([a.id, missing, c.id]))
        assert found == {a.id: a, c.id: c}
        assert read(storage, lambda uow: uow.companies.get_many([])) == {}

    def test_s9_count_counts_committed_companies(self, storage: Storage) -> None:
        """count() is the number of stored companies (§9)."""
        assert read(storage, lambda uow: uow.companies.count()) == 0
        store(storage, make_company(name="Bir"), make_company(name="İki"))
        assert read(storage, lambda uow: uow.companies.count()) == 2

    # -- uniqueness -----------------------------------------------------------------
    def test_s9_adding_an_existing_id_raises_duplicate_naming_id(self, storage: Storage) -> None:
        """A second add() with a taken id raises Duplicate(field="id") (§9)."""
        company = make_company()
        store(storage, company)
        with pytest.raises(Duplicate) as caught, storage.unit_of_work() as uow:
            uow.companies.add(attrs.evolve(company, name="Başka Ad"))
            uow.commit()
        assert caught.value.field == "id"
        assert read(storage, lambda uow: uow.companies.get(company.id)).name == company.name

    def test_c1_a_taken_tax_number_raises_duplicate_naming_tax_no(self, storage: Storage) -> None:
        """Two companies cannot share a VKN/TCKN: Duplicate(field="tax_no") (C1, §9)."""
        store(storage, make_company(name="İlk", tax_no="1234567890"))
        second = make_company(name="İkinci", tax_no="1234567890")
        with pytest.raises(Duplicate) as caught, storage.unit_of_work() as uow:
            uow.companies.add(second)
            uow.commit()
        assert caught.value.field == "tax_no"
        assert read(storage, lambda uow: uow.companies.get_many([second.id])) == {}

    def test_c1_companies_without_tax_number_do_not_clash(self, storage: Storage) -> None:
        """``tax_no=None`` is not a value: many companies may lack one (C1)."""
        store(storage, make_company(name="Bir"), make_company(name="İki"))
        assert read(storage, lambda uow: uow.companies.count()) == 2

    def test_c1_by_tax_no_finds_the_company_or_none(self, storage: Storage) -> None:
        """by_tax_no() returns the company holding the number, else None (C1)."""
        company = make_company(tax_no="12345678901")
        store(storage, company, make_company(name="Diğer", tax_no="1234567890"))
        assert read(storage, lambda uow: uow.companies.by_tax_no("12345678901")) == company
        assert read(storage, lambda uow: uow.companies.by_tax_no("9999999999")) is None

    def test_c1_by_tax_nos_finds_the_holders_of_many_numbers(self, storage: Storage) -> None:
        """by_tax_nos() maps each held number to its company and leaves the others out (C1)."""
        many = [make_company(name=f"Firma {n}", tax_no=f"{1_000_000_000 + n}") for n in range(1_203)]
        store(storage, *many, make_company(name="Numarasız"))
        wanted = [c.tax_no for c in many if c.tax_no] + ["9999999999", many[0].tax_no or ""]
        found = read(storage, lambda uow: uow.companies.by_tax_nos(wanted))
        assert found == {c.tax_no: c for c in many}
        assert read(storage, lambda uow: uow.companies.by_tax_nos([])) == {}

    # -- versions -------------------------------------------------------------------
    def test_s9_save_bumps_the_version_and_stores_the_change(self, storage: Storage) -> None:
        """save() stores the change and returns it with version + 1 (§9)."""
        company = make_company()
        store(storage, company)
        with storage.unit_of_work() as uow:
            saved = uow.companies.save(company.advance_status(StatusTrigger.OFFER_SENT))
            uow.commit()
        assert saved.version == 2
        assert saved.status is CompanyStatus.IN_TALKS
        assert read(storage, lambda uow: uow.companies.get(company.id)) == saved

    def test_s9_save_of_a_company_never_added_raises_not_found(self, storage: Storage) -> None:
        """save() of an unknown company raises NotFound and writes nothing (§9)."""
        ghost = make_company()
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.companies.save(ghost)
        assert read(storage, lambda uow: uow.companies.count()) == 0

    def test_s9_stale_save_raises_conflict_and_writes_nothing(self, storage: Storage) -> None:
        """Two interleaved units of work save one company: the second one conflicts (§9)."""
        company = make_company(name="Yarış A.Ş.")
        store(storage, company)
        first = storage.unit_of_work()
        second = storage.unit_of_work()
        with first, second:
            mine = first.companies.get(company.id)
            theirs = second.companies.get(company.id)
            won = first.companies.save(attrs.evolve(mine, name="Birinci"))
            first.commit()
            with pytest.raises(ConcurrencyConflict) as caught:
                second.companies.save(attrs.evolve(theirs, name="İkinci"))
                second.commit()
        assert caught.value.expected_version == 1
        assert read(storage, lambda uow: uow.companies.get(company.id)) == won

    def test_s9_a_saved_copy_can_be_saved_again(self, storage: Storage) -> None:
        """The copy save() returns carries the stored version, so it saves cleanly (§9)."""
        company = make_company()
        store(storage, company)
        with storage.unit_of_work() as uow:
            once = uow.companies.save(attrs.evolve(company, name="Bir"))
            twice = uow.companies.save(attrs.evolve(once, name="İki"))
            uow.commit()
        assert twice.version == 3
        assert read(storage, lambda uow: uow.companies.get(company.id)) == twice

    # -- batches --------------------------------------------------------------------
    def test_s9_add_many_stores_every_company(self, storage: Storage) -> None:
        """add_many() stores the whole batch (§9)."""
        batch = [make_company(name=f"Toplu {n}") for n in range(5)]
        with storage.unit_of_work() as uow:
            uow.companies.add_many(batch)
            uow.commit()
        found = read(storage, lambda uow: uow.companies.get_many(c.id for c in batch))
        assert found == {c.id: c for c in batch}

    def test_s9_add_many_is_all_or_nothing(self, storage: Storage) -> None:
        """A batch with one taken id stores none of its companies; the rest of the work commits."""
        taken = make_company(name="Var Olan")
        store(storage, taken)
        before = make_company(name="Önceki İş")
        batch = [make_company(name="Yeni 1"), make_company(name="Yeni 2"), taken]
        with storage.unit_of_work() as uow:
            uow.companies.add(before)
            with pytest.raises(Duplicate):
                uow.companies.add_many(batch)
            assert uow.companies.get_many(c.id for c in batch[:2]) == {}
            uow.commit()
        ids = [before.id, *(c.id for c in batch[:2])]
        assert read(storage, lambda uow: uow.companies.get_many(ids)) == {before.id: before}

    def test_s9_add_many_refuses_a_batch_repeating_an_id(self, storage: Storage) -> None:
        """Two companies with one id in the same batch raise Duplicate(field="id") (§9)."""
        company = make_company()
        with pytest.raises(Duplicate) as caught, storage.unit_of_work() as uow:
            uow.companies.add_many([company, attrs.evolve(company, name="Kopya")])
            uow.commit()
        assert caught.value.field == "id"
        assert read(storage, lambda uow: uow.companies.count()) == 0

    # -- hierarchy (C2) ---------------------------------------------------------------
    def _channel(self, storage: Storage) -> dict[str, CompanyId]:
        dist = make_company(name="Dağıtıcı", type=CompanyType.DISTRIBUTOR)
        main = make_company(name="Ana Bayi", type=CompanyType.MAIN_DEALER, parent_id=dist.id)
        dealer = make_company(name="Bayi", type=CompanyType.DEALER, parent_id=main.id)
        customer = make_company(name="Müşteri", type=CompanyType.CUSTOMER, parent_id=dealer.id)
        sibling = make_company(name="Kardeş", type=CompanyType.CUSTOMER, parent_id=dist.id)
        other = make_company(name="Başka Dağıtıcı", type=CompanyType.DISTRIBUTOR)
        store(storage, dist, main, dealer, customer, sibling, other)
        return {
            "dist": dist.id,
            "main": main.id,
            "dealer": dealer.id,
            "customer": customer.id,
            "sibling": sibling.id,
            "other": other.id,
        }

    def test_c2_ancestors_lists_the_chain_parent_first(self, storage: Storage) -> None:
        """ancestors() is parent first, top-level company last; [] at the top (C2)."""
        ids = self._channel(storage)
        chain = read(storage, lambda uow: uow.companies.ancestors(ids["customer"]))
        assert chain == [ids["dealer"], ids["main"], ids["dist"]]
        assert read(storage, lambda uow: uow.companies.ancestors(ids["dist"])) == []

    def test_c2_ancestors_of_an_unknown_company_raises_not_found(self, storage: Storage) -> None:
        """ancestors() of an id never added raises NotFound (C2)."""
        with storage.unit_of_work() as uow, pytest.raises(NotFound):
            uow.companies.ancestors(CompanyId(uuid.uuid4()))

    def test_c2_a6_subtree_is_the_root_and_everything_below_by_id(self, storage: Storage) -> None:
        """subtree() holds the root and all descendants, ordered by id, nothing else (C2, A6)."""
        ids = self._channel(storage)
        everything = [ids[k] for k in ("dist", "main", "dealer", "customer", "sibling")]
        assert read(storage, lambda uow: uow.companies.subtree(ids["dist"])) == sorted(everything)
        below_main = sorted([ids["main"], ids["dealer"], ids["customer"]])
        assert read(storage, lambda uow: uow.companies.subtree(ids["main"])) == below_main
        assert read(storage, lambda uow: uow.companies.subtree(ids["customer"])) == [ids["customer"]]

    def test_c2_children_are_the_direct_children_by_id(self, storage: Storage) -> None:
        """children() lists only companies registered directly under the parent, by id (C2)."""
        ids = self._channel(storage)
        children = read(storage, lambda uow: uow.companies.children(ids["dist"]))
        assert [c.id for c in children] == sorted([ids["main"], ids["sibling"]])
        assert read(storage, lambda uow: uow.companies.children(ids["customer"])) == []

    # -- search -----------------------------------------------------------------------
    @pytest.mark.parametrize(
        ("query", "name"),
        [
            ("istanbul", "İSTANBUL A.Ş."),
            ("İstanbul", "İSTANBUL A.Ş."),
            ("ısparta", "ISPARTA"),
            ("isparta", "ISPARTA"),
            ("çağ", "Çağlayan Şişe"),
            ("CAGLAYAN", "Çağlayan Şişe"),
            ("şişe", "Çağlayan Şişe"),
            ("ÜRÜN", "Gül Ürünleri"),
        ],
    )
    def test_c1_search_matches_the_turkish_way(self, storage: Storage, query: str, name: str) -> None:
        """search() is case- and accent-insensitive the Turkish way, substring anywhere (C1)."""
        names = ["İSTANBUL A.Ş.", "ISPARTA", "Çağlayan Şişe", "Gül Ürünleri", "Ankara Kimya"]
        store(storage, *(make_company(name=n) for n in names))
        found = read(storage, lambda uow: uow.companies.search(query))
        assert [c.name for c in found] == [name]

    def test_c1_search_orders_by_folded_name_then_id(self, storage: Storage) -> None:
        """search() orders by folded name (ç sorts as c, İ as i), ties by id (C1)."""
        names = ["Zeytin Gıda", "ada Kimya", "Çamlıca Temizlik", "İnci Hijyen", "Aynı", "Aynı"]
        companies = [make_company(name=n) for n in names]
        store(storage, *companies)
        found = read(storage, lambda uow: uow.companies.search(""))
        expected = sorted(companies, key=lambda c: (fold(c.name), c.id))
        assert [c.id for c in found] == [c.id for c in expected]
        assert [c.name for c in found][:4] == ["ada Kimya", "Aynı", "Aynı", "Çamlıca Temizlik"]

    def test_c1_search_filters_by_type(self, storage: Storage) -> None:
        """search(type=...) returns only companies of that type (C1)."""
        dealer = make_company(name="Ege Bayi", type=CompanyType.DEALER)
        store(storage, dealer, make_company(name="Ege Dağıtım", type=CompanyType.DISTRIBUTOR))
        found = read(storage, lambda uow: uow.companies.search("ege", type=CompanyType.DEALER))
        assert found == [dealer]

    def test_s9_paging_through_search_yields_the_unpaged_list(self, storage: Storage) -> None:
        """limit/offset pages concatenate to the unpaged result, without repeats or gaps (§9)."""
        companies = [make_company(name=f"Şirket {n % 4}") for n in range(11)]
        store(storage, *companies)
        everything = read(storage, lambda uow: uow.companies.search("", limit=100))
        assert len(everything) == 11
        pages = []
        with storage.unit_of_work() as uow:
            for offset in range(0, 12, 3):
                pages.extend(uow.companies.search("", limit=3, offset=offset))
        assert pages == everything
        assert read(storage, lambda uow: uow.companies.search("", limit=3, offset=20)) == []
