"""A small customer base for segments and campaigns (M1–M3) on the parametrized storage.

An admin (sees every company), a regional rep linked to micro-region ``M-01``
(sees only ``M-01`` companies, A1 on), and 36 companies spread over cities,
value classes, sectors and codes; most have a primary contact with a phone
and an e-mail, some have none, and SMS consent is granted to every other phone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import attrs
import pytest

import crmkit
from crmkit.domain.employees import Employee, Position
from crmkit.domain.ids import CompanyId, ContactId
from crmkit.domain.messaging import Channel, ConsentRecord, ConsentState
from crmkit.domain.parties import Company, Contact, Segmentation
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    Membership,
    MembershipId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
)
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.factories import make_company, make_contact, make_employee
from tests.services.territory.conftest import make_crm

HIRED = datetime(2025, 1, 1, tzinfo=UTC)
CITIES = ("İzmir", "Ankara", "İstanbul")
CLASSES = ("A", "B", "C")
SECTORS = ("Gıda", "Tekstil")
CODES = ("M-01", "M-02")


@attrs.define
class Base:
    """The CRM, its storage, the actors and the drawn data."""

    crm: crmkit.Crm
    storage: Storage
    admin: Employee
    rep: Employee
    companies: list[Company]
    contacts: dict[ContactId, Contact]
    granted: set[str]


def build_companies(count: int, rep: Employee) -> tuple[list[Company], list[Contact]]:
    companies: list[Company] = []
    contacts: list[Contact] = []
    for i in range(count):
        cid = CompanyId(uuid.UUID(int=1000 + i))
        contact: Contact | None = None
        if i % 6 != 5:  # every sixth company has no primary contact
            contact = make_contact(
                id=ContactId(uuid.UUID(int=5000 + i)),
                company_id=cid,
                phone=None if i % 7 == 3 else f"+90532{i:07d}",
                email=f"alici{i}@example.com.tr",
            )
            contacts.append(contact)
        companies.append(
            make_company(
                id=cid,
                name=f"Firma {i:02d} A.Ş.",
                registered_at=HIRED,
                segmentation=Segmentation(
                    city=CITIES[i % 3],
                    value_class=CLASSES[(i // 3) % 3],
                    sector=SECTORS[i % 2],
                    micro_region=CODES[(i // 2) % 2],
                ),
                sales_rep_id=rep.id if i % 4 == 0 else None,
                primary_contact_id=None if contact is None else contact.id,
            )
        )
    return companies, contacts


@pytest.fixture
def base(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Base]:
    crm = make_crm(storage, clock, ids, regional_access=True)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    rep = make_employee(position=Position.EMPLOYEE, hired_at=HIRED, name="Rıza Temsilci")
    companies, contacts = build_companies(36, rep)
    region = Region(id=RegionId(uuid.UUID(int=9001)), name="Ege")
    team = SalesTeam(id=TeamId(uuid.UUID(int=9002)), name="Ege Satış", region_id=region.id)
    granted = {c.phone for c in contacts[::2] if c.phone is not None}
    with storage.unit_of_work() as uow:
        uow.employees.add(rep)
        uow.regions.add(region)
        uow.teams.add(team)
        uow.memberships.add(
            Membership(
                id=MembershipId(uuid.UUID(int=9003)),
                team_id=team.id,
                employee_id=rep.id,
                validity=Validity(HIRED),
            )
        )
        uow.code_links.add(
            CodeLink(
                id=CodeLinkId(uuid.UUID(int=9004)), team_id=team.id, code="M-01", validity=Validity(HIRED)
            )
        )
        uow.companies.add_many(companies)
        uow.contacts.add_many(contacts)
        for n, phone in enumerate(sorted(granted)):
            uow.consents.add(
                ConsentRecord(
                    id=uuid.UUID(int=20_000 + n),
                    channel=Channel.SMS,
                    address=phone,
                    state=ConsentState.GRANTED,
                    at=HIRED,
                    source="web-form",
                )
            )
        uow.commit()
    yield Base(crm, storage, admin, rep, companies, {c.id: c for c in contacts}, granted)
