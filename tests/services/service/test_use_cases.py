"""``crm.service`` on every back end: contracts, the ledger, cases, service levels, planning, search (S1–S8).

The office of ``tests/services/interactions/conftest.py``: the A1 switch is on, the
employee Zeynep sees the M-01 companies only; NOW is Monday 2026-03-02 09:00 UTC
(12:00 in Istanbul). ``crm.service`` counts in Istanbul office hours (Mon–Fri
09:00–18:00) with Turkey's holidays.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crmkit.domain.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from crmkit.domain.money import Money
from crmkit.domain.periods import Period
from crmkit.domain.workflow import IllegalTransition
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

IST = ZoneInfo("Europe/Istanbul")
PRICE = Money("24000.00", "TRY")


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Office]:
    yield build_office(storage, clock, ids)


def ist(*args: int) -> datetime:
    year, month, day, hour, minute = args
    return datetime(year, month, day, hour, minute, tzinfo=IST)


def test_work_is_charged_to_the_contract_and_remaining_is_known(office: Office) -> None:
    s, admin, zeynep = office.crm.service, office.people["admin"].id, office.people["employee"].id
    customer = office.companies["m01"]
    contract = s.create_contract(
        actor=admin,
        company=customer.id,
        title="Bakım 2026",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=PRICE,
        allowance_hours=Decimal("2.5"),
        allowance_visits=1,
    )
    call = s.log_work(actor=zeynep, company=customer.id, kind="call", at=ist(2026, 3, 2, 10, 0), minutes=30)
    visit = s.log_work(
        actor=zeynep,
        company=customer.id,
        kind="visit",
        at=ist(2026, 3, 3, 10, 0),
        hours="1.5",
        km="42.5",
        vehicle="34 SRV 01",
    )
    assert call.contract_id == visit.contract_id == contract.id
    assert (visit.overage_minutes, visit.overage_visits) == (0, 0)
    over = s.log_work(actor=zeynep, company=customer.id, kind="visit", at=ist(2026, 3, 4, 10, 0), hours=1)
    assert (over.overage_minutes, over.overage_visits) == (30, 1)  # allowed, flagged billable (S3)
    balance = s.balance(actor=zeynep, contract=contract.id)
    assert (balance.remaining_minutes, balance.remaining_hours, balance.remaining_visits) == (
        -30,
        Decimal("-0.50"),
        -1,
    )
    fix = s.correct_work(actor=zeynep, entry=over.id, minutes=30)
    assert (fix.minutes, fix.corrects) == (-30, over.id)
    assert s.balance(actor=zeynep, contract=contract.id).remaining_minutes == 0
    assert [b.remaining_minutes for b in s.balances(actor=admin, company=customer.id)] == [0]


def test_renewal_starts_a_new_allowance_and_carries_over_only_when_agreed(office: Office) -> None:
    s, admin = office.crm.service, office.people["admin"].id
    customer = office.companies["m01"]
    keep = s.create_contract(
        actor=admin,
        company=customer.id,
        title="Devreden",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        price=PRICE,
        allowance_hours=10,
        carry_over=True,
        product="Kompresör",
    )
    lose = s.create_contract(
        actor=admin,
        company=customer.id,
        title="Devretmeyen",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        price=PRICE,
        allowance_hours=10,
        product="Pompa",
    )
    for _contract, product in ((keep, "Kompresör"), (lose, "Pompa")):
        s.log_work(
            actor=admin,
            company=customer.id,
            kind="back_office",
            at=ist(2025, 6, 2, 10, 0),
            hours=4,
            product=product,
        )
    kept = s.renew_contract(
        actor=admin, contract=keep.id, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    lost = s.renew_contract(
        actor=admin, contract=lose.id, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    assert (kept.carried_minutes, kept.renewed_from) == (360, keep.id)
    assert lost.carried_minutes == 0
    assert s.balance(actor=admin, contract=kept.id).remaining_minutes == 600 + 360
    assert s.balance(actor=admin, contract=lost.id).remaining_minutes == 600
    pumps = s.balances(actor=admin, company=customer.id, product="Pompa")
    assert [b.remaining_minutes for b in pumps] == [360, 600]
    with pytest.raises(ValidationError) as caught:
        s.renew_contract(actor=admin, contract=kept.id, starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31))
    assert caught.value.field == "starts_on"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes": -5}, "minutes"),
        ({"hours": "-1"}, "hours"),
        ({"minutes": 10, "km": "-3"}, "km"),
        ({"minutes": 10, "hours": 1}, "minutes"),
        ({"hours": "0.001"}, "hours"),
        ({"minutes": 10, "at": datetime(2026, 3, 2, 10, 0)}, "at"),
        ({"minutes": 10, "at": datetime(2027, 3, 2, 10, 0, tzinfo=UTC)}, "contract"),
        ({"minutes": 10, "kind": "lunch"}, "kind"),
    ],
)
def test_bad_work_is_refused_naming_the_field_and_nothing_is_stored(
    office: Office, change: dict[str, object], field: str
) -> None:
    s, admin = office.crm.service, office.people["admin"].id
    customer = office.companies["m01"]
    contract = s.create_contract(
        actor=admin,
        company=customer.id,
        title="Bakım",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=PRICE,
        allowance_hours=10,
    )
    args: dict[str, object] = {"kind": "call", "at": ist(2026, 3, 2, 10, 0)}
    args.update(change)
    with pytest.raises(ValidationError) as caught:
        s.log_work(actor=admin, company=customer.id, **args)  # type: ignore[arg-type]  # bad input on purpose
    assert caught.value.field == field
    assert s.balance(actor=admin, contract=contract.id).used_minutes == 0
    assert s.work_for_contract(actor=admin, contract=contract.id) == []


def test_bad_contracts_and_bookings_are_refused_naming_the_field(office: Office) -> None:
    s, admin = office.crm.service, office.people["admin"].id
    customer = office.companies["m01"]
    base = {"actor": admin, "company": customer.id, "title": "X", "price": PRICE}
    with pytest.raises(ValidationError) as caught:
        s.create_contract(**base, starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 1), allowance_hours=1)  # type: ignore[arg-type]
    assert caught.value.field == "ends_on"
    with pytest.raises(ValidationError) as caught:
        s.create_contract(**base, starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1), allowance_hours=-1)  # type: ignore[arg-type]
    assert caught.value.field == "allowance_hours"
    with pytest.raises(ValidationError) as caught:
        s.create_contract(**base, starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1))  # type: ignore[arg-type]
    assert caught.value.field == "allowance"
    assert s.contracts(actor=admin, company=customer.id) == []
    start = ist(2026, 3, 3, 9, 0)
    with pytest.raises(ValidationError) as caught:
        s.book(actor=admin, starts_at=start, ends_at=start - timedelta(hours=1), vehicle="34 SRV 01")
    assert caught.value.field == "ends_at"


def test_cases_move_on_the_workflow_close_with_a_resolution_and_reopen(office: Office) -> None:
    s, zeynep = office.crm.service, office.people["employee"].id
    customer = office.companies["m01"]
    case = s.open_case(actor=zeynep, company=customer.id, channel="portal", reason="Kompresör ses yapıyor")
    assert (case.stage, case.technician_id, case.closed_at) == ("new", None, None)
    with pytest.raises(ValidationError) as caught:
        s.close_case(actor=zeynep, case=case.id, resolution="  ")
    assert caught.value.field == "resolution"
    assert s.get_case(actor=zeynep, case=case.id).closed_at is None
    moved = s.move_case(actor=zeynep, case=case.id, stage="in_progress")
    with pytest.raises(IllegalTransition):
        s.move_case(actor=zeynep, case=case.id, stage="new")
    office.clock.advance(timedelta(hours=1))
    closed = s.close_case(actor=zeynep, case=case.id, resolution="Rulman değişti")
    assert (closed.stage, closed.closed_at, closed.first_response_at) == (
        "resolved",
        office.clock.now(),
        moved.first_response_at,
    )
    reopened = s.reopen_case(actor=zeynep, case=case.id)
    assert (reopened.stage, reopened.closed_at, reopened.reopen_count) == ("new", None, 1)
    with pytest.raises(RuleViolation):
        s.reopen_case(actor=zeynep, case=case.id)


def test_cases_follow_the_access_policy(office: Office) -> None:
    s, zeynep, can, admin = (
        office.crm.service,
        office.people["employee"].id,
        office.people["colleague"].id,
        office.people["admin"].id,
    )
    with pytest.raises(PermissionDenied):  # A1: A-01 is not Zeynep's region
        s.open_case(actor=zeynep, company=office.companies["a01"].id, channel="call", reason="Arıza")
    mine = s.open_case(actor=zeynep, company=office.companies["m01"].id, channel="call", reason="Arıza")
    with pytest.raises(PermissionDenied):  # A3: an employee changes only the cases he holds
        s.move_case(actor=can, case=mine.id, stage="in_progress")
    assert [c.id for c in s.cases(actor=can)] == [mine.id]  # but sees them (A8)
    other = s.open_case(actor=admin, company=office.companies["a01"].id, channel="email", reason="Fatura")
    assert {c.id for c in s.cases(actor=admin)} == {mine.id, other.id}
    assert [c.id for c in s.cases(actor=zeynep)] == [mine.id]
    with pytest.raises(PermissionDenied):
        s.get_case(actor=zeynep, case=other.id)
    with pytest.raises(PermissionDenied):  # A5
        s.cases(actor=office.people["departed"].id)


def test_unattended_cases_in_working_hours(office: Office) -> None:
    s, admin, zeynep = office.crm.service, office.people["admin"].id, office.people["employee"].id
    customer = office.companies["m01"].id
    orphan = s.open_case(actor=admin, company=customer, channel="call", reason="Kimse bakmadı")
    held = s.open_case(actor=admin, company=customer, channel="call", reason="Bakılıyor")
    s.assign_case(actor=admin, case=held.id, technician=zeynep)
    assert [c.id for c in s.unattended(actor=admin, idle_hours=8)] == [orphan.id]
    # Monday 12:00 Istanbul + 8 working hours (6 on Monday, 2 on Tuesday) = Tuesday 11:00: idle from then on.
    office.clock.set(ist(2026, 3, 3, 11, 0).astimezone(UTC))
    assert [c.id for c in s.unattended(actor=admin, idle_hours=8)] == [orphan.id]
    office.clock.set(ist(2026, 3, 3, 11, 1).astimezone(UTC))
    assert [c.id for c in s.unattended(actor=admin, idle_hours=8)] == [orphan.id, held.id]
    with pytest.raises(ValidationError):
        s.unattended(actor=admin, idle_hours=-1)


def test_sla_pauses_only_the_working_time_waiting_on_the_customer(office: Office) -> None:
    s, admin = office.crm.service, office.people["admin"].id
    customer = office.companies["m01"].id
    office.clock.set(ist(2026, 3, 6, 16, 0).astimezone(UTC))  # Friday 16:00
    case = s.open_case(actor=admin, company=customer, channel="call", reason="Acil", priority="urgent")
    sla = s.case_sla(actor=admin, case=case.id)
    assert sla.resolution.due == ist(2026, 3, 9, 11, 0)  # 4 working hours: Fri 16-18, Mon 9-11
    office.clock.set(ist(2026, 3, 6, 18, 30).astimezone(UTC))
    s.move_case(actor=admin, case=case.id, stage="waiting_customer")  # after hours: moves nothing
    office.clock.set(ist(2026, 3, 9, 10, 0).astimezone(UTC))
    paused = s.case_sla(actor=admin, case=case.id)
    assert paused.resolution.paused
    assert paused.resolution.due == ist(2026, 3, 9, 12, 0)  # Monday 9-10 paused: one working hour later
    s.move_case(actor=admin, case=case.id, stage="in_progress")
    office.clock.set(ist(2026, 3, 9, 12, 1).astimezone(UTC))
    late = s.case_sla(actor=admin, case=case.id)
    assert late.resolution.due == ist(2026, 3, 9, 12, 0)
    assert late.resolution.breached and late.resolution.time_left == timedelta(minutes=-1)
    assert late.first_response.done_at == ist(2026, 3, 6, 18, 30)
    # the first response (the move at 18:30) came after Fri 16-18 = 2 working hours: 1 hour over the target
    assert late.first_response.due == ist(2026, 3, 6, 17, 0)
    assert late.first_response.breached and late.first_response.time_left == timedelta(hours=-1)


def test_planning_refuses_double_bookings(office: Office) -> None:
    s, zeynep, can = office.crm.service, office.people["employee"].id, office.people["colleague"].id
    start = ist(2026, 3, 3, 9, 0)
    first = s.book(
        actor=zeynep,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        technician=zeynep,
        vehicle="34 SRV 01",
    )
    with pytest.raises(RuleViolation) as caught:
        s.book(
            actor=can,
            starts_at=start + timedelta(hours=2),
            ends_at=start + timedelta(hours=4),
            vehicle="34 SRV 01",
        )
    assert caught.value.rule == "S6"
    s.book(
        actor=can,
        starts_at=start + timedelta(hours=3),
        ends_at=start + timedelta(hours=4),
        vehicle="34 SRV 01",
    )
    day = s.plan(actor=can, period=Period.day(date(2026, 3, 3)))
    assert [b.starts_at for b in day] == [start, start + timedelta(hours=3)]
    assert s.plan(actor=can, period=Period.day(date(2026, 3, 3)), technician=zeynep) == [first]
    with pytest.raises(PermissionDenied):  # A4: only the creator cancels
        s.cancel_booking(actor=can, booking=first.id)
    s.cancel_booking(actor=zeynep, booking=first.id)
    assert len(s.plan(actor=can, period=Period.month(2026, 3))) == 1


def test_knowledge_base_search_and_service_history(office: Office) -> None:
    s, admin, zeynep = office.crm.service, office.people["admin"].id, office.people["employee"].id
    article = s.write_article(
        actor=zeynep,
        title="Isı pompası basınç hatası",
        body="Filtreyi temizleyin.",
        keywords=["ISI", "pompa"],
    )
    s.write_article(actor=zeynep, title="Fatura itirazı", body="Muhasebeye iletin.")
    hits = s.search_articles(actor=admin, query="ısı pompası")
    assert [(a.id, score) for a, score in hits] == [(article.id, 5)]
    with pytest.raises(PermissionDenied):
        s.edit_article(actor=office.people["colleague"].id, article=article.id, title="Başka")
    edited = s.edit_article(actor=admin, article=article.id, keywords=["kompresör"])
    assert s.search_articles(actor=admin, query="KOMPRESÖR")[0][0] == edited
    with pytest.raises(NotFound):
        s.get_article(actor=admin, article="00000000-0000-4000-8000-00000000ffff")
    customer = office.companies["m01"].id
    contract = s.create_contract(
        actor=admin,
        company=customer,
        title="Bakım",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        price=PRICE,
        allowance_visits=4,
    )
    case = s.open_case(actor=admin, company=customer, channel="call", reason="Arıza")
    s.record_invoice(actor=admin, case=case.id, invoice_ref="GIB2026000000123")
    history = s.service_history(actor=zeynep, company=customer)
    assert [(row.case.id, row.contract, row.invoice_ref) for row in history] == [
        (case.id, contract, "GIB2026000000123")
    ]
    with pytest.raises(ValidationError) as caught:
        s.record_invoice(actor=admin, case=case.id, invoice_ref=" ")
    assert caught.value.field == "invoice_ref"
