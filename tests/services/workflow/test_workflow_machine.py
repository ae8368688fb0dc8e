"""Random workflows driven through crm.workflow on memory and SQLite side by side (I2, C5; issue 14 item 12).

Each run defines a random workflow (random stages, random allowed moves, a
random initial stage), records interactions and attempts random moves and
C5 status triggers. A model keeps where each interaction must be: a move
succeeds exactly when the model's transitions allow it, no stage outside
them is ever reached, both back ends end every step equal — same stages,
same versions, same outcome type — and a company's status never goes back.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from crmkit.bootstrap import Crm
from crmkit.domain.errors import CrmError
from crmkit.domain.interactions import InteractionId
from crmkit.domain.parties import StatusTrigger
from crmkit.domain.settings import Settings
from crmkit.domain.workflow import IllegalTransition, UnknownStage
from crmkit.hookspecs import AdapterContext
from crmkit.testing.backends import make_storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.conftest import make_crm

STAGES = ["a", "b", "c", "d", "e"]


class WorkflowMachine(RuleBasedStateMachine):
    """Memory and SQLite, one random workflow, random moves."""

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
        self.stages: list[str] = []
        self.where: dict[InteractionId, str] = {}
        self.rank = 0

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
        stages=st.lists(st.sampled_from(STAGES), min_size=1, max_size=5, unique=True),
        pairs=st.lists(st.tuples(st.sampled_from(STAGES), st.sampled_from(STAGES)), max_size=12),
        initial=st.integers(min_value=0, max_value=4),
    )
    def define(self, stages: list[str], pairs: list[tuple[str, str]], initial: int) -> None:
        self.stages = stages
        self.transitions = {(a, b) for a, b in pairs if a in stages and b in stages and a != b}
        definition = {
            "key": "Şikayet",
            "initial": stages[initial % len(stages)],
            "stages": [{"name": s, "kind": "closed" if s == "e" else "open"} for s in stages],
            "transitions": sorted(self.transitions),
        }
        [first, second] = self.both(
            lambda crm, admin, _: crm.workflow.define(actor=admin.id, definition=definition)
        )
        assert first == second

    @rule()
    def record(self) -> None:
        made = self.both(
            lambda crm, admin, company: crm.interactions.create(
                actor=admin.id, company=company.id, channel="phone", category="Şikayet", subject="Konu"
            )
        )
        assert made[0] == made[1]
        self.where[made[0].id] = made[0].stage

    @precondition(lambda self: bool(self.where))
    @rule(pick=st.integers(min_value=0), to=st.sampled_from(STAGES))
    def move(self, pick: int, to: str) -> None:
        key = sorted(self.where)[pick % len(self.where)]
        here = self.where[key]
        outcomes = self.both(
            lambda crm, admin, _: crm.workflow.move(actor=admin.id, interaction=key, to_stage=to)
        )
        if to not in self.stages:
            assert isinstance(outcomes[0], UnknownStage)
        elif (here, to) in self.transitions:
            assert outcomes[0].interaction == outcomes[1].interaction
            assert outcomes[0].interaction.stage == to
            self.where[key] = to
        else:
            assert isinstance(outcomes[0], IllegalTransition)
            assert outcomes[0].allowed == outcomes[1].allowed
            assert set(outcomes[0].allowed) == {b for a, b in self.transitions if a == here}

    @rule(trigger=st.sampled_from(list(StatusTrigger)))
    def c5(self, trigger: StatusTrigger) -> None:
        moved = self.both(
            lambda crm, admin, company: crm.parties.record_status_trigger(
                actor=admin.id, company=company.id, trigger=trigger
            )
        )
        assert moved[0].status == moved[1].status
        assert moved[0].status.rank >= self.rank  # C5: never backwards
        assert moved[0].status.rank >= trigger.target.rank
        self.rank = moved[0].status.rank

    @invariant()
    def stored_stages_match_the_model(self) -> None:
        for crm, admin in zip(self.crms, self.admin, strict=True):
            for key, stage in self.where.items():
                stored = crm.interactions.get(actor=admin.id, id=key)
                assert stored.stage == stage
                assert stored.stage in self.stages
                if stored.stage == "e":
                    assert stored.resolved_at is not None


WorkflowMachine.TestCase.settings = settings(max_examples=10, stateful_step_count=12, deadline=None)
TestWorkflowMachine = WorkflowMachine.TestCase
