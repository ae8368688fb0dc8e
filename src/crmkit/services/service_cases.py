"""Policy-checked service cases and their service levels: part of ``crm.service`` (S2, S8).

Cases follow the company's visibility (A1, A8) and the interaction rules of
A3: everyone who may see the company sees its cases; an ``employee`` changes
only the cases he holds (assigned to him, or opened by him while unassigned).
Every change is audited in its unit of work (C12) and every stage entered is
recorded as a :class:`~crmkit.domain.cases.CaseEvent`, from which the
service-level clock's pauses come (S8).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import attrs

from crmkit.domain.access import (
    Action,
    Actor,
    CompanyResource,
    InteractionResource,
    decide,
    visibility_predicate,
)
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.cases import (
    CASE_AGGREGATE,
    CASE_WORKFLOW_KEY,
    DEFAULT_CASE_WORKFLOW,
    Case,
    CaseEvent,
    CaseId,
    pauses,
)
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, parse_id
from crmkit.domain.interactions import Interaction
from crmkit.domain.predicates import Predicate, describe
from crmkit.domain.service import Contract, ContractId, covering_contract
from crmkit.domain.sla import DEFAULT_LEVELS, ServiceLevel, SlaStatus, measure
from crmkit.domain.workflow import Workflow
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef
from crmkit.services.customers import Page, facts_of
from crmkit.services.guard import require_active_company
from crmkit.services.interactions import check_version, known_company, known_employee, visible_company
from crmkit.services.policy import PolicyUseCases
from crmkit.services.service_links import cited_contract, notify_case_stage

__all__ = ["CaseSla", "CaseUseCases", "ServiceHistoryRow"]


@attrs.frozen
class CaseSla:
    """A case's two service-level clocks (S8).

    Attributes:
        case_id: the case.
        level: the targets applied (the contract's, else the priority's).
        first_response: the first-response clock (stops at the first response).
        resolution: the resolution clock (stops when the case is closed).
    """

    case_id: CaseId
    level: ServiceLevel
    first_response: SlaStatus
    resolution: SlaStatus


@attrs.frozen
class ServiceHistoryRow:
    """One line of a company's service history (S8, seed 003): the case, its contract, its invoice."""

    case: Case
    contract: Contract | None
    invoice_ref: str


