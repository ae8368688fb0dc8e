"""Parties use cases on every storage back end (SPEC §1, C1–C7, C11, C12)."""

from __future__ import annotations

from datetime import timedelta

import pytest

import crmkit
from crmkit import ContactInput
from crmkit.domain.errors import (
    Duplicate,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from crmkit.domain.ids import CompanyId
from crmkit.domain.parties import ClaimStatus, CompanyKind, CompanyStatus, CompanyType, ReferenceKind
from tests.services.conftest import World

VKN_A = "4730180002"
VKN_B = "6800120004"
TCKN = "10000000146"


def _chain(w: World) -> tuple[CompanyId, CompanyId, CompanyId]:
    p, a = w.crm.parties, w.admin.id
    dist = p.register_company(actor=a, name="Marmara Dağıtım A.Ş.", type="distributor", tax_no=VKN_A)
    dealer = p.register_company(actor=a, name="Ege Bayi", type="dealer", parent=dist.id)
    customer = p.register_company(actor=a, name="Çağlayan Kimya", type="customer", parent=dealer.id)
    return dist.id, dealer.id, customer.id


def _count(w: World) -> int:
    with w.crm.storage.unit_of_work() as uow:
        return uow.companies.count()


# -- C1 ----------------------------------------------------------------------


def test_c1_company_has_type_and_kind(world: World) -> None:
    p = world.crm.parties
    retail = p.register_company(
        actor=world.admin.id, name="Ali Veli", type="customer", kind="individual", tax_no=TCKN
    )
    stored = p.get_company(actor=world.admin.id, company=retail.id)
    assert stored.type is CompanyType.CUSTOMER
    assert stored.kind is CompanyKind.INDIVIDUAL
    assert stored.tax_no == TCKN


def test_c1_unknown_type_names_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        world.crm.parties.register_company(actor=world.admin.id, name="X", type="wholesaler")
    assert info.value.field == "type"
    assert "distributor" in info.value.reason
    assert _count(world) == 0


# -- C2 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent_type", "child_type"),
    [
        ("dealer", "main_dealer"),
        ("dealer", "dealer"),
        ("customer", "customer"),
        ("main_dealer", "distributor"),
    ],
)
def test_c2_forbidden_pair_is_refused_and_nothing_is_stored(
    world: World, parent_type: str, child_type: str
) -> None:
    p = world.crm.parties
    parent = p.register_company(actor=world.admin.id, name="Üst Firma", type=parent_type)
    before = _count(world)
    with pytest.raises(RuleViolation) as info:
        p.register_company(actor=world.admin.id, name="Alt Firma", type=child_type, parent=parent.id)
    assert info.value.rule == "C2"
    assert parent_type in str(info.value) and child_type in str(info.value)
    assert _count(world) == before


def test_c2_allowed_channel_chain(world: World) -> None:
    dist, dealer, customer = _chain(world)
    with world.crm.storage.unit_of_work() as uow:
        assert uow.companies.ancestors(customer) == [dealer, dist]


def test_c2_move_under_forbidden_parent_leaves_company_where_it_was(world: World) -> None:
    dist, dealer, customer = _chain(world)
    p = world.crm.parties
    with pytest.raises(RuleViolation):
        p.move_company(actor=world.admin.id, company=dealer, parent=customer)
    assert p.get_company(actor=world.admin.id, company=dealer).parent_id == dist
    moved = p.move_company(actor=world.admin.id, company=customer, parent=dist)
    assert moved.parent_id == dist


# -- C3 ----------------------------------------------------------------------


def test_c3_segmentation_values_come_from_pick_lists(world: World) -> None:
    p = world.crm.parties
    company = p.register_company(
        actor=world.admin.id, name="Gül Kozmetik", type="customer", city="ısparta", sector="hijyen"
    )
    assert company.segmentation.city == "Isparta"  # canonical spelling from the list (C9)
    assert company.segmentation.sector == "Hijyen"
    with pytest.raises(ValidationError) as info:
        p.register_company(actor=world.admin.id, name="Y", type="customer", city="Ankara")
    assert info.value.field == "city"
    with pytest.raises(ValidationError) as info:
        p.register_company(actor=world.admin.id, name="Y", type="customer", size="büyük")
    assert info.value.field == "size" and "company_sizes" in info.value.reason
    updated = p.update_company(actor=world.admin.id, company=company.id, city="İZMİR")
    assert updated.segmentation.city == "İzmir"
    assert updated.segmentation.sector == "Hijyen"


