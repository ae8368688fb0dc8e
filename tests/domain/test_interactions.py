"""The interaction, appointment and reminder values (I1, I3, I6, I7) and the agenda's reach (A4–A6), pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.access import Action, Actor, AgendaResource, decide, reachable
from crmkit.domain.employees import EmployeeStatus, Position
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.interactions import (
    MAX_APPOINTMENT_MINUTES,
    Appointment,
    AppointmentId,
    Interaction,
    InteractionChannel,
    InteractionId,
    Reminder,
    ReminderId,
    double_bookings,
)
from crmkit.domain.predicates import CompanyFacts, matches
from crmkit.testing.factories import make_employee

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REP = EmployeeId(uuid.uuid4())


def interaction(**kw: Any) -> Interaction:
    fields: dict[str, Any] = {
        "id": InteractionId(uuid.uuid4()),
        "company_id": CompanyId(uuid.uuid4()),
        "channel": "portal",
        "category": "Destek",
        "subject": "Şifre sıfırlama",
        "created_by": REP,
        "owner_id": REP,
        "created_at": T0,
    }
    return Interaction(**(fields | kw))


def appointment(start: datetime, minutes: int, assignee: EmployeeId = REP) -> Appointment:
    return Appointment(
        id=AppointmentId(uuid.uuid4()),
        company_id=CompanyId(uuid.uuid4()),
        starts_at=start,
        minutes=minutes,
        description="Ziyaret",
        created_by=REP,
        assignee_id=assignee,
        created_at=T0,
    )


def test_i1_the_channel_is_one_of_six_and_converted_from_text() -> None:
    assert {c.value for c in InteractionChannel} == {
        "email", "face_to_face", "phone", "web_form", "portal", "call_centre",
    }  # fmt: skip
    assert interaction().channel is InteractionChannel.PORTAL
    with pytest.raises(ValidationError) as raised:
        interaction(channel="telex")
    assert raised.value.field == "channel"


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("subject", {"subject": " "}),
        ("category", {"category": "k" * 201}),
        ("created_at", {"created_at": datetime(2026, 3, 2, 9, 0)}),
        ("first_response_at", {"first_response_at": T0 - timedelta(seconds=1)}),
        ("resolved_at", {"resolved_at": T0 - timedelta(seconds=1)}),
        (
            "resolved_at",
            {"first_response_at": T0 + timedelta(hours=2), "resolved_at": T0 + timedelta(hours=1)},
        ),
        ("first_response_at", {"first_response_at": "yarın"}),
    ],
)
def test_i3_fields_and_response_times_are_checked_naming_the_field(
    field: str, change: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as raised:
        interaction(**change)
    assert raised.value.field == field


def test_i3_times_in_order_are_accepted_resolution_without_a_response_too() -> None:
    answered = interaction(first_response_at=T0, resolved_at=T0 + timedelta(days=2))
    assert answered.resolved_at == T0 + timedelta(days=2)
    assert interaction(resolved_at=T0).first_response_at is None


@pytest.mark.parametrize("minutes", [0, -5, MAX_APPOINTMENT_MINUTES + 1])
def test_i6_an_appointment_lasts_a_positive_bounded_time(minutes: int) -> None:
    with pytest.raises(ValidationError) as raised:
        appointment(T0, minutes)
    assert raised.value.field == "minutes"
    assert appointment(T0, MAX_APPOINTMENT_MINUTES).ends_at == T0 + timedelta(days=1)


@given(
    a=st.tuples(st.integers(0, 600), st.integers(1, 240)),
    b=st.tuples(st.integers(0, 600), st.integers(1, 240)),
    same=st.booleans(),
)
def test_i6_double_booking_is_a_shared_instant_of_one_assignee(
    a: tuple[int, int], b: tuple[int, int], same: bool
) -> None:
    first = appointment(T0 + timedelta(minutes=a[0]), a[1])
    other = appointment(T0 + timedelta(minutes=b[0]), b[1], REP if same else EmployeeId(uuid.uuid4()))
    minutes_a = set(range(a[0], a[0] + a[1]))
    minutes_b = set(range(b[0], b[0] + b[1]))
    expected = same and bool(minutes_a & minutes_b)
    assert first.overlaps(other) == other.overlaps(first) == expected
    assert [w.other_id for w in double_bookings(first, [other, first])] == ([other.id] if expected else [])


def test_i7_a_reminder_needs_an_aware_time_and_text() -> None:
    with pytest.raises(ValidationError) as raised:
        Reminder(
            id=ReminderId(uuid.uuid4()), due_at=T0, text="", created_by=REP, assignee_id=REP, created_at=T0
        )
    assert raised.value.field == "text"
    with pytest.raises(ValidationError) as raised:
        Reminder(
            id=ReminderId(uuid.uuid4()),
            due_at=datetime(2026, 3, 2),
            text="Ara",
            created_by=REP,
            assignee_id=REP,
            created_at=T0,
        )
    assert raised.value.field == "due_at"
    written = Reminder(
        id=ReminderId(uuid.uuid4()), due_at=T0, text="Ara", created_by=REP, assignee_id=REP, created_at=T0
    )
    with pytest.raises(ValidationError) as raised:
        attrs.evolve(written, done="evet")  # type: ignore[arg-type]  # bad input on purpose
    assert raised.value.field == "done"


@pytest.mark.parametrize("position", list(Position))
@pytest.mark.parametrize("kind", ["plain", "dealer", "departed"])
def test_a4_a5_a6_reachable_agrees_with_deciding_on_an_agenda_item(position: Position, kind: str) -> None:
    firm = CompanyId(uuid.uuid4())
    extra: dict[str, Any] = {}
    if kind == "dealer":
        extra["firm_id"] = firm
    if kind == "departed":
        extra |= {
            "status": EmployeeStatus.RESIGNED,
            "exit_at": T0 - timedelta(days=1),
            "exit_reason": "Ayrıldı",
        }
    employee = make_employee(position=position, hired_at=T0 - timedelta(days=400), **extra)
    actor = Actor(employee=employee, regional_access=True)  # A1 on, no teams: the agenda ignores A1 (A4)
    inside = CompanyFacts(id=CompanyId(uuid.uuid4()), code=None, lineage=frozenset({firm}))
    outside = CompanyFacts(id=CompanyId(uuid.uuid4()), code="M-01")
    for facts in (inside, outside):
        item = AgendaResource(created_by=employee.id, company=facts)
        seen = decide(actor, Action.VIEW, item, T0)
        assert seen.allowed == matches(reachable(actor, T0), facts), seen.reason
        assert decide(actor, Action.UPDATE, attrs.evolve(item, created_by=REP), T0).allowed is False
    expected = {"plain": (True, True), "dealer": (True, False), "departed": (False, False)}[kind]
    assert (matches(reachable(actor, T0), inside), matches(reachable(actor, T0), outside)) == expected
