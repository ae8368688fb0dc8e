"""M4 erasure, issue 11 (second part): replacement lengths, the knowledge base, campaigns, the same
person's other contact records, compressed files and crash-safe document rewrites; every back end."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crmkit import ContactInput
from crmkit.adapters.erasing import FREE_TEXTS, MESSAGE_TEXTS, TEXT_LIMITS, limit_of
from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.domain.limits import LABEL_MAX, SUBJECT_MAX
from tests.services.conftest import World

SHORT = "Ece Ak"
"""A name shorter than ``[erased]``: writing the marker over it makes a text longer."""


def _short_contact(world: World) -> Any:
    crm, a = world.crm, world.admin.id
    company = crm.parties.register_company(
        actor=a, name="Ege Kimya", type="customer", contact=ContactInput(name=SHORT, phone="+905321112299")
    )
    return crm.parties.contacts(actor=a, company=company.id)[0]


def test_m4_a_replacement_never_makes_a_text_longer_than_its_field_allows(world: World) -> None:
    """Issue 11 item 6: a 200-character referrer name and a 500-character subject that start with a
    6-character name would grow to 202 and 502 with ``[erased]``: PostgreSQL and MariaDB refuse that
    (memory's own validators too), so the shorter marker is written and each text keeps its length."""
    crm, a = world.crm, world.admin.id
    contact = _short_contact(world)
    referrer = f"{SHORT} " + "x" * (LABEL_MAX - len(SHORT) - 1)
    referred = crm.parties.register_company(
        actor=a, name="Referanslı Eczane", type="customer", referred_by_person=referrer
    )
    subject = f"{SHORT} " + "y" * (SUBJECT_MAX - len(SHORT) - 1)
    roomy = f"{SHORT} aradı"
    note = crm.interactions.create(
        actor=a, company=contact.company_id, channel="phone", category="Sipariş", subject=subject, text=roomy
    )

    erasure = crm.parties.erase_contact(actor=a, contact=contact.id, reason="Talep 21")

    kept = crm.parties.get_company(actor=a, company=referred.id).referred_by
    assert kept is not None and kept.person_name == "[-] " + "x" * (LABEL_MAX - len(SHORT) - 1)
    stored = crm.interactions.get(actor=a, id=note.id)
    assert stored.subject == "[-] " + "y" * (SUBJECT_MAX - len(SHORT) - 1)
    assert stored.text == "[erased] aradı"  # room enough: the usual marker
    assert erasure.counts["companies"] == 1 and erasure.counts["interactions"] == 1


def test_m4_the_limits_erasure_fits_to_are_the_lengths_of_the_columns() -> None:
    """Issue 11 item 6: every erased text's limit is its column's length, so no replacement overflows."""
    scrubbed = {place: set(fields) for place, fields in FREE_TEXTS.items()}
    scrubbed["outbox_messages"] = set(MESSAGE_TEXTS)
    for place, fields in TEXT_LIMITS.items():
        scrubbed.setdefault(place, set()).update(fields)
    for place, fields in scrubbed.items():
        for field in fields:
            length = getattr(metadata.tables[place].c[field].type, "length", None)
            if isinstance(metadata.tables[place].c[field].type, sa.String) and length is not None:
                assert limit_of(place, field) == length, (place, field)