# -- C4 ----------------------------------------------------------------------


def test_c4_registration_contact_is_primary_and_changes_only_explicitly(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    company = p.register_company(
        actor=a,
        name="Şahin Hijyen",
        type="customer",
        contact=ContactInput(name="Şükrü Öztürk", phone="0532 123 45 67", email="sukru@example.com"),
    )
    contacts = p.contacts(actor=a, company=company.id)
    assert [c.name for c in contacts] == ["Şükrü Öztürk"]
    assert contacts[0].phone == "+905321234567"
    assert company.primary_contact_id == contacts[0].id
    second = p.add_contact(actor=a, company=company.id, name="Ömer Işık", title="Satınalma")
    assert p.get_company(actor=a, company=company.id).primary_contact_id == contacts[0].id
    changed = p.change_primary_contact(actor=a, company=company.id, contact=second.id)
    assert changed.primary_contact_id == second.id


def test_c4_contact_of_another_company_cannot_be_primary(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    one = p.register_company(actor=a, name="Bir", type="customer", contact=ContactInput(name="Can"))
    two = p.register_company(actor=a, name="İki", type="customer", contact=ContactInput(name="Cem"))
    with pytest.raises(RuleViolation) as info:
        p.change_primary_contact(actor=a, company=one.id, contact=two.primary_contact_id)
    assert info.value.rule == "C4"
    assert p.get_company(actor=a, company=one.id).primary_contact_id == one.primary_contact_id


def test_c4_every_employee_sees_contacts_of_every_company(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    company = p.register_company(actor=a, name="Bir", type="customer", contact=ContactInput(name="Can"))
    assert [c.name for c in p.contacts(actor=rep.id, company=company.id)] == ["Can"]


def test_malformed_contact_phone_names_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        world.crm.parties.register_company(
            actor=world.admin.id, name="Bir", type="customer", contact=ContactInput(name="Can", phone="12")
        )
    assert info.value.field == "contact.phone"
    assert _count(world) == 0


# -- C5 ----------------------------------------------------------------------


def test_c5_status_moves_forward_by_itself_and_never_back(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    company = p.register_company(actor=a, name="Bir", type="customer")
    assert company.status is CompanyStatus.PRE_MEETING
    assert p.record_status_trigger(actor=a, company=company.id, trigger="brochure_sent").status is (
        CompanyStatus.IN_TALKS
    )
    assert p.record_status_trigger(actor=a, company=company.id, trigger="contract_added").status is (
        CompanyStatus.POTENTIAL
    )
    after = p.record_status_trigger(actor=a, company=company.id, trigger="offer_sent")
    assert after.status is CompanyStatus.POTENTIAL
    assert after.has_contract


# -- C6 ----------------------------------------------------------------------


def test_c6_assigned_at_registration_cannot_be_claimed(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    support = p.hire(actor=a, name="Deniz Ak")
    company = p.register_company(
        actor=a, name="Bir", type="customer", sales_rep=rep.id, support_rep=support.id
    )
    assert company.is_assigned and company.support_rep_id == support.id
    other = p.hire(actor=a, name="İbrahim Şahin")
    with pytest.raises(RuleViolation) as info:
        p.claim(actor=other.id, company=company.id)
    assert info.value.rule == "C6"


def test_c6_claim_then_approve_assigns(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    manager = p.hire(actor=a, name="Mehmet Kaya", position="manager")
    rep = p.hire(actor=a, name="Gülşen Çelik", manager=manager.id)
    company = p.register_company(actor=a, name="Bir", type="customer")
    claim = p.claim(actor=rep.id, company=company.id)
    assert [c.id for c in p.pending_claims(actor=manager.id)] == [claim.id]
    decided = p.approve_claim(actor=manager.id, claim=claim.id)
    assert decided.status is ClaimStatus.APPROVED and decided.decided_by == manager.id
    owned = p.get_company(actor=a, company=company.id)
    assert owned.sales_rep_id == rep.id and owned.pending_claim_id is None
    assert p.pending_claims(actor=manager.id) == []


def test_c6_one_pending_claim_per_company_and_reject_frees_it(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    manager = p.hire(actor=a, name="Mehmet Kaya", position="manager")
    rep = p.hire(actor=a, name="Gülşen Çelik")
    other = p.hire(actor=a, name="İbrahim Şahin")
    company = p.register_company(actor=a, name="Bir", type="customer")
    first = p.claim(actor=rep.id, company=company.id)
    before = p.get_company(actor=a, company=company.id)
    with pytest.raises(RuleViolation) as info:
        p.claim(actor=other.id, company=company.id)
    assert info.value.rule == "C6" and "pending" in str(info.value)
    assert p.get_company(actor=a, company=company.id) == before
    with pytest.raises(ValidationError):
        p.reject_claim(actor=manager.id, claim=first.id, reason=" ")
    rejected = p.reject_claim(actor=manager.id, claim=first.id, reason="Bölge dışı")
    assert rejected.status is ClaimStatus.REJECTED and rejected.reason == "Bölge dışı"
    assert p.get_company(actor=a, company=company.id).sales_rep_id is None
    second = p.claim(actor=other.id, company=company.id)
    assert second.status is ClaimStatus.PENDING


def test_c6_only_managers_decide_and_not_their_own_claim(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    manager = p.hire(actor=a, name="Mehmet Kaya", position="manager")
    rep = p.hire(actor=a, name="Gülşen Çelik")
    peer = p.hire(actor=a, name="İbrahim Şahin")
    company = p.register_company(actor=a, name="Bir", type="customer")
    claim = p.claim(actor=rep.id, company=company.id)
    with pytest.raises(PermissionDenied) as info:
        p.approve_claim(actor=peer.id, claim=claim.id)
    assert "C6" in info.value.reason
    other_company = p.register_company(actor=a, name="İki", type="customer")
    own = p.claim(actor=manager.id, company=other_company.id)
    with pytest.raises(PermissionDenied):
        p.approve_claim(actor=manager.id, claim=own.id)
    p.approve_claim(actor=a, claim=own.id)  # an admin may
    assert p.get_company(actor=a, company=other_company.id).sales_rep_id == manager.id


# -- C7 ----------------------------------------------------------------------


def test_c7_references(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    referrer = p.register_company(actor=a, name="Referans A.Ş.", type="customer")
    by_company = p.register_company(actor=a, name="Bir", type="customer", referred_by_company=referrer.id)
    by_person = p.register_company(actor=a, name="İki", type="customer", referred_by_person="Hülya Öz")
    assert by_company.referred_by is not None
    assert by_company.referred_by.kind is ReferenceKind.CORPORATE
    assert by_company.referred_by.company_id == referrer.id
    stored = p.get_company(actor=a, company=by_person.id)
    assert stored.referred_by is not None and stored.referred_by.person_name == "Hülya Öz"
    with pytest.raises(ValidationError) as info:
        p.register_company(
            actor=a, name="Üç", type="customer", referred_by_person="X", referred_by_company=referrer.id
        )
    assert info.value.field == "referred_by"


# -- C11 ---------------------------------------------------------------------


def test_c11_portal_password_only_for_admins_and_only_with_invoice_or_contract(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    company = p.register_company(actor=a, name="Bir", type="customer", email="info@bir.example.com")
    decision = p.portal_password_decision(actor=a, company=company.id)
    assert not decision.allowed and "C11" in decision.reason
    with pytest.raises(PermissionDenied):
        p.send_portal_password(actor=a, company=company.id)
    assert world.email.sent == []
    p.record_status_trigger(actor=a, company=company.id, trigger="invoice_added")
    assert not p.portal_password_decision(actor=rep.id, company=company.id).allowed
    with pytest.raises(PermissionDenied):
        p.send_portal_password(actor=rep.id, company=company.id)
    assert p.portal_password_decision(actor=a, company=company.id).allowed
    issued = p.send_portal_password(actor=a, company=company.id)
    assert issued.portal_username == "info@bir.example.com"
    assert issued.portal_password_hash is not None and issued.portal_password_hash.startswith("scrypt$")
    # through the outbox (§9): queued with the credentials, sent by the dispatcher
    assert world.email.sent == []
    with world.crm.storage.unit_of_work() as uow:
        [queued] = uow.outbox.list()
    assert (queued.recipient, queued.key) == (
        "info@bir.example.com",
        f"portal-password:{issued.id}:{issued.version}",
    )
    world.crm.dispatcher.run_until_idle()
    [mail] = world.email.sent
    assert mail.message.to == "info@bir.example.com"
    assert "info@bir.example.com" in mail.message.body


# -- validation and uniqueness ----------------------------------------------


def test_wrong_vkn_names_the_field_and_stores_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        world.crm.parties.register_company(
            actor=world.admin.id, name="Bir", type="customer", tax_no="1234567891"
        )
    assert info.value.field == "tax_no" and "VKN" in info.value.reason
    assert _count(world) == 0


def test_duplicate_tax_number_is_refused_naming_the_field(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    p.register_company(actor=a, name="Bir", type="customer", tax_no=VKN_B)
    with pytest.raises(Duplicate) as info:
        p.register_company(actor=a, name="İki", type="customer", tax_no=VKN_B)
    assert info.value.field == "tax_no"
    assert _count(world) == 1


def test_bad_email_and_phone_name_their_fields(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    with pytest.raises(ValidationError) as info:
        p.register_company(actor=a, name="Bir", type="customer", email="not-an-address")
    assert info.value.field == "email"
    with pytest.raises(ValidationError) as info:
        p.register_company(actor=a, name="Bir", type="customer", phone="0532 12")
    assert info.value.field == "phone"


def test_turkish_text_survives_and_search_folds(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    name = "İĞNEADA ŞİŞE ÇÖMLEK ÜRÜNLERİ ıı"
    company = p.register_company(actor=a, name=name, type="customer")
    assert p.get_company(actor=a, company=company.id).name == name
    assert [c.id for c in p.search_companies(actor=a, text="igneada sise")] == [company.id]
    assert [c.id for c in p.search_companies(actor=a, text="çömlek")] == [company.id]


def test_unknown_company_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.crm.parties.get_company(actor=world.admin.id, company="00000000-0000-4000-8000-999999999999")


# -- C12 ---------------------------------------------------------------------


def test_c12_history_shows_every_change_with_actor_and_values(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    company = p.register_company(actor=a, name="Bir", type="customer", sales_rep=rep.id)
    world.clock.advance(timedelta(minutes=5))
    p.record_status_trigger(actor=rep.id, company=company.id, trigger="offer_sent")
    history = p.history(actor=a, aggregate_type="company", aggregate_id=company.id)
    assert [(e.action, e.version, e.actor_id) for e in history] == [
        ("create", 1, str(a)),
        ("update", 2, str(rep.id)),
    ]
    [change] = [c for c in history[1].changes if c.field == "status"]
    assert (change.old, change.new) == ("pre_meeting", "in_talks")
    assert history[1].at == world.clock.now()
    # the record outlives the employee who typed it
    p.dismiss(actor=a, employee=rep.id, reason="Ayrıldı")
    assert p.history(actor=a, aggregate_type="company", aggregate_id=company.id)[1].actor_id == str(rep.id)
    mine = p.changes_by(actor=a, employee=rep.id)
    assert [e.aggregate_id for e in mine] == [str(company.id)]


def test_a3_parties_update_goes_through_the_policy(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    other = p.hire(actor=a, name="İbrahim Şahin")
    mine = p.register_company(actor=a, name="Bir", type="customer", sales_rep=rep.id)
    with pytest.raises(PermissionDenied) as info:
        p.update_company(actor=other.id, company=mine.id, name="Başkasının")
    assert "A3" in info.value.reason
    assert p.get_company(actor=a, company=mine.id).name == "Bir"
    assert p.update_company(actor=rep.id, company=mine.id, name="Benim").name == "Benim"


def test_a1_with_regional_access_on_search_and_get_follow_the_policy(world: World) -> None:
    crm = world.crm
    p, a = crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    company = p.register_company(actor=a, name="Bölge Dışı Kimya", type="customer")
    assert [c.id for c in p.search_companies(actor=rep.id, text="kimya")] == [company.id]
    regional = crmkit.connect(
        crm.storage,
        sms=crm.sms,
        email=crm.email,
        clock=crm.clock,
        ids=crm.ids,
        regional_access=True,
        load_entrypoints=False,
    )
    assert regional.parties.search_companies(actor=rep.id, text="kimya") == []
    with pytest.raises(PermissionDenied) as info:
        regional.parties.get_company(actor=rep.id, company=company.id)
    assert "A1" in info.value.reason
    assert [c.id for c in regional.parties.search_companies(actor=a, text="kimya")] == [company.id]
