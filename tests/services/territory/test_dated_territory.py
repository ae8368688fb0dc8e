"""Owners and customer codes are dated in one place (T4, A1, A3; issue 11 item 2), on every back end."""

from __future__ import annotations

import pytest

from crmkit.domain.errors import PermissionDenied, RuleViolation
from crmkit.domain.territory import OwnerAssignment
from tests.services.territory.conftest import Org
from tests.services.territory.test_territory_services import DAY, build


def test_t4_a3_an_owner_recorded_in_advance_takes_over_once_its_date_has_passed(org: Org) -> None:
    w = build(org)
    t, c, a = org.crm.territory, org.crm.customers, org.admin.id
    now = org.clock.now()
    t.add_member(actor=a, team=w.ist.id, employee=w.ibrahim.id)
    t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.ibrahim.id)
    t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.gulsen.id, valid_from=now + 10 * DAY)
    assert c.update(actor=w.ibrahim.id, id=w.kadikoy.id, name="Kadıköy 1").name == "Kadıköy 1"
    with pytest.raises(PermissionDenied, match="A3"):
        c.update(actor=w.gulsen.id, id=w.kadikoy.id, name="Kadıköy 2")
    org.clock.set(now + 11 * DAY)
    assert c.update(actor=w.gulsen.id, id=w.kadikoy.id, name="Kadıköy 3").name == "Kadıköy 3"
    with pytest.raises(PermissionDenied, match="A3"):
        c.update(actor=w.ibrahim.id, id=w.kadikoy.id, name="Kadıköy 4")
    assert c.decide(actor=w.ibrahim.id, company=w.kadikoy.id, action="update", at=now + DAY).allowed
    assert t.served_by(actor=a, company=w.kadikoy.id).owner == w.gulsen.id
    assert t.served_by(actor=a, company=w.kadikoy.id, at=now + DAY).owner == w.ibrahim.id


def test_t4_a_customer_moved_to_another_code_is_answered_by_date(org: Org) -> None:
    w = build(org)
    t, c, a = org.crm.territory, org.crm.customers, org.admin.id
    now = org.clock.now()
    org.clock.set(now + 30 * DAY)
    moved = t.move_customer(actor=a, company=w.kadikoy.id, code="A-01", valid_from=now + 15 * DAY)
    assert moved.code == "A-01"
    before, after = now + 10 * DAY, now + 20 * DAY
    assert t.served_by(actor=a, company=w.kadikoy.id, at=before).teams == (w.ist.id,)
    assert t.served_by(actor=a, company=w.kadikoy.id, at=after).teams == (w.ank.id,)
    assert t.served_by(actor=a, company=w.kadikoy.id, at=after).code == "A-01"
    assert [r.name for r in t.region_path(actor=a, company=w.kadikoy.id, at=before)][-1] == "Marmara"
    assert [r.name for r in t.region_path(actor=a, company=w.kadikoy.id, at=after)][-1] == "İç Anadolu"
    assert c.decide(actor=w.gulsen.id, company=w.kadikoy.id, at=before).allowed
    assert not c.decide(actor=w.gulsen.id, company=w.kadikoy.id, at=after).allowed
    assert c.decide(actor=w.ibrahim.id, company=w.kadikoy.id, at=after).allowed
    codes = t.customer_codes(actor=a, company=w.kadikoy.id)
    assert [(x.code, x.validity.valid_to) for x in codes] == [("M-01", now + 15 * DAY), ("A-01", None)]


def test_t4_a_move_recorded_in_advance_applies_from_its_date(org: Org) -> None:
    w = build(org)
    t, c, a = org.crm.territory, org.crm.customers, org.admin.id
    now = org.clock.now()
    t.move_customer(actor=a, company=w.kadikoy.id, code="A-01", valid_from=now + 5 * DAY)
    assert c.decide(actor=w.gulsen.id, company=w.kadikoy.id).allowed
    org.clock.set(now + 6 * DAY)
    decision = c.decide(actor=w.gulsen.id, company=w.kadikoy.id)
    assert not decision.allowed and "A-01" in decision.reason
    with pytest.raises(PermissionDenied):
        c.get(actor=w.gulsen.id, id=w.kadikoy.id)
    with pytest.raises(RuleViolation) as overlap:
        t.move_customer(actor=a, company=w.kadikoy.id, code="M-02", valid_from=now + 2 * DAY)
    assert overlap.value.rule == "T4"


