"""Service cases on a workflow, and their stage history (SPEC §6 S2, S8): values only.

A :class:`Case` (*servis talebi*) is opened by a call, the portal or an
e-mail; it moves through the stages of a
:class:`~crmkit.domain.workflow.Workflow` (data: :data:`DEFAULT_CASE_WORKFLOW`
unless the host stores its own under :data:`CASE_WORKFLOW_KEY`), only along
allowed transitions. A case is closed only with a resolution, and can be
reopened, which the technician's success rate counts against him (S5).

Every stage change is a :class:`CaseEvent`; the events give the pauses of
the service-level clock: the time spent in a stage that ``pauses_clock``
(waiting on the customer) — see :func:`pauses`.

>>> import uuid
>>> from datetime import UTC, datetime
>>> t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
>>> case = Case.open(
...     id=CaseId(uuid.uuid4()), company_id=CompanyId(uuid.uuid4()), channel="call",
...     reason="Kompresör arızası", opened_by=EmployeeId(uuid.uuid4()), at=t0,
...     workflow=DEFAULT_CASE_WORKFLOW,
... )
>>> case.stage
'new'
>>> try:
...     case.move(DEFAULT_CASE_WORKFLOW, "resolved", t0)
... except ValidationError as e:
...     print(e.field)
resolution
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NewType

import attrs

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.periods import Period
from crmkit.domain.service import ContractId
from crmkit.domain.workflow import StageHook, Workflow

__all__ = [
    "CASE_AGGREGATE",
    "CASE_WORKFLOW_KEY",
    "DEFAULT_CASE_WORKFLOW",
    "Case",
    "CaseChannel",
    "CaseEvent",
    "CaseId",
    "Priority",
    "pauses",
]

CaseId = NewType("CaseId", uuid.UUID)
"""Identifies a service case (S2)."""

CASE_AGGREGATE = "service_case"
"""``aggregate_type`` of the audit entries of cases (C12)."""
CASE_WORKFLOW_KEY = "service_case"
"""The key under which a host stores its own case workflow in ``uow.workflows``."""
REASON_LENGTH = 500
"""Longest case reason, in characters."""

DEFAULT_CASE_WORKFLOW = Workflow.from_data(
    {
        "key": CASE_WORKFLOW_KEY,
        "initial": "new",
        "stages": [
            {"name": "new"},
            {"name": "assigned"},
            {"name": "in_progress"},
            {"name": "waiting_customer", "pauses_clock": True},
            {"name": "resolved", "kind": "closed"},
        ],
        "transitions": {
            "new": ["assigned", "in_progress", "waiting_customer", "resolved"],
            "assigned": ["in_progress", "waiting_customer", "resolved"],
            "in_progress": ["waiting_customer", "resolved"],
            "waiting_customer": ["in_progress", "resolved"],
        },
    }
)
"""The case workflow used when the host has stored none (S2): waiting on the customer pauses the clock."""


class CaseChannel(enum.StrEnum):
    """How the customer opened the case (S2)."""

    CALL = "call"
    PORTAL = "portal"
    EMAIL = "email"


class Priority(enum.StrEnum):
    """How urgent a case is; picks the service level when the contract sets none (S8)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


