"""Listings read the dated owner and code, the one source of truth for "at t" (T4, A1, A3, M1, A7).

Issue 11 item 2: ``crm.customers.visible`` and segment listings read the customer's code and
owner valid at ``at`` from their histories — the same rows A3 decisions, ``served_by`` and
plan-vs-actual read — so a change recorded in advance takes effect in listings at its date.
On every back end (the SQL ones compile the dated predicate into the query).
"""

from __future__ import annotations

import pytest

from crmkit import ContactInput
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.predicates import CodeIn, FieldIn, OwnedBy, any_of
from tests.services.territory.conftest import Org
from tests.services.territory.test_territory_services import DAY, build


def _names(page: object) -> list[str]:
    return [c.name for c in page.items]  # type: ignore[attr-defined]


def test_t4_a3_an_owner_recorded_in_advance_moves_the_my_customers_listing_at_its_date(org: Org) -> None:
    w = build(org)
    t, c, a = org.crm.territory, org.crm.customers, org.admin.id
    now = org.clock.now()
    t.add_member(actor=a, team=w.ist.id, employee=w.ibrahim.id)
    t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.ibrahim.id)
    t.assign_owner(actor=a, company=w.kadikoy.id, rep=w.gulsen.id, valid_from=now + 10 * DAY)
    kadikoy = "Kadıköy Eczanesi"
    # before D: the old owner lists it as his, the new one does not
    assert _names(c.visible(actor=w.ibrahim.id, owner=w.ibrahim.id)) == [kadikoy]
    assert _names(c.visible(actor=w.gulsen.id, owner=w.gulsen.id)) == []
    # asked about a date after D (no clock move): the new owner's
    later = now + 11 * DAY
    assert _names(c.visible(actor=w.gulsen.id, owner=w.gulsen.id, at=later)) == [kadikoy]
    assert c.visible(actor=w.ibrahim.id, owner=w.ibrahim.id, at=later).total == 0
    # once D has passed: the new owner lists it, the old one does not — as A3 decides
    org.clock.set(later)
    assert _names(c.visible(actor=w.gulsen.id, owner=w.gulsen.id)) == [kadikoy]
    assert _names(c.visible(actor=w.ibrahim.id, owner=w.ibrahim.id)) == []
    assert c.decide(actor=w.gulsen.id, company=w.kadikoy.id, action="update").allowed
    assert not c.decide(actor=w.ibrahim.id, company=w.kadikoy.id, action="update").allowed
    # a segment on the sales rep (M1) follows the same history
    m = org.crm.marketing
    mine = m.save_segment(actor=a, name="Gülşen'in", filter={"sales_rep": [str(w.gulsen.id)]})
    assert _names(m.members(actor=a, segment=mine.id)) == [kadikoy]
    assert _names(m.members(actor=a, segment=mine.id, at=now + DAY)) == []


def test_t4_a1_a_customer_moved_to_another_code_from_a_date_changes_who_lists_it(org: Org) -> None:
    w = build(org)
    t, c, a = org.crm.territory, org.crm.customers, org.admin.id
    now = org.clock.now()
    t.move_customer(actor=a, company=w.kadikoy.id, code="A-01", valid_from=now + 5 * DAY)
    kadikoy, cankaya = "Kadıköy Eczanesi", "Çankaya Kimya"
    assert _names(c.visible(actor=w.gulsen.id)) == [kadikoy]
    assert _names(c.visible(actor=w.ibrahim.id)) == [cankaya]
    later = now + 6 * DAY
    assert _names(c.visible(actor=w.ibrahim.id, at=later)) == [cankaya, kadikoy]
    org.clock.set(later)
    gulsen = c.visible(actor=w.gulsen.id)
    assert _names(gulsen) == [] and gulsen.total == 0
    ibrahim = c.visible(actor=w.ibrahim.id)
    assert _names(ibrahim) == [cankaya, kadikoy] and ibrahim.total == 2
    # the past still reads the old code
    assert _names(c.visible(actor=w.gulsen.id, at=now + DAY)) == [kadikoy]
    # the decision agrees with the listing (A7)
    assert not c.decide(actor=w.gulsen.id, company=w.kadikoy.id).allowed
    assert c.decide(actor=w.ibrahim.id, company=w.kadikoy.id).allowed
    # a segment on the micro-region code (M1), listed by an admin, follows the same history
    m = org.crm.marketing
    anadolu = m.save_segment(actor=a, name="A-01", filter={"micro_region": ["A-01"]})
    assert _names(m.members(actor=a, segment=anadolu.id)) == [cankaya, kadikoy]
    assert _names(m.members(actor=a, segment=anadolu.id, at=now + DAY)) == [cankaya]


