"""C13 everywhere: an archived company takes no new record, whichever namespace writes it (memory, SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from crmkit import ContactInput
from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.errors import RuleViolation
from crmkit.domain.money import Money
from crmkit.domain.points import Program
from tests.services.conftest import World

TEMPLATE = "<p>Sayın {{ contact.name }}</p>"


def _local_only(world: World) -> None:
    storage = world.crm.storage
    if not (
        isinstance(storage, MemoryStorage) or (isinstance(storage, SqlStorage) and "sqlite" in storage.url)
    ):
        pytest.skip("a representative write per namespace runs on memory and SQLite")


def _stored(world: World) -> tuple[int, ...]:
    with world.crm.storage.unit_of_work() as uow:
        return (
            uow.interactions.count(),
            uow.appointments.count(),
            uow.outbox.count(),
            len(uow.audit.by_actor(str(world.admin.id), limit=100_000)),
        )


def test_c13_an_archived_company_takes_no_new_record_in_any_namespace(world: World) -> None:
    _local_only(world)
    crm, a = world.crm, world.admin.id
    now = world.clock.now()
    company = crm.parties.register_company(
        actor=a,
        name="Arşiv Eczanesi",
        type="customer",
        tax_no="9205121120",
        contact=ContactInput(name="Ayla Demir", email="ayla@ornek.com.tr"),
    )
    other = crm.parties.register_company(actor=a, name="Açık Eczane", type="customer")
    contact = crm.parties.contacts(actor=a, company=company.id)[0]
    kept = crm.agenda.create_appointment(
        actor=a, company=other.id, starts_at=now + timedelta(days=1), minutes=30, description="Ziyaret"
    )
    contract = crm.service.create_contract(
        actor=a,
        company=company.id,
        title="Bakım",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=Money("5000", "TRY"),
        allowance_hours=20,
    )
    template = crm.dispatch.upload_template(actor=a, kind="offer", name="teklif.html", source=TEMPLATE)
    crm.points.define_program(actor=a, program=Program(code="P", name="P"))
    archived = crm.parties.archive_company(actor=a, company=company.id)
    assert archived.is_archived
    before = _stored(world)

    writes: dict[str, Callable[[], object]] = {
        "interactions": lambda: crm.interactions.create(
            actor=a, company=company.id, channel="phone", category="Sipariş", subject="Aradı"
        ),
        "agenda": lambda: crm.agenda.create_appointment(
            actor=a, company=company.id, starts_at=now + timedelta(days=2), minutes=30, description="Ziyaret"
        ),
        "agenda (moved)": lambda: crm.agenda.update_appointment(
            actor=a, id=kept.appointment.id, company=company.id
        ),
        "meetings": lambda: crm.meetings.record(actor=a, company=company.id, held_at=now, outcome="informed"),
        "samples": lambda: crm.samples.send(actor=a, company=company.id, product="Krem"),
        "service contracts": lambda: crm.service.create_contract(
            actor=a,
            company=company.id,
            title="Yeni",
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            price=Money("1", "TRY"),
        ),
        "service renewals": lambda: crm.service.renew_contract(
            actor=a, contract=contract.id, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31)
        ),
        "service work": lambda: crm.service.log_work(
            actor=a, company=company.id, kind="call", at=now, minutes=10
        ),
        "service cases": lambda: crm.service.open_case(
            actor=a, company=company.id, channel="call", reason="Arıza"
        ),
        "dispatch": lambda: crm.dispatch.send(actor=a, template=template.id, contact=contact.id),
        "points": lambda: crm.points.adjust(
            actor=a,
            program="P",
            role="customer",
            party="9205121120",
            points=5,
            reason="düzeltme",
            on=now.date(),
        ),
        "parties": lambda: crm.parties.add_contact(actor=a, company=company.id, name="Can Öz"),
    }
    for namespace, write in writes.items():
        with pytest.raises(RuleViolation) as refused:
            write()
        assert refused.value.rule == "C13", namespace
    assert _stored(world) == before  # nothing was written by any of them

    everyone = crm.marketing.save_segment(actor=a, name="Herkes", filter={})
    campaign = crm.marketing.send_campaign(
        actor=a, name="Kış", segment=everyone.id, channel="email", subject="Kış", body="x"
    )
    assert company.id not in {r.company_id for r in crm.marketing.recipients(actor=a, campaign=campaign.id)}

    crm.parties.restore_company(actor=a, company=company.id)  # restored, it takes records again
    for namespace in ("interactions", "samples", "service cases", "points"):
        writes[namespace]()
