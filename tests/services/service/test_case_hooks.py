"""Entering a case stage notifies people through the outbox, as an interaction's stage does (S2; I2).

The case workflow is data (``crm.workflow.define`` under the key ``service_case``);
its hooks name ``owner`` (who holds the case: its technician, else who opened it),
``creator`` (who opened it) or employee ids. On every back end.
"""

from __future__ import annotations

from typing import Any

import pytest

from crmkit.domain.messaging import OutboxMessage
from crmkit.domain.workflow import IllegalTransition
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    admin = built.people["admin"].id
    hire = built.crm.parties.hire
    built.people["rep"] = hire(
        actor=admin, name="Selin Aksoy", position="admin_manager", email="selin@example.com.tr"
    )
    built.people["tech"] = hire(
        actor=admin, name="Kerem Usta", position="employee", email="kerem@example.com.tr"
    )
    flow: dict[str, Any] = {
        "key": "service_case",
        "initial": "new",
        "stages": [
            {"name": "new"},
            {"name": "in_progress"},
            {"name": "waiting_customer", "pauses_clock": True},
            {"name": "resolved", "kind": "closed"},
        ],
        "transitions": {
            "new": ["in_progress", "resolved"],
            "in_progress": ["waiting_customer", "resolved"],
            "waiting_customer": ["in_progress"],
        },
        "hooks": [
            {"stage": "new", "notify": ["creator"], "subject": "Yeni servis talebi"},
            {"stage": "waiting_customer", "notify": [str(built.people["employee"].id)]},  # no address
            {"stage": "resolved", "notify": ["owner", "creator"], "subject": "Servis talebi çözüldü"},
        ],
    }
    built.crm.workflow.define(actor=admin, definition=flow)
    return built


def outbox(office: Office) -> list[OutboxMessage]:
    with office.crm.storage.unit_of_work() as uow:
        return sorted(uow.outbox.list(limit=1000), key=lambda m: (m.created_at, m.recipient))


def test_s2_i2_opening_and_closing_a_case_e_mail_the_people_its_stage_hooks_name(office: Office) -> None:
    s = office.crm.service
    rep, tech = office.people["rep"], office.people["tech"]
    case = s.open_case(
        actor=rep.id, company=office.companies["m01"].id, channel="call", reason="Kompresör arızası"
    )
    assert [(m.recipient, m.subject) for m in outbox(office)] == [
        ("selin@example.com.tr", "Yeni servis talebi — Kadıköy Eczanesi")
    ]
    case = s.assign_case(actor=rep.id, case=case.id, technician=tech.id)
    case = s.move_case(actor=rep.id, case=case.id, stage="in_progress")
    assert len(outbox(office)) == 1  # entering in_progress has no hook
    s.move_case(actor=rep.id, case=case.id, stage="waiting_customer")
    assert len(outbox(office)) == 1  # the named employee has no e-mail address: skipped
    s.move_case(actor=rep.id, case=case.id, stage="in_progress")
    closed = s.close_case(actor=rep.id, case=case.id, resolution="Kompresör değişti")
    resolved = [m for m in outbox(office) if m.subject.startswith("Servis talebi çözüldü")]
    assert sorted(m.recipient for m in resolved) == ["kerem@example.com.tr", "selin@example.com.tr"]
    assert all("Kompresör değişti" in m.body and "resolved" in m.body for m in resolved)
    reopened = s.reopen_case(actor=rep.id, case=closed.id)  # entering "new" again: its hook fires again
    assert [m.subject for m in outbox(office)].count("Yeni servis talebi — Kadıköy Eczanesi") == 2
    assert reopened.stage == "new"


def test_i2_a_refused_move_queues_nothing(office: Office) -> None:
    s, rep = office.crm.service, office.people["rep"]
    case = s.open_case(actor=rep.id, company=office.companies["m01"].id, channel="call", reason="Arıza")
    before = len(outbox(office))
    with pytest.raises(IllegalTransition):
        s.move_case(actor=rep.id, case=case.id, stage="waiting_customer")
    with pytest.raises(Exception, match="resolution"):
        s.move_case(actor=rep.id, case=case.id, stage="resolved")  # no resolution: nothing stored (S2)
    assert len(outbox(office)) == before
