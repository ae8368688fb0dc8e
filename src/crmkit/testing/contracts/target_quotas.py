"""The contracts of sales quotas (Q2), non-sales goals (Q3) and the monthly actuals summary (Q5).

Needs a ``storage`` fixture: a migrated, empty storage. A storage adapter
passes when its ``targets`` repository stores quotas and goals, counts goals,
and adds, reads and rolls back summary deltas as the in-memory one does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from crmkit.domain.actuals import ActualKey
from crmkit.domain.employees import Employee
from crmkit.domain.errors import Duplicate
from crmkit.domain.ids import ContactId, DocumentId, EmployeeId
from crmkit.domain.interactions import InteractionChannel
from crmkit.domain.offers import Offer, OfferId, OfferStatus
from crmkit.domain.plan_actual import Credit
from crmkit.domain.quotas import Goal, GoalId, GoalMetric, Quota, QuotaId
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.interactions import interaction
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import make_company, make_contact

__all__ = ["QuotaContract"]

_EARLY = datetime(2024, 1, 1, tzinfo=UTC)


def _quota(year: int = 2026, value: str = "P-1", **changes: object) -> Quota:
    fields: dict[str, object] = {
        "id": QuotaId(uuid.uuid4()),
        "scope": "product",
        "value": value,
        "direction": "sales",
        "period": "quarter",
        "year": year,
        "index": 2,
        "amount": Decimal("1500.50"),
        "currency": "EUR",
    }
    fields.update(changes)
    return Quota(**fields)  # type: ignore[arg-type]


class QuotaContract:
    """Quotas and goals round-trip and are audited; goals are counted; summary deltas add up (Q2, Q3, Q5)."""

    def test_q2_quotas_read_back_equal_in_order_and_a_taken_id_is_refused(self, storage: Storage) -> None:
        """Quotas read back equal, by year, scope, value, period, index; a taken id is Duplicate."""
        a, b = _quota(value="P-2"), _quota(value="P-1", quantity=Decimal(7), amount=None)
        c = _quota(2027)
        with storage.unit_of_work() as uow:
            for q in (c, a, b):
                uow.targets.add_quota(q)
            uow.commit()
        assert read(storage, lambda u: u.targets.quotas()) == [b, a, c]
        assert read(storage, lambda u: u.targets.quotas(2027)) == [c]
        trail = read(storage, lambda u: u.audit.for_record("quota", str(a.id)))
        assert [e.action for e in trail] == ["create"]
        with storage.unit_of_work() as uow, pytest.raises(Duplicate):
            uow.targets.add_quota(a)

    def test_q3_goals_read_back_equal_and_a_rolled_back_one_is_not_stored(self, storage: Storage) -> None:
        """Goals read back equal by employee and start; one added in a rolled-back unit of work is not."""
        rep = Employee(id=EmployeeId(uuid.uuid4()), name="Temsilci", position="employee", hired_at=_EARLY)
        with storage.unit_of_work() as uow:
            uow.employees.add(rep)
            uow.commit()
        goal = Goal(
            id=GoalId(uuid.uuid4()),
            employee_id=rep.id,
            metric=GoalMetric.VISITS,
            target=12,
            start=date(2026, 3, 1),
            end=date(2026, 3, 31),
        )
        with storage.unit_of_work() as uow:
            uow.targets.add_goal(goal)
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.targets.add_goal(attrs.evolve(goal, id=GoalId(uuid.uuid4()), target=99))
            uow.rollback()
        assert read(storage, lambda u: u.targets.goals(rep.id)) == [goal]
        assert [e.action for e in read(storage, lambda u: u.audit.for_record("goal", str(goal.id)))] == [
            "create"
        ]

    def test_q3_new_customers_are_counted_by_registration_and_sales_rep(self, storage: Storage) -> None:
        """Companies registered in the range whose sales rep the employee is count as new customers."""
        rep = Employee(id=EmployeeId(uuid.uuid4()), name="Temsilci", position="employee", hired_at=_EARLY)
        with storage.unit_of_work() as uow:
            uow.employees.add(rep)
            uow.commit()
        inside = make_company(registered_at=datetime(2026, 3, 5, tzinfo=UTC), sales_rep_id=rep.id)
        before = make_company(registered_at=datetime(2026, 2, 28, 23, tzinfo=UTC), sales_rep_id=rep.id)
        others = make_company(registered_at=datetime(2026, 3, 5, tzinfo=UTC))
        store(storage, inside, before, others)
        start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        counted = read(storage, lambda u: u.targets.goal_count(GoalMetric.NEW_CUSTOMERS, rep.id, start, end))
        assert counted == 1

    def test_q3_visits_answers_and_offers_sent_are_counted_in_the_half_open_range(
        self, storage: Storage
    ) -> None:
        """Visits, answers and offers sent are counted in ``[start, end)``, the employee's only.

        Visits are his face-to-face interactions created then, answers his interactions
        first answered then, offers sent the offers (I8) he sent then.
        """
        rep, other = (
            Employee(id=EmployeeId(uuid.uuid4()), name=n, position="employee", hired_at=_EARLY)
            for n in ("Temsilci", "Diğer")
        )
        firm = make_company()
        contact = make_contact(company_id=firm.id)
        store(storage, rep, other, firm, contact)
        start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        f2f, phone, tick = InteractionChannel.FACE_TO_FACE, InteractionChannel.PHONE, timedelta(seconds=1)
        rows = [  # channel, owner, created, first answered: (is a visit, is an answer)
            (f2f, rep, start, None),  # (yes, no): the first instant counts
            (f2f, rep, datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC)),  # (yes, yes)
            (f2f, rep, end, None),  # (no, no): the end is excluded
            (f2f, rep, start - tick, end - tick),  # (no, yes)
            (f2f, other, start, start),  # (no, no): his colleague's
            (phone, rep, datetime(2026, 3, 5, tzinfo=UTC), end),  # (no, no): a call, answered too late
            (phone, rep, datetime(2026, 2, 27, tzinfo=UTC), start),  # (no, yes)
        ]
        offers = [  # sender, sent, status: the two of the rep inside the range count, whatever their outcome
            (rep, start, OfferStatus.SENT),
            (rep, end - tick, OfferStatus.ACCEPTED),
            (rep, end, OfferStatus.SENT),
            (rep, start - tick, OfferStatus.SENT),
            (other, datetime(2026, 3, 10, tzinfo=UTC), OfferStatus.SENT),
        ]
        with storage.unit_of_work() as uow:
            for channel, owner, created, answered in rows:
                uow.interactions.add(
                    interaction(
                        firm,
                        channel=channel,
                        owner_id=owner.id,
                        created_by=owner.id,
                        created_at=created,
                        first_response_at=answered,
                    )
                )
            for n, (sender, sent, status) in enumerate(offers):
                decided = status is not OfferStatus.SENT
                uow.offers.add(
                    Offer(
                        id=OfferId(uuid.uuid4()),
                        company_id=firm.id,
                        contact_id=ContactId(contact.id),
                        template_id=DocumentId(uuid.UUID(int=7)),
                        sent_by=sender.id,
                        sent_at=sent,
                        message_key=f"dispatch:{n}",
                        status=status,
                        decided_at=sent if decided else None,
                        decided_by=sender.id if decided else None,
                    )
                )
            uow.commit()
        counts = {
            m: read(storage, lambda u, m=m: u.targets.goal_count(m, rep.id, start, end))  # type: ignore[misc]
            for m in (GoalMetric.VISITS, GoalMetric.INTERACTIONS_ANSWERED, GoalMetric.OFFERS_SENT)
        }
        expected = {GoalMetric.VISITS: 2, GoalMetric.INTERACTIONS_ANSWERED: 3, GoalMetric.OFFERS_SENT: 2}
        assert counts == expected, counts

    def test_q5_summary_deltas_add_up_drop_zero_sums_and_roll_back(self, storage: Storage) -> None:
        """Deltas add per key across units of work; a zero amount is not read; a rollback adds nothing."""
        k1 = ActualKey("team", "T", 2026, 3, "TRY", None)
        k2 = ActualKey("team", "T", 2026, 3, "EUR", Decimal("38.5"))
        k3 = ActualKey("team", "U", 2026, 4, "TRY", None)
        with storage.unit_of_work() as uow:
            uow.targets.add_actuals({k1: (10_500_000, 1_000_000), k2: (2_000_000, 0), k3: (5, 0)})
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.targets.add_actuals({k1: (-500_000, 0), k3: (-5, 0)})
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.targets.add_actuals({k1: (99_000_000, 0)})
            uow.rollback()
        assert read(storage, lambda u: u.targets.actuals("team", 2026)) == [
            Credit("T", 3, "EUR", Decimal("38.5"), Decimal(2)),
            Credit("T", 3, "TRY", None, Decimal(10)),
        ]
        assert read(storage, lambda u: u.targets.quantities("team", 2026))[("T", 3)] == Decimal(1)
        assert read(storage, lambda u: u.targets.actuals("team", 2027)) == []
        rows = read(storage, lambda u: u.targets.summary("team", 2026))  # what the report reads
        assert sorted(rows, key=lambda r: r[2]) == [
            ("T", 3, "EUR", Decimal("38.5"), 2_000_000),
            ("T", 3, "TRY", None, 10_000_000),
        ]
        assert all(type(r[1]) is int and type(r[4]) is int for r in rows)
