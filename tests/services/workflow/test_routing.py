"""I4: route an interaction to a team, turn it into a task, convert it into an opportunity; each link
readable from both sides, through the policy (A3, A8); bad input stores nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office
from tests.services.workflow.test_opportunities import FUNNEL


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    built.crm.opportunities.define_funnel(actor=built.people["admin"].id, definition=FUNNEL)
    return built


def test_routing_a_task_and_an_opportunity_link_both_ways(office: Office) -> None:
    crm, rep, colleague = office.crm, office.people["employee"], office.people["colleague"]
    m01 = office.companies["m01"].id
    with crm.storage.unit_of_work() as uow:
        team = uow.memberships.for_employee(rep.id)[0].team_id
    item = crm.interactions.create(
        actor=rep.id, company=m01, channel="web_form", category="Talep", subject="Katalog"
    )
    other = crm.interactions.create(
        actor=rep.id, company=m01, channel="phone", category="Talep", subject="Başka"
    )
    routed = crm.interactions.route(actor=rep.id, id=item.id, team=team, version=item.version)
    assert routed.owner_team_id == team
    assert [i.id for i in crm.interactions.for_team(actor=rep.id, team=team).items] == [item.id]
    due = office.clock.now() + timedelta(hours=2)
    task = crm.interactions.to_task(actor=rep.id, id=item.id, due_at=due, assignee=colleague.id)
    assert (task.interaction_id, task.assignee_id, task.text, task.created_by) == (
        item.id,
        colleague.id,
        "Katalog",
        rep.id,
    )
    assert crm.interactions.get(actor=rep.id, id=item.id).task_id == task.id
    assert [r.id for r in crm.tasks.daily(actor=colleague.id, day=due.date()).reminders] == [task.id]
    opp = crm.opportunities.convert(actor=rep.id, interaction=item.id)
    stored = crm.interactions.get(actor=rep.id, id=item.id)
    assert (stored.opportunity_id, stored.task_id, opp.interaction_id, opp.owner_team_id) == (
        opp.id,
        task.id,
        item.id,
        team,
    )
    assert crm.interactions.get(actor=rep.id, id=other.id).task_id is None


def test_bad_routing_stores_nothing(office: Office) -> None:
    crm, rep, colleague = office.crm, office.people["employee"], office.people["colleague"]
    m01 = office.companies["m01"].id
    item = crm.interactions.create(
        actor=rep.id, company=m01, channel="phone", category="Talep", subject="Fiyat"
    )
    with pytest.raises(ValidationError) as caught:
        crm.interactions.route(actor=rep.id, id=item.id, team=item.id)  # not a team
    assert caught.value.field == "team"
    with pytest.raises(ValidationError) as caught:
        crm.interactions.to_task(actor=rep.id, id=item.id, due_at=datetime(2026, 3, 3, 9))
    assert caught.value.field == "due_at"
    with pytest.raises(ValidationError) as caught:
        crm.interactions.to_task(
            actor=rep.id, id=item.id, due_at=office.clock.now(), assignee=office.people["departed"].id
        )
    assert caught.value.field == "assignee"
    with pytest.raises(PermissionDenied):  # A3: a colleague does not change Zeynep's interaction
        crm.interactions.to_task(actor=colleague.id, id=item.id, due_at=office.clock.now())
    with pytest.raises(PermissionDenied):
        crm.opportunities.convert(actor=colleague.id, interaction=item.id)
    stored = crm.interactions.get(actor=rep.id, id=item.id)
    assert (stored.version, stored.task_id, stored.opportunity_id, stored.owner_team_id) == (
        1,
        None,
        None,
        None,
    )
    assert crm.opportunities.visible(actor=rep.id) == []
    crm.interactions.to_task(actor=rep.id, id=item.id, due_at=office.clock.now())
    with pytest.raises(ValidationError) as caught:
        crm.interactions.to_task(actor=rep.id, id=item.id, due_at=office.clock.now())
    assert caught.value.field == "interaction"