def test_t4_a7_dated_leaves_agree_with_the_undated_ones_where_nothing_moved(org: Org) -> None:
    """The storage runs a dated leaf like the column where a customer has no history (A7)."""
    w = build(org)
    t, a = org.crm.territory, org.admin.id
    now = org.clock.now()
    t.assign_owner(actor=a, company=w.cankaya.id, rep=w.ibrahim.id)
    t.move_customer(actor=a, company=w.kadikoy.id, code="A-01", valid_from=now + 5 * DAY)
    storage = org.crm.storage
    at = now + DAY
    with storage.unit_of_work() as uow:

        def ids(predicate: object) -> set[object]:
            return {x.id for x in uow.companies.visible(predicate, limit=100)}  # type: ignore[arg-type]

        assert ids(CodeIn(frozenset({"A-01"}), at=at)) == {w.cankaya.id}
        assert ids(CodeIn(frozenset({"A-01"}), at=now + 6 * DAY)) == {w.cankaya.id, w.kadikoy.id}
        assert ids(OwnedBy(w.ibrahim.id, at=at)) == ids(OwnedBy(w.ibrahim.id)) == {w.cankaya.id}
        assert ids(FieldIn("micro_region", frozenset({"M-01"}), at=at)) == {w.kadikoy.id}
        assert ids(FieldIn("micro_region", frozenset({"M-01"}), at=now + 6 * DAY)) == set()
        either = any_of(OwnedBy(w.ibrahim.id, at=at), CodeIn(frozenset({"M-01"}), at=now + 6 * DAY))
        assert ids(either) == {w.cankaya.id}


def test_t4_a7_a_get_decides_on_the_code_valid_at_its_instant_as_the_listing_does(org: Org) -> None:
    """Issue 11 item 2 (A7, T4, A8): a customer moved in advance to another code, once the date passed.

    The listing reads the dated code; every get must too. ``crm.interactions.get`` and the other
    reads that decided on the company's own column (still the old code: the move was recorded
    before its date) let the old team in and kept the new one out — found by the generated-world
    property once its worlds had dated changes.
    """
    w = build(org)
    crm, a = org.crm, org.admin.id
    now = org.clock.now()
    note = crm.interactions.create(
        actor=a, company=w.kadikoy.id, channel="phone", category="Sipariş", subject="Sipariş"
    )
    meeting = crm.meetings.record(
        actor=a,
        company=w.kadikoy.id,
        held_at=now,
        outcome="informed",
        new_contact=ContactInput(name="Ayla Demir"),
    ).note
    crm.territory.move_customer(actor=a, company=w.kadikoy.id, code="A-01", valid_from=now + 5 * DAY)
    org.clock.set(now + 6 * DAY)
    listed = {i.id for i in crm.interactions.visible(actor=w.ibrahim.id).items}
    assert note.id in listed and crm.interactions.visible(actor=w.gulsen.id).total == 0
    assert crm.interactions.get(actor=w.ibrahim.id, id=note.id).id == note.id
    assert crm.interactions.for_company(actor=w.ibrahim.id, company=w.kadikoy.id).total == 1
    assert crm.meetings.get(actor=w.ibrahim.id, id=meeting.id).id == meeting.id
    for refused in (
        lambda: crm.interactions.get(actor=w.gulsen.id, id=note.id),
        lambda: crm.interactions.for_company(actor=w.gulsen.id, company=w.kadikoy.id),
        lambda: crm.meetings.get(actor=w.gulsen.id, id=meeting.id),
    ):
        with pytest.raises(PermissionDenied) as denied:
            refused()
        assert "A-01" in str(denied.value)  # the code valid now, not the column's M-01