def test_c6_t4_parties_and_territory_assign_owner_are_one_call(org: Org) -> None:
    w = build(org)
    p, t, a = org.crm.parties, org.crm.territory, org.admin.id
    now = org.clock.now()
    made = p.assign_owner(actor=w.mehmet.id, company=w.kadikoy.id, rep=w.gulsen.id, valid_from=now + DAY)
    assert isinstance(made, OwnerAssignment) and made.employee_id == w.gulsen.id
    with pytest.raises(PermissionDenied, match="C6"):
        p.assign_owner(actor=w.gulsen.id, company=w.kadikoy.id, rep=w.gulsen.id)
    assert [o.employee_id for o in t.owners(actor=a, company=w.kadikoy.id)] == [w.gulsen.id]
    assert t.served_by(actor=a, company=w.kadikoy.id, at=now + 2 * DAY).owner == w.gulsen.id


def test_t3_t4_a_code_moves_to_another_team_from_a_date_in_one_call(org: Org) -> None:
    w = build(org)
    t, a = org.crm.territory, org.admin.id
    now = org.clock.now()
    assert [link.code for link in t.code_links(actor=a, team=w.ist.id)] == ["M-01"]
    assert {m.employee_id for m in t.memberships(actor=a, team=w.ank.id)} == {w.ibrahim.id, w.mehmet.id}
    t.move_code(actor=a, code="M-01", team=w.ank.id, valid_from=now + 10 * DAY)
    assert t.served_by(actor=a, company=w.kadikoy.id, at=now + 9 * DAY).teams == (w.ist.id,)
    assert t.served_by(actor=a, company=w.kadikoy.id, at=now + 10 * DAY).teams == (w.ank.id,)
    [ended] = t.code_links(actor=a, team=w.ist.id)
    assert ended.validity.valid_to == now + 10 * DAY
    assert sorted(link.code for link in t.code_links(actor=a, team=w.ank.id)) == ["A-01", "M-01"]
    with pytest.raises(PermissionDenied):
        t.code_links(actor=w.gulsen.id, team=w.ist.id)


def test_t4_editing_a_moved_customers_code_keeps_its_history_true(org: Org) -> None:
    w = build(org)
    t, c, a = org.crm.territory, org.crm.customers, org.admin.id
    now = org.clock.now()
    t.move_customer(actor=a, company=w.kadikoy.id, code="A-01", valid_from=now + DAY)
    org.clock.set(now + 5 * DAY)
    c.update(actor=a, id=w.kadikoy.id, micro_region="M-02")
    assert t.served_by(actor=a, company=w.kadikoy.id, at=now + 6 * DAY).code == "M-02"
    assert t.served_by(actor=a, company=w.kadikoy.id, at=now + 2 * DAY).code == "A-01"


def test_c6_t4_an_approved_claim_on_a_customer_with_dated_owners_makes_the_claimant_its_owner(
    org: Org,
) -> None:
    w = build(org)
    t, c, p, a = org.crm.territory, org.crm.customers, org.crm.parties, org.admin.id
    now = org.clock.now()
    t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.mehmet.id, valid_from=now, valid_to=now + 10 * DAY)
    org.clock.set(now + 11 * DAY)
    assert t.served_by(actor=a, company=w.kadikoy.id).owner is None
    claim = p.claim(actor=w.gulsen.id, company=w.kadikoy.id)
    p.approve_claim(actor=w.mehmet.id, claim=claim.id)
    assert t.served_by(actor=a, company=w.kadikoy.id).owner == w.gulsen.id
    assert c.update(actor=w.gulsen.id, id=w.kadikoy.id, name="Kadıköy Ecza").name == "Kadıköy Ecza"