class CaseUseCases(PolicyUseCases):
    """Open, assign, move, close and reopen cases; list them; measure their service levels."""

    @property
    def calendar(self) -> WorkingCalendar:
        """The working calendar service levels count in (supplied by the concrete use cases)."""
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------------
    def _workflow(
        self, uow: UnitOfWork, key: str = CASE_WORKFLOW_KEY, version: int | None = None
    ) -> Workflow:
        if key == DEFAULT_CASE_WORKFLOW.key and version in (None, DEFAULT_CASE_WORKFLOW.version):
            try:
                return uow.workflows.get(key, version)
            except NotFound:
                return DEFAULT_CASE_WORKFLOW
        return uow.workflows.get(key, version)

    def _holder(self, case: Case) -> EmployeeId:
        return case.technician_id if case.technician_id is not None else case.opened_by

    def _case(self, uow: UnitOfWork, who: Actor, id: object, action: Action, at: datetime) -> Case:
        case = uow.service.cases.get(CaseId(parse_id("case", id)))
        company = uow.companies.get(case.company_id)
        resource = InteractionResource(company=facts_of(uow, company, at), owner_id=self._holder(case))
        decide(who, action, resource, at).enforce()
        return case

    def _seen_contract(self, uow: UnitOfWork, actor: ActorRef, contract: object, at: datetime) -> Contract:
        """The contract ``contract`` names, when ``actor`` may see its company at ``at`` (A8).

        Raises:
            NotFound: no such contract.
            PermissionDenied: with the policy's reason.
        """
        return self._contract_sight(uow, actor, contract, at)[0]

    def _contract_sight(
        self, uow: UnitOfWork, actor: ActorRef, contract: object, at: datetime
    ) -> tuple[Contract, Predicate]:
        """:meth:`_seen_contract`, and the actor's visibility predicate at ``at`` (A7): one decision."""
        who = self._actor(uow, actor)
        found = uow.service.contracts.get(ContractId(parse_id("contract", contract)))
        company = uow.companies.get(found.company_id)
        decide(who, Action.VIEW, CompanyResource(company=facts_of(uow, company, at)), at).enforce()
        return found, visibility_predicate(who, at)

    @contextmanager
    def _changing(
        self, actor: ActorRef, case: object, version: int | None
    ) -> Iterator[tuple[UnitOfWork, Case, EmployeeId, datetime]]:
        """A unit of work on a case the actor may change (A3), at the version he read.

        Yields ``(uow, case, actor id, now)``; committed when the block ends normally.

        Raises:
            NotFound: no such case.
            PermissionDenied: with the policy's reason.
            ConcurrencyConflict: ``version`` is stale.
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            current = self._case(uow, self._actor(uow, actor), case, Action.UPDATE, now)
            check_version(CASE_AGGREGATE, current.id, current.version, version)
            yield uow, current, by, now

    def _event(self, uow: UnitOfWork, case: Case, workflow: Workflow, by: EmployeeId, at: datetime) -> None:
        seq = len(uow.service.cases.events(case.id)) + 1
        stage = workflow.stage(case.stage)
        uow.service.cases.add_event(
            CaseEvent(
                case_id=case.id, seq=seq, at=at, stage=case.stage, paused=stage.pauses_clock, moved_by=by
            )
        )

    def _contract_for(
        self, uow: UnitOfWork, company: CompanyId, value: object | None, product: str, at: datetime
    ) -> ContractId | None:
        day = at.astimezone(self.calendar.zone).date()
        if value is None:
            found = covering_contract(uow.service.contracts.for_company(company), company, product, day)
            return None if found is None else found.id
        return cited_contract(uow, value, company, day).id  # S1, S8: the company's, in force that day

    # -- use cases -----------------------------------------------------------------------------
    def open_case(
        self,
        *,
        actor: ActorRef,
        company: object,
        channel: str,
        reason: str,
        priority: str = "normal",
        contract: object | None = None,
        product: str = "",
    ) -> Case:
        """Open a case for ``company`` (S2), opened by a call, the portal or an e-mail.

        The case cites ``contract``, or the contract that covers the company (and
        ``product``) today (S8). It starts in the case workflow's initial stage.

        Raises:
            ValidationError: naming ``company``, ``channel``, ``priority``, ``reason`` or
                ``contract``; nothing is stored.
            PermissionDenied: the actor may not see the company (A1, A5, A6).
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            found = known_company(uow, "company", company)
            resource = InteractionResource(company=facts_of(uow, found, now), owner_id=by)
            decide(who, Action.CREATE, resource, now).enforce()
            require_active_company(found)  # C13
            workflow = self._workflow(uow)
            case = Case.open(
                id=CaseId(self._new_id()),
                company_id=found.id,
                channel=channel,
                reason=reason,
                priority=priority,
                opened_by=by,
                at=now,
                workflow=workflow,
                contract_id=self._contract_for(uow, found.id, contract, product, now),
                product=product,
            )
            uow.service.cases.add(case)
            self._event(uow, case, workflow, by, now)
            notify_case_stage(uow, workflow.entering(case.stage), case, now, self._new_id)  # I2
            return case

    def assign_case(
        self, *, actor: ActorRef, case: object, technician: object, version: int | None = None
    ) -> Case:
        """Assign a technician (an active employee) to the case (S2).

        Raises:
            NotFound: no such case.
            PermissionDenied: with the policy's reason.
            ValidationError: ``technician`` unknown or departed.
        """
        with self._changing(actor, case, version) as (uow, current, _by, now):
            tech = known_employee(uow, "technician", technician, now)
            return uow.service.cases.save(current.assign(tech, now))

    def move_case(
        self,
        *,
        actor: ActorRef,
        case: object,
        stage: str,
        resolution: str | None = None,
        version: int | None = None,
    ) -> Case:
        """Move the case to ``stage`` along an allowed transition (S2, I2).

        Entering a closed stage closes the case and needs a ``resolution``. The hooks of the
        stage entered queue their e-mails in the same unit of work
        (:func:`~crmkit.services.service_links.notify_case_stage`), as an interaction's do (I2).

        Raises:
            NotFound: no such case.
            PermissionDenied: with the policy's reason.
            UnknownStage: ``stage`` is not in the workflow (field ``stage``).
            IllegalTransition: the workflow does not allow the move.
            ValidationError: ``resolution`` missing when closing; nothing is stored.
        """
        with self._changing(actor, case, version) as (uow, current, by, now):
            workflow = self._workflow(uow, current.workflow_key, current.workflow_version)
            moved, hooks = current.move(workflow, stage, now, resolution=resolution)
            if moved.closed_at is not None:  # closing: was the resolution target met? (S5, S8)
                contract = None if moved.contract_id is None else uow.service.contracts.get(moved.contract_id)
                clocks = sla_of(self.calendar, moved, uow.service.cases.events(moved.id), contract, now)
                moved = attrs.evolve(moved, resolution_met=not clocks.resolution.breached)
            saved = uow.service.cases.save(moved)
            self._event(uow, saved, workflow, by, now)
            notify_case_stage(uow, hooks, saved, now, self._new_id)  # the stage's hooks (I2)
            return saved

    def close_case(
        self, *, actor: ActorRef, case: object, resolution: str, version: int | None = None
    ) -> Case:
        """Close the case with its ``resolution``: move it to the first closed stage it may reach (S2).

        Raises:
            ValidationError: a blank ``resolution``; nothing is stored.
            RuleViolation: no closed stage can be reached from the current one.
        """
        with self._work(None) as uow:
            current = uow.service.cases.get(CaseId(parse_id("case", case)))
            workflow = self._workflow(uow, current.workflow_key, current.workflow_version)
        closing = [s for s in workflow.allowed_from(current.stage) if workflow.stage(s).is_final]
        target = closing[0] if closing else next(s.name for s in workflow.stages if s.is_final)
        return self.move_case(actor=actor, case=case, stage=target, resolution=resolution, version=version)

    def reopen_case(self, *, actor: ActorRef, case: object, version: int | None = None) -> Case:
        """Reopen a closed case into the workflow's initial stage; it counts against success (S2, S5).

        Raises:
            RuleViolation: the case is not closed (``S2``).
        """
        with self._changing(actor, case, version) as (uow, current, by, now):
            workflow = self._workflow(uow, current.workflow_key, current.workflow_version)
            saved = uow.service.cases.save(current.reopen(workflow, now))
            self._event(uow, saved, workflow, by, now)
            notify_case_stage(uow, workflow.entering(saved.stage), saved, now, self._new_id)  # I2
            return saved

    def record_invoice(
        self, *, actor: ActorRef, case: object, invoice_ref: str, version: int | None = None
    ) -> Case:
        """Record the invoice that charged the case (its number), for the service history (S8, seed 003).

        Raises:
            NotFound: no such case.
            PermissionDenied: with the policy's reason.
            ValidationError: a blank ``invoice_ref`` or one longer than 100 characters.
        """
        if not isinstance(invoice_ref, str) or not invoice_ref.strip() or len(invoice_ref.strip()) > 100:
            raise ValidationError("invoice_ref", "an invoice number of 1 to 100 characters")
        with self._changing(actor, case, version) as (uow, current, _by, _now):
            return uow.service.cases.save(attrs.evolve(current, invoice_ref=invoice_ref.strip()))

    def get_case(self, *, actor: ActorRef, case: object) -> Case:
        """One case, when the actor may see its company (A8).

        Raises:
            NotFound: no such case.
            PermissionDenied: with the policy's reason.
        """
        now = self._now()
        with self._work(None) as uow:
            return self._case(uow, self._actor(uow, actor), case, Action.VIEW, now)

    def cases(
        self,
        *,
        actor: ActorRef,
        company: object | None = None,
        technician: object | None = None,
        open_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Case]:
        """The cases the actor may see (A7, in the storage), newest opened first."""
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            return uow.service.cases.visible(
                visibility_predicate(who, now),
                company=None if company is None else CompanyId(parse_id("company", company)),
                technician=None if technician is None else EmployeeId(parse_id("technician", technician)),
                open_only=open_only,
                limit=limit,
                offset=offset,
            )

    def unattended(
        self, *, actor: ActorRef, idle_hours: int = 8, limit: int = 50, offset: int = 0
    ) -> list[Case]:
        """Open cases with no technician, or no activity for ``idle_hours`` working hours (S2).

        Oldest first; only cases the actor may see.

        Raises:
            ValidationError: ``idle_hours`` negative.
        """
        if isinstance(idle_hours, bool) or not isinstance(idle_hours, int) or idle_hours < 0:
            raise ValidationError("idle_hours", "a non-negative whole number of working hours")
        now = self._now()
        idle_before = self.calendar.subtract_working_time(now, timedelta(hours=idle_hours))
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            return uow.service.cases.unattended(
                visibility_predicate(who, now), idle_before, limit=limit, offset=offset
            )

    def case_sla(self, *, actor: ActorRef, case: object, at: datetime | None = None) -> CaseSla:
        """The case's first-response and resolution clocks at ``at`` (default now), in working time (S8).

        Targets come from the case's contract when it sets them, else from its
        priority (:data:`~crmkit.domain.sla.DEFAULT_LEVELS`). Time in stages that
        pause the clock does not count — only the working time such a pause covers.

        Raises:
            NotFound: no such case.
            PermissionDenied: with the policy's reason.
        """
        when = self._at(at)
        with self._work(None) as uow:
            found = self._case(uow, self._actor(uow, actor), case, Action.VIEW, when)
            events = uow.service.cases.events(found.id)
            contract = None if found.contract_id is None else uow.service.contracts.get(found.contract_id)
        return sla_of(self.calendar, found, events, contract, when)

    def service_history(
        self, *, actor: ActorRef, company: object, limit: int = 100
    ) -> list[ServiceHistoryRow]:
        """A company's cases, newest first, each with its contract and invoice (S8, seed 003).

        Raises:
            ValidationError: no such company.
            PermissionDenied: the actor may not see the company (A8).
        """
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            found = visible_company(uow, who, company, now)
            cases = uow.service.cases.visible(visibility_predicate(who, now), company=found.id, limit=limit)
            contracts = {c.id: c for c in uow.service.contracts.for_company(found.id)}
        return [
            ServiceHistoryRow(
                case, None if case.contract_id is None else contracts.get(case.contract_id), case.invoice_ref
            )
            for case in cases
        ]

    def contract_interactions(
        self, *, actor: ActorRef, contract: object, limit: int = 50, offset: int = 0
    ) -> Page[Interaction]:
        """The interactions citing ``contract`` (S1, S8), newest first, and their total (A7, in the storage).

        Raises:
            NotFound: no such contract.
            PermissionDenied: the actor may not see its company (A8).
        """
        with self._work(None) as uow:
            found, predicate = self._contract_sight(uow, actor, contract, self._now())
            items = uow.interactions.visible(predicate, contract=found.id, limit=limit, offset=offset)
            total = uow.interactions.count_visible(predicate, contract=found.id)
        return Page(items=tuple(items), total=total, limit=limit, offset=offset, rule=describe(predicate))

    def contract_cases(
        self, *, actor: ActorRef, contract: object, limit: int = 50, offset: int = 0
    ) -> list[Case]:
        """The cases citing ``contract`` (S1, S8) the actor may see, newest opened first.

        Raises:
            NotFound: no such contract.
            PermissionDenied: the actor may not see its company (A8).
        """
        with self._work(None) as uow:
            found, predicate = self._contract_sight(uow, actor, contract, self._now())
            return uow.service.cases.visible(predicate, contract=found.id, limit=limit, offset=offset)


