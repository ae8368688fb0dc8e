"""crm.service driven at random on memory and SQLite side by side (S1–S3, S6; issue 16 item 10).

Each step runs on both back ends: contracts (created, renewed), work entries
(logged, corrected), cases (opened, assigned, moved along the case workflow,
closed with or without a resolution, reopened) and bookings (booked,
cancelled). Both must give the same result or the same error type; a model
predicts what the rules say. Invariants after every step, on both: remaining
= allowance + carried − charged for every contract (S3), and no two bookings
of one technician or vehicle overlap (S6).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from crmkit.bootstrap import Crm
from crmkit.domain.cases import DEFAULT_CASE_WORKFLOW, Case
from crmkit.domain.errors import CrmError, RuleViolation, ValidationError
from crmkit.domain.money import Money
from crmkit.domain.periods import Period
from crmkit.domain.planning import Booking
from crmkit.domain.service import Contract, WorkEntry, covering_contract
from crmkit.domain.settings import Settings
from crmkit.domain.workflow import IllegalTransition
from crmkit.hookspecs import AdapterContext
from crmkit.testing.backends import make_storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.conftest import make_crm

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PRODUCTS = ["", "Kompresör", "Pompa"]
VEHICLES = ["", "34 SRV 01", "34 SRV 02"]
STAGES = list(DEFAULT_CASE_WORKFLOW.stage_names)
ZONE_TZ = ZoneInfo(Settings().timezone)  # the CRM's calendar: its zone gives the local date of work


class ServiceMachine(RuleBasedStateMachine):
    """Memory and SQLite, one customer, two technicians, random service work."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        self.crms: list[Crm] = []
        for kind in ("memory", "sqlite"):
            clock, ids = FixedClock(), SequentialIds()
            clock.set(T0)
            folder = self.tmp / kind
            folder.mkdir()
            storage = make_storage(kind, folder, AdapterContext(clock, ids, Settings()))
            self.crms.append(make_crm(storage, clock, ids, regional_access=False))
        self.admin = [
            c.parties.create_first_admin(name="Ayşe Yılmaz", email="a@example.com.tr") for c in self.crms
        ]
        self.company = self.same(
            lambda c, a: c.parties.register_company(actor=a, name="Kadıköy Eczanesi", type="customer")
        ).id
        self.techs = [
            self.same(lambda c, a, n=n: c.parties.hire(actor=a, name=n, position="employee")).id
            for n in ("Kerem", "Can")
        ]
        self.contracts: list[Contract] = []
        self.entries: list[WorkEntry] = []
        self.cases: dict[Any, Case] = {}
        self.bookings: dict[Any, Booking] = {}

    def teardown(self) -> None:
        for crm in self.crms:
            crm.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def both(self, call: Any) -> list[Any]:
        """``call(crm, admin id)`` on both back ends; the same outcome type on each."""
        outcomes: list[Any] = []
        for crm, admin in zip(self.crms, self.admin, strict=True):
            try:
                outcomes.append(call(crm, admin.id))
            except CrmError as error:
                outcomes.append(error)
        assert [type(o) for o in outcomes] == [type(outcomes[0])] * 2, outcomes
        event(type(outcomes[0]).__name__)  # how often each outcome came (--hypothesis-show-statistics)
        if not isinstance(outcomes[0], CrmError):
            assert outcomes[0] == outcomes[1]
        elif isinstance(outcomes[0], ValidationError):
            assert outcomes[0].field == outcomes[1].field
        return outcomes

    def same(self, call: Any) -> Any:
        """``call`` on both; it must succeed, with equal results."""
        first, _ = self.both(call)
        assert not isinstance(first, CrmError), first
        return first

    # -- contracts (S1) ------------------------------------------------------------------------
    @rule(
        hours=st.one_of(st.none(), st.integers(0, 20)),
        visits=st.one_of(st.none(), st.integers(0, 4)),
        product=st.sampled_from(PRODUCTS),
        start=st.integers(-60, 30),
        days=st.integers(-2, 90),
        carry=st.booleans(),
    )
    def create_contract(
        self, hours: int | None, visits: int | None, product: str, start: int, days: int, carry: bool
    ) -> None:
        starts = date(2026, 3, 2) + timedelta(days=start)
        outcome, _ = self.both(
            lambda c, a: c.service.create_contract(
                actor=a,
                company=self.company,
                title="Bakım",
                starts_on=starts,
                ends_on=starts + timedelta(days=days),
                price=Money("1000", "TRY"),
                allowance_hours=hours,
                allowance_visits=visits,
                product=product,
                carry_over=carry,
            )
        )
        if days < 0 or (hours is None and visits is None):
            assert isinstance(outcome, ValidationError)
            return
        assert isinstance(outcome, Contract), outcome
        self.contracts.append(outcome)

    @precondition(lambda self: bool(self.contracts))
    @rule(pick=st.integers(0), gap=st.integers(-3, 10))
    def renew(self, pick: int, gap: int) -> None:
        old = self.contracts[pick % len(self.contracts)]
        starts = old.ends_on + timedelta(days=gap)
        outcome, _ = self.both(
            lambda c, a: c.service.renew_contract(
                actor=a, contract=old.id, starts_on=starts, ends_on=starts + timedelta(days=30)
            )
        )
        if gap <= 0:
            assert isinstance(outcome, ValidationError)
            return
        used = sum(e.minutes for e in self.entries if e.contract_id == old.id)
        left = None if old.granted_minutes is None else old.granted_minutes - used
        assert outcome.carried_minutes == (max(left or 0, 0) if old.carry_over and left is not None else 0)
        self.contracts.append(outcome)

    # -- the hours ledger (S3) -----------------------------------------------------------------
    @rule(
        kind=st.sampled_from(["call", "visit", "back_office"]),
        minutes=st.integers(-5, 600),
        product=st.sampled_from(PRODUCTS),
        day=st.integers(-60, 120),
        tech=st.integers(0, 1),
        on_case=st.booleans(),
    )
    def log_work(self, kind: str, minutes: int, product: str, day: int, tech: int, on_case: bool) -> None:
        at = T0 + timedelta(days=day)
        case = sorted(self.cases)[0] if on_case and self.cases else None
        outcome, _ = self.both(
            lambda c, a: c.service.log_work(
                actor=a, company=self.company, kind=kind, at=at, minutes=minutes,
                technician=self.techs[tech], product=product, case=case,
            )
        )  # fmt: skip
        cited = None if case is None else self.cases[case].contract_id
        covering = covering_contract(self.contracts, self.company, product, at.astimezone(ZONE_TZ).date())
        if minutes < 0:
            assert isinstance(outcome, ValidationError)
            return
        if cited is not None:
            expected: Contract | None = next(c for c in self.contracts if c.id == cited)
            assert expected is not None
            if not expected.covers(self.company, product, at.astimezone(ZONE_TZ).date()):
                assert isinstance(outcome, ValidationError) and outcome.field == "contract"
                return
        elif self.contracts and covering is None:
            assert isinstance(outcome, ValidationError) and outcome.field == "contract"
            return
        else:
            expected = covering
        assert isinstance(outcome, WorkEntry), outcome
        assert outcome.contract_id == (None if expected is None else expected.id)
        self.entries.append(outcome)
        if case is not None:
            self.cases[case] = self.same(lambda c, a: c.service.get_case(actor=a, case=case))

    @precondition(lambda self: bool(self.entries))
    @rule(pick=st.integers(0), minutes=st.integers(-1, 600))
    def correct(self, pick: int, minutes: int) -> None:
        old = self.entries[pick % len(self.entries)]
        outcome, _ = self.both(lambda c, a: c.service.correct_work(actor=a, entry=old.id, minutes=minutes))
        if minutes < 0 or minutes == old.minutes:
            assert isinstance(outcome, ValidationError)
            return
        assert isinstance(outcome, WorkEntry) and outcome.minutes == minutes - old.minutes
        self.entries.append(outcome)

    # -- cases (S2) ----------------------------------------------------------------------------
    @rule(product=st.sampled_from(PRODUCTS))
    def open_case(self, product: str) -> None:
        outcome, _ = self.both(
            lambda c, a: c.service.open_case(
                actor=a, company=self.company, channel="call", reason="Arıza", product=product
            )
        )
        assert isinstance(outcome, Case) and outcome.stage == DEFAULT_CASE_WORKFLOW.initial
        self.cases[outcome.id] = outcome

    @precondition(lambda self: bool(self.cases))
    @rule(pick=st.integers(0), tech=st.integers(0, 1))
    def assign(self, pick: int, tech: int) -> None:
        key = sorted(self.cases)[pick % len(self.cases)]
        self.cases[key] = self.same(
            lambda c, a: c.service.assign_case(actor=a, case=key, technician=self.techs[tech])
        )

    @precondition(lambda self: bool(self.cases))
    @rule(pick=st.integers(0), to=st.sampled_from(STAGES), resolution=st.sampled_from(["", "Parça değişti"]))
    def move(self, pick: int, to: str, resolution: str) -> None:
        key = sorted(self.cases)[pick % len(self.cases)]
        here = self.cases[key]
        outcome, _ = self.both(
            lambda c, a: c.service.move_case(actor=a, case=key, stage=to, resolution=resolution or None)
        )
        if not DEFAULT_CASE_WORKFLOW.can_move(here.stage, to):
            assert isinstance(outcome, IllegalTransition)
        elif DEFAULT_CASE_WORKFLOW.stage(to).is_final and not (resolution or here.resolution):
            assert isinstance(outcome, ValidationError) and outcome.field == "resolution"  # S2
        else:
            assert isinstance(outcome, Case) and outcome.stage == to
            assert outcome.is_closed == DEFAULT_CASE_WORKFLOW.stage(to).is_final
            self.cases[key] = outcome

    @precondition(lambda self: bool(self.cases))
    @rule(pick=st.integers(0))
    def reopen(self, pick: int) -> None:
        key = sorted(self.cases)[pick % len(self.cases)]
        here = self.cases[key]
        outcome, _ = self.both(lambda c, a: c.service.reopen_case(actor=a, case=key))
        if not here.is_closed:
            assert isinstance(outcome, RuleViolation)
            return
        assert isinstance(outcome, Case) and outcome.reopen_count == here.reopen_count + 1
        self.cases[key] = outcome

    # -- planning (S6) -------------------------------------------------------------------------
    @rule(
        tech=st.integers(-1, 1),
        vehicle=st.sampled_from(VEHICLES),
        start=st.integers(0, 40),
        hours=st.integers(-1, 6),
    )
    def book(self, tech: int, vehicle: str, start: int, hours: int) -> None:
        starts = T0 + timedelta(hours=start)
        technician = None if tech < 0 else self.techs[tech]
        outcome, _ = self.both(
            lambda c, a: c.service.book(
                actor=a,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                technician=technician,
                vehicle=vehicle,
            )
        )
        if hours <= 0 or (technician is None and not vehicle):
            assert isinstance(outcome, ValidationError)
            return
        clash = any(
            b.starts_at < starts + timedelta(hours=hours)
            and starts < b.ends_at
            and (
                (technician is not None and b.technician_id == technician)
                or (vehicle and b.vehicle == vehicle)
            )
            for b in self.bookings.values()
        )
        if clash:
            assert isinstance(outcome, RuleViolation) and outcome.rule == "S6"
            return
        assert isinstance(outcome, Booking), outcome
        self.bookings[outcome.id] = outcome

    @precondition(lambda self: bool(self.bookings))
    @rule(pick=st.integers(0))
    def cancel(self, pick: int) -> None:
        key = sorted(self.bookings)[pick % len(self.bookings)]
        self.same(lambda c, a: c.service.cancel_booking(actor=a, booking=key))
        del self.bookings[key]

    # -- invariants ----------------------------------------------------------------------------
    @invariant()
    def remaining_is_allowance_minus_charged(self) -> None:
        for contract in self.contracts:
            balance = self.same(lambda c, a, k=contract.id: c.service.balance(actor=a, contract=k))
            used = sum(e.minutes for e in self.entries if e.contract_id == contract.id)
            visits = sum(e.visits for e in self.entries if e.contract_id == contract.id)
            granted = contract.granted_minutes
            assert balance.remaining_minutes == (None if granted is None else granted - used)
            allowed = contract.allowance_visits
            assert balance.remaining_visits == (None if allowed is None else allowed - visits)

    @invariant()
    def no_two_bookings_of_one_resource_overlap(self) -> None:
        plan = self.same(
            lambda c, a: c.service.plan(
                actor=a, period=Period(T0 - timedelta(days=1), T0 + timedelta(days=5))
            )
        )
        assert {b.id for b in plan} == set(self.bookings)
        for i, first in enumerate(plan):
            for second in plan[i + 1 :]:
                shared = (
                    first.technician_id is not None and first.technician_id == second.technician_id
                ) or (first.vehicle and first.vehicle == second.vehicle)
                assert not (shared and first.starts_at < second.ends_at and second.starts_at < first.ends_at)

    @invariant()
    def cases_are_stored_alike(self) -> None:
        for key, case in self.cases.items():
            assert self.same(lambda c, a, k=key: c.service.get_case(actor=a, case=k)) == case


ServiceMachine.TestCase.settings = settings(max_examples=10, stateful_step_count=25, deadline=None)
TestServiceMachine = ServiceMachine.TestCase
