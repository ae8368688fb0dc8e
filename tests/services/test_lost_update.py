"""No silent lost update (§9, C12): an update made on a stale copy raises ``Conflict``, on every back end.

Two users read the same company (two units of work), both change it. Before ``expected_version``
the second change silently overwrote the first. Now the second gets ``ConcurrencyConflict``
(``Conflict``), nothing of his is written, and the documented read-modify-write retry succeeds.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crmkit import ContactInput
from crmkit.domain.errors import ConcurrencyConflict, Conflict, ValidationError
from crmkit.domain.parties import Company
from tests.services.conftest import World

UPDATES: dict[str, Callable[[World, Company, int], object]] = {
    "update_company": lambda w, c, v: w.crm.parties.update_company(
        actor=w.admin.id, company=c.id, phone="0212 555 00 00", expected_version=v
    ),
    "customers.update": lambda w, c, v: w.crm.customers.update(
        actor=w.admin.id, id=c.id, email="b@ornek.com.tr", expected_version=v
    ),
    "record_status_trigger": lambda w, c, v: w.crm.parties.record_status_trigger(
        actor=w.admin.id, company=c.id, trigger="offer_sent", expected_version=v
    ),
    "move_company": lambda w, c, v: w.crm.parties.move_company(
        actor=w.admin.id, company=c.id, parent=None, expected_version=v
    ),
    "assign_owner": lambda w, c, v: w.crm.parties.assign_owner(
        actor=w.admin.id, company=c.id, rep=w.admin.id, expected_version=v
    ),
    "change_primary_contact": lambda w, c, v: w.crm.parties.change_primary_contact(
        actor=w.admin.id,
        company=c.id,
        contact=w.crm.parties.contacts(actor=w.admin.id, company=c.id)[-1].id,
        expected_version=v,
    ),
}


def _company(w: World) -> Company:
    contact = ContactInput(name="Ayla Demir")
    company = w.crm.parties.register_company(
        actor=w.admin.id, name="Ege Kimya", type="customer", contact=contact
    )
    w.crm.parties.add_contact(actor=w.admin.id, company=company.id, name="Can Öz")
    return w.crm.parties.get_company(actor=w.admin.id, company=company.id)


@pytest.mark.parametrize("update", sorted(UPDATES))
def test_s9_an_update_on_a_stale_copy_raises_conflict_and_writes_nothing(world: World, update: str) -> None:
    p, a = world.crm.parties, world.admin.id
    company = _company(world)
    first = p.get_company(actor=a, company=company.id)  # user 1 reads
    second = p.get_company(actor=a, company=company.id)  # user 2 reads the same version
    saved = p.update_company(
        actor=a, company=company.id, name="Ege Kimya A.Ş.", expected_version=first.version
    )
    assert saved.version == first.version + 1
    with pytest.raises(ConcurrencyConflict) as info:
        UPDATES[update](world, second, second.version)
    assert info.value.expected_version == second.version
    after = p.get_company(actor=a, company=company.id)
    assert after == saved  # user 1's change is kept, nothing of user 2's was written
    # the documented pattern: read again, re-apply, retry with the new version
    UPDATES[update](world, after, after.version)
    assert p.get_company(actor=a, company=company.id).name == "Ege Kimya A.Ş."


def test_s9_a_stale_contact_update_raises_conflict(world: World) -> None:
    c, a = world.crm.customers, world.admin.id
    company = _company(world)
    contact = c.contacts(actor=a, company=company.id)[0]
    c.update_contact(actor=a, contact=contact.id, title="Müdür", expected_version=contact.version)
    with pytest.raises(Conflict):
        c.update_contact(
            actor=a, contact=contact.id, phone="0532 000 11 22", expected_version=contact.version
        )
    [kept, _] = c.contacts(actor=a, company=company.id)
    assert (kept.title, kept.phone) == ("Müdür", None)


@pytest.mark.parametrize("bad", ["1", 0, -1, 1.5, True])
def test_s9_a_bad_expected_version_is_a_validation_error(world: World, bad: object) -> None:
    company = _company(world)
    with pytest.raises(ValidationError) as info:
        world.crm.parties.update_company(
            actor=world.admin.id,
            company=company.id,
            name="Yeni",
            expected_version=bad,  # type: ignore[arg-type]  # a wrong type on purpose
        )
    assert info.value.field == "expected_version"
    assert world.crm.parties.get_company(actor=world.admin.id, company=company.id).name == "Ege Kimya"


def test_s9_without_expected_version_the_last_writer_wins_as_before(world: World) -> None:
    company = _company(world)
    p, a = world.crm.parties, world.admin.id
    p.update_company(actor=a, company=company.id, name="Bir")
    assert p.update_company(actor=a, company=company.id, name="İki").name == "İki"
