"""Targets use cases: ``crm.targets`` — turnover plans and plan-vs-actual (SPEC §4, Q1, Q4, Q5, A8).

* :meth:`TargetUseCases.add_plan` enters a plan: per scope value twelve
  monthly amounts, or a yearly figure spread equally or by percentages
  (:func:`~crmkit.domain.quotas.spread`). :meth:`~TargetUseCases.revise_plan`
  enters a new version; the old one stays readable.
* :meth:`TargetUseCases.report` is plan-vs-actual: the storage credits
  invoice lines through the territory valid on each invoice's date and sums
  them (in the database on SQL back ends); conversion, roll-up along the
  region tree, periods and projection are :mod:`crmkit.domain.plan_actual`.
  The report follows the access policy (A8): admins see every scope value,
  others the scope values of the teams they are members of (a rep: himself).
  Plan versions are immutable, so the use cases keep the last plans read
  (:data:`PLAN_CACHE` of them) and only check each one's stamp in storage.

Who may enter targets is :func:`crmkit.domain.quotas.may_edit_target`.

This module is a few lines over the house's 500: it is the ``crm.targets`` plans and
reports use case, one concept (quotas and goals are already in ``target_quotas``,
scoring in ``target_scoring``); the next split is the report assembly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from crmkit.domain.actuals import PRODUCT
from crmkit.domain.employees import Employee, Position
from crmkit.domain.errors import NotFound, PermissionDenied, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, PickListName, parse_id
from crmkit.domain.money import Money
from crmkit.domain.parties import SEGMENT_PICKLISTS
from crmkit.domain.periods import Period, require_aware
from crmkit.domain.plan_actual import (
    Credit,
    MissingRate,
    PlanReport,
    build_report,
    category_tree,
    convert,
    convert_summary,
)
from crmkit.domain.quotas import MONTHS, Plan, PlanId, PlanLine, ScopeType, may_edit_target, spread
from crmkit.domain.territory import RegionId, TeamId
from crmkit.ports.storage import UnitOfWork
from crmkit.services.actuals import rebuild
from crmkit.services.base import ServiceContext, parse_enum
from crmkit.services.target_quotas import QuotaUseCases
from crmkit.services.target_scoring import ScoringUseCases

__all__ = ["PLAN_CACHE", "SalesByRep", "TargetUseCases"]

PLAN_CACHE = 32
"""Plan versions the report keeps read (each checked by its stamp before use)."""


@attrs.frozen
class SalesByRep:
    """Sales per rep and per department in a period (Q6), in one currency.

    Attributes:
        by_rep: net sales credited to each owning rep (T4), by rep id.
        by_department: the same summed by the reps' department (``""``: none).
        missing_rates: what could not be converted into the currency.
    """

    by_rep: dict[EmployeeId, Decimal]
    by_department: dict[str, Decimal]
    missing_rates: tuple[MissingRate, ...]


_LISTED = {
    ScopeType.MICRO_REGION: SEGMENT_PICKLISTS["micro_region"],
    ScopeType.MEMBER_CATEGORY: SEGMENT_PICKLISTS["category"],
    ScopeType.PRODUCT_CATEGORY: "product_categories",
    ScopeType.PRODUCT_BRAND: "product_brands",
}
"""Scope types whose values come from a parameter list (C9)."""

Amounts = Sequence[object] | object
"""Twelve monthly amounts, or one yearly figure to spread."""


class TargetUseCases(QuotaUseCases, ScoringUseCases):
    """Plans (Q1), quotas (Q2), goals (Q3), plan-vs-actual (Q5) and customer scoring (V9)."""

    def __init__(self, context: ServiceContext) -> None:
        super().__init__(context)
        self._cached: dict[PlanId, Plan] = {}

    # -- helpers -------------------------------------------------------------------------------
    def _bounds(self, year: int) -> list[datetime]:
        zone = self._ctx.settings.timezone
        return [Period.month(year, m, zone).start for m in range(1, MONTHS + 1)] + [
            Period.year(year, zone).end
        ]

    @staticmethod
    def _led_teams(uow: UnitOfWork, who: Employee, at: datetime) -> frozenset[TeamId]:
        return frozenset(
            m.team_id
            for m in uow.memberships.for_employee(who.id)
            if m.active_at(at)
            and m.role.value in ("team_leader", "manager", "director", "region_responsible")
        )

    def _check_scopes(self, uow: UnitOfWork, scope_type: ScopeType, scopes: Sequence[str]) -> None:
        """Refuse a scope value that does not exist (field ``scope``)."""
        missing: list[str] = []
        if scope_type is ScopeType.TEAM:
            found = uow.teams.get_many(TeamId(parse_id("scope", s)) for s in scopes)
            missing = [s for s in scopes if TeamId(parse_id("scope", s)) not in found]
        elif scope_type is ScopeType.SALES_REGION:
            regions = uow.regions.get_many(RegionId(parse_id("scope", s)) for s in scopes)
            missing = [s for s in scopes if RegionId(parse_id("scope", s)) not in regions]
        elif scope_type is ScopeType.EMPLOYEE:
            people = uow.employees.get_many(EmployeeId(parse_id("scope", s)) for s in scopes)
            missing = [s for s in scopes if EmployeeId(parse_id("scope", s)) not in people]
        elif scope_type is ScopeType.CUSTOMER:
            firms = uow.companies.get_many(CompanyId(parse_id("scope", s)) for s in scopes)
            missing = [s for s in scopes if CompanyId(parse_id("scope", s)) not in firms]
        elif scope_type in _LISTED:
            name = PickListName(_LISTED[scope_type])
            codes = uow.picklists.get_many([name]).get(name)
            missing = [s for s in scopes if codes is None or s not in codes.values]
        elif scope_type is ScopeType.BRANCH:
            ids = [RegionId(parse_id("region", r)) for r in self._region_tree(uow)]
            branches = {r.branch for r in uow.regions.get_many(ids).values()}
            missing = [s for s in scopes if s not in branches]
        if missing:
            raise ValidationError("scope", f"no {scope_type.value} {missing[0]}")

    def _subject(
        self, uow: UnitOfWork, scope_type: ScopeType, scopes: Sequence[str], at: datetime
    ) -> tuple[EmployeeId | None, frozenset[TeamId]]:
        """Whose target a plan is, and the teams it belongs to, for :func:`may_edit_target`."""
        if scope_type is ScopeType.TEAM:
            return None, frozenset(TeamId(parse_id("scope", s)) for s in scopes)
        if scope_type is ScopeType.EMPLOYEE:
            people = [EmployeeId(parse_id("scope", s)) for s in scopes]
            teams = frozenset(
                m.team_id for p in people for m in uow.memberships.for_employee(p) if m.active_at(at)
            )
            return (people[0] if len(people) == 1 else None), teams
        return None, frozenset()

    def _lines(
        self,
        currency: str,
        amounts: Mapping[str, Amounts],
        percentages: Sequence[object] | None,
        quantities: Mapping[str, Sequence[object]] | None = None,
        base: Mapping[str, PlanLine] | None = None,
    ) -> tuple[PlanLine, ...]:
        """The lines of the scope values named in ``amounts`` or ``quantities``.

        A scope value named in only one of them keeps the other from ``base`` (the
        revised version), else has zero amounts or no quantities.
        """

        def plain(value: object) -> object:
            if isinstance(value, Money):
                if value.currency != currency:
                    raise ValidationError(
                        "currency", f"{value} is in {value.currency}; the plan is in {currency}"
                    )
                return value.amount
            return value

        if quantities is not None and not isinstance(quantities, Mapping):
            raise ValidationError("quantities", "give the quantities as a mapping of scope value to months")
        money = {str(k): v for k, v in amounts.items()}
        counts = {str(k): v for k, v in (quantities or {}).items()}
        before = base or {}
        lines = []
        for scope in dict.fromkeys([*money, *counts]):
            old = before.get(scope)
            given = money.get(scope)
            if given is None:
                months: tuple[object, ...] = old.amounts if old is not None else (0,) * MONTHS
            elif isinstance(given, Sequence) and not isinstance(given, str | bytes):
                months = tuple(plain(v) for v in given)
            else:
                months = spread(plain(given), currency, percentages)
            units = counts.get(scope, old.quantities if old is not None else None)
            lines.append(PlanLine(scope=scope, amounts=months, quantities=units))
        return tuple(lines)

    def _store(self, uow: UnitOfWork, who: Employee, plan: Plan) -> Plan:
        scopes = [line.scope for line in plan.lines]
        self._check_scopes(uow, plan.scope_type, scopes)
        now = self._now()
        subject, teams = self._subject(uow, plan.scope_type, scopes, now)
        may_edit_target(
            who, subject=subject, subject_teams=teams, led_teams=self._led_teams(uow, who, now), at=now
        ).enforce()
        uow.targets.add_plan(plan)
        return plan

    # -- Q1: plans -----------------------------------------------------------------------------
    def add_plan(
        self,
        *,
        actor: object,
        name: str,
        year: int,
        currency: str,
        scope_type: str | ScopeType,
        amounts: Mapping[str, Amounts],
        percentages: Sequence[object] | None = None,
        quantities: Mapping[str, Sequence[object]] | None = None,
    ) -> Plan:
        """Enter an annual turnover plan (Q1).

        Args:
            actor: who enters it (admins; managers for the teams they lead, not their own target).
            name: what it is called.
            year: the calendar year.
            currency: the plan's currency.
            scope_type: what the scope values are.
            amounts: per scope value (an id or a code, as text) twelve monthly
                amounts, or one yearly figure spread by ``percentages``.
            percentages: twelve percentages totalling exactly 100 (``None``: equal months).
            quantities: per scope value twelve monthly quantity targets, beside or
                instead of its amounts (a scope value without amounts gets zero amounts);
                :meth:`quantity_report` measures them.

        Raises:
            ValidationError: a negative amount (``amounts``), percentages not totalling 100
                (``percentages``), quantities that are not twelve non-negative numbers
                (``quantities``), a scope value that does not exist (``scope``); nothing is stored.
            PermissionDenied: the actor may not enter this plan.
        """
        kind = parse_enum(ScopeType, "scope_type", scope_type)
        if not isinstance(amounts, Mapping):
            raise ValidationError("amounts", "give the amounts as a mapping of scope value to amounts")
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            who = self._acting(uow, actor)
            plan = Plan(
                id=PlanId(self._new_id()),
                name=name,
                year=year,
                currency=currency,
                scope_type=kind,
                lines=self._lines(str(currency).upper(), amounts, percentages, quantities),
                created_at=self._now(),
                created_by=who.id,
            )
            return self._store(uow, who, plan)

    def revise_plan(
        self,
        *,
        actor: object,
        plan: object,
        amounts: Mapping[str, Amounts],
        percentages: Sequence[object] | None = None,
        quantities: Mapping[str, Sequence[object]] | None = None,
    ) -> Plan:
        """Enter a new version of a plan; the old version stays readable (Q1).

        Scope values not named in ``amounts`` keep their months, those not named
        in ``quantities`` their quantity targets.

        Raises:
            ValidationError: as :meth:`add_plan`; ``plan`` for a missing plan.
        """
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            who = self._acting(uow, actor)
            old = self._plan(uow, plan)
            base = {line.scope: line for line in old.lines}
            new_lines = self._lines(old.currency, amounts, percentages, quantities, base)
            changed = {line.scope: line for line in new_lines}
            lines = tuple(changed.pop(line.scope, line) for line in old.lines) + tuple(changed.values())
            new = Plan(
                id=PlanId(self._new_id()),
                name=old.name,
                year=old.year,
                currency=old.currency,
                scope_type=old.scope_type,
                lines=lines,
                revision=old.revision + 1,
                supersedes=old.id,
                created_at=self._now(),
                created_by=who.id,
            )
            return self._store(uow, who, new)

    @staticmethod
    def _plan(uow: UnitOfWork, plan: object) -> Plan:
        try:
            return uow.targets.plan(PlanId(parse_id("plan", plan)))
        except NotFound:
            raise ValidationError("plan", f"no plan {plan}") from None

    def _read_plan(self, uow: UnitOfWork, plan: object) -> Plan:
        """The plan version, from the cache when its stamp (version, creation instant) still matches."""
        key = PlanId(parse_id("plan", plan))
        try:
            stamp = uow.targets.plan_stamp(key)
        except NotFound:
            raise ValidationError("plan", f"no plan {plan}") from None
        cached = self._cached.get(key)
        if cached is not None and (cached.version, cached.created_at) == stamp:
            return cached
        found = self._plan(uow, key)
        if len(self._cached) >= PLAN_CACHE:
            self._cached.pop(next(iter(self._cached)))
        self._cached[key] = found
        return found

    def plan(self, *, actor: object, plan: object) -> Plan:
        """One plan version (any employee may read plans; the report filters what he sees).

        Raises:
            ValidationError: no such plan (field ``plan``).
        """
        with self._work(None) as uow:
            self._acting(uow, actor)
            return self._plan(uow, plan)

    def plans(self, *, actor: object, year: int | None = None) -> list[Plan]:
        """Every plan version (of ``year``), by year, name and revision."""
        with self._work(None) as uow:
            self._acting(uow, actor)
            return uow.targets.plans(year)

    # -- Q5: plan-vs-actual --------------------------------------------------------------------
    def _visible_scopes(
        self, uow: UnitOfWork, who: Employee, kind: ScopeType, at: datetime
    ) -> frozenset[str] | None:
        """The scope values ``who`` may see in a report (A8); ``None``: all."""
        if who.position.is_admin:
            return None
        teams = {m.team_id for m in uow.memberships.for_employee(who.id) if m.active_at(at)}
        if kind is ScopeType.TEAM:
            return frozenset(str(t) for t in teams)
        if kind is ScopeType.SALES_REGION:
            mine = {t.region_id for t in uow.teams.get_many(teams).values()}
            return frozenset(str(r) for r in mine)
        if kind is ScopeType.MICRO_REGION:
            return frozenset(link.code for link in uow.code_links.for_teams(teams) if link.active_at(at))
        if kind is ScopeType.EMPLOYEE:
            if who.position is Position.EMPLOYEE:
                return frozenset({str(who.id)})
            return frozenset(str(m.employee_id) for m in uow.memberships.active(teams, at)) | {str(who.id)}
        return frozenset()

    def report(self, *, actor: object, plan: object, at: datetime | None = None) -> PlanReport:
        """Plan-vs-actual of a plan (Q5), following the access policy (A8).

        Actuals are invoice lines (returns netted) credited through the territory
        valid on each invoice's date (T4), summed in the database on SQL back
        ends, converted into the plan's currency with each invoice's exchange
        rate (what cannot be converted is listed in ``missing_rates``). For a
        sales-region plan the actuals roll up the region tree; a region without
        its own target gets its children's.

        Every scope type is read from the monthly actuals summary: product
        category and brand plans through the product catalogue, a category's
        actual rolling up the category tree (``Boya/İç cephe`` is under ``Boya``).

        Raises:
            ValidationError: no such plan (field ``plan``).
        """
        return self._report(actor, plan, at, quantities=False)

    def quantity_report(self, *, actor: object, plan: object, at: datetime | None = None) -> PlanReport:
        """The plan's quantity targets against the net quantities invoiced (Q1, Q5), as :meth:`report`.

        Cells hold quantities: the lines' quantity targets (zero where a line has
        none) and the invoice lines' quantities (returns netted) credited the same
        way; quantities need no exchange rate.

        Raises:
            ValidationError: no such plan (field ``plan``).
        """
        return self._report(actor, plan, at, quantities=True)

    def _report(self, actor: object, plan: object, at: datetime | None, *, quantities: bool) -> PlanReport:
        when = self._now() if at is None else at
        with self._work(None) as uow:
            who = self._acting(uow, actor)
            found = self._read_plan(uow, plan)
            kind = found.scope_type
            parents: dict[str, str | None] | None = None
            actuals: Mapping[tuple[str, int], Decimal]
            missing: tuple[MissingRate, ...] = ()
            if kind in (ScopeType.PRODUCT_CATEGORY, ScopeType.PRODUCT_BRAND):
                credits = self._by_product(uow, kind, found.year, quantities)
                if kind is ScopeType.PRODUCT_CATEGORY:
                    names = {c.scope for c in credits} | {line.scope for line in found.lines}
                    parents = category_tree(names)
                if quantities:  # one credit per (value, month): no currency, no rate
                    actuals = {(c.scope, c.month): c.amount for c in credits}
                else:
                    actuals, missing = convert(credits, found.currency)
            elif quantities:
                actuals = uow.targets.quantities(kind.value, found.year)
            else:  # the Q5 summary, summed as stored
                rows = uow.targets.summary(kind.value, found.year)
                actuals, missing = convert_summary(rows, found.currency)
            if kind is ScopeType.SALES_REGION:
                parents = self._region_tree(uow)
            shown = self._visible_scopes(uow, who, kind, when)
            if shown is not None and parents is not None:
                shown = frozenset(s for s in parents if shown & self._chain(parents, s)) | shown
            return build_report(
                found, actuals, missing, parents=parents, visible=shown, quantities=quantities
            )

    @staticmethod
    def _by_product(uow: UnitOfWork, kind: ScopeType, year: int, quantities: bool = False) -> list[Credit]:
        """The summary's product rows credited to each product's category or brand (Q1, Q5).

        With ``quantities`` the credits carry net quantities (currency ``""``, no rate).
        """
        if quantities:
            counted = uow.targets.quantities(PRODUCT, year)
            rows = [Credit(p, m, "", None, q) for (p, m), q in counted.items()]
        else:
            rows = uow.targets.actuals(PRODUCT, year)
        catalogue = uow.points.products({c.scope for c in rows})
        field = "category" if kind is ScopeType.PRODUCT_CATEGORY else "brand"
        sums: dict[tuple[str, int, str, Decimal | None], Decimal] = {}
        for c in rows:
            value = getattr(catalogue.get(c.scope), field, None)
            if value:
                key = (value, c.month, c.currency, c.rate)
                sums[key] = sums.get(key, Decimal(0)) + c.amount
        return [Credit(s, m, cur, r, a) for (s, m, cur, r), a in sums.items()]

    def rebuild_actuals(self, *, actor: object) -> None:
        """Recompute the monthly actuals summary from every stored invoice (Q5); admins only.

        The import and the territory changes keep the summary true as they go;
        this is for a database that held invoices before the summary existed
        (revision 0019), or after the company's time zone changed.

        Raises:
            PermissionDenied: the actor is not an admin.
        """
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            who = self._acting(uow, actor)
            if not who.position.is_admin:
                raise PermissionDenied(f"{who.name} is not an admin; only admins rebuild the actuals summary")
            rebuild(uow, self._ctx.settings.timezone)

    @staticmethod
    def _chain(parents: Mapping[str, str | None], scope: str) -> set[str]:
        """``scope`` and every region above it."""
        chain: set[str] = set()
        node: str | None = scope
        while node is not None and node not in chain:
            chain.add(node)
            node = parents.get(node)
        return chain

    @staticmethod
    def _region_tree(uow: UnitOfWork) -> dict[str, str | None]:
        tree: dict[str, str | None] = {}
        frontier: list[RegionId | None] = [None]
        while frontier:
            parent = frontier.pop()
            for region in uow.regions.children(parent):
                tree[str(region.id)] = None if region.parent_id is None else str(region.parent_id)
                frontier.append(region.id)
        return tree

    # -- Q6: activity KPIs over invoices -------------------------------------------------------
    def sales_by_rep(
        self, *, actor: object, start: datetime, end: datetime, currency: str = "TRY"
    ) -> SalesByRep:
        """Sales per rep and per department in ``[start, end)`` (Q6), credited to each invoice date's owner.

        Returns are netted; amounts are converted into ``currency`` with each
        invoice's rate (what cannot be converted is listed). An admin sees every
        rep, a manager the members of his teams, an employee himself (A8).

        Raises:
            ValidationError: ``end`` not after ``start`` (field ``end``), or a naive datetime.
        """
        require_aware("start", start)
        require_aware("end", end)
        if end <= start:
            raise ValidationError("end", f"{end:%Y-%m-%d %H:%M} is not after {start:%Y-%m-%d %H:%M}")
        with self._work(None) as uow:
            who = self._acting(uow, actor)
            credits = uow.targets.credits(ScopeType.EMPLOYEE, [start, end])
            actuals, missing = convert(credits, str(currency).upper())
            shown = self._visible_scopes(uow, who, ScopeType.EMPLOYEE, self._now())
            reps = {
                EmployeeId(parse_id("scope", scope)): amount
                for (scope, _), amount in sorted(actuals.items())
                if shown is None or scope in shown
            }
            people = uow.employees.get_many(reps)
            departments: dict[str, Decimal] = {}
            for rep, amount in reps.items():
                found = people.get(rep)
                name = (found.department if found is not None else None) or ""
                departments[name] = departments.get(name, Decimal(0)) + amount
            gaps = tuple(g for g in missing if shown is None or g.scope in shown)
            return SalesByRep(by_rep=reps, by_department=departments, missing_rates=gaps)
