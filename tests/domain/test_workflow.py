"""Workflows as data (I2, I9): definitions, moves, hooks, versions, bad input."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.workflow import IllegalTransition, Stage, StageHook, StageKind, UnknownStage, Workflow

BOSS = str(uuid.UUID(int=7))


def funnel() -> Workflow:
    return Workflow.from_data(
        {
            "key": "opportunity",
            "initial": "lead",
            "stages": [
                {"name": "lead", "probability": 10, "next_step": "qualify"},
                {"name": "offer", "probability": "50.5", "next_step": "send offer"},
                {"name": "won", "kind": "won", "probability": 100},
                {"name": "lost", "kind": "lost", "probability": 0},
            ],
            "transitions": {"lead": ["offer", "lost"], "offer": ["won", "lost", "lead"]},
            "hooks": [
                {"stage": "won", "notify": ["owner", BOSS], "subject": "Won"},
                {"stage": "won", "notify": ["team"]},
                {"stage": "offer", "notify": ["creator"]},
            ],
        }
    )


def test_an_allowed_move_returns_the_hooks_of_the_stage_entered_in_order() -> None:
    hooks = funnel().move("offer", "won")
    assert [h.notify for h in hooks] == [("owner", BOSS), ("team",)]
    assert hooks[0].roles() == ("owner",)
    assert hooks[0].employees() == (uuid.UUID(BOSS),)
    assert funnel().move("lead", "lost") == ()


def test_an_illegal_move_names_from_to_and_the_allowed_stages() -> None:
    with pytest.raises(IllegalTransition) as caught:
        funnel().move("lead", "won")
    error = caught.value
    assert (error.from_stage, error.to_stage, error.allowed) == ("lead", "won", ("offer", "lost"))
    assert error.rule == "I2"
    assert "'lead'" in str(error) and "'won'" in str(error) and "'offer', 'lost'" in str(error)
    assert isinstance(error, RuleViolation)


def test_a_final_stage_allows_nothing_and_says_none() -> None:
    with pytest.raises(IllegalTransition, match="allowed from 'won': none"):
        funnel().move("won", "lead")


@pytest.mark.parametrize(
    ("src", "dst", "field"), [("lead", "closed", "to_stage"), ("nope", "lead", "from_stage")]
)
def test_a_move_naming_an_unknown_stage_is_bad_input_naming_the_field(src: str, dst: str, field: str) -> None:
    with pytest.raises(UnknownStage) as caught:
        funnel().move(src, dst)
    assert caught.value.field == field
    assert isinstance(caught.value, ValidationError)
    assert "'lead', 'offer', 'won', 'lost'" in caught.value.reason


def test_stage_properties_are_data() -> None:
    flow = funnel()
    assert flow.stage("offer").probability == Decimal("50.5")
    assert flow.stage("offer").next_step == "send offer"
    assert flow.stage("won").kind is StageKind.WON and flow.stage("won").is_final
    assert not flow.stage("lead").is_final
    assert flow.stage_names == ("lead", "offer", "won", "lost")
    assert flow.allowed_from("offer") == ("won", "lost", "lead")


def test_the_definition_round_trips_through_json() -> None:
    flow = funnel()
    again = Workflow.from_data(json.loads(json.dumps(flow.to_data())))
    assert again == flow


def test_a_revision_bumps_the_version_and_keeps_the_key() -> None:
    flow = funnel()
    revised = flow.revise(transitions={"lead": ["won"]})
    assert (revised.key, revised.version) == ("opportunity", 2)
    assert revised.can_move("lead", "won") and not revised.can_move("lead", "offer")
    assert flow.can_move("lead", "offer")  # the old version is untouched
    with pytest.raises(ValidationError) as caught:
        flow.revise(version=9)
    assert caught.value.field == "version"


BAD: list[tuple[dict[str, Any], str]] = [
    ({"key": "x", "initial": "a", "stages": []}, "stages"),
    ({"key": "x", "initial": "b", "stages": [{"name": "a"}]}, "initial"),
    ({"key": " ", "initial": "a", "stages": [{"name": "a"}]}, "key"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a"}, {"name": "a"}]}, "stages[1]"),
    (
        {"key": "x", "initial": "a", "stages": [{"name": "a"}], "transitions": {"a": ["z"]}},
        "transitions[0].to",
    ),
    ({"key": "x", "initial": "a", "stages": [{"name": "a"}], "transitions": [["a", "a"]]}, "transitions[0]"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a"}], "transitions": [["a"]]}, "transitions[0]"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a"}], "transitions": {"a": "b"}}, "transitions.a"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a", "colour": "red"}]}, "stages[0]"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a", "kind": "done"}]}, "kind"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a", "probability": 101}]}, "probability"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a", "probability": "many"}]}, "probability"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a", "pauses_clock": "yes"}]}, "pauses_clock"),
    ({"key": "x", "initial": "a", "stages": [{"name": ""}]}, "name"),
    ({"key": "x", "initial": "a", "stages": [{"name": "a"}], "hooks": [{"stage": "b"}]}, "hooks[0].stage"),
    (
        {
            "key": "x",
            "initial": "a",
            "stages": [{"name": "a"}],
            "hooks": [{"stage": "a", "notify": ["boss"]}],
        },
        "notify[0]",
    ),
    (
        {"key": "x", "initial": "a", "stages": [{"name": "a"}], "hooks": [{"stage": "a", "notify": "owner"}]},
        "notify",
    ),
    ({"key": "x", "initial": "a", "stages": [{"name": "a"}], "version": 0}, "version"),
    ({"initial": "a", "stages": [{"name": "a"}]}, "key"),
]


@pytest.mark.parametrize(("data", "field"), BAD)
def test_a_bad_definition_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Workflow.from_data(data)
    assert caught.value.field == field


def test_hooks_and_stages_can_be_built_as_values() -> None:
    flow = Workflow(
        key="complaint",
        initial="new",
        stages=(Stage(name="new"), Stage(name="done", kind="closed")),
        transitions=(("new", "done"),),
        hooks=(StageHook(stage="new", notify=("owner", "owner")),),
    )
    assert flow.entering("new")[0].notify == ("owner",)
    assert flow.move("new", "done") == ()


names = st.sampled_from(["a", "b", "c", "d", "e"])


@given(
    stages=st.lists(names, min_size=1, max_size=5, unique=True),
    pairs=st.lists(st.tuples(names, names), max_size=12),
    attempts=st.lists(st.tuples(names, names), max_size=12),
)
def test_move_accepts_exactly_the_listed_pairs(
    stages: list[str], pairs: list[tuple[str, str]], attempts: list[tuple[str, str]]
) -> None:
    listed = [(a, b) for a, b in pairs if a in stages and b in stages and a != b]
    flow = Workflow(key="k", initial=stages[0], stages=[Stage(name=s) for s in stages], transitions=listed)
    for src, dst in attempts:
        if src not in stages or dst not in stages:
            with pytest.raises(UnknownStage):
                flow.move(src, dst)
        elif (src, dst) in listed:
            assert flow.move(src, dst) == ()
        else:
            with pytest.raises(IllegalTransition) as caught:
                flow.move(src, dst)
            assert caught.value.allowed == tuple(dict.fromkeys(b for a, b in listed if a == src))
