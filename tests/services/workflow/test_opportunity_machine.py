"""Random funnels driven through crm.opportunities on memory and SQLite side by side (I9; issue 14 item 12).

Each run defines a random funnel (open stages with random probabilities, one
won and one lost stage, random allowed moves), opens opportunities with or
without an amount and attempts random moves. A model keeps where each one
must be: a move succeeds exactly when the funnel allows it and its bad-input
rules hold (a win needs an amount, a loss a reason); no forbidden stage is
ever reached; the stage history grows by one per accepted move; and both
back ends end every step equal — same records, same forecast, same
conversion — which must also equal the domain reference over the records.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from crmkit.bootstrap import Crm
from crmkit.domain.errors import CrmError, ValidationError
from crmkit.domain.opportunities import OpportunityId
from crmkit.domain.pipeline import ForecastGroup, forecast
from crmkit.domain.settings import Settings
from crmkit.domain.workflow import IllegalTransition, UnknownStage
from crmkit.hookspecs import AdapterContext
from crmkit.testing.backends import make_storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.conftest import make_crm

OPEN = ["a", "b", "c"]
STAGES = [*OPEN, "won", "lost"]


class OpportunityMachine(RuleBasedStateMachine):
    """Memory and SQLite, one random funnel, random moves."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        self.crms: list[Crm] = []
        for kind in ("memory", "sqlite"):
            clock, ids = FixedClock(), SequentialIds()
            folder = self.tmp / kind
            folder.mkdir()
            storage = make_storage(kind, folder, AdapterContext(clock, ids, Settings()))
            self.crms.append(make_crm(storage, clock, ids, regional_access=False))
        self.admin = [
            c.parties.create_first_admin(name="Ayşe Yılmaz", email="a@example.com.tr") for c in self.crms
        ]
        self.company = [
            c.parties.register_company(actor=a.id, name="Kadıköy Eczanesi", type="customer")
            for c, a in zip(self.crms, self.admin, strict=True)
        ]
        self.transitions: set[tuple[str, str]] = set()
        self.where: dict[OpportunityId, str] = {}
        self.amount: dict[OpportunityId, bool] = {}
        self.moves: dict[OpportunityId, int] = {}

    def teardown(self) -> None:
        for crm in self.crms:
            crm.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def both(self, call: Any) -> list[Any]:
        """Run ``call(crm, admin, company)`` on both; equal outcome types, results returned."""
        outcomes: list[Any] = []
        for crm, admin, company in zip(self.crms, self.admin, self.company, strict=True):
            try:
                outcomes.append(call(crm, admin, company))
            except CrmError as error:
                outcomes.append(error)
        assert [type(o) for o in outcomes] == [type(outcomes[0])] * len(outcomes)
        return outcomes

    @initialize(
        pairs=st.lists(st.tuples(st.sampled_from(STAGES), st.sampled_from(STAGES)), max_size=14),
        chances=st.lists(st.decimals(0, 100, places=2), min_size=3, max_size=3),
        initial=st.sampled_from(OPEN),
    )
    def define(self, pairs: list[tuple[str, str]], chances: list[Any], initial: str) -> None:
        self.transitions = {(a, b) for a, b in pairs if a != b and a in OPEN}
        definition = {
            "key": "opportunity",
            "initial": initial,
            "stages": [
                *({"name": s, "probability": str(p)} for s, p in zip(OPEN, chances, strict=True)),
                {"name": "won", "kind": "won"},
                {"name": "lost", "kind": "lost"},
            ],
            "transitions": sorted(self.transitions),
        }
        [first, second] = self.both(
            lambda crm, admin, _: crm.opportunities.define_funnel(actor=admin.id, definition=definition)
        )
        assert first == second

    @rule(cents=st.none() | st.integers(min_value=0, max_value=10**9), month=st.integers(1, 12))
    def open(self, cents: int | None, month: int) -> None:
        amount = None if cents is None else f"{cents / 100:.2f}"
        made = self.both(
            lambda crm, admin, company: crm.opportunities.open(
                actor=admin.id,
                company=company.id,
                title="Fırsat",
                amount=amount,
                expected_close=date(2026, month, 1),
            )
        )
        assert made[0] == made[1]
        self.where[made[0].id] = made[0].stage
        self.amount[made[0].id] = cents is not None and cents > 0
        self.moves[made[0].id] = 1

    @precondition(lambda self: bool(self.where))
    @rule(
        pick=st.integers(min_value=0),
        to=st.sampled_from([*STAGES, "x"]),
        reason=st.sampled_from([None, "Fiyat"]),
    )
    def move(self, pick: int, to: str, reason: str | None) -> None:
        key = sorted(self.where)[pick % len(self.where)]
        here = self.where[key]
        outcomes = self.both(
            lambda crm, admin, _: crm.opportunities.move(
                actor=admin.id, opportunity=key, to_stage=to, reason=reason if to == "lost" else None
            )
        )
        if to not in STAGES:
            assert isinstance(outcomes[0], UnknownStage)
        elif (here, to) not in self.transitions:
            assert isinstance(outcomes[0], IllegalTransition)
            assert set(outcomes[0].allowed) == {b for a, b in self.transitions if a == here}
        elif to == "won" and not self.amount[key]:
            assert isinstance(outcomes[0], ValidationError) and outcomes[0].field == "amount"
        elif to == "lost" and reason is None:
            assert isinstance(outcomes[0], ValidationError) and outcomes[0].field == "reason"
        else:
            assert outcomes[0] == outcomes[1]
            assert outcomes[0].stage == to
            self.where[key] = to
            self.moves[key] += 1

    @invariant()
    def both_back_ends_match_the_model_and_the_reference(self) -> None:
        seen = []
        for crm, admin in zip(self.crms, self.admin, strict=True):
            stored = crm.opportunities.visible(actor=admin.id, limit=1000)
            assert {o.id: o.stage for o in stored} == self.where
            for o in stored:
                assert len(crm.opportunities.history(actor=admin.id, opportunity=o.id)) == self.moves[o.id]
            rows = crm.opportunities.forecast(actor=admin.id, by=ForecastGroup.MONTH)
            assert rows == forecast(stored, ForecastGroup.MONTH, "TRY")
            seen.append(
                (stored, rows, crm.opportunities.conversion(actor=admin.id) if self.transitions else None)
            )
        assert seen[0] == seen[1]


OpportunityMachine.TestCase.settings = settings(max_examples=8, stateful_step_count=12, deadline=None)
TestOpportunityMachine = OpportunityMachine.TestCase
