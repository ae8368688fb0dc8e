"""crm.workflow on every back end: define, start, move, stage e-mails, pick-lists (I2, I3, C9, A3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.messaging import OutboxMessage
from crmkit.domain.workflow import IllegalTransition
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

COMPLAINT: dict[str, Any] = {
    "key": "şikayet",
    "initial": "yeni",
    "stages": [
        {"name": "yeni"},
        {"name": "inceleniyor"},
        {"name": "çözüldü", "kind": "closed"},
    ],
    "transitions": {"yeni": ["inceleniyor"], "inceleniyor": ["çözüldü", "yeni"]},
    "hooks": [
        {"stage": "yeni", "notify": ["owner"], "subject": "Yeni şikâyet"},
        {"stage": "çözüldü", "notify": ["owner", "creator", "team"], "subject": "Şikâyet çözüldü"},
    ],
}


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    admin = built.people["admin"]
    built.people["rep"] = built.crm.parties.hire(
        actor=admin.id, name="Selin Aksoy", position="admin_manager", email="selin@example.com.tr"
    )
    return built


def outbox(office: Office) -> list[OutboxMessage]:
    with office.crm.storage.unit_of_work() as uow:
        return sorted(uow.outbox.list(limit=1000), key=lambda m: (m.created_at, m.recipient))


def record(office: Office, category: str = "Şikayet", **kw: Any) -> Any:
    return office.crm.interactions.create(
        actor=office.people["rep"].id,
        company=office.companies["m01"].id,
        channel="phone",
        category=category,
        subject="Teslimat gecikti",
        **kw,
    )


def test_only_admins_define_and_each_store_is_the_next_version(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"]
    with pytest.raises(PermissionDenied, match="only admins define workflows"):
        crm.workflow.define(actor=office.people["manager"].id, definition=COMPLAINT)
    first = crm.workflow.define(actor=admin.id, definition=COMPLAINT)
    second = crm.workflow.define(actor=admin.id, definition={**COMPLAINT, "version": 7})
    assert (first.version, second.version) == (1, 2)
    assert crm.workflow.get(actor=office.people["employee"].id, key="şikayet") == second


def test_a_new_interaction_starts_in_the_initial_stage_and_notifies_the_owner(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"]
    crm.workflow.define(actor=admin.id, definition=COMPLAINT)
    item = record(office, category="şikayet")
    assert (item.stage, item.workflow_version) == ("yeni", 1)
    sent = outbox(office)
    assert [(m.recipient, m.subject) for m in sent] == [
        ("selin@example.com.tr", "Yeni şikâyet — Teslimat gecikti")
    ]
    plain = record(office, category="Sipariş")
    assert (plain.stage, plain.workflow_version) == (None, None)


def test_moves_follow_the_transitions_and_stamp_response_times(office: Office) -> None:
    crm, admin, rep = office.crm, office.people["admin"], office.people["rep"]
    crm.workflow.define(actor=admin.id, definition=COMPLAINT)
    item = record(office, category="şikayet")
    office.clock.advance(timedelta(hours=2))
    with pytest.raises(IllegalTransition) as caught:
        crm.workflow.move(actor=rep.id, interaction=item.id, to_stage="çözüldü")
    assert (caught.value.from_stage, caught.value.allowed) == ("yeni", ("inceleniyor",))
    assert crm.interactions.get(actor=rep.id, id=item.id) == item  # nothing written
    moved = crm.workflow.move(actor=rep.id, interaction=item.id, to_stage="inceleniyor").interaction
    assert moved.first_response_at == office.clock.now() and moved.resolved_at is None
    office.clock.advance(timedelta(hours=1))
    done = crm.workflow.move(actor=rep.id, interaction=item.id, to_stage="çözüldü", version=moved.version)
    assert done.interaction.resolved_at == office.clock.now()
    assert done.interaction.first_response_at == moved.first_response_at
    assert done.notified == (rep.id,)  # owner and creator are one person, the team is unset


def test_a_move_to_an_unknown_stage_is_bad_input_and_writes_nothing(office: Office) -> None:
    crm, admin, rep = office.crm, office.people["admin"], office.people["rep"]
    crm.workflow.define(actor=admin.id, definition=COMPLAINT)
    item = record(office, category="şikayet")
    before = len(outbox(office))
    with pytest.raises(ValidationError) as caught:
        crm.workflow.move(actor=rep.id, interaction=item.id, to_stage="kapandı")
    assert caught.value.field == "to_stage"
    assert crm.interactions.get(actor=rep.id, id=item.id).version == item.version
    assert len(outbox(office)) == before


def test_a_revision_does_not_strand_records_started_under_the_old_version(office: Office) -> None:
    crm, admin, rep = office.crm, office.people["admin"], office.people["rep"]
    crm.workflow.define(actor=admin.id, definition=COMPLAINT)
    old = record(office, category="şikayet")
    crm.workflow.define(actor=admin.id, definition={**COMPLAINT, "transitions": {"yeni": ["çözüldü"]}})
    new = record(office, category="şikayet")
    assert crm.workflow.move(actor=rep.id, interaction=old.id, to_stage="inceleniyor")
    assert crm.workflow.move(actor=rep.id, interaction=new.id, to_stage="çözüldü")
    with pytest.raises(IllegalTransition):
        crm.workflow.move(actor=rep.id, interaction=new.id, to_stage="inceleniyor")


def test_stage_hooks_mail_the_owner_team_but_not_departed_or_addressless_people(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"]
    mate = crm.parties.hire(actor=admin.id, name="Oya Tan", position="employee", email="oya@example.com.tr")
    team = crm.territory.add_team(
        actor=admin.id, name="Şikâyet Masası", region=crm.territory.add_region(actor=admin.id, name="X").id
    )
    for person in (mate, office.people["employee"], office.people["colleague"]):
        crm.territory.add_member(actor=admin.id, team=team.id, employee=person.id)
    crm.workflow.define(actor=admin.id, definition=COMPLAINT)
    item = record(office, category="şikayet", owner_team=team.id)
    rep = office.people["rep"]
    crm.workflow.move(actor=rep.id, interaction=item.id, to_stage="inceleniyor")
    result = crm.workflow.move(actor=rep.id, interaction=item.id, to_stage="çözüldü")
    assert result.notified == (rep.id, mate.id)
    resolved = [m.recipient for m in outbox(office) if m.subject.startswith("Şikâyet çözüldü")]
    assert resolved == ["oya@example.com.tr", "selin@example.com.tr"]


def test_an_employee_moves_only_his_own_interactions(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"]
    crm.workflow.define(actor=admin.id, definition=COMPLAINT)
    item = record(office, category="şikayet")
    with pytest.raises(PermissionDenied):
        crm.workflow.move(actor=office.people["employee"].id, interaction=item.id, to_stage="inceleniyor")
    with pytest.raises(ValidationError) as caught:
        crm.workflow.move(actor=office.people["rep"].id, interaction=record(office).id, to_stage="x")
    assert caught.value.field == "interaction"


def test_categories_titles_and_positions_are_checked_against_their_pick_lists(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"]
    crm.parties.set_parameters(actor=admin.id, name="interaction_categories", values=["Şikâyet", "Sipariş"])
    assert record(office, category="ŞİKÂYET").category == "Şikâyet"
    with pytest.raises(ValidationError) as caught:
        record(office, category="Dedikodu")
    assert caught.value.field == "category"
    with pytest.raises(ValidationError) as caught:
        crm.workflow.define(actor=admin.id, definition={**COMPLAINT, "key": "Dedikodu"})
    assert caught.value.field == "key"
    assert crm.workflow.define(actor=admin.id, definition={**COMPLAINT, "key": "şikâyet"}).key == "Şikâyet"
    item = record(office, category="sipariş")
    with pytest.raises(ValidationError):
        crm.interactions.update(actor=office.people["rep"].id, id=item.id, category="Dedikodu")


def test_contact_titles_and_position_types_are_checked_when_their_lists_are_set(office: Office) -> None:
    crm, admin = office.crm, office.people["admin"]
    company = office.companies["m01"].id
    free = crm.parties.add_contact(actor=admin.id, company=company, name="Ali Veli", title="Patron")
    assert free.title == "Patron"  # no list yet: free text
    crm.parties.set_parameters(
        actor=admin.id, name="contact_titles", values=["Genel Müdür", "Satın Alma Müdürü"]
    )
    crm.parties.set_parameters(actor=admin.id, name="contact_position_types", values=["Karar verici"])
    added = crm.parties.add_contact(
        actor=admin.id, company=company, name="Ayla Ak", title="genel müdür", position_type="KARAR VERİCİ"
    )
    assert (added.title, added.position_type) == ("Genel Müdür", "Karar verici")
    for field, kw in (
        ("contact.title", {"title": "Patron"}),
        ("contact.position_type", {"position_type": "X"}),
    ):
        with pytest.raises(ValidationError) as caught:
            crm.parties.add_contact(actor=admin.id, company=company, name="Can Er", **kw)
        assert caught.value.field == field
    with pytest.raises(ValidationError) as caught:
        crm.customers.update_contact(actor=admin.id, contact=added.id, title="Patron")
    assert caught.value.field == "title"
    changed = crm.customers.update_contact(actor=admin.id, contact=added.id, title="satın alma müdürü")
    assert changed.title == "Satın Alma Müdürü"
