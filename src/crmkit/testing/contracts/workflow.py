"""The contract of the workflow definition repository (SPEC §5 I2, I9; C12).

Needs a ``storage`` fixture: a migrated, empty storage. Bind it with
``class TestMine(WorkflowStorageContract): pass``.
"""

from __future__ import annotations

import uuid

import pytest
from attrs import evolve as attrs_evolve

from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.ids import EmployeeId
from crmkit.domain.workflow import WORKFLOW_AGGREGATE, Workflow
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read

__all__ = ["OutboxCancelContract", "WorkflowStorageContract", "sample_workflow"]

ADMIN = EmployeeId(uuid.UUID(int=91))


def sample_workflow(key: str = "Şikâyet") -> Workflow:
    """A small complaint workflow with a hook, a paused stage and a funnel probability."""
    return Workflow.from_data(
        {
            "key": key,
            "initial": "yeni",
            "stages": [
                {"name": "yeni", "probability": "12.5", "next_step": "ara"},
                {"name": "müşteri bekleniyor", "pauses_clock": True},
                {"name": "çözüldü", "kind": "closed"},
            ],
            "transitions": {"yeni": ["müşteri bekleniyor", "çözüldü"], "müşteri bekleniyor": ["yeni"]},
            "hooks": [{"stage": "çözüldü", "notify": ["owner", str(ADMIN)], "subject": "Çözüldü"}],
        }
    )


class WorkflowStorageContract:
    """Versioned workflow definitions: stored whole, never overwritten, latest by version (I2)."""

    def test_a_definition_reads_back_equal_and_audited(self, storage: Storage) -> None:
        """A stored version reads back equal, with a ``create`` audit entry by the actor (I2, C12)."""
        flow = sample_workflow()
        with storage.unit_of_work(ADMIN) as uow:
            uow.workflows.add(flow)
            uow.commit()
        assert read(storage, lambda u: u.workflows.get(flow.key)) == flow
        assert read(storage, lambda u: u.workflows.get(flow.key, 1)) == flow
        trail = read(storage, lambda u: u.audit.for_record(WORKFLOW_AGGREGATE, flow.key))
        assert [(e.action, e.version, e.actor_id) for e in trail] == [("create", 1, str(ADMIN))]

    def test_the_latest_version_wins_and_old_ones_stay(self, storage: Storage) -> None:
        """``get`` without a version is the highest one; older versions stay readable (I2)."""
        first = sample_workflow()
        second = first.revise(transitions={"yeni": ["çözüldü"]})
        third = second.revise(initial="çözüldü")
        with storage.unit_of_work(ADMIN) as uow:
            uow.workflows.add(second)
            uow.workflows.add(first)
            uow.workflows.add(third)
            assert uow.workflows.get(first.key) == third  # this unit of work sees its own writes
            uow.commit()
        assert read(storage, lambda u: u.workflows.get(first.key)) == third
        assert read(storage, lambda u: u.workflows.get(first.key, 2)) == second
        assert read(storage, lambda u: u.workflows.versions(first.key)) == [1, 2, 3]

    def test_a_taken_version_is_a_duplicate_and_the_unit_of_work_goes_on(self, storage: Storage) -> None:
        """A version is written once: a second add is a Duplicate on ``version``; the unit of work goes on."""
        flow = sample_workflow()
        with storage.unit_of_work(ADMIN) as uow:
            uow.workflows.add(flow)
            uow.commit()
        with storage.unit_of_work(ADMIN) as uow:
            with pytest.raises(Duplicate) as caught:
                uow.workflows.add(flow)
            assert caught.value.field == "version"
            uow.workflows.add(sample_workflow("Sipariş"))
            uow.commit()
        assert read(storage, lambda u: u.workflows.keys()) == ["Sipariş", "Şikâyet"]
        assert read(storage, lambda u: u.workflows.get("Şikâyet")) == flow

    def test_unknown_keys_and_versions_are_not_found(self, storage: Storage) -> None:
        """An unknown key or version is NotFound; an unknown key has no versions."""
        with storage.unit_of_work(ADMIN) as uow:
            uow.workflows.add(sample_workflow())
            uow.commit()
        with pytest.raises(NotFound):
            read(storage, lambda u: u.workflows.get("nope"))
        with pytest.raises(NotFound):
            read(storage, lambda u: u.workflows.get("Şikâyet", 2))
        assert read(storage, lambda u: u.workflows.versions("nope")) == []

    def test_a_rolled_back_definition_is_gone(self, storage: Storage) -> None:
        """A rolled-back definition is not stored."""
        with storage.unit_of_work(ADMIN) as uow:
            uow.workflows.add(sample_workflow())
            uow.rollback()
        assert read(storage, lambda u: u.workflows.keys()) == []


class OutboxCancelContract:
    """``uow.outbox.cancel``: a pending message is cancellable until it is due, once (I13)."""

    def test_a_pending_message_is_cancelled_until_due_and_only_once(self, storage: Storage) -> None:
        """Not yet due: cancelled (skipped, with the reason); due, unknown or already cancelled: refused."""
        from datetime import UTC, datetime, timedelta

        from crmkit.domain.messaging import Channel, MessageKind, OutboxMessage, OutboxState

        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

        def message(n: int, due: datetime) -> OutboxMessage:
            return OutboxMessage(
                id=uuid.UUID(int=n), key=f"k{n}", channel=Channel.EMAIL, kind=MessageKind.COMMERCIAL,
                recipient="ali@example.com.tr", body="b", created_at=now, due_at=due,
            )  # fmt: skip

        later, due = message(1, now + timedelta(hours=1)), message(2, now)
        with storage.unit_of_work() as uow:
            uow.outbox.add_many([later, due])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.cancel(later.id, now, "cancelled by Ali")
            assert not uow.outbox.cancel(later.id, now, "again")
            assert not uow.outbox.cancel(due.id, now, "too late")
            assert not uow.outbox.cancel(uuid.UUID(int=99), now, "unknown")
            uow.commit()
        cancelled = read(storage, lambda u: u.outbox.get(later.id))
        assert (cancelled.state, cancelled.last_error) == (OutboxState.SKIPPED, "cancelled by Ali")
        assert read(storage, lambda u: u.outbox.get(due.id)).state is OutboxState.PENDING

    def test_a_rolled_back_cancel_leaves_the_message_pending(self, storage: Storage) -> None:
        """A cancel is part of its unit of work: rolled back, the message stays pending."""
        from datetime import UTC, datetime, timedelta

        from crmkit.domain.messaging import Channel, MessageKind, OutboxMessage, OutboxState

        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        later = OutboxMessage(
            id=uuid.UUID(int=3), key="k3", channel=Channel.EMAIL, kind=MessageKind.COMMERCIAL,
            recipient="ali@example.com.tr", body="b", created_at=now, due_at=now + timedelta(days=1),
        )  # fmt: skip
        with storage.unit_of_work() as uow:
            uow.outbox.add(later)
            assert uow.outbox.cancel(later.id, now, "in the same unit of work")
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.outbox.add(attrs_evolve(later, id=uuid.UUID(int=4), key="k4"))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.cancel(uuid.UUID(int=4), now, "then rolled back")
            uow.rollback()
        assert read(storage, lambda u: u.outbox.get(uuid.UUID(int=4))).state is OutboxState.PENDING
        assert read(storage, lambda u: u.outbox.get(later.id)).state is OutboxState.SKIPPED
