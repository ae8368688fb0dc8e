"""The audit trail's field differences (C12): old → new as text, secrets masked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs

from crmkit.domain.audit import SECRET_FIELDS, FieldChange, audit_fields, diff_fields
from crmkit.domain.ids import EmployeeId
from crmkit.domain.parties import CompanyType, Reference, ReferenceKind, Segmentation, StatusTrigger
from crmkit.testing.clock import SequentialIds
from crmkit.testing.factories import WHEN as T0
from crmkit.testing.factories import make_company, make_employee

next_uuid = SequentialIds().new


@attrs.frozen
class _Priced:
    price: Decimal
    tags: tuple[str, ...]
    version: int = 1


def test_c12_create_lists_every_filled_field_as_text() -> None:
    acme = make_company(
        type=CompanyType.CUSTOMER, name="Çağlayan A.Ş.", segmentation=Segmentation(city="İzmir")
    )
    changes = {c.field: c for c in diff_fields(None, acme)}
    assert changes["name"] == FieldChange("name", None, "Çağlayan A.Ş.")
    assert changes["type"].new == "customer"  # enums as their value
    assert changes["registered_at"].new == T0.isoformat()
    assert changes["id"].new == str(acme.id)
    assert changes["segmentation.city"].new == "İzmir"  # nested values are dotted
    assert "version" not in changes  # the entry carries the version itself
    assert "parent_id" not in changes  # None → None is no change


def test_c12_update_records_only_changed_fields_old_and_new() -> None:
    acme = make_company(type=CompanyType.CUSTOMER)
    moved = acme.advance_status(StatusTrigger.OFFER_SENT)
    moved = attrs.evolve(moved, version=2)
    assert diff_fields(acme, moved) == (FieldChange("status", "pre_meeting", "in_talks"),)
    assert diff_fields(acme, acme) == ()


def test_c12_delete_lists_old_values() -> None:
    acme = make_company(type=CompanyType.CUSTOMER, name="Silinen Ltd.")
    changes = {c.field: c for c in diff_fields(acme, None)}
    assert changes["name"] == FieldChange("name", "Silinen Ltd.", None)


def test_c12_nested_value_appearing_and_disappearing() -> None:
    plain = make_company(type=CompanyType.CUSTOMER)
    referred = attrs.evolve(plain, referred_by=Reference(ReferenceKind.INDIVIDUAL, person_name="Ali Kaya"))
    forward = {c.field: (c.old, c.new) for c in diff_fields(plain, referred)}
    assert forward == {
        "referred_by.kind": (None, "individual"),
        "referred_by.person_name": (None, "Ali Kaya"),
    }
    backward = {c.field: (c.old, c.new) for c in diff_fields(referred, plain)}
    assert backward == {
        "referred_by.kind": ("individual", None),
        "referred_by.person_name": ("Ali Kaya", None),
    }


def test_c12_secrets_are_masked_but_their_change_is_recorded() -> None:
    assert {"password_hash", "portal_password_hash"} <= SECRET_FIELDS
    rep = make_employee().with_credentials("omer", "hash-1")
    assert audit_fields(rep)["password_hash"] == "***"
    changed = rep.with_credentials("omer", "hash-2")
    assert diff_fields(rep, changed) == (FieldChange("password_hash", "***", "***"),)
    gone = rep.dismiss("Disiplin", T0 + timedelta(days=1))
    changes = {c.field: c for c in diff_fields(rep, gone)}
    assert changes["password_hash"] == FieldChange("password_hash", "***", None)
    assert changes["login"] == FieldChange("login", "omer", None)
    assert changes["status"] == FieldChange("status", "active", "dismissed")
    for change in diff_fields(None, changed) + diff_fields(rep, changed):
        assert "hash-" not in f"{change.old}{change.new}"


def test_c12_portal_password_is_masked() -> None:
    issued = (
        make_company(type=CompanyType.CUSTOMER, email="p@ornek.com.tr")
        .record_invoice()
        .issue_portal_credentials("pw-hash")
    )
    assert audit_fields(issued)["portal_password_hash"] == "***"
    assert all("pw-hash" not in str(v) for v in audit_fields(issued).values())


def test_c12_decimals_tuples_ids_render_as_text() -> None:
    before = _Priced(Decimal("10.50"), ("a", "b"))
    after = _Priced(Decimal("10.5000001"), ("a", "b", "ç"))
    assert diff_fields(before, after) == (
        FieldChange("price", "10.50", "10.5000001"),
        FieldChange("tags", "[a, b]", "[a, b, ç]"),
    )
    rep = EmployeeId(next_uuid())
    owned = make_company(type=CompanyType.CUSTOMER).assign(rep)
    assert audit_fields(owned)["sales_rep_id"] == str(rep)