def _choice(kind: type[enum.StrEnum], field: str, value: object) -> Any:
    try:
        return kind(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationError(field, f"{value!r} is not one of: {allowed}") from None


def _channel(value: object) -> CaseChannel:
    found: CaseChannel = _choice(CaseChannel, "channel", value)
    return found


def _priority(value: object) -> Priority:
    found: Priority = _choice(Priority, "priority", value)
    return found


def _reason(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, "must not be blank")
    if len(value) > REASON_LENGTH:
        raise ValidationError(attribute.name, f"is {len(value)} characters long; at most {REASON_LENGTH}")


@attrs.frozen(kw_only=True)
class Case:
    """A service case (S2).

    Attributes:
        id: its id.
        company_id: the customer.
        contract_id: the contract (subscription) it cites, if any (S8).
        channel: call, portal or e-mail.
        priority: picks the service level when the contract sets none.
        reason: what the customer reported.
        product: the product, asset or serial concerned; blank when none.
        technician_id: the assigned technician (``None``: unattended).
        workflow_key: the workflow it moves through.
        workflow_version: the workflow version it moves under.
        stage: its current stage.
        resolution: what was done; required to close.
        opened_by: who recorded it.
        opened_at: when it was opened.
        first_response_at: first move or work by the service team.
        closed_at: when it reached a closed stage (``None`` while open).
        reopen_count: how often it was reopened.
        last_activity_at: last stage change, assignment or work logged.
        invoice_ref: the invoice that charged it (seed 003's service history), blank when none.
        resolution_met: whether it was closed within its resolution target (set on closing, S5, S8).
        version: optimistic-locking version.
    """

    id: CaseId
    company_id: CompanyId
    contract_id: ContractId | None = None
    channel: CaseChannel = attrs.field(converter=_channel)
    priority: Priority = attrs.field(default=Priority.NORMAL, converter=_priority)
    reason: str = attrs.field(validator=_reason)
    product: str = ""
    technician_id: EmployeeId | None = None
    workflow_key: str
    workflow_version: int
    stage: str
    resolution: str = ""
    opened_by: EmployeeId
    opened_at: datetime
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    last_activity_at: datetime
    invoice_ref: str = ""
    resolution_met: bool | None = None
    version: int = 1

    @classmethod
    def open(
        cls,
        *,
        id: CaseId,
        company_id: CompanyId,
        channel: str,
        reason: str,
        opened_by: EmployeeId,
        at: datetime,
        workflow: Workflow,
        priority: str = "normal",
        contract_id: ContractId | None = None,
        product: str = "",
    ) -> Case:
        """A new case in the workflow's initial stage."""
        return cls(
            id=id,
            company_id=company_id,
            contract_id=contract_id,
            channel=channel,
            priority=priority,
            reason=reason,
            product=product,
            workflow_key=workflow.key,
            workflow_version=workflow.version,
            stage=workflow.initial,
            opened_by=opened_by,
            opened_at=at,
            last_activity_at=at,
        )

    @property
    def is_closed(self) -> bool:
        """True once the case reached a closed stage (and was not reopened)."""
        return self.closed_at is not None

    def _check_workflow(self, workflow: Workflow) -> None:
        if (workflow.key, workflow.version) != (self.workflow_key, self.workflow_version):
            raise ValidationError(
                "workflow",
                f"the case moves under {self.workflow_key} v{self.workflow_version}, "
                f"not {workflow.key} v{workflow.version}",
            )

    def _active(self, at: datetime) -> dict[str, Any]:
        first = self.first_response_at if self.first_response_at is not None else at
        return {"last_activity_at": max(at, self.last_activity_at), "first_response_at": first}

    def move(
        self, workflow: Workflow, to: str, at: datetime, *, resolution: str | None = None
    ) -> tuple[Case, tuple[StageHook, ...]]:
        """The case in stage ``to``, and the hooks entering it fires (S2, I2).

        Raises:
            UnknownStage: ``to`` is not a stage of the workflow (field ``stage``).
            IllegalTransition: the workflow does not allow the move.
            ValidationError: ``resolution`` blank when ``to`` closes the case; ``workflow``
                when it is not the version the case moves under.
        """
        self._check_workflow(workflow)
        hooks = workflow.move(self.stage, to)
        changes = self._active(at)
        target = workflow.stage(to)
        if resolution is not None:
            changes["resolution"] = resolution.strip()
        if target.is_final:
            if not changes.get("resolution", self.resolution).strip():
                raise ValidationError("resolution", "a case is closed only with a resolution (S2)")
            changes["closed_at"] = at
        return attrs.evolve(self, stage=to, **changes), hooks

    def reopen(self, workflow: Workflow, at: datetime) -> Case:
        """The closed case back in the workflow's initial stage, counted as reopened (S2, S5).

        Raises:
            RuleViolation: the case is not closed (rule ``S2``).
        """
        self._check_workflow(workflow)
        if not self.is_closed:
            raise RuleViolation("S2", "only a closed case can be reopened")
        return attrs.evolve(
            self,
            stage=workflow.initial,
            closed_at=None,
            resolution_met=None,
            reopen_count=self.reopen_count + 1,
            last_activity_at=max(at, self.last_activity_at),
        )

    def assign(self, technician: EmployeeId, at: datetime) -> Case:
        """The case with ``technician`` assigned; an assignment is activity."""
        return attrs.evolve(self, technician_id=technician, **self._active(at))

    def worked(self, at: datetime) -> Case:
        """The case after work was logged on it at ``at`` (activity, first response)."""
        return attrs.evolve(self, **self._active(at))


@attrs.frozen(kw_only=True)
class CaseEvent:
    """A stage the case entered: on opening, each move and each reopening (S2, S8).

    Attributes:
        case_id: the case.
        seq: 1, 2, … in the order the case entered its stages.
        at: when it entered the stage.
        stage: the stage entered.
        paused: whether that stage pauses the service-level clock.
        moved_by: who moved it.
    """

    case_id: CaseId
    seq: int
    at: datetime
    stage: str
    paused: bool
    moved_by: EmployeeId

    @property
    def version(self) -> int:
        """Always 1: an event never changes."""
        return 1


def pauses(events: Iterable[CaseEvent], until: datetime) -> list[Period]:
    """The periods the case spent in clock-pausing stages, up to ``until`` (S8).

    A pause still running at ``until`` ends there; periods after ``until`` are cut.
    """
    ordered = sorted(events, key=lambda e: e.seq)
    found: list[Period] = []
    for index, event in enumerate(ordered):
        if not event.paused:
            continue
        end = ordered[index + 1].at if index + 1 < len(ordered) else until
        end = min(end, until)
        if event.at < end:
            found.append(Period(event.at, end))
    return found
