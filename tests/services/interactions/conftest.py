"""An office on the parametrized storage for the interaction and agenda use cases (A1–A6, I1, I6, I7).

The A1 switch is on. One team holds micro-region ``M-01``; its members are a
manager, an employee (Zeynep), a dealer's employee (Deniz, staff of the
dealer firm, A6) and an employee who was dismissed (A5). Companies: ``m01``
(code M-01), ``a01`` (code A-01, nobody's team), the ``dealer`` firm (M-01)
and ``sub``, a customer under the dealer (M-01).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import attrs
import pytest

import crmkit
from crmkit.domain.employees import Employee
from crmkit.domain.parties import Company
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.conftest import make_crm

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@attrs.define
class Office:
    """The CRM, its people by role and its companies by name."""

    crm: crmkit.Crm
    clock: FixedClock
    people: dict[str, Employee]
    companies: dict[str, Company]


def build_office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    clock.set(NOW)
    crm = make_crm(storage, clock, ids, regional_access=True)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    crm.parties.set_parameters(actor=admin.id, name="micro_region_codes", values=["M-01", "A-01"])
    t = crm.territory
    region = t.add_region(actor=admin.id, name="Marmara")
    companies = {
        "m01": crm.parties.register_company(
            actor=admin.id, name="Kadıköy Eczanesi", type="customer", micro_region="M-01"
        ),
        "a01": crm.parties.register_company(
            actor=admin.id, name="Çankaya Kimya", type="customer", micro_region="A-01"
        ),
        "dealer": crm.parties.register_company(
            actor=admin.id, name="Boğaziçi Bayi", type="dealer", micro_region="M-01"
        ),
    }
    companies["sub"] = crm.parties.register_company(
        actor=admin.id,
        name="Üsküdar Market",
        type="customer",
        micro_region="M-01",
        parent=companies["dealer"].id,
    )
    hire = crm.parties.hire
    people = {
        "admin": admin,
        "admin_manager": hire(actor=admin.id, name="Mehmet Öztürk", position="admin_manager"),
        "manager": hire(actor=admin.id, name="Elif Şahin", position="manager"),
        "employee": hire(actor=admin.id, name="Zeynep Arslan", position="employee"),
        "dealer_staff": hire(
            actor=admin.id, name="Deniz Kaya", position="employee", firm=companies["dealer"].id
        ),
        "departed": hire(actor=admin.id, name="Emre Demir", position="employee"),
        "colleague": hire(actor=admin.id, name="Can Yıldız", position="employee"),
    }
    team = t.add_team(actor=admin.id, name="İstanbul Ekibi", region=region.id, leader=people["manager"].id)
    t.link_code(actor=admin.id, team=team.id, code="M-01")
    for role in ("employee", "dealer_staff", "departed", "colleague"):
        t.add_member(actor=admin.id, team=team.id, employee=people[role].id)
    people["departed"] = crm.parties.dismiss(
        actor=admin.id, employee=people["departed"].id, reason="Görev değişikliği"
    )
    return Office(crm, clock, people, companies)


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Office]:
    yield build_office(storage, clock, ids)
