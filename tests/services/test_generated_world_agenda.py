"""A8 on generated worlds, continued: interactions, the agenda and campaign recipients (issue 11 item 1).

The A7 strategies (:mod:`tests.services.territory.organisations`) draw a world, with back-dated and
future-dated code moves, owner assignments and code hand-overs (T4); every company gets an
interaction and an appointment owned by a generated employee, and one campaign reaches every
company. For each employee who may act, ``crm.interactions`` (listing, per company, get),
``crm.agenda.appointment`` and ``crm.marketing.recipients`` return exactly what the pure
policy's ``decide(view)`` allows on each record; a departed employee is refused (A5).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.domain.access import (
    Action,
    AgendaResource,
    CompanyResource,
    InteractionResource,
    Resource,
    decide,
)
from crmkit.domain.employees import Employee
from crmkit.domain.errors import PermissionDenied
from crmkit.domain.ids import CompanyId
from crmkit.domain.interactions import (
    Appointment,
    AppointmentId,
    Interaction,
    InteractionChannel,
    InteractionId,
)
from crmkit.domain.marketing import (
    Campaign,
    CampaignId,
    CampaignRecipient,
    RecipientStatus,
    Segment,
    SegmentFilter,
    SegmentId,
)
from crmkit.domain.messaging import Channel
from crmkit.domain.predicates import CompanyFacts
from crmkit.domain.settings import Settings
from crmkit.ports.storage import Storage
from crmkit.testing.backends import fresh
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.organisations import Organisation, organisations

EXAMPLES = 15
"""Generated worlds per back end."""


@pytest.fixture
def empty(storage: Storage) -> Iterator[Storage]:
    """The back end under test; each example starts from an empty copy."""
    yield storage


def _allowed(call: Callable[[], object]) -> bool:
    try:
        call()
    except PermissionDenied:
        return False
    return True


def _seed(storage: Storage, org: Organisation) -> tuple[list[Interaction], list[Appointment], CampaignId]:
    """One interaction and one appointment per company, owned in turn by each employee; one campaign."""
    staff = [e.id for e in org.employees]
    interactions, appointments = [], []
    for index, company in enumerate(org.companies):
        owner = staff[index % len(staff)]
        interactions.append(
            Interaction(
                id=InteractionId(uuid.UUID(int=10_000 + index)),
                company_id=company.id,
                channel=InteractionChannel.PHONE,
                category="Sipariş",
                subject=f"Görüşme {index}",
                created_by=owner,
                owner_id=owner,
                created_at=org.at - timedelta(minutes=index),
            )
        )
        appointments.append(
            Appointment(
                id=AppointmentId(uuid.UUID(int=20_000 + index)),
                company_id=company.id,
                starts_at=org.at + timedelta(hours=index),
                minutes=30,
                description=f"Ziyaret {index}",
                created_by=owner,
                assignee_id=owner,
                created_at=org.at,
            )
        )
    segment = Segment(
        id=SegmentId(uuid.UUID(int=30_000)),
        name="Herkes",
        filter=SegmentFilter(),
        created_by=staff[0],
        created_at=org.at,
    )
    campaign = Campaign(
        id=CampaignId(uuid.UUID(int=30_001)),
        name="Kış",
        channel=Channel.SMS,
        body="Merhaba",
        segment_id=segment.id,
        created_by=staff[0],
        created_at=org.at,
    )
    members = [
        CampaignRecipient(campaign_id=campaign.id, company_id=c.id, status=RecipientStatus.SKIPPED_NO_ADDRESS)
        for c in org.companies
    ]
    with storage.unit_of_work() as uow:
        uow.interactions.add_many(interactions)
        for appointment in appointments:
            uow.appointments.add(appointment)
        uow.marketing.add_segment(segment)
        uow.marketing.add_campaign(campaign, members)
        uow.commit()
    return interactions, appointments, campaign.id


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=organisations())
def test_a8_interactions_agenda_and_recipients_return_exactly_what_decide_view_allows(
    empty: Storage, org: Organisation
) -> None:
    storage = fresh(empty)
    org.store(storage)
    interactions, appointments, campaign = _seed(storage, org)
    clock = FixedClock(org.at)
    ids = SequentialIds()
    crm = crmkit.connect(
        storage,
        sms=ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids),
        email=ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids),
        clock=clock,
        ids=ids,
        settings=Settings(regional_access=org.switch),
        load_entrypoints=False,
    )
    facts = {c.id: org.facts(c, org.at) for c in org.companies}  # T4: the code valid at ``at``
    for employee in org.employees:
        _check(crm, org, employee, facts, interactions, appointments, campaign)


def _check(
    crm: crmkit.Crm,
    org: Organisation,
    employee: Employee,
    facts: dict[CompanyId, CompanyFacts],
    interactions: list[Interaction],
    appointments: list[Appointment],
    campaign: CampaignId,
) -> None:
    """Every read of ``employee`` agrees with the pure policy (A1–A8)."""
    actor = org.actor(employee)
    who = employee.id
    if not employee.can_act(org.at):  # A5: nothing at all
        with pytest.raises(PermissionDenied):
            crm.interactions.visible(actor=who)
        with pytest.raises(PermissionDenied):
            crm.marketing.recipients(actor=who, campaign=campaign)
        return

    def sees(resource: Resource) -> bool:
        return bool(decide(actor, Action.VIEW, resource, org.at))

    expected = {
        i.id
        for i in interactions
        if sees(InteractionResource(company=facts[i.company_id], owner_id=i.owner_id))
    }
    assert {i.id for i in crm.interactions.visible(actor=who, limit=1000).items} == expected
    for item in interactions:
        assert _allowed(partial(crm.interactions.get, actor=who, id=item.id)) is (item.id in expected)
    for company in org.companies:
        reach = sees(InteractionResource(company=facts[company.id], owner_id=who))
        assert _allowed(partial(crm.interactions.for_company, actor=who, company=company.id)) is reach
        if reach:
            page = crm.interactions.for_company(actor=who, company=company.id, limit=1000)
            assert {i.id for i in page.items} == {
                i.id for i in interactions if i.company_id == company.id
            } & expected
    for appointment in appointments:
        allowed = sees(
            AgendaResource(created_by=appointment.created_by, company=facts[appointment.company_id])
        )
        assert _allowed(partial(crm.agenda.appointment, actor=who, id=appointment.id)) is allowed
    seen_companies = {cid for cid, f in facts.items() if sees(CompanyResource(company=f))}
    assert {r.company_id for r in crm.marketing.recipients(actor=who, campaign=campaign)} == seen_companies