def level_of(case: Case, contract: Contract | None) -> ServiceLevel:
    """The targets of a case: its contract's where set, else its priority's (S8)."""
    default = DEFAULT_LEVELS[case.priority]
    if contract is None:
        return default
    first = contract.first_response_minutes
    resolution = contract.resolution_minutes
    return ServiceLevel(
        default.first_response if first is None else timedelta(minutes=first),
        default.resolution if resolution is None else timedelta(minutes=resolution),
    )


def sla_of(
    calendar: WorkingCalendar,
    case: Case,
    events: Sequence[CaseEvent],
    contract: Contract | None,
    at: datetime,
) -> CaseSla:
    """Both clocks of ``case`` at ``at`` from its stage events (S8)."""
    level = level_of(case, contract)
    stopped = pauses(events, at)
    ordered = sorted(events, key=lambda e: e.seq)
    running = bool(ordered) and ordered[-1].paused and ordered[-1].at <= at

    def clock(target: timedelta, done_at: datetime | None) -> SlaStatus:
        return measure(
            calendar, case.opened_at, target, now=at, done_at=done_at, pauses=stopped, paused=running
        )

    return CaseSla(
        case_id=case.id,
        level=level,
        first_response=clock(level.first_response, case.first_response_at),
        resolution=clock(level.resolution, case.closed_at),
    )
