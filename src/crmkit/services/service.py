"""The service module's use cases: ``crm.service`` (SPEC §6 S1–S8; §3 A1, A3, A5, A8; C12).

* **Contracts** (S1) belong to a company: who may change the company may
  record, renew and change its contracts; whoever sees it sees them (A8).
* **Work** (S3) is logged by or for a technician and charged to the contract
  covering the company, product and local date; when the customer has
  contracts but none covers the work, it is refused (bad input). Remaining
  hours and visits are summed in the storage; the part of an entry over the
  allowance is flagged as billable overage. A correction is a new entry.
* **Planning** (S6) is shared like the agenda (A4): everyone sees and books,
  only the creator cancels; a double booking of a technician or vehicle is
  refused (:class:`~crmkit.domain.errors.RuleViolation` ``S6``).
* **Knowledge base** (S7): every active employee searches and writes; only the
  author or an admin changes an article.
* **Cases and service levels** (S2, S8): see :mod:`crmkit.services.service_cases`.

Every change is written with its audit entry in one unit of work (C12); a
refused change stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import attrs

from crmkit.domain.access import Action, AgendaResource, CompanyResource, InteractionResource, decide
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.cases import CaseId
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, parse_id
from crmkit.domain.money import Money
from crmkit.domain.periods import Period, require_aware
from crmkit.domain.planning import BOOKING_AGGREGATE, Booking, BookingId
from crmkit.domain.service import (
    Balance,
    Contract,
    ContractId,
    WorkEntry,
    WorkEntryId,
    WorkKind,
    covering_contract,
    hours_to_minutes,
    overage,
)
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceContext, parse_enum
from crmkit.services.customers import facts_of
from crmkit.services.guard import require_active_company
from crmkit.services.interactions import check_version, known_company, known_employee
from crmkit.services.response_times import working_calendar
from crmkit.services.service_reports import ReportUseCases

__all__ = ["ServiceUseCases"]


def _count(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, "must be a non-negative whole number")
    return value


def _km(value: object) -> Decimal:
    if isinstance(value, (bool, float)) or not isinstance(value, (int, str, Decimal)):
        raise ValidationError("km", f"{value!r} is not a Decimal number of kilometres")
    try:
        km = Decimal(value)
    except ArithmeticError:
        raise ValidationError("km", f"{value!r} is not a number") from None
    if not km.is_finite() or km < 0:
        raise ValidationError("km", "must not be negative")
    return km


class ServiceUseCases(ReportUseCases):
    """``crm.service``: contracts, the hours ledger, cases and service levels, planning, knowledge base.

    Args:
        context: the injected ports and settings.
        calendar: the working calendar service levels and "unattended" count in, or a
            function giving it; by default the CRM's (``ServiceContext.calendar``: office
            hours with Turkey's public holidays, built on first use).
    """

    def __init__(
        self, context: ServiceContext, calendar: WorkingCalendar | Callable[[], WorkingCalendar] | None = None
    ) -> None:
        super().__init__(context)
        self._calendar_source = calendar
        self._calendar = calendar if isinstance(calendar, WorkingCalendar) else None

    @property
    def calendar(self) -> WorkingCalendar:
        """The calendar in use: one set by :meth:`use_calendar`, else the one given, else the CRM's."""
        if self._calendar is not None:
            return self._calendar
        source = self._calendar_source
        if source is None or isinstance(source, WorkingCalendar):
            return working_calendar(self._ctx)
        return source()

    def use_calendar(self, calendar: WorkingCalendar) -> None:
        """Count service levels in ``calendar`` from now on (another company's hours, closures)."""
        if not isinstance(calendar, WorkingCalendar):
            raise ValidationError("calendar", "must be a WorkingCalendar")
        self._calendar = calendar

    # -- contracts (S1) ------------------------------------------------------------------------
    def _company_change(
        self, uow: UnitOfWork, actor: ActorRef, company: object, now: datetime
    ) -> CompanyResource:
        who = self._actor(uow, actor)
        found = known_company(uow, "company", company)
        resource = CompanyResource(company=facts_of(uow, found, now), name=found.name)
        decide(who, Action.UPDATE, resource, now).enforce()
        require_active_company(found)  # C13: a contract or its renewal is a new record
        return resource

    def create_contract(
        self,
        *,
        actor: ActorRef,
        company: object,
        title: str,
        starts_on: date,
        ends_on: date,
        price: Money,
        allowance_hours: Decimal | int | str | None = None,
        allowance_visits: int | None = None,
        product: str = "",
        carry_over: bool = False,
        first_response_hours: Decimal | int | str | None = None,
        resolution_hours: Decimal | int | str | None = None,
    ) -> Contract:
        """Record a service contract: the company's subscription with an allowance (S1, S8).

        Raises:
            ValidationError: naming the field (``allowance_hours`` not whole minutes or
                negative, ``ends_on`` before ``starts_on``, no allowance: ``allowance`` …).
            PermissionDenied: the actor may not change the company (A3).
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        minutes = None if allowance_hours is None else hours_to_minutes("allowance_hours", allowance_hours)
        if minutes is not None and minutes < 0:
            raise ValidationError("allowance_hours", "must not be negative")
        with self._work(by) as uow:
            resource = self._company_change(uow, actor, company, now)
            contract = Contract(
                id=ContractId(self._new_id()),
                company_id=resource.company.id,
                title=title,
                product=product,
                starts_on=starts_on,
                ends_on=ends_on,
                allowance_minutes=minutes,
                allowance_visits=allowance_visits,
                carry_over=carry_over,
                price=price,
                first_response_minutes=_target("first_response_hours", first_response_hours),
                resolution_minutes=_target("resolution_hours", resolution_hours),
                created_at=now,
            )
            uow.service.contracts.add(contract)
            return contract

    def renew_contract(
        self, *, actor: ActorRef, contract: object, starts_on: date, ends_on: date, price: Money | None = None
    ) -> Contract:
        """Renew a contract for a new term: a fresh allowance, plus unused hours if it carries over (S1).

        Raises:
            NotFound: no such contract.
            ValidationError: ``starts_on`` not after the renewed term.
            PermissionDenied: the actor may not change the company (A3).
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            old = uow.service.contracts.get(ContractId(parse_id("contract", contract)))
            self._company_change(uow, actor, old.company_id, now)
            left = uow.service.ledger.balance(old).remaining_minutes or 0
            new = old.renew(
                id=ContractId(self._new_id()),
                starts_on=starts_on,
                ends_on=ends_on,
                price=old.price if price is None else price,
                remaining_minutes=left,
                created_at=now,
            )
            uow.service.contracts.add(new)
            return new

    def contracts(self, *, actor: ActorRef, company: object) -> list[Contract]:
        """The company's contracts by first date, when the actor may see the company (A8)."""
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            found = known_company(uow, "company", company)
            decide(who, Action.VIEW, CompanyResource(company=facts_of(uow, found, now)), now).enforce()
            return uow.service.contracts.for_company(found.id)

    def balance(self, *, actor: ActorRef, contract: object) -> Balance:
        """Remaining hours and visits of a contract, summed in the storage (S3).

        Raises:
            NotFound: no such contract.
            PermissionDenied: the actor may not see its company (A8).
        """
        now = self._now()
        with self._work(None) as uow:  # actor and memberships, contract, company, the sum: one decision
            found = self._seen_contract(uow, actor, contract, now)
            return uow.service.ledger.balance(found)

    def balances(self, *, actor: ActorRef, company: object, product: str | None = None) -> list[Balance]:
        """Remaining allowance per contract of a company, optionally of one product (S3, S5)."""
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            found = known_company(uow, "company", company)
            decide(who, Action.VIEW, CompanyResource(company=facts_of(uow, found, now)), now).enforce()
            return uow.service.ledger.balances(found.id, product=product)

    # -- the hours ledger (S3) -----------------------------------------------------------------
    def log_work(
        self,
        *,
        actor: ActorRef,
        company: object,
        kind: str | WorkKind,
        at: datetime,
        minutes: int | None = None,
        hours: Decimal | int | str | None = None,
        technician: object | None = None,
        km: Decimal | int | str = 0,
        vehicle: str = "",
        product: str = "",
        case: object | None = None,
        contract: object | None = None,
        note: str = "",
    ) -> WorkEntry:
        """Log a call (minutes), a visit (hours, km, vehicle) or back-office hours (S3).

        The entry is charged to ``contract``, else to the case's contract, else to
        the contract covering the company and ``product`` on the local date of
        ``at``. Time over the allowance is allowed and flagged as billable overage.

        Raises:
            ValidationError: naming the field: negative ``minutes``/``hours``/``km``,
                both or neither of ``minutes`` and ``hours``, ``contract`` not covering
                the work — also when the customer has contracts but none covers it —,
                ``case`` of another company; nothing is stored.
            PermissionDenied: an employee logs work only as himself at companies he sees (A3).
        """
        chosen = parse_enum(WorkKind, "kind", kind)
        require_aware("at", at)
        if (minutes is None) == (hours is None):
            raise ValidationError("minutes", "give the time spent as minutes or as hours, not both")
        spent = _count("minutes", minutes) if minutes is not None else hours_to_minutes("hours", hours)
        if spent < 0:
            raise ValidationError("hours", "must not be negative")
        distance = _km(km)
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            found = known_company(uow, "company", company)
            tech = by if technician is None else known_employee(uow, "technician", technician, now)
            resource = InteractionResource(company=facts_of(uow, found, now), owner_id=tech)
            decide(who, Action.CREATE, resource, now).enforce()
            require_active_company(found)  # C13
            case_id = None
            cited = None if contract is None else ContractId(parse_id("contract", contract))
            if case is not None:
                the_case = uow.service.cases.get(CaseId(parse_id("case", case)))
                if the_case.company_id != found.id:
                    raise ValidationError("case", "the case belongs to another company")
                case_id = the_case.id
                cited = cited if cited is not None else the_case.contract_id
                uow.service.cases.save(the_case.worked(at))
            charged = self._charged(uow, found.id, cited, product, at)
            balance = None if charged is None else uow.service.ledger.balance(charged)
            visits = 1 if chosen is WorkKind.VISIT else 0
            over_minutes, over_visits = overage(charged, balance, minutes=spent, visits=visits)
            entry = WorkEntry(
                id=WorkEntryId(self._new_id()),
                company_id=found.id,
                contract_id=None if charged is None else charged.id,
                case_id=case_id,
                kind=chosen,
                at=at,
                technician_id=tech,
                minutes=spent,
                visits=visits,
                km=distance,
                vehicle=vehicle,
                product=product,
                overage_minutes=over_minutes,
                overage_visits=over_visits,
                note=note,
            )
            uow.service.ledger.add(entry)
            return entry

    def _charged(
        self, uow: UnitOfWork, company: CompanyId, cited: ContractId | None, product: str, at: datetime
    ) -> Contract | None:
        day = at.astimezone(self.calendar.zone).date()
        contracts = uow.service.contracts.for_company(company)
        if cited is not None:
            chosen = next((c for c in contracts if c.id == cited), None)
            if chosen is None or not chosen.covers(chosen.company_id, product, day):
                raise ValidationError("contract", f"contract {cited} does not cover this work on {day} (S3)")
            return chosen
        found = covering_contract(contracts, company, product, day)
        if contracts and found is None:
            raise ValidationError(
                "contract", f"the work on {day} falls outside every contract of the customer (S3)"
            )
        return found

    def correct_work(
        self,
        *,
        actor: ActorRef,
        entry: object,
        minutes: int | None = None,
        km: Decimal | int | str | None = None,
        note: str = "",
    ) -> WorkEntry:
        """Correct a ledger entry with a new entry holding the difference (S3: the ledger is append-only).

        ``minutes`` and ``km`` are the right values; the correction books
        ``right − logged`` against the same contract, case and technician.

        Raises:
            NotFound: no such entry.
            ValidationError: negative ``minutes`` or ``km``, or nothing to correct.
            PermissionDenied: as :meth:`log_work`.
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        right_minutes = None if minutes is None else _count("minutes", minutes)
        right_km = None if km is None else _km(km)
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            old = uow.service.ledger.get(WorkEntryId(parse_id("entry", entry)))
            company = uow.companies.get(old.company_id)
            resource = InteractionResource(company=facts_of(uow, company, now), owner_id=old.technician_id)
            decide(who, Action.UPDATE, resource, now).enforce()
            delta_minutes = 0 if right_minutes is None else right_minutes - old.minutes
            delta_km = Decimal(0) if right_km is None else right_km - old.km
            if not delta_minutes and not delta_km:
                raise ValidationError("entry", "the correction changes nothing")
            fix = attrs.evolve(
                old,
                id=WorkEntryId(self._new_id()),
                minutes=delta_minutes,
                visits=0,
                km=delta_km,
                overage_minutes=0,
                overage_visits=0,
                corrects=old.id,
                note=note or f"correction of {old.id}",
            )
            uow.service.ledger.add(fix)
            return fix

    def work_for_contract(
        self, *, actor: ActorRef, contract: object, limit: int = 100, offset: int = 0
    ) -> list[WorkEntry]:
        """A contract's ledger entries by time of work (A8)."""
        now = self._now()
        with self._work(None) as uow:
            found = self._seen_contract(uow, actor, contract, now)
            return uow.service.ledger.for_contract(found.id, limit=limit, offset=offset)

    # -- planning (S6) -------------------------------------------------------------------------
    def book(
        self,
        *,
        actor: ActorRef,
        starts_at: datetime,
        ends_at: datetime,
        technician: object | None = None,
        vehicle: str = "",
        case: object | None = None,
        note: str = "",
    ) -> Booking:
        """Book a technician and/or a vehicle for ``[starts_at, ends_at)`` (S6).

        Raises:
            ValidationError: ``ends_at`` not after ``starts_at``; ``resource`` when neither is given;
                ``technician`` unknown or departed; nothing is stored.
            RuleViolation: ``S6``: the technician or vehicle is already booked then.
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            decide(who, Action.CREATE, AgendaResource(created_by=by, kind="booking"), now).enforce()
            booking = Booking(
                id=BookingId(self._new_id()),
                technician_id=None
                if technician is None
                else known_employee(uow, "technician", technician, now),
                vehicle=vehicle.strip() if isinstance(vehicle, str) else vehicle,
                starts_at=starts_at,
                ends_at=ends_at,
                case_id=None if case is None else uow.service.cases.get(CaseId(parse_id("case", case))).id,
                note=note,
                created_by=by,
                created_at=now,
            )
            uow.service.bookings.book(booking)
            return booking

    def cancel_booking(self, *, actor: ActorRef, booking: object, version: int | None = None) -> None:
        """Cancel a booking; only its creator may (A4).

        Raises:
            NotFound: no such booking.
            PermissionDenied: with the policy's reason.
        """
        by = EmployeeId(parse_id("actor", actor))
        now = self._now()
        with self._work(by) as uow:
            who = self._actor(uow, actor)
            found = uow.service.bookings.get(BookingId(parse_id("booking", booking)))
            resource = AgendaResource(created_by=found.created_by, kind="booking")
            decide(who, Action.DELETE, resource, now).enforce()
            check_version(BOOKING_AGGREGATE, found.id, found.version, version)
            uow.service.bookings.cancel(found)

    def plan(
        self,
        *,
        actor: ActorRef,
        period: Period,
        technician: object | None = None,
        vehicle: str | None = None,
    ) -> list[Booking]:
        """The bookings of a day, week or month (any :class:`~crmkit.domain.periods.Period`) by start (S6)."""
        now = self._now()
        with self._work(None) as uow:
            who = self._actor(uow, actor)
            decide(
                who, Action.VIEW, AgendaResource(created_by=who.employee.id, kind="booking"), now
            ).enforce()
            return uow.service.bookings.between(
                period.start,
                period.end,
                technician=None if technician is None else EmployeeId(parse_id("technician", technician)),
                vehicle=vehicle,
            )


def _target(field: str, hours: Decimal | int | str | None) -> int | None:
    if hours is None:
        return None
    minutes = hours_to_minutes(field, hours)
    if minutes <= 0:
        raise ValidationError(field, "a target is a positive working time")
    return minutes
