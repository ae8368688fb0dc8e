"""The pieces every unit of work shares: the event buffer and audit entries (§9, C12)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import attrs

from crmkit.adapters.audit import audit_entry
from crmkit.adapters.events import EventBuffer
from crmkit.domain.audit import FieldChange
from crmkit.domain.events import DomainEvent
from crmkit.testing.factories import make_company

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_s9_event_buffer_hands_out_committed_events_once_in_order() -> None:
    buffer = EventBuffer()
    first, second = DomainEvent(at=AT), DomainEvent(at=AT.replace(hour=10))
    buffer.emit(first)
    buffer.emit(second)
    assert list(buffer.pending) == [first, second]
    assert buffer.collect() == ()
    buffer.commit()
    assert list(buffer.pending) == []
    assert buffer.collect() == (first, second)
    assert buffer.collect() == ()


def test_s9_event_buffer_rollback_drops_only_pending_events() -> None:
    buffer = EventBuffer()
    kept, dropped = DomainEvent(at=AT), DomainEvent(at=AT.replace(hour=11))
    buffer.emit(kept)
    buffer.commit()
    buffer.emit(dropped)
    buffer.rollback()
    buffer.commit()
    assert buffer.collect() == (kept,)


def test_c12_audit_entry_of_an_add_is_a_create_with_the_actor() -> None:
    actor = uuid.uuid4()
    company = make_company(name="Ege A.Ş.")
    entry = audit_entry(
        actor=actor,
        at=AT,
        aggregate_type="company",
        aggregate_id=company.id,
        version=1,
        old=None,
        new=company,
    )
    assert (entry.action, entry.actor_id, entry.aggregate_id) == (
        "create",
        str(actor),
        str(company.id),
    )
    assert FieldChange("name", None, "Ege A.Ş.") in entry.changes


def test_c12_audit_entry_of_a_save_is_an_update_with_only_changed_fields() -> None:
    company = make_company(name="Eski")
    entry = audit_entry(
        actor=None,
        at=AT,
        aggregate_type="company",
        aggregate_id=company.id,
        version=2,
        old=company,
        new=attrs.evolve(company, name="Yeni", version=2),
    )
    assert (entry.action, entry.actor_id, entry.version) == ("update", None, 2)
    assert entry.changes == (FieldChange("name", "Eski", "Yeni"),)
