"""Workflows as data: stages, allowed transitions and stage-entry hooks (SPEC §5 I2, I9; §6 service cases).

A :class:`Workflow` is a versioned value naming its stages, which moves
are allowed between them, and what happens on *entering* a stage (a
:class:`StageHook`: notify people by e-mail through the outbox). Nothing of
it is code: interaction categories (I2), the opportunity funnel (I9) and
service cases each keep their own definitions as records, and a host changes
one with :meth:`Workflow.revise`, which bumps the version — records moved
under an older version keep it, so history stays readable.

The one rule: :meth:`Workflow.move` accepts a move only along an allowed
transition. A move to a stage the workflow does not know raises
:class:`UnknownStage` (a :class:`~crmkit.domain.errors.ValidationError`
naming the field); a move the workflow forbids raises
:class:`IllegalTransition` naming the from and to stages and the allowed
ones.

>>> flow = Workflow.from_data({
...     "key": "complaint",
...     "initial": "new",
...     "stages": [
...         {"name": "new"},
...         {"name": "in_progress"},
...         {"name": "waiting_customer", "pauses_clock": True},
...         {"name": "resolved", "kind": "closed"},
...     ],
...     "transitions": {
...         "new": ["in_progress", "resolved"],
...         "in_progress": ["waiting_customer", "resolved"],
...         "waiting_customer": ["in_progress"],
...     },
...     "hooks": [{"stage": "resolved", "notify": ["owner"], "subject": "Resolved"}],
... })
>>> [h.subject for h in flow.move("in_progress", "resolved")]
['Resolved']
>>> try:
...     flow.move("resolved", "new")
... except IllegalTransition as e:
...     print(e.from_stage, e.to_stage, e.allowed)
resolved new ()
>>> flow.revise(transitions={"new": ["resolved"]}).version
2
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit.domain.access import Decision, require_can_act
from crmkit.domain.employees import Employee
from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.workflow_stages import NOTIFY_ROLES, STAGE_LENGTH, Stage, StageHook, StageKind

__all__ = [
    "KEY_LENGTH",
    "NOTIFY_ROLES",
    "STAGE_LENGTH",
    "WORKFLOW_AGGREGATE",
    "IllegalTransition",
    "Stage",
    "StageHook",
    "StageKind",
    "UnknownStage",
    "Workflow",
    "may_define",
    "recipients",
]


WORKFLOW_AGGREGATE = "workflow"
"""``aggregate_type`` of the audit entries of stored workflow versions (C12)."""

KEY_LENGTH = 200
"""Longest workflow key (an interaction category is at most as long)."""


class UnknownStage(ValidationError):
    """A stage name the workflow does not define (bad input: names the field)."""


class IllegalTransition(RuleViolation):
    """The workflow does not allow this move (I2).

    Attributes:
        workflow: the workflow key.
        from_stage: where the record is.
        to_stage: where it was asked to go.
        allowed: the stages reachable from ``from_stage``, in definition order.
    """

    def __init__(self, workflow: str, version: int, from_stage: str, to_stage: str, allowed: tuple[str, ...]):
        shown = ", ".join(repr(a) for a in allowed) or "none"
        super().__init__(
            "I2",
            f"{workflow} v{version}: no move from {from_stage!r} to {to_stage!r};"
            f" allowed from {from_stage!r}: {shown}",
        )
        self.workflow = workflow
        self.from_stage = from_stage
        self.to_stage = to_stage
        self.allowed = allowed


def _build(kind: type[Any], field: str, index: int, value: object) -> Any:
    if isinstance(value, kind):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError(f"{field}[{index}]", f"{value!r} is not a mapping")
    known = {a.name for a in attrs.fields(kind)}
    extra = sorted(set(value) - known)
    if extra:
        raise ValidationError(f"{field}[{index}]", f"unknown keys {extra}; known: {sorted(known)}")
    return kind(**dict(value))


def _stages(values: Iterable[Stage | Mapping[str, Any]]) -> tuple[Stage, ...]:
    out = tuple(_build(Stage, "stages", i, v) for i, v in enumerate(values))
    if not out:
        raise ValidationError("stages", "a workflow needs at least one stage")
    seen: set[str] = set()
    for index, stage in enumerate(out):
        if stage.name in seen:
            raise ValidationError(f"stages[{index}]", f"stage {stage.name!r} is defined twice")
        seen.add(stage.name)
    return out


def _transitions(
    values: Mapping[str, Iterable[str]] | Iterable[tuple[str, str]],
) -> tuple[tuple[str, str], ...]:
    pairs: Iterable[tuple[str, str]]
    if isinstance(values, Mapping):
        pairs = [(src, dst) for src, targets in values.items() for dst in _targets(src, targets)]
    else:
        pairs = values
    out: list[tuple[str, str]] = []
    for index, pair in enumerate(pairs):
        if isinstance(pair, str) or len(tuple(pair)) != 2:
            raise ValidationError(f"transitions[{index}]", f"{pair!r} is not a (from, to) pair")
        src, dst = tuple(pair)
        out.append((str(src), str(dst)))
    return tuple(dict.fromkeys(out))


def _targets(source: str, targets: Iterable[str]) -> Iterable[str]:
    if isinstance(targets, str):
        raise ValidationError(f"transitions.{source}", f"{targets!r} is one string; give a list of stages")
    return targets


def _hooks(values: Iterable[StageHook | Mapping[str, Any]]) -> tuple[StageHook, ...]:
    return tuple(_build(StageHook, "hooks", i, v) for i, v in enumerate(values))


def _key(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("key", "a workflow needs a key (the category or record kind it governs)")
    if len(value.strip()) > KEY_LENGTH:
        raise ValidationError("key", f"is {len(value.strip())} characters long; at most {KEY_LENGTH}")
    return value.strip()


def _version(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, f"a version is a whole number from 1, not {value!r}")


@attrs.frozen(kw_only=True)
class Workflow:
    """A versioned definition of stages, allowed moves and stage-entry hooks (I2, I9).

    Build one directly, or from plain data with :meth:`from_data` (the shape
    :meth:`to_data` returns, fit for JSON). Every named stage — the initial
    one, both ends of each transition, each hook's stage — must be defined.

    Attributes:
        key: what it governs: an interaction category, ``"opportunity"``, ``"service_case"`` …
        version: 1 for a first definition; :meth:`revise` returns the next.
        initial: the stage a new record starts in.
        stages: the stages, in display order.
        transitions: the allowed moves as ``(from, to)`` pairs, in definition order, no repeats.
        hooks: what entering a stage does.

    Raises:
        ValidationError: naming the field: no stages, a stage defined twice, a transition, hook or
            initial stage naming an undefined stage, a move from a stage to itself.
    """

    key: str = attrs.field(converter=_key)
    version: int = attrs.field(default=1, validator=_version)
    initial: str
    stages: tuple[Stage, ...] = attrs.field(converter=_stages)
    transitions: tuple[tuple[str, str], ...] = attrs.field(converter=_transitions, factory=tuple)
    hooks: tuple[StageHook, ...] = attrs.field(converter=_hooks, factory=tuple)

    def __attrs_post_init__(self) -> None:
        names = {s.name for s in self.stages}
        if self.initial not in names:
            raise UnknownStage("initial", self._unknown(self.initial))
        for index, (src, dst) in enumerate(self.transitions):
            for end, name in (("from", src), ("to", dst)):
                if name not in names:
                    raise UnknownStage(f"transitions[{index}].{end}", self._unknown(name))
            if src == dst:
                raise ValidationError(f"transitions[{index}]", f"a move from {src!r} to itself is no move")
        for index, hook in enumerate(self.hooks):
            if hook.stage not in names:
                raise UnknownStage(f"hooks[{index}].stage", self._unknown(hook.stage))

    def _unknown(self, name: str) -> str:
        known = ", ".join(repr(s.name) for s in self.stages)
        return f"{name!r} is not a stage of {self.key} v{self.version} ({known})"

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The stage names in display order."""
        return tuple(s.name for s in self.stages)

    def stage(self, name: str, *, field: str = "stage") -> Stage:
        """The stage called ``name``.

        Raises:
            UnknownStage: naming ``field`` when the workflow has no such stage.
        """
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise UnknownStage(field, self._unknown(name))

    def allowed_from(self, stage: str) -> tuple[str, ...]:
        """The stages one move away from ``stage``, in definition order.

        Raises:
            UnknownStage: when ``stage`` is not defined.
        """
        self.stage(stage, field="from_stage")
        return tuple(dst for src, dst in self.transitions if src == stage)

    def can_move(self, from_stage: str, to_stage: str) -> bool:
        """True when the move is allowed; False for any other pair, defined or not."""
        return (from_stage, to_stage) in set(self.transitions)

    def move(self, from_stage: str, to_stage: str) -> tuple[StageHook, ...]:
        """Check one move and return the hooks entering ``to_stage`` fires, in definition order.

        Raises:
            UnknownStage: naming ``from_stage`` or ``to_stage`` when it is not defined.
            IllegalTransition: when both are defined but the move is not allowed.
        """
        self.stage(from_stage, field="from_stage")
        self.stage(to_stage, field="to_stage")
        if not self.can_move(from_stage, to_stage):
            raise IllegalTransition(
                self.key, self.version, from_stage, to_stage, self.allowed_from(from_stage)
            )
        return self.entering(to_stage)

    def entering(self, stage: str) -> tuple[StageHook, ...]:
        """The hooks that fire on entering ``stage`` (also used for the initial stage of a new record)."""
        self.stage(stage, field="to_stage")
        return tuple(h for h in self.hooks if h.stage == stage)

    def revise(self, **changes: Any) -> Workflow:
        """A new version with ``changes`` (any of ``initial``, ``stages``, ``transitions``, ``hooks``).

        Raises:
            ValidationError: when the revised definition is invalid, or ``key`` or ``version`` is changed.
        """
        for fixed in ("key", "version"):
            if fixed in changes:
                raise ValidationError(fixed, "a revision keeps the key and takes the next version")
        return attrs.evolve(self, version=self.version + 1, **changes)

    def to_data(self) -> dict[str, Any]:
        """The definition as plain JSON-ready data; :meth:`from_data` reads it back."""
        return {
            "key": self.key,
            "version": self.version,
            "initial": self.initial,
            "stages": [
                {
                    "name": s.name,
                    "kind": s.kind.value,
                    "probability": None if s.probability is None else str(s.probability),
                    "next_step": s.next_step,
                    "pauses_clock": s.pauses_clock,
                }
                for s in self.stages
            ],
            "transitions": [[a, b] for a, b in self.transitions],
            "hooks": [_hook_data(h) for h in self.hooks],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Workflow:
        """Build a workflow from plain data (the shape of :meth:`to_data`; transitions may also be a mapping).

        Raises:
            ValidationError: naming the field for a missing or bad part.
        """
        if not isinstance(data, Mapping):
            raise ValidationError("workflow", "give the definition as a mapping")
        for required in ("key", "initial", "stages"):
            if required not in data:
                raise ValidationError(required, "is missing from the workflow definition")
        transitions = data.get("transitions", ())
        if not isinstance(transitions, Mapping):
            transitions = [tuple(pair) for pair in transitions]
        return cls(
            key=data["key"],
            version=data.get("version", 1),
            initial=data["initial"],
            stages=data["stages"],
            transitions=transitions,
            hooks=data.get("hooks", ()),
        )


def _hook_data(hook: StageHook) -> dict[str, Any]:
    data: dict[str, Any] = {"stage": hook.stage, "notify": list(hook.notify), "subject": hook.subject}
    if hook.template is not None:
        data.update(template=hook.template, delay_minutes=hook.delay_minutes, at=hook.at)
    return data


def may_define(actor: Employee, at: datetime) -> Decision:
    """Whether ``actor`` may store a workflow definition at ``at``: admins only, like every parameter (C9).

    >>> from datetime import UTC, datetime
    >>> import uuid
    >>> boss = Employee(id=EmployeeId(uuid.UUID(int=1)), name="Ayşe", position="admin",
    ...                 hired_at=datetime(2020, 1, 1, tzinfo=UTC))
    >>> bool(may_define(boss, datetime(2026, 1, 1, tzinfo=UTC)))
    True
    """
    can = require_can_act(actor, at)
    if not can:
        return can
    if not actor.position.is_admin:
        return Decision.deny(f"only admins define workflows; {actor.name} is {actor.position.value} (I2, C9)")
    return Decision.allow(f"{actor.name} is {actor.position.value}: admins define workflows (I2, C9)")


def recipients(
    hooks: Iterable[StageHook],
    *,
    owner: EmployeeId,
    creator: EmployeeId,
    team: Iterable[EmployeeId] = (),
) -> tuple[EmployeeId, ...]:
    """The employees ``hooks`` notify, each once, in the order the hooks name them.

    ``owner``, ``creator`` and ``team`` (the members of the record's owner team,
    in their order) stand for the :data:`~crmkit.domain.workflow_stages.NOTIFY_ROLES`; explicit ids are kept.

    >>> a, b = EmployeeId(uuid.UUID(int=1)), EmployeeId(uuid.UUID(int=2))
    >>> hook = StageHook(stage="done", notify=("owner", "team", str(b)))
    >>> recipients([hook], owner=a, creator=b, team=[b, a]) == (a, b)
    True
    """
    members = tuple(team)
    out: list[EmployeeId] = []
    for hook in hooks:
        for name in hook.notify:
            if name == "owner":
                out.append(owner)
            elif name == "creator":
                out.append(creator)
            elif name == "team":
                out.extend(members)
            else:
                out.append(EmployeeId(uuid.UUID(name)))
    return tuple(dict.fromkeys(out))
