"""C13: companies are archived, not deleted, once anything refers to them; on every back end."""

from __future__ import annotations

import pytest

from crmkit import ContactInput
from crmkit.domain.errors import NotFound, PermissionDenied, RuleViolation
from crmkit.services.archive import references_to
from tests.services.conftest import World


def _names(world: World, actor: object) -> list[str]:
    return [c.name for c in world.crm.parties.search_companies(actor=actor, text="")]  # type: ignore[arg-type]


def test_c13_a_company_nothing_refers_to_is_deleted_outright(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    lone = p.register_company(actor=a, name="Yalnız Ltd.", type="customer")
    assert p.delete_company(actor=a, company=lone.id) is None
    with pytest.raises(NotFound):
        p.get_company(actor=a, company=lone.id)
    assert "Yalnız Ltd." not in _names(world, a)
    history = p.history(actor=a, aggregate_type="company", aggregate_id=lone.id)
    assert [e.action for e in history] == ["create", "delete"]


def test_c13_a_referred_company_is_archived_leaves_listings_and_takes_no_new_records(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    dealer = p.register_company(
        actor=a, name="Ege Bayi", type="dealer", contact=ContactInput(name="Ayla Demir")
    )
    with world.crm.storage.unit_of_work() as uow:
        assert references_to(uow, uow.companies.get(dealer.id)) == {"contacts": 1}
    archived = p.delete_company(actor=a, company=dealer.id)
    assert archived is not None and archived.is_archived
    assert archived.archived_at == world.clock.now()
    # keeps its history and can be read, but leaves listings and searches
    assert p.get_company(actor=a, company=dealer.id).is_archived
    assert "Ege Bayi" not in _names(world, a)
    assert world.crm.customers.visible(actor=a).total == 0
    assert [e.action for e in p.history(actor=a, aggregate_type="company", aggregate_id=dealer.id)] == [
        "create",
        "update",
    ]
    for new_record in (
        lambda: p.add_contact(actor=a, company=dealer.id, name="Can Öz"),
        lambda: p.register_company(actor=a, name="Alt Müşteri", type="customer", parent=dealer.id),
        lambda: p.record_status_trigger(actor=a, company=dealer.id, trigger="offer_sent"),
    ):
        with pytest.raises(RuleViolation) as info:
            new_record()
        assert info.value.rule == "C13"
    assert p.contacts(actor=a, company=dealer.id)[0].name == "Ayla Demir"


def test_c13_only_an_admin_restores_and_a3_decides_who_archives(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    other = p.hire(actor=a, name="İbrahim Şahin")
    mine = p.register_company(
        actor=a, name="Kadıköy Eczanesi", type="customer", sales_rep=rep.id, contact=ContactInput(name="Ayla")
    )
    with pytest.raises(PermissionDenied) as denied:
        p.archive_company(actor=other.id, company=mine.id)
    assert denied.value.rule == "A3"
    archived = p.archive_company(actor=rep.id, company=mine.id)
    assert archived.is_archived
    assert p.archive_company(actor=rep.id, company=mine.id) == archived  # idempotent
    with pytest.raises(PermissionDenied) as refused:
        p.restore_company(actor=rep.id, company=mine.id)
    assert refused.value.rule == "C13"
    restored = p.restore_company(actor=a, company=mine.id)
    assert not restored.is_archived
    assert _names(world, a) == ["Kadıköy Eczanesi"]
    p.add_contact(actor=rep.id, company=mine.id, name="Can Öz")  # takes records again
