"""Companies, contacts, claims and references: SPEC §1 rules C1–C7 and C11."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs
import pytest

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parameters import KNOWN_PICKLISTS
from crmkit.domain.parties import (
    ALLOWED_CHILDREN,
    SEGMENT_PICKLISTS,
    ClaimStatus,
    CompanyKind,
    CompanyStatus,
    CompanyType,
    Reference,
    ReferenceKind,
    Segmentation,
    StatusTrigger,
    check_channel,
    check_no_cycle,
)
from crmkit.testing.clock import SequentialIds
from crmkit.testing.factories import WHEN as T0
from crmkit.testing.factories import make_claim, make_company, make_contact

next_uuid = SequentialIds().new

D, MD, DL, CU = (
    CompanyType.DISTRIBUTOR,
    CompanyType.MAIN_DEALER,
    CompanyType.DEALER,
    CompanyType.CUSTOMER,
)

# -- C1 ------------------------------------------------------------------------


def test_c1_the_four_company_types_and_two_kinds() -> None:
    assert {t.value for t in CompanyType} == {"distributor", "main_dealer", "dealer", "customer"}
    assert {k.value for k in CompanyKind} == {"corporate", "individual"}


def test_c1_type_and_kind_accept_their_text_and_default_to_corporate() -> None:
    acme = make_company(type="main_dealer", kind="individual")
    assert acme.type is MD and acme.kind is CompanyKind.INDIVIDUAL
    assert make_company(type=CU).kind is CompanyKind.CORPORATE


@pytest.mark.parametrize(("field", "value"), [("type", "reseller"), ("kind", "retail")])
def test_c1_unknown_type_or_kind_is_a_validation_error_naming_the_field(field: str, value: str) -> None:
    fields = {"type": "customer", field: value}
    with pytest.raises(ValidationError) as info:
        make_company(**fields)
    assert info.value.field == field
    assert value in info.value.reason


def test_company_name_is_turkish_text_cleaned_and_never_blank() -> None:
    acme = make_company(type=CompanyType.CUSTOMER, name="  İzmir   Kâğıt  Ürünleri ")
    assert acme.name == "İzmir Kâğıt Ürünleri"
    with pytest.raises(ValidationError) as info:
        make_company(type=CompanyType.CUSTOMER, name="   ")
    assert info.value.field == "name"


def test_registered_at_must_be_aware() -> None:
    with pytest.raises(ValidationError) as info:
        make_company(type=CompanyType.CUSTOMER, registered_at=datetime(2026, 1, 1))
    assert info.value.field == "registered_at"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tax_no", "12345"),
        ("tax_no", "12345678901234"),
        ("tax_no", "１２３４５６７８９０"),  # full-width digits are not digits here
        ("tax_no", "123456789a"),
        ("phone", "05321234567"),
        ("phone", "+90 532 123 45 67"),
        ("phone", "+905321234567\n"),
        ("phone", "+9０５３２１２３４５６７"),
        ("email", "ayse.example.com"),
        ("email", "ayse@example"),
        ("email", "ayse@example.com\n"),
    ],
)
def test_contact_fields_have_the_stored_shape(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        make_company(type=CompanyType.CUSTOMER, **{field: value})
    assert info.value.field == field


def test_well_shaped_contact_fields_are_kept() -> None:
    acme = make_company(
        type=CompanyType.CUSTOMER, tax_no="1234567890", phone="+905321234567", email="satis@ornek.com.tr"
    )
    assert (acme.tax_no, acme.phone, acme.email) == (
        "1234567890",
        "+905321234567",
        "satis@ornek.com.tr",
    )
    assert make_company(type=CompanyType.CUSTOMER, tax_no="10000000146").tax_no == "10000000146"


def test_versions_start_at_one() -> None:
    assert make_company(type=CompanyType.CUSTOMER).version == 1
    with pytest.raises(ValidationError) as info:
        make_company(type=CompanyType.CUSTOMER, version=0)
    assert info.value.field == "version"


# -- C2 ------------------------------------------------------------------------

ALLOWED_PAIRS = [(D, MD), (D, DL), (D, CU), (MD, DL), (MD, CU), (DL, CU)]
FORBIDDEN_PAIRS = [(p, c) for p in CompanyType for c in CompanyType if (p, c) not in ALLOWED_PAIRS]


def test_c2_allowed_children_table_matches_the_spec() -> None:
    assert {(p, c) for p, kids in ALLOWED_CHILDREN.items() for c in kids} == set(ALLOWED_PAIRS)
    assert len(FORBIDDEN_PAIRS) == 10


@pytest.mark.parametrize(("parent", "child"), ALLOWED_PAIRS)
def test_c2_allowed_pairs_pass(parent: CompanyType, child: CompanyType) -> None:
    check_channel(parent, child)
    moved = make_company(type=child).move_under(make_company(type=parent), [])
    assert moved.parent_id is not None


@pytest.mark.parametrize(("parent", "child"), FORBIDDEN_PAIRS)
def test_c2_forbidden_pairs_raise_a_clear_error(parent: CompanyType, child: CompanyType) -> None:
    with pytest.raises(RuleViolation) as info:
        check_channel(parent, child)
    assert info.value.rule == "C2"
    assert f"a {parent.value} may not have a {child.value} under it" in info.value.message
    orphan = make_company(type=child)
    with pytest.raises(RuleViolation):
        orphan.move_under(make_company(type=parent), [])
    assert orphan.parent_id is None  # frozen: the refused move changed nothing


def test_c2_error_lists_what_the_parent_may_register() -> None:
    with pytest.raises(RuleViolation, match="may register: customer"):
        check_channel(DL, MD)
    with pytest.raises(RuleViolation, match="may register: nothing"):
        check_channel(CU, CU)


def test_c2_a_company_cannot_be_its_own_parent() -> None:
    dealer = make_company(type=DL)
    with pytest.raises(RuleViolation) as info:
        make_company(type=DL, id=dealer.id, parent_id=dealer.id)
    assert info.value.rule == "C2"


def test_c2_cycles_are_refused_through_move_under() -> None:
    # Types alone can never close a loop (the channel only goes downwards), so the
    # cycle check matters when a type table is relaxed or a chain is corrupt; it must
    # still refuse: a distributor under a chain that contains itself.
    top = make_company(type=D)
    middle = make_company(type=MD, parent_id=top.id)
    with pytest.raises(RuleViolation) as info:
        check_no_cycle(top.id, [middle.id, top.id])
    assert info.value.rule == "C2"
    assert "own descendant" in info.value.message
    check_no_cycle(top.id, [middle.id])


def test_c2_move_under_passes_the_parent_chain_to_the_cycle_check() -> None:
    top = make_company(type=D)
    dealer = make_company(type=DL, parent_id=top.id)
    customer = make_company(type=CU, parent_id=dealer.id)
    with pytest.raises(RuleViolation, match="own descendant"):
        # A (corrupt) ancestor chain that contains the customer itself.
        customer.move_under(dealer, [customer.id, top.id])
    with pytest.raises(RuleViolation):
        dealer.move_under(dealer, [top.id])


def test_c2_move_under_changes_the_parent_and_none_means_top_level() -> None:
    top, other = make_company(type=D), make_company(type=D)
    dealer = make_company(type=DL, parent_id=top.id)
    moved = dealer.move_under(other, [])
    assert moved.parent_id == other.id
    assert dealer.parent_id == top.id
    assert moved.move_under(None, []).parent_id is None


# -- C3 ------------------------------------------------------------------------


def test_c3_segmentation_has_every_field_of_the_spec() -> None:
    names = {f.name for f in attrs.fields(Segmentation)}
    assert names == {
        "sector",
        "category",
        "city",
        "district",
        "size",
        "value_class",
        "micro_region",
        "sales_region",
    }
    assert set(SEGMENT_PICKLISTS) == names


def test_c3_allowed_values_come_from_known_parameter_lists() -> None:
    assert set(SEGMENT_PICKLISTS.values()) <= set(KNOWN_PICKLISTS)


def test_c3_segment_values_are_cleaned_and_blank_means_none() -> None:
    seg = Segmentation(city=" İstanbul ", district="  ", sector="Temizlik  Kimyasalları")
    assert seg.city == "İstanbul"
    assert seg.district is None
    assert seg.filled() == {"city": "İstanbul", "sector": "Temizlik Kimyasalları"}
    assert (
        make_company(type=CompanyType.CUSTOMER, segmentation=seg).segmentation.filled()["city"] == "İstanbul"
    )


# -- C4 ------------------------------------------------------------------------


def test_c4_contact_has_title_and_position_type() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    person = make_contact(company_id=acme.id, title="Satın Alma Müdürü", position_type="Karar verici")
    assert person.title == "Satın Alma Müdürü"
    assert person.position_type == "Karar verici"
    with pytest.raises(ValidationError) as info:
        make_contact(company_id=acme.id, name=" ")
    assert info.value.field == "name"


def test_c4_primary_contact_changes_only_to_a_contact_of_the_same_company() -> None:
    acme, other = make_company(type=CompanyType.CUSTOMER), make_company(type=CompanyType.CUSTOMER)
    first = make_contact(company_id=acme.id)
    second = make_contact(company_id=acme.id, name="Mehmet Öztürk")
    acme = acme.change_primary_contact(first)
    assert acme.primary_contact_id == first.id
    changed = acme.change_primary_contact(second)
    assert changed.primary_contact_id == second.id
    with pytest.raises(RuleViolation) as info:
        acme.change_primary_contact(make_contact(company_id=other.id, name="Yabancı Kişi"))
    assert info.value.rule == "C4"
    assert "Yabancı Kişi" in info.value.message
    assert acme.primary_contact_id == first.id


def test_c4_primary_contact_cannot_be_assigned_directly() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        acme.primary_contact_id = make_contact(company_id=acme.id).id  # type: ignore[misc]  # frozen on purpose


# -- C5 ------------------------------------------------------------------------


def test_c5_a_new_company_is_pre_meeting() -> None:
    assert make_company(type=CompanyType.CUSTOMER).status is CompanyStatus.PRE_MEETING
    assert [s.rank for s in CompanyStatus] == [0, 1, 2]


@pytest.mark.parametrize(
    "trigger",
    [
        StatusTrigger.BROCHURE_SENT,
        StatusTrigger.CD_SENT,
        StatusTrigger.PRESENTATION_SENT,
        StatusTrigger.OFFER_SENT,
    ],
)
def test_c5_sending_material_moves_to_in_talks(trigger: StatusTrigger) -> None:
    assert make_company(type=CompanyType.CUSTOMER).advance_status(trigger).status is CompanyStatus.IN_TALKS


@pytest.mark.parametrize("trigger", [StatusTrigger.CONTRACT_ADDED, StatusTrigger.INVOICE_ADDED])
def test_c5_contract_or_invoice_moves_to_potential(trigger: StatusTrigger) -> None:
    assert make_company(type=CompanyType.CUSTOMER).advance_status(trigger).status is CompanyStatus.POTENTIAL


def test_c5_status_never_moves_backwards() -> None:
    potential = make_company(type=CompanyType.CUSTOMER).advance_status(StatusTrigger.INVOICE_ADDED)
    for trigger in StatusTrigger:
        assert potential.advance_status(trigger).status is CompanyStatus.POTENTIAL
    in_talks = make_company(type=CompanyType.CUSTOMER).advance_status(StatusTrigger.OFFER_SENT)
    assert in_talks.advance_status(StatusTrigger.BROCHURE_SENT) is in_talks


def test_c5_trigger_may_be_given_as_text() -> None:
    moved = make_company(type=CompanyType.CUSTOMER).advance_status("offer_sent")  # type: ignore[arg-type]  # StrEnum text
    assert moved.status is CompanyStatus.IN_TALKS


def test_c5_record_contract_and_invoice_set_flags_and_status() -> None:
    with_contract = make_company(type=CompanyType.CUSTOMER).record_contract()
    assert with_contract.has_contract and not with_contract.has_invoice
    assert with_contract.status is CompanyStatus.POTENTIAL
    with_invoice = (
        make_company(type=CompanyType.CUSTOMER).advance_status(StatusTrigger.OFFER_SENT).record_invoice()
    )
    assert with_invoice.has_invoice and with_invoice.status is CompanyStatus.POTENTIAL


def test_c5_unknown_status_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        make_company(type=CompanyType.CUSTOMER, status="won")
    assert info.value.field == "status"


# -- C6 ------------------------------------------------------------------------


def test_c6_assigned_at_registration_cannot_be_claimed() -> None:
    rep, support = EmployeeId(next_uuid()), EmployeeId(next_uuid())
    owned = make_company(type=CompanyType.CUSTOMER).assign(rep, support)
    assert owned.is_assigned
    assert (owned.sales_rep_id, owned.support_rep_id) == (rep, support)
    with pytest.raises(RuleViolation) as info:
        owned.open_claim(make_claim(company_id=owned.id))
    assert info.value.rule == "C6"
    assert "already has an owner" in info.value.message


def test_c6_claim_then_approve_assigns_the_claimant() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    assert not acme.is_assigned
    rep, manager = EmployeeId(next_uuid()), EmployeeId(next_uuid())
    request = make_claim(company_id=acme.id, claimant_id=rep)
    acme = acme.open_claim(request)
    assert acme.pending_claim_id == request.id
    approved = request.approve(manager, T0 + timedelta(hours=1))
    assert approved.status is ClaimStatus.APPROVED
    assert (approved.decided_by, approved.decided_at) == (manager, T0 + timedelta(hours=1))
    acme = acme.close_claim(approved)
    assert acme.sales_rep_id == rep
    assert acme.pending_claim_id is None
    assert acme.is_assigned


def test_c6_claim_then_reject_frees_the_company_with_a_reason() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    request = make_claim(company_id=acme.id)
    acme = acme.open_claim(request)
    rejected = request.reject(EmployeeId(next_uuid()), T0, "Bölge dışı müşteri")
    assert rejected.status is ClaimStatus.REJECTED
    assert rejected.reason == "Bölge dışı müşteri"
    acme = acme.close_claim(rejected)
    assert acme.pending_claim_id is None and not acme.is_assigned
    acme.open_claim(make_claim(company_id=acme.id))  # claimable again


def test_c6_one_pending_claim_per_company() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    first = make_claim(company_id=acme.id)
    acme = acme.open_claim(first)
    with pytest.raises(RuleViolation) as info:
        acme.open_claim(make_claim(company_id=acme.id))
    assert info.value.rule == "C6"
    assert "already has a pending claim" in info.value.message
    assert acme.pending_claim_id == first.id


def test_c6_claim_for_another_company_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        make_company(type=CompanyType.CUSTOMER).open_claim(make_claim(company_id=CompanyId(next_uuid())))
    assert info.value.field == "claim.company_id"


def test_c6_a_claim_is_decided_once() -> None:
    request = make_claim(company_id=CompanyId(next_uuid()))
    approved = request.approve(EmployeeId(next_uuid()), T0)
    with pytest.raises(RuleViolation, match="already approved"):
        approved.approve(EmployeeId(next_uuid()), T0)
    with pytest.raises(RuleViolation, match="already approved"):
        approved.reject(EmployeeId(next_uuid()), T0, "fikrimi değiştirdim")


def test_c6_rejection_needs_a_reason_and_decisions_an_aware_time() -> None:
    request = make_claim(company_id=CompanyId(next_uuid()))
    with pytest.raises(ValidationError) as info:
        request.reject(EmployeeId(next_uuid()), T0, "  ")
    assert info.value.field == "reason"
    with pytest.raises(ValidationError) as info:
        request.approve(EmployeeId(next_uuid()), datetime(2026, 1, 1))
    assert info.value.field == "at"


def test_c6_only_the_pending_decided_claim_closes() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    request = make_claim(company_id=acme.id)
    acme = acme.open_claim(request)
    with pytest.raises(RuleViolation, match="not been decided"):
        acme.close_claim(request)
    stranger = make_claim(company_id=acme.id).approve(EmployeeId(next_uuid()), T0)
    with pytest.raises(RuleViolation, match="not the company's pending claim"):
        acme.close_claim(stranger)
    assert not acme.is_assigned


# -- C7 ------------------------------------------------------------------------


def test_c7_individual_reference_names_a_person() -> None:
    ref = Reference(ReferenceKind.INDIVIDUAL, person_name=" Hülya  Çelik ")
    assert ref.person_name == "Hülya Çelik"
    assert make_company(type=CompanyType.CUSTOMER, referred_by=ref).referred_by == ref


def test_c7_corporate_reference_points_at_a_company() -> None:
    referrer = make_company(type=D)
    ref = Reference("corporate", company_id=referrer.id)
    assert ref.kind is ReferenceKind.CORPORATE
    assert make_company(type=CompanyType.CUSTOMER, referred_by=ref).referred_by == ref


@pytest.mark.parametrize(
    ("kind", "person", "with_company"),
    [
        (ReferenceKind.INDIVIDUAL, None, False),
        (ReferenceKind.INDIVIDUAL, "Ali Veli", True),
        (ReferenceKind.CORPORATE, None, False),
        (ReferenceKind.CORPORATE, "Ali Veli", True),
    ],
)
def test_c7_inconsistent_references_are_refused(
    kind: ReferenceKind, person: str | None, with_company: bool
) -> None:
    company_id = CompanyId(next_uuid()) if with_company else None
    with pytest.raises(ValidationError) as info:
        Reference(kind, person_name=person, company_id=company_id)
    assert info.value.field == "referred_by"


def test_c7_a_company_cannot_refer_itself() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    with pytest.raises(ValidationError) as info:
        make_company(
            type=CompanyType.CUSTOMER,
            id=acme.id,
            referred_by=Reference(ReferenceKind.CORPORATE, company_id=acme.id),
        )
    assert info.value.field == "referred_by"


def test_c7_unknown_reference_kind_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        Reference("friend", person_name="Ali")
    assert info.value.field == "referred_by.kind"


# -- C11 -----------------------------------------------------------------------


def test_c11_no_portal_credentials_without_invoice_or_contract() -> None:
    acme = make_company(type=CompanyType.CUSTOMER, email="portal@ornek.com.tr")
    assert not acme.portal_eligible
    with pytest.raises(RuleViolation) as info:
        acme.issue_portal_credentials("hash")
    assert info.value.rule == "C11"
    assert "no invoice or contract" in info.value.message


@pytest.mark.parametrize("record", ["record_invoice", "record_contract"])
def test_c11_invoice_or_contract_makes_the_company_eligible(record: str) -> None:
    acme = getattr(make_company(type=CompanyType.CUSTOMER, email="portal@ornek.com.tr"), record)()
    assert acme.portal_eligible
    issued = acme.issue_portal_credentials("bcrypt$abc")
    assert issued.portal_username == "portal@ornek.com.tr"
    assert issued.portal_password_hash == "bcrypt$abc"
    assert "bcrypt$abc" not in repr(issued)


def test_c11_portal_user_name_is_the_email_so_it_is_required() -> None:
    acme = make_company(type=CompanyType.CUSTOMER).record_contract()
    with pytest.raises(RuleViolation, match="no e-mail"):
        acme.issue_portal_credentials("hash")


def test_c6_direct_assignment_is_refused_while_a_claim_is_pending() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    rep = EmployeeId(next_uuid())
    pending = acme.open_claim(make_claim(company_id=acme.id, claimant_id=rep))
    with pytest.raises(RuleViolation) as info:
        pending.assign(EmployeeId(next_uuid()))
    assert info.value.rule == "C6"
    assert "pending claim" in info.value.message
