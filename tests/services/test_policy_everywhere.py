"""Every public read and write of what belongs to a company goes through the access policy (A8).

A regional CRM (A1 on): Gülşen and İbrahim are employees of the İstanbul team, which holds
code ``M-01``. ``seen`` (M-01) is Gülşen's; ``hidden`` (M-02) is out of both reps' sight.
Before A8 each write below accepted a rep outside the company's micro-regions, and each read
returned the hidden company's data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

import crmkit
from crmkit import ContactInput
from crmkit.domain.access import Decision
from crmkit.domain.errors import NotFound, PermissionDenied, rule_in
from crmkit.domain.invoices import OrderLine, SalesOrder
from crmkit.domain.parties import Company
from crmkit.ports.storage import Storage
from crmkit.services.base import ActorRef
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.adapters.invoices.test_csv import write
from tests.services.territory.conftest import make_crm

VKN_SEEN = "4730180002"
VKN_HIDDEN = "6800120004"


@attrs.frozen
class Regional:
    crm: crmkit.Crm
    clock: FixedClock
    admin: Any
    gulsen: Any
    ibrahim: Any
    seen: Company
    hidden: Company


@pytest.fixture
def w(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Regional:
    crm = make_crm(storage, clock, ids, regional_access=True)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    a = admin.id
    crm.parties.set_parameters(actor=a, name="micro_region_codes", values=["M-01", "M-02"])
    t, p = crm.territory, crm.parties
    region = t.add_region(actor=a, name="Marmara")
    gulsen = p.hire(actor=a, name="Gülşen Çelik")
    ibrahim = p.hire(actor=a, name="İbrahim Şahin")
    team = t.add_team(actor=a, name="İstanbul Ekibi", region=region.id, leader=gulsen.id)
    t.add_member(actor=a, team=team.id, employee=ibrahim.id)
    t.link_code(actor=a, team=team.id, code="M-01")
    contact = ContactInput(name="Ayla Demir", phone="0532 111 22 33", email="ayla@ornek.com.tr")
    seen = p.register_company(
        actor=a, name="Kadıköy Eczanesi", type="customer", tax_no=VKN_SEEN, sales_rep=gulsen.id,
        micro_region="M-01", contact=contact,
    )  # fmt: skip
    hidden = p.register_company(
        actor=a, name="Bursa Kimya", type="customer", tax_no=VKN_HIDDEN, micro_region="M-02",
        phone="0224 555 66 77", contact=attrs.evolve(contact, name="Can Öz"),
    )  # fmt: skip
    return Regional(crm, clock, admin, gulsen, ibrahim, seen, hidden)


def _version(w: Regional, company: Company) -> int:
    return w.crm.parties.get_company(actor=w.admin.id, company=company.id).version


WRITES: dict[str, Callable[[Regional, ActorRef, Company], object]] = {
    "record_status_trigger": lambda w, who, c: w.crm.parties.record_status_trigger(
        actor=who, company=c.id, trigger="offer_sent"
    ),
    "add_contact": lambda w, who, c: w.crm.parties.add_contact(actor=who, company=c.id, name="Yeni Kişi"),
    "change_primary_contact": lambda w, who, c: w.crm.parties.change_primary_contact(
        actor=who, company=c.id, contact=w.crm.parties.contacts(actor=w.admin.id, company=c.id)[0].id
    ),
    "attach_document": lambda w, who, c: w.crm.parties.attach_document(
        actor=who,
        owner_kind="company",
        owner_id=c.id,
        name="teklif.pdf",
        media_type="application/pdf",
        content=b"%PDF",
    ),
    "claim": lambda w, who, c: w.crm.parties.claim(actor=who, company=c.id),
}


@pytest.mark.parametrize("operation", sorted(WRITES))
def test_a8_a_write_on_a_company_out_of_sight_is_refused_with_the_policys_reason(
    w: Regional, operation: str
) -> None:
    before = _version(w, w.hidden)
    contacts = len(w.crm.parties.contacts(actor=w.admin.id, company=w.hidden.id))
    with pytest.raises(PermissionDenied) as info:
        WRITES[operation](w, w.gulsen.id, w.hidden)
    assert info.value.rule == "A1"
    assert "M-02" in info.value.reason
    assert _version(w, w.hidden) == before
    assert len(w.crm.parties.contacts(actor=w.admin.id, company=w.hidden.id)) == contacts
    assert w.crm.parties.documents(actor=w.admin.id, owner_kind="company", owner_id=w.hidden.id) == []


@pytest.mark.parametrize("operation", ["record_status_trigger", "add_contact", "change_primary_contact"])
def test_a3_an_employee_changes_only_the_companies_he_owns(w: Regional, operation: str) -> None:
    with pytest.raises(PermissionDenied) as info:
        WRITES[operation](w, w.ibrahim.id, w.seen)
    assert info.value.rule == "A3"
    WRITES[operation](w, w.gulsen.id, w.seen)  # the owner may


def test_a8_history_of_a_company_and_its_contacts_follows_its_visibility(w: Regional) -> None:
    p = w.crm.parties
    for kind, key in (("company", w.hidden.id), ("contact", w.hidden.primary_contact_id)):
        with pytest.raises(PermissionDenied) as info:
            p.history(actor=w.gulsen.id, aggregate_type=kind, aggregate_id=key)
        assert info.value.rule == "A1"
        assert p.history(actor=w.admin.id, aggregate_type=kind, aggregate_id=key)
    assert p.history(actor=w.gulsen.id, aggregate_type="company", aggregate_id=w.seen.id)
    with pytest.raises(PermissionDenied):
        p.documents(actor=w.gulsen.id, owner_kind="company", owner_id=w.hidden.id)


def _invoice_rows(w: Regional, tmp_path: Path) -> None:
    rows = [
        f"{number};;05.01.2026;14:30;SATIS;TRY;9205121120;Marmara Dağıtım;{buyer};Alıcı;;;;"
        "P1;Kalem;10;NIU;2,50;0;25,00;20;5,00;"
        for number, buyer in (("S-1", VKN_SEEN), ("H-1", VKN_HIDDEN), ("X-1", "9205121120"))
    ]
    report = w.crm.invoices.import_from(f"csv://{write(tmp_path, *rows)}?delimiter=;", actor=w.admin.id)
    assert report.imported == 3, report


def _order(number: str, customer: str) -> SalesOrder:
    line = OrderLine(line_id="1", product_name="Defter", product_code="P9", quantity=1)
    return SalesOrder(number=number, customer=customer, ordered_at=FixedClock().now(), lines=(line,))


def test_a8_invoices_and_orders_follow_the_buyers_visibility(w: Regional, tmp_path: Path) -> None:
    inv = w.crm.invoices
    _invoice_rows(w, tmp_path)
    for number, buyer in (("SO-S", VKN_SEEN), ("SO-H", VKN_HIDDEN)):
        inv.register_order(actor=w.admin.id, order=_order(number, buyer))
    hidden = inv.find("9205121120", "H-1", actor=w.admin.id)
    seen = inv.find("9205121120", "S-1", actor=w.admin.id)
    assert hidden is not None and seen is not None
    g = w.gulsen.id
    for read in (
        lambda: inv.get(hidden.id, actor=g),
        lambda: inv.find("9205121120", "H-1", actor=g),
        lambda: inv.delivery(hidden.id, actor=g),
        lambda: inv.returned(hidden.id, actor=g),
        lambda: inv.order("SO-H", actor=g),
        lambda: inv.mark_delivered(actor=g, invoice=hidden.id),
        lambda: inv.find("9205121120", "X-1", actor=g),  # a buyer that is no stored company: admins only
    ):
        with pytest.raises(PermissionDenied) as info:
            read()
        assert info.value.rule == "A1"
    assert inv.get(seen.id, actor=g) == seen
    assert inv.order("SO-S", actor=g).customer == VKN_SEEN
    assert inv.undelivered(actor=g) == [seen.id]
    assert len(inv.undelivered(actor=w.admin.id)) == 3
    assert inv.undelivered(actor=g, offset=1) == []
    assert [number for number, _ in inv.to_be_invoiced(actor=g)] == ["SO-S"]
    assert [number for number, _ in inv.to_be_invoiced(actor=w.admin.id)] == ["SO-H", "SO-S"]
    with pytest.raises(NotFound):
        inv.order("SO-NONE", actor=g)


def test_a8_campaign_recipients_follow_each_companys_visibility(w: Regional) -> None:
    m = w.crm.marketing
    everyone = m.save_segment(actor=w.admin.id, name="Herkes", filter={})
    campaign = m.send_campaign(
        actor=w.admin.id, name="Kış", segment=everyone.id, channel="sms", body="Merhaba"
    )
    assert {r.company_id for r in m.recipients(actor=w.admin.id, campaign=campaign.id)} == {
        w.seen.id,
        w.hidden.id,
    }
    mine = m.recipients(actor=w.gulsen.id, campaign=campaign.id)
    assert [r.company_id for r in mine] == [w.seen.id]
    assert m.recipients(actor=w.gulsen.id, campaign=campaign.id, offset=1) == []
    assert m.campaign(actor=w.gulsen.id, id=campaign.id).id == campaign.id


def test_m1_a3_only_its_author_or_an_admin_changes_a_segment(w: Regional) -> None:
    m = w.crm.marketing
    admins = m.save_segment(actor=w.admin.id, name="Yönetim", filter={})
    with pytest.raises(PermissionDenied) as info:
        m.update_segment(actor=w.gulsen.id, segment=admins.id, version=admins.version, name="Benim")
    assert info.value.rule == "A3"
    with pytest.raises(PermissionDenied):
        m.delete_segment(actor=w.gulsen.id, segment=admins.id, version=admins.version)
    assert [s.name for s in m.segments(actor=w.gulsen.id)] == ["Yönetim"]
    own = m.save_segment(actor=w.gulsen.id, name="Gülşen", filter={})
    assert m.update_segment(actor=w.gulsen.id, segment=own.id, version=own.version, name="G").name == "G"
    m.update_segment(actor=w.admin.id, segment=admins.id, version=admins.version, name="Yönetim 2")


def test_a5_decide_never_raises_for_a_departed_or_unknown_actor(w: Regional) -> None:
    w.crm.parties.dismiss(actor=w.admin.id, employee=w.gulsen.id, reason="Ayrıldı")
    decision = w.crm.customers.decide(actor=w.gulsen.id, company=w.seen.id)
    assert isinstance(decision, Decision) and not decision
    assert decision.rule == "A5"
    unknown = w.crm.customers.decide(actor=w.hidden.id, company=w.seen.id)
    assert not unknown and unknown.rule == "A5"
    with pytest.raises(PermissionDenied) as info:
        w.crm.customers.get(actor=w.gulsen.id, id=w.seen.id)
    assert info.value.rule == "A5"


def test_permission_denied_carries_the_rule() -> None:
    assert PermissionDenied("x may not (A3)").rule == "A3"
    assert PermissionDenied("no rule cited").rule is None
    assert PermissionDenied("cited (A3)", rule="C11").rule == "C11"
    assert rule_in("(C6) then (A2)") == "A2"
    assert Decision.deny("nope (A1)").rule == "A1"
    assert Decision.allow("fine", rule="A2").rule == "A2"


def test_a8_undelivered_invoices_are_filtered_in_the_storage_with_exact_pages(
    w: Regional, tmp_path: Path
) -> None:
    """The buyer's visibility runs in the storage query (issue 11 item 1): every page equals the
    admin's list filtered invoice by invoice through ``get`` (the policy's own answer), on every back end."""
    buyers = (VKN_SEEN, VKN_HIDDEN, "9205121120", VKN_SEEN, VKN_HIDDEN, VKN_SEEN)
    rows = [
        f"N-{n:02d};;{(n % 28) + 1:02d}.01.2026;10:{n % 60:02d};SATIS;TRY;9205121120;Marmara Dağıtım;"
        f"{buyers[n % len(buyers)]};Alıcı;;;;P1;Kalem;1;NIU;2,50;0;2,50;20;0,50;"
        for n in range(40)
    ]
    report = w.crm.invoices.import_from(f"csv://{write(tmp_path, *rows)}?delimiter=;", actor=w.admin.id)
    assert report.imported == 40, report
    inv, g = w.crm.invoices, w.gulsen.id
    everything = inv.undelivered(actor=w.admin.id, limit=100)
    assert len(everything) == 40

    def visible(key: Any) -> bool:
        try:
            inv.get(key, actor=g)
        except PermissionDenied:
            return False
        return True

    expected = [key for key in everything if visible(key)]
    assert 0 < len(expected) < 40
    assert inv.undelivered(actor=g, limit=100) == expected
    for size in (1, 3, 7):
        pages = [inv.undelivered(actor=g, limit=size, offset=start) for start in range(0, 45, size)]
        assert [key for page in pages for key in page] == expected
    inv.mark_delivered(actor=g, invoice=expected[0])
    assert inv.undelivered(actor=g, limit=100) == expected[1:]


def test_a8_campaign_recipients_are_filtered_in_the_storage_with_exact_pages(w: Regional) -> None:
    """Recipient listings run the companies' visibility in the storage query: every page equals
    the admin's list filtered by ``crm.customers.decide`` (the policy's answer), on every back end."""
    p, a = w.crm.parties, w.admin.id
    for n in range(12):
        p.register_company(
            actor=a, name=f"Eczane {n:02d}", type="customer", micro_region=("M-01", "M-02")[n % 3 == 0],
            phone=f"0532 100 {n:02d} 00",
        )  # fmt: skip
    m = w.crm.marketing
    everyone = m.save_segment(actor=a, name="Herkes", filter={})
    campaign = m.send_campaign(actor=a, name="Bahar", segment=everyone.id, channel="sms", body="Merhaba")
    everything = m.recipients(actor=a, campaign=campaign.id)
    assert len(everything) == 14
    g = w.gulsen.id
    expected = [r for r in everything if w.crm.customers.decide(actor=g, company=r.company_id)]
    assert 0 < len(expected) < len(everything)
    assert m.recipients(actor=g, campaign=campaign.id) == expected
    for size in (1, 4):
        pages = [
            m.recipients(actor=g, campaign=campaign.id, limit=size, offset=s) for s in range(0, 16, size)
        ]
        assert [r for page in pages for r in page] == expected


def test_a8_to_be_invoiced_lines_are_filtered_in_the_storage_with_exact_pages(w: Regional) -> None:
    """Order lines to invoice follow the customer's visibility inside the storage query: every
    page equals the admin's list filtered by ``order`` (the policy's answer), on every back end."""
    inv, a, g = w.crm.invoices, w.admin.id, w.gulsen.id
    customers = (VKN_SEEN, VKN_HIDDEN, "9205121120")
    lines = tuple(
        OrderLine(line_id=str(n), product_name="Defter", product_code="P9", quantity=1) for n in (1, 2)
    )
    for n in range(9):
        order = SalesOrder(
            number=f"SO-{n}", customer=customers[n % 3], ordered_at=FixedClock().now(), lines=lines
        )
        inv.register_order(actor=a, order=order)
    everything = inv.to_be_invoiced(actor=a, limit=100)
    assert len(everything) == 18

    def visible(number: str) -> bool:
        try:
            inv.order(number, actor=g)
        except PermissionDenied:
            return False
        return True

    expected = [row for row in everything if visible(row[0])]
    assert len(expected) == 6
    for size in (1, 4, 50):
        pages = [inv.to_be_invoiced(actor=g, limit=size, offset=s) for s in range(0, 20, size)]
        assert [row for page in pages for row in page] == expected
