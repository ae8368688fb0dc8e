"""Stages of a workflow and the hooks run on entering one (SPEC §5 I2, I9; §6 service cases).

A :class:`Stage` names a step and says what reaching it means (:class:`StageKind`);
a :class:`StageHook` notifies people on entering a stage. The
:class:`~crmkit.domain.workflow.Workflow` ties them together with its transitions.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId

__all__ = ["NOTIFY_ROLES", "STAGE_LENGTH", "Stage", "StageHook", "StageKind"]

NOTIFY_ROLES: tuple[str, ...] = ("owner", "creator", "team")
"""Who a :class:`StageHook` may name besides explicit employees: the record's owner,
its creator, or every member of its owner team. The service resolves them to people."""

STAGE_LENGTH = 100
"""Longest stage name."""
_NAME_LENGTH = STAGE_LENGTH


class StageKind(enum.StrEnum):
    """What reaching a stage means.

    ``open`` stages are work in progress; ``closed`` ends the record (an
    interaction resolved, a case closed); ``won`` and ``lost`` end an
    opportunity (I9).
    """

    OPEN = "open"
    CLOSED = "closed"
    WON = "won"
    LOST = "lost"


def _name(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "a stage needs a name")
    cleaned = value.strip()
    if len(cleaned) > _NAME_LENGTH:
        raise ValidationError(field, f"is {len(cleaned)} characters long; at most {_NAME_LENGTH}")
    return cleaned


def _stage_name(value: object) -> str:
    return _name("name", value)


def _hook_stage(value: object) -> str:
    return _name("stage", value)


def _kind(value: object) -> StageKind:
    try:
        return StageKind(str(value))
    except ValueError:
        allowed = ", ".join(k.value for k in StageKind)
        raise ValidationError("kind", f"{value!r} is not one of: {allowed}") from None


def _probability(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else Decimal("nan")
    except InvalidOperation:
        raise ValidationError("probability", f"{value!r} is not a number") from None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        raise ValidationError("probability", f"a win probability is a percentage 0–100, not {value!r}")
    return number


def _flag(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(attribute.name, f"{value!r} is not true or false")


@attrs.frozen(kw_only=True)
class Stage:
    """One stage of a workflow.

    Attributes:
        name: its name, unique in the workflow (matched exactly).
        kind: open, closed, won or lost (:class:`StageKind`).
        probability: the win probability in percent, 0–100, for funnel stages (I9); ``None`` elsewhere.
        next_step: the step suggested to whoever holds a record in this stage (I9), may be blank.
        pauses_clock: while a record is in this stage its response clock stops
            (a case waiting for the customer, S8).

    Raises:
        ValidationError: naming the field: a blank name, an unknown kind, a probability outside 0–100.
    """

    name: str = attrs.field(converter=_stage_name)
    kind: StageKind = attrs.field(default=StageKind.OPEN, converter=_kind)
    probability: Decimal | None = attrs.field(default=None, converter=_probability)
    next_step: str = ""
    pauses_clock: bool = attrs.field(default=False, validator=_flag)

    @property
    def is_final(self) -> bool:
        """True for closed, won and lost stages."""
        return self.kind is not StageKind.OPEN


def _notify(values: Iterable[object]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ValidationError("notify", f"{values!r} is one string; give a list of recipients")
    out: list[str] = []
    for index, value in enumerate(values):
        text = str(value).strip()
        if text in NOTIFY_ROLES:
            out.append(text)
            continue
        try:
            out.append(str(uuid.UUID(text)))
        except ValueError:
            roles = ", ".join(NOTIFY_ROLES)
            raise ValidationError(
                f"notify[{index}]", f"{value!r} is neither an employee id nor one of: {roles}"
            ) from None
    return tuple(dict.fromkeys(out))


def _template(value: object) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValidationError("template", f"{value!r} is not a template id") from None


def _delay(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, f"a delay is a whole number of minutes ≥ 0, not {value!r}")


def _clock(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is None:
        return
    parts = value.split(":") if isinstance(value, str) else []
    ok = len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts)
    if not ok or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise ValidationError(attribute.name, f"{value!r} is not a time of day HH:MM")


@attrs.frozen(kw_only=True)
class StageHook:
    """What happens when a record enters a stage (I2): people notified, a follow-up queued (I13).

    Attributes:
        stage: the stage whose entry fires the hook.
        notify: recipients: :data:`~crmkit.domain.workflow_stages.NOTIFY_ROLES` names and/or
            employee ids (as text), no repeats.
        subject: the e-mail subject; the service adds the record's subject and stage.
        template: a follow-up (I13): the id (as text) of a dispatch template to send the
            record's contact, or ``None``.
        delay_minutes: the follow-up is due this many minutes after the stage is entered.
        at: or, when given (``"HH:MM"``), at the next such local time after the delay.

    Raises:
        ValidationError: naming the field: a blank stage, an unknown recipient, a template
            that is not an id, a negative delay, a time that is not ``HH:MM``.
    """

    stage: str = attrs.field(converter=_hook_stage)
    notify: tuple[str, ...] = attrs.field(converter=_notify, factory=tuple)
    subject: str = ""
    template: str | None = attrs.field(default=None, converter=_template)
    delay_minutes: int = attrs.field(default=0, validator=_delay)
    at: str | None = attrs.field(default=None, validator=_clock)

    def roles(self) -> tuple[str, ...]:
        """The role names among the recipients, in their order."""
        return tuple(n for n in self.notify if n in NOTIFY_ROLES)

    def employees(self) -> tuple[EmployeeId, ...]:
        """The explicit employees among the recipients, in their order."""
        return tuple(EmployeeId(uuid.UUID(n)) for n in self.notify if n not in NOTIFY_ROLES)
