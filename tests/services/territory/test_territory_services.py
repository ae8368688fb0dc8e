"""crm.territory and crm.customers on every back end (T1–T5, A1–A6)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import attrs
import pytest

from crmkit.domain.employees import Employee
from crmkit.domain.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from crmkit.domain.parties import Company
from crmkit.domain.territory import Region, SalesTeam
from tests.services.territory.conftest import Org

DAY = timedelta(days=1)


@attrs.frozen
class World:
    europe: Region
    turkey: Region
    marmara: Region
    central: Region
    east: Region
    gulsen: Employee
    ibrahim: Employee
    mehmet: Employee
    ist: SalesTeam
    ank: SalesTeam
    kadikoy: Company
    cankaya: Company


def build(org: Org) -> World:
    """Europe > Turkey > (Marmara, Central Anatolia, East); one team per leaf; two reps and a manager."""
    t, p, a = org.crm.territory, org.crm.parties, org.admin.id
    europe = t.add_region(actor=a, name="Avrupa")
    turkey = t.add_region(actor=a, name="Türkiye", parent=europe.id)
    marmara = t.add_region(actor=a, name="Marmara", parent=turkey.id, branch="İstanbul")
    central = t.add_region(actor=a, name="İç Anadolu", parent=turkey.id)
    east = t.add_region(actor=a, name="Doğu", parent=turkey.id)
    gulsen = p.hire(actor=a, name="Gülşen Çelik", position="employee")
    ibrahim = p.hire(actor=a, name="İbrahim Şahin", position="employee")
    mehmet = p.hire(actor=a, name="Mehmet Kaya", position="manager")
    ist = t.add_team(actor=a, name="İstanbul Ekibi", region=marmara.id, leader=gulsen.id)
    ank = t.add_team(actor=a, name="Ankara Ekibi", region=central.id)
    t.add_member(actor=a, team=ank.id, employee=ibrahim.id)
    for team in (ist, ank):
        t.add_member(actor=a, team=team.id, employee=mehmet.id, role="manager")
    t.link_code(actor=a, team=ist.id, code="M-01")
    t.link_code(actor=a, team=ank.id, code="A-01")
    kadikoy = p.register_company(actor=a, name="Kadıköy Eczanesi", type="customer")
    cankaya = p.register_company(actor=a, name="Çankaya Kimya", type="customer")
    crm = org.crm
    crm.customers.update(actor=a, id=kadikoy.id, micro_region="M-01")
    crm.customers.update(actor=a, id=cankaya.id, micro_region="A-01")
    return World(europe, turkey, marmara, central, east, gulsen, ibrahim, mehmet, ist, ank, kadikoy, cankaya)


def test_t1_t5_tree_queries_and_region_path(org: Org) -> None:
    w = build(org)
    t, a = org.crm.territory, org.admin.id
    assert [r.name for r in t.children(actor=a, region=w.turkey.id)] == ["Doğu", "Marmara", "İç Anadolu"]
    assert [r.name for r in t.ancestors(actor=a, region=w.marmara.id)] == ["Türkiye", "Avrupa"]
    assert len(t.subtree(actor=a, region=w.europe.id)) == 5
    path = t.region_path(actor=a, company=w.kadikoy.id)
    assert [r.name for r in path] == ["Avrupa", "Türkiye", "Marmara"]
    under = t.customers_under(actor=a, region=w.turkey.id)
    assert {c.name for c in under} == {"Kadıköy Eczanesi", "Çankaya Kimya"}
    assert t.count_customers_under(actor=a, region=w.central.id) == 1
    reps = t.reps_under(actor=a, region=w.turkey.id)
    assert {e.name for e in reps} == {"Gülşen Çelik", "İbrahim Şahin", "Mehmet Kaya"}


def test_t1_a_cycle_is_refused_and_nothing_moves(org: Org) -> None:
    w = build(org)
    t, a = org.crm.territory, org.admin.id
    with pytest.raises(RuleViolation) as caught:
        t.move_region(actor=a, region=w.europe.id, parent=w.marmara.id)
    assert caught.value.rule == "T1"
    assert t.ancestors(actor=a, region=w.europe.id) == []
    moved = t.move_region(actor=a, region=w.marmara.id, parent=w.europe.id)
    assert moved.parent_id == w.europe.id
    path = t.region_path(actor=a, company=w.kadikoy.id)
    assert [r.name for r in path] == ["Avrupa", "Marmara"]


def test_t2_a_team_under_a_missing_region_is_refused(org: Org) -> None:
    with pytest.raises(RuleViolation) as caught:
        org.crm.territory.add_team(actor=org.admin.id, name="Hayalet", region=uuid.uuid4())
    assert caught.value.rule == "T2"
    with pytest.raises(ValidationError, match="parent"):
        org.crm.territory.add_region(actor=org.admin.id, name="Ege", parent=uuid.uuid4())


def test_t3_code_must_be_a_parameter_and_in_one_region_at_a_time(org: Org) -> None:
    w = build(org)
    t, a = org.crm.territory, org.admin.id
    with pytest.raises(ValidationError) as bad:
        t.link_code(actor=a, team=w.ist.id, code="ZZ-99")
    assert bad.value.field == "code"
    with pytest.raises(RuleViolation) as caught:
        t.link_code(actor=a, team=w.ank.id, code="M-01")
    assert caught.value.rule == "T3"


def test_t4_end_before_start_and_overlapping_owners_are_refused(org: Org) -> None:
    w = build(org)
    t, a, now = org.crm.territory, org.admin.id, org.clock.now()
    with pytest.raises(RuleViolation) as caught:
        t.add_member(actor=a, team=w.ank.id, employee=w.gulsen.id, valid_from=now, valid_to=now - DAY)
    assert caught.value.rule == "T4"
    t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.gulsen.id, valid_from=now, valid_to=now + 60 * DAY)
    with pytest.raises(RuleViolation) as overlap:
        t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.ibrahim.id, valid_from=now + 30 * DAY)
    assert overlap.value.rule == "T4"
    served = t.served_by(actor=a, company=w.kadikoy.id, at=now + 10 * DAY)
    assert served.owner == w.gulsen.id
    assert t.served_by(actor=a, company=w.kadikoy.id, at=now + 61 * DAY).owner is None


def test_t4_a_reorganisation_recorded_in_advance(org: Org) -> None:
    """Gülşen moves to Ankara next month: today she sees Kadıköy, from then on Çankaya (T4, A1)."""
    w = build(org)
    t, c, a = org.crm.territory, org.crm.customers, org.admin.id
    now = org.clock.now()
    march = now + 30 * DAY
    with org.crm.storage.unit_of_work() as uow:
        [leading] = uow.memberships.for_employee(w.gulsen.id)
    t.end_membership(actor=a, membership=leading.id, at=march)
    t.add_member(actor=a, team=w.ank.id, employee=w.gulsen.id, valid_from=march)
    gulsen = w.gulsen.id
    assert [x.name for x in c.visible(actor=gulsen).items] == ["Kadıköy Eczanesi"]
    assert [x.name for x in c.visible(actor=gulsen, at=march).items] == ["Çankaya Kimya"]
    served_now = t.served_by(actor=a, company=w.kadikoy.id, at=now)
    served_later = t.served_by(actor=a, company=w.kadikoy.id, at=march)
    assert gulsen in served_now.reps and gulsen not in served_later.reps
    org.clock.set(march)
    assert [x.name for x in c.visible(actor=gulsen).items] == ["Çankaya Kimya"]


def test_a1_a3_customers_through_the_policy(org: Org) -> None:
    w = build(org)
    c, a = org.crm.customers, org.admin.id
    gulsen, mehmet = w.gulsen.id, w.mehmet.id
    page = c.visible(actor=gulsen, limit=10)
    assert [x.name for x in page.items] == ["Kadıköy Eczanesi"] and page.total == 1
    assert c.visible(actor=mehmet).total == 2  # member of every team (A2's manager)
    assert c.visible(actor=a).total == 2
    with pytest.raises(PermissionDenied) as denied:
        c.get(actor=gulsen, id=w.cankaya.id)
    assert denied.value.reason == "Gülşen Çelik is not in a team holding code A-01 on 2026-01-01 (A1)"
    with pytest.raises(PermissionDenied, match="A3"):
        c.update(actor=gulsen, id=w.kadikoy.id, name="Kadıköy Eczanesi 2")
    org.crm.territory.assign_owner(actor=a, company=w.kadikoy.id, rep=gulsen)
    assert c.update(actor=gulsen, id=w.kadikoy.id, name="Kadıköy Ecza").name == "Kadıköy Ecza"
    with pytest.raises(PermissionDenied, match="out of sight"):
        c.update(actor=gulsen, id=w.kadikoy.id, micro_region="A-01")
    assert c.get(actor=gulsen, id=w.kadikoy.id).segmentation.micro_region == "M-01"
    assert c.decide(actor=gulsen, company=w.cankaya.id).allowed is False
    assert [x.name for x in c.contacts(actor=gulsen, company=w.cankaya.id)] == []


def test_a5_a_dismissed_rep_can_do_nothing(org: Org) -> None:
    w = build(org)
    gulsen = w.gulsen.id
    org.crm.parties.dismiss(actor=org.admin.id, employee=gulsen, reason="Görev değişikliği")
    with pytest.raises(PermissionDenied, match="A5"):
        org.crm.customers.visible(actor=gulsen)
    with pytest.raises(PermissionDenied):
        org.crm.customers.get(actor=uuid.uuid4(), id=w.kadikoy.id)
    with pytest.raises(NotFound):
        org.crm.customers.get(actor=org.admin.id, id=uuid.uuid4())


def test_a2_only_admins_shape_the_territory(org: Org) -> None:
    w = build(org)
    with pytest.raises(PermissionDenied, match="admins"):
        org.crm.territory.add_region(actor=w.mehmet.id, name="Ege")
    with pytest.raises(PermissionDenied, match="A1"):
        org.crm.territory.customers_under(actor=w.gulsen.id, region=w.europe.id)


def test_a1_a3_registering_a_company_goes_through_the_policy(org: Org) -> None:
    """With the switch on, a rep registers only companies he will see (A1); nothing else is stored."""
    w = build(org)
    p, c = org.crm.parties, org.crm.customers
    before = c.visible(actor=org.admin.id).total
    with pytest.raises(PermissionDenied) as denied:
        p.register_company(actor=w.gulsen.id, name="Çankaya Ecza", type="customer", micro_region="A-01")
    assert "not in a team holding code A-01" in denied.value.reason and "(A1)" in denied.value.reason
    with pytest.raises(PermissionDenied, match="no micro-region code"):
        p.register_company(actor=w.gulsen.id, name="Kodsuz Eczane", type="customer")
    assert c.visible(actor=org.admin.id).total == before
    mine = p.register_company(actor=w.gulsen.id, name="Moda Eczanesi", type="customer", micro_region="M-01")
    assert c.get(actor=w.gulsen.id, id=mine.id).name == "Moda Eczanesi"
    # A manager in both teams and an admin register anywhere the policy lets them see (A2).
    assert p.register_company(actor=w.mehmet.id, name="Keçiören Ecza", type="customer", micro_region="A-01")
    assert p.register_company(actor=org.admin.id, name="Van Kimya", type="customer", micro_region="E-01")
    assert c.visible(actor=org.admin.id).total == before + 3
