"""What links a service case or an interaction to the rest of the CRM (SPEC §6 S1, S2, S8; §5 I2).

* Interactions and cases can cite a contract, the customer's subscription.
  :func:`cited_contract` is the one check both make: the contract exists,
  belongs to the record's company and is valid on the record's local date.
  It lives apart from the service use cases so ``crm.interactions`` can use
  it without importing them.
* Entering a case stage fires that stage's hooks, as for interactions (I2):
  :func:`notify_case_stage` queues one informational e-mail per employee the
  hooks name, through the outbox, in the unit of work of the move.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from crmkit.domain.cases import Case
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, parse_id
from crmkit.domain.service import Contract, ContractId
from crmkit.domain.workflow import StageHook, recipients
from crmkit.ports.storage import UnitOfWork
from crmkit.services.stages import queue_stage_emails

__all__ = ["cited_contract", "notify_case_stage"]


def cited_contract(uow: UnitOfWork, value: object, company: CompanyId, day: date) -> Contract:
    """The contract ``value`` names, when it is ``company``'s and valid on local ``day`` (S1, S8).

    Raises:
        ValidationError: naming ``contract``: not an id, no such contract, another
            company's, or not in force on ``day``; the caller stores nothing.
    """
    key = ContractId(parse_id("contract", value))
    try:
        found = uow.service.contracts.get(key)
    except NotFound:
        raise ValidationError("contract", f"there is no service contract {key}") from None
    if found.company_id != company:
        raise ValidationError("contract", f"contract {found.title!r} is another company's (S1)")
    if not found.starts_on <= day <= found.ends_on:
        raise ValidationError(
            "contract",
            f"contract {found.title!r} runs {found.starts_on}–{found.ends_on}, not on {day} (S1)",
        )
    return found


def notify_case_stage(
    uow: UnitOfWork,
    hooks: tuple[StageHook, ...],
    case: Case,
    now: datetime,
    new_id: Callable[[], uuid.UUID],
) -> tuple[EmployeeId, ...]:
    """Queue one informational e-mail per employee the hooks of the stage ``case`` entered name (S2, I2).

    The roles of a hook (:func:`~crmkit.domain.workflow.recipients`) read, for a case: ``owner``
    — who holds it (its technician, else who opened it); ``creator`` — who opened it; ``team``
    — nobody (a case has no owner team). Employees who cannot act at ``now`` (A5) or have no
    e-mail address are skipped. The idempotency key names the case, its version and stage and
    the employee, so one move never queues twice. Call it in the move's unit of work, after
    saving the case.

    Returns:
        The employees an e-mail was queued for, in hook order.
    """
    if not hooks:
        return ()
    holder = case.technician_id if case.technician_id is not None else case.opened_by
    company = uow.companies.get(case.company_id)
    return queue_stage_emails(
        uow,
        hooks,
        wanted=recipients(hooks, owner=holder, creator=case.opened_by),
        key=f"workflow:{case.id}:{case.version}:{case.stage}",
        subject=next((h.subject for h in hooks if h.subject), "") or f"Stage: {case.stage}",
        about=company.name,
        body=f"{company.name}: {case.reason}\nStage: {case.stage} (case {case.id})\n{case.resolution}",
        now=now,
        new_id=new_id,
    )
