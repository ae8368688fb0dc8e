"""Samples (I12): recorded per customer and product, through the policy, bad input stores nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

IST = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    return build_office(storage, clock, ids)


def test_samples_are_listed_per_customer_and_per_product_as_the_actor_may_see(office: Office) -> None:
    crm, admin, manager = office.crm, office.people["admin"], office.people["manager"]
    m01, a01 = office.companies["m01"].id, office.companies["a01"].id
    contact = crm.parties.add_contact(actor=admin.id, company=m01, name="Ali Veli")
    first = crm.samples.send(
        actor=admin.id, company=m01, product="Sıvı  Sabun", quantity=3, contact=contact.id
    )
    office.clock.advance(timedelta(hours=1))
    second = crm.samples.send(actor=admin.id, company=a01, product="Sıvı Sabun")
    third = crm.samples.send(
        actor=admin.id, company=m01, product="Kolonya", sent_at=datetime(2026, 2, 1, tzinfo=IST)
    )
    assert crm.samples.for_company(actor=admin.id, company=m01) == [first, third]
    assert crm.samples.for_product(actor=admin.id, product="Sıvı Sabun") == [second, first]
    assert crm.samples.for_product(actor=manager.id, product="sıvı sabun") == []  # exact product name
    assert crm.samples.for_product(actor=manager.id, product="Sıvı Sabun") == [first]  # M-01 only (A1)
    with pytest.raises(PermissionDenied):
        crm.samples.for_company(actor=manager.id, company=a01)


def test_bad_samples_store_nothing(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"]
    m01, a01 = office.companies["m01"].id, office.companies["a01"].id
    stranger = crm.parties.add_contact(actor=admin.id, company=a01, name="Başka Biri")
    for kw, field in (
        ({"product": " "}, "product"),
        ({"product": "X", "quantity": 0}, "quantity"),
        ({"product": "X", "contact": stranger.id}, "contact"),
        ({"product": "X", "sent_at": datetime(2026, 3, 1)}, "sent_at"),
    ):
        with pytest.raises(ValidationError) as caught:
            crm.samples.send(actor=admin.id, company=m01, **kw)
        assert caught.value.field == field
    with pytest.raises(PermissionDenied):
        crm.samples.send(actor=office.people["employee"].id, company=a01, product="X")
    assert crm.samples.for_company(actor=admin.id, company=m01) == []
