"""M4: which texts an erasure finds and what it leaves; the consent token; who may erase."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from crmkit.domain.employees import Employee, Position
from crmkit.domain.erasure import ERASED, consent_token, erased_contact, erasure_values, scrub_text
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId
from crmkit.domain.parties import Contact
from crmkit.domain.permissions import may_erase_contact

CONTACT = Contact(
    id=ContactId(uuid.UUID(int=7)),
    company_id=CompanyId(uuid.UUID(int=1)),
    name="Ali Can",
    title="Satınalma",
    phone="+905321234567",
    email="ali.can@ornek.com.tr",
)


def test_m4_values_are_the_name_phone_forms_and_email_now_and_earlier() -> None:
    earlier = [("email", "eski@ornek.com.tr"), ("title", "Satınalma"), ("name", "Al"), ("name", ERASED)]
    assert set(erasure_values(CONTACT, earlier)) == {
        "Ali Can",
        "+905321234567",
        "905321234567",
        "05321234567",
        "ali.can@ornek.com.tr",
        "eski@ornek.com.tr",
    }  # a title names no one; a two-letter name would erase half the database


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ali Can'ı aradım", "[erased]'ı aradım"),
        ("ALI CAN geldi", "[erased] geldi"),
        ("Ali Canan geldi", "Ali Canan geldi"),
        ("tel: 05321234567.", "tel: [erased]."),
        ("yaz: ali.can@ornek.com.tr, bekle", "yaz: [erased], bekle"),
        ("", ""),
    ],
)
def test_m4_values_are_erased_as_whole_words_case_insensitively(text: str, expected: str) -> None:
    assert scrub_text(text, erasure_values(CONTACT)) == expected


def test_m4_the_record_keeps_id_company_and_version_but_no_personal_field() -> None:
    erased = erased_contact(CONTACT)
    assert (erased.id, erased.company_id, erased.version) == (CONTACT.id, CONTACT.company_id, CONTACT.version)
    assert (erased.name, erased.title, erased.position_type, erased.phone, erased.email) == (
        ERASED,
        None,
        None,
        None,
        None,
    )


def test_m4_the_consent_token_is_keyed_by_the_erasure_and_hides_the_address() -> None:
    one, two = uuid.UUID(int=1), uuid.UUID(int=2)
    token = consent_token("+905321234567", one)
    assert token == consent_token("+905321234567", one)  # provable by whoever holds address and erasure id
    assert token != consent_token("+905321234567", two)
    assert token != consent_token("+905321234568", one)
    assert "5321234567" not in token and token.startswith("erased:")


@pytest.mark.parametrize(
    ("position", "allowed"),
    [
        (Position.ADMIN, True),
        (Position.ADMIN_MANAGER, True),
        (Position.MANAGER, False),
        (Position.EMPLOYEE, False),
    ],
)
def test_m4_only_admins_erase(position: Position, allowed: bool) -> None:
    actor = Employee(
        id=EmployeeId(uuid.UUID(int=3)),
        name="Zeynep",
        position=position,
        hired_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    decision = may_erase_contact(actor)
    assert (decision.allowed, decision.rule) == (allowed, "M4")
